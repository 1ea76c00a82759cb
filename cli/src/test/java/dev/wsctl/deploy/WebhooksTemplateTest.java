package dev.wsctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.wsctl.cli.CliRun;
import dev.wsctl.cli.Context;
import dev.wsctl.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wsctl template} with {@code webhooks.url}: the same resources deploy makes ({@link WebhooksDeployTest}), as
 * CloudFormation resources; cfn-lint checks the render too ({@link TemplateLintTest}, config "webhooks").
 */
class WebhooksTemplateTest {
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path dir;

    private JsonNode render(String config) throws IOException {
        Path file = dir.resolve("wsctl.yaml");
        Files.writeString(file, config);
        CliRun r = CliRun.wsctl(
                new Context(Map.of(), Context.system().aws(), Context.system().roleRetry()),
                "template",
                "--config",
                file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        return YAML.readTree(r.out());
    }

    @Test
    void webhooksAddTheStreamTheQueueTheFunctionAndTheMappingWithTheSecretAsANoEchoParameter() throws IOException {
        JsonNode t = render("app: chat\nstage: prod\nwebhooks:\n  url: https://hooks.example.com/wsctl\n"
                + "  events: [channel_occupied, channel_vacated]\n");

        assertThat(t.at("/Resources/ConnectionsTable/Properties/StreamSpecification/StreamViewType")
                        .asText())
                .isEqualTo("NEW_AND_OLD_IMAGES");
        assertThat(t.at("/Resources/ChannelHistoryTable/Properties/StreamSpecification")
                        .isMissingNode())
                .isTrue();

        JsonNode queue = t.at("/Resources/WebhooksFailedQueue");
        assertThat(queue.path("Type").asText()).isEqualTo("AWS::SQS::Queue");
        assertThat(queue.at("/Properties/QueueName").asText()).isEqualTo("chat-prod-webhooks-failed");
        assertThat(queue.at("/Properties/MessageRetentionPeriod").asInt()).isEqualTo(1209600);
        assertThat(queue.at("/Properties/SqsManagedSseEnabled").asBoolean()).isTrue();

        JsonNode secret = t.at("/Parameters/" + Template.WEBHOOK_SECRET);
        assertThat(secret.path("NoEcho").asBoolean()).isTrue();
        assertThat(secret.path("AllowedPattern").asText()).isEqualTo("[0-9a-f]{64}");

        JsonNode function = t.at("/Resources/WebhooksFunction/Properties");
        assertThat(function.path("FunctionName").asText()).isEqualTo("chat-prod-webhooks");
        assertThat(function.path("Handler").asText()).isEqualTo("dev.wsctl.handlers.WebhooksHandler");
        assertThat(function.path("Timeout").asInt()).isEqualTo(420);
        JsonNode env = function.at("/Environment/Variables");
        assertThat(env.path("WSCTL_WEBHOOK_SECRET")).isEqualTo(Json.object().put("Ref", Template.WEBHOOK_SECRET));
        assertThat(env.path("WSCTL_WEBHOOK_DEAD_LETTERS"))
                .isEqualTo(Json.object().put("Ref", "WebhooksFailedQueue"));
        assertThat(env.path("WSCTL_WEBHOOK_URL").asText()).isEqualTo("https://hooks.example.com/wsctl");
        assertThat(env.path("WSCTL_WEBHOOK_EVENTS").asText()).isEqualTo("channel_occupied channel_vacated");

        JsonNode policy = t.at("/Resources/WebhooksRole/Properties/Policies/0/PolicyDocument/Statement");
        assertThat(policy.toString())
                .contains(
                        "dynamodb:GetRecords",
                        "sqs:SendMessage",
                        "[\"WebhooksFailedQueue\",\"Arn\"]",
                        "${ConnectionsTable.Arn}/stream/*");

        JsonNode mapping = t.at("/Resources/WebhooksEventSource");
        assertThat(mapping.path("Type").asText()).isEqualTo("AWS::Lambda::EventSourceMapping");
        JsonNode p = mapping.path("Properties");
        assertThat(p.path("EventSourceArn"))
                .isEqualTo(Json.object()
                        .set(
                                "Fn::GetAtt",
                                dev.wsctl.config.Jackson.mapper()
                                        .createArrayNode()
                                        .add("ConnectionsTable")
                                        .add("StreamArn")));
        assertThat(p.path("FunctionName")).isEqualTo(Json.object().put("Ref", "WebhooksAlias"));
        assertThat(p.path("StartingPosition").asText()).isEqualTo("LATEST");
        assertThat(p.path("BatchSize").asInt()).isEqualTo(100);
        assertThat(p.path("MaximumBatchingWindowInSeconds").asInt()).isEqualTo(1);
        assertThat(p.path("ParallelizationFactor").asInt()).isEqualTo(1);
        assertThat(p.at("/FilterCriteria/Filters/0/Pattern").asText()).isEqualTo(EventSourceMappingResource.FILTER);

        assertThat(t.at("/Outputs/FunctionWebhooks/Value").asText()).isEqualTo("chat-prod-webhooks");
        assertThat(t.at("/Outputs/WebhooksQueue/Value")).isEqualTo(Json.object().put("Ref", "WebhooksFailedQueue"));
    }

    @Test
    void theDefaultRenderHasNoneOfThem() throws IOException {
        JsonNode t = render("app: chat\nstage: prod\n");
        assertThat(t.toString())
                .doesNotContain(
                        "StreamSpecification",
                        "AWS::SQS::Queue",
                        "AWS::Lambda::EventSourceMapping",
                        "Webhook",
                        "webhooks");
    }
}
