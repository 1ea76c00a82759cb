package dev.wsctl.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.config.ConfigLoader;
import dev.wsctl.config.StackConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code wsctl doctor} simulates: the policies' statements, the webhooks' only for a stack with webhooks. */
class RequiredActionsTest {
    @TempDir
    Path dir;

    private List<RequiredActions.Statement> statements(String yaml) throws IOException {
        Files.writeString(dir.resolve("wsctl.yaml"), "app: chat\nstage: prod\n" + yaml);
        StackConfig config = new ConfigLoader(dir, Map.of()).load(null, List.of());
        return RequiredActions.of(config, "aws", "eu-west-1", "123456789012", Optional.of("a1"));
    }

    private static List<String> names(List<RequiredActions.Statement> statements) {
        return statements.stream().map(RequiredActions.Statement::policy).toList();
    }

    @Test
    void theWebhooksStatementsCountOnlyWithWebhooks() throws IOException {
        List<String> without = names(statements(""));
        assertThat(without)
                .contains("deploy.json FindWebhooksQueue", "deploy.json FindEventSourceMappings")
                .noneMatch(n -> n.contains(".json Webhook"));
        var withWebhooks = statements("webhooks:\n  url: https://hooks.example.com/wsctl\n");
        assertThat(withWebhooks)
                .as("every placeholder filled in")
                .allSatisfy(s -> assertThat(s.resources()).noneMatch(r -> r.contains("${")));
        List<String> with = names(withWebhooks);
        assertThat(with)
                .containsAll(without)
                .contains(
                        "deploy.json WebhooksStream",
                        "deploy.json WebhooksQueue",
                        "deploy.json WebhooksCreateEventSourceMapping",
                        "deploy.json WebhooksReadEventSourceMapping",
                        "deploy.json WebhooksChangeEventSourceMapping",
                        "operator.json WebhookDeadLetters",
                        "operator.json WebhookSecret");
    }

    @Test
    void conditionsBecomeTheSimulationsContext() throws IOException {
        var statements = statements("webhooks:\n  url: https://hooks.example.com/wsctl\n");
        assertThat(context(statements, "deploy.json PassRolesToLambda"))
                .containsExactly("iam:PassedToService=lambda.amazonaws.com");
        assertThat(context(statements, "deploy.json WebhooksCreateEventSourceMapping"))
                .containsExactly(
                        "lambda:FunctionArn=arn:aws:lambda:eu-west-1:123456789012:function:chat-prod-webhooks");
        assertThat(context(statements, "deploy.json Roles")).isEmpty();
    }

    private static List<String> context(List<RequiredActions.Statement> statements, String name) {
        return statements.stream()
                .filter(s -> s.policy().equals(name))
                .flatMap(s -> s.context().stream())
                .map(c -> c.contextKeyName() + "=" + String.join(",", c.contextKeyValues()))
                .toList();
    }
}
