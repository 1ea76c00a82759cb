package dev.wsctl.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.StackConfig;
import dev.wsctl.deploy.Policies;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.iam.model.ContextEntry;
import software.amazon.awssdk.services.iam.model.ContextKeyTypeEnum;

/**
 * What deploy, status, destroy and the operations need, read from the one place that says it: the policies
 * {@code templates/policies/deploy.json} and {@code operator.json}, placeholders filled in for this stack. Each
 * statement is simulated as it is written: its actions on its resources (wildcards included), with the first value
 * each of its {@code StringEquals} and {@code ArnLike} conditions names as the simulation's context. The statements
 * only webhooks need (their Sid starts with {@code Webhook}) count only when the stack has {@code webhooks.url}.
 */
final class RequiredActions {
    static final List<String> POLICIES = List.of("deploy", "operator");
    /** How the Sid of a statement only a stack with webhooks needs starts. */
    static final String WEBHOOKS_ONLY = "Webhook";

    /** One statement of one policy. */
    record Statement(String policy, List<String> actions, List<String> resources, List<ContextEntry> context) {}

    private RequiredActions() {}

    /** @param apiId the deployed API's id; empty before a deploy (then any API: {@code *}) */
    static List<Statement> of(
            StackConfig config, String partition, String region, String account, Optional<String> apiId) {
        String tableArn = "arn:" + partition + ":dynamodb:" + region + ":" + account + ":table/";
        String queueArn = "arn:" + partition + ":sqs:" + region + ":" + account + ":" + config.webhooksQueueName();
        String functionArn = "arn:" + partition + ":lambda:" + region + ":" + account + ":function:"
                + config.functionName("webhooks");
        Map<String, String> values = Map.of(
                "partition",
                partition,
                "region",
                region,
                "account",
                account,
                "app",
                config.app(),
                "stage",
                config.stage(),
                "apiId",
                apiId.orElse("*"),
                "tableArn",
                tableArn + config.tableName(),
                "historyTableArn",
                tableArn + config.historyTableName(),
                "webhooksQueueArn",
                queueArn,
                "webhooksFunctionArn",
                functionArn);
        List<Statement> statements = new ArrayList<>();
        for (String policy : POLICIES) {
            for (JsonNode s : Policies.document(policy, values).get("Statement")) {
                if (s.path("Sid").asText().startsWith(WEBHOOKS_ONLY)
                        && !config.webhooks().enabled()) {
                    continue;
                }
                List<ContextEntry> context = new ArrayList<>();
                for (String operator : List.of("StringEquals", "ArnLike")) {
                    s.path("Condition")
                            .path(operator)
                            .fields()
                            .forEachRemaining(e -> context.add(ContextEntry.builder()
                                    .contextKeyName(e.getKey())
                                    .contextKeyType(ContextKeyTypeEnum.STRING)
                                    .contextKeyValues(
                                            Policies.values(e.getValue()).get(0))
                                    .build()));
                }
                statements.add(new Statement(
                        policy + ".json " + s.path("Sid").asText(),
                        Policies.values(s.get("Action")),
                        Policies.values(s.get("Resource")),
                        context));
            }
        }
        return statements;
    }
}
