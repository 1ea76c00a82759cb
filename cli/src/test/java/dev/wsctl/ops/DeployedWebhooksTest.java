package dev.wsctl.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.config.StackConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@link DeployedWebhooks} against moto's Lambda and SQS: the test makes the webhooks function and the dead-letter
 * queue with its own SDK clients ({@link AwsReadBack}) and puts bodies in the queue as the webhooks function does
 * (SendMessage with the attributes status, error, attempts, firstAttemptMs; docs/observability.md).
 */
class DeployedWebhooksTest {
    private static final AtomicInteger APPS = new AtomicInteger();
    private static final String SECRET = "ab".repeat(32);

    private AwsReadBack aws;
    private StackConfig config;
    private DeployedWebhooks webhooks;

    @BeforeEach
    void stack() {
        aws = new AwsReadBack(MotoServer.url());
        StackConfig d = StackConfig.defaults();
        config = new StackConfig(
                "h" + Long.toString(System.nanoTime() % 1_000_000, 36) + APPS.incrementAndGet(),
                "dev",
                d.region(),
                d.runtime(),
                d.architecture(),
                d.memory(),
                d.timeoutSeconds(),
                d.snapStart(),
                d.defaultChannel(),
                d.delivery(),
                d.maxMessageBytes(),
                d.throttling(),
                d.fanout(),
                d.tags(),
                d.auth(),
                d.publish(),
                d.history(),
                d.webhooks());
        webhooks = new DeployedWebhooks(aws.lambda, aws.sqs, config);
    }

    @AfterEach
    void close() {
        aws.close();
    }

    private void function(String fn, Map<String, String> environment) throws IOException {
        String role = aws.iam
                .createRole(r -> r.roleName(config.functionName(fn)).assumeRolePolicyDocument("{}"))
                .role()
                .arn();
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(zip)) {
            out.putNextEntry(new ZipEntry("a.txt"));
            out.closeEntry();
        }
        aws.lambda.createFunction(r -> r.functionName(config.functionName(fn))
                .runtime("java21")
                .role(role)
                .handler("dev.wsctl.handlers.WebhooksHandler")
                .environment(e -> e.variables(environment))
                .code(c -> c.zipFile(SdkBytes.fromByteArray(zip.toByteArray()))));
    }

    private String queue() {
        return aws.sqs.createQueue(r -> r.queueName(config.webhooksQueueName())).queueUrl();
    }

    private static MessageAttributeValue number(long n) {
        return MessageAttributeValue.builder()
                .dataType("Number")
                .stringValue(String.valueOf(n))
                .build();
    }

    /** As the webhooks function dead-letters a body. */
    private void deadLetter(String url, String body, int status, String error, int attempts, long firstAttemptMs) {
        aws.sqs.sendMessage(r -> r.queueUrl(url)
                .messageBody(body)
                .messageAttributes(Map.of(
                        "status", number(status),
                        "error",
                                MessageAttributeValue.builder()
                                        .dataType("String")
                                        .stringValue(error)
                                        .build(),
                        "attempts", number(attempts),
                        "firstAttemptMs", number(firstAttemptMs))));
    }

    @Test
    void theSecretIsTheWebhooksFunctionsVariable() throws IOException {
        function("webhooks", Map.of("WSCTL_WEBHOOK_SECRET", SECRET, "WSCTL_WEBHOOK_URL", "https://x.example.com/"));
        assertThat(webhooks.secret()).isEqualTo(SECRET);
    }

    @Test
    void withoutTheFunctionTheSecretIsOneSentenceSayingWhy() throws IOException {
        assertThatThrownBy(webhooks::secret)
                .isInstanceOf(DeployedWebhooks.NotDeployed.class)
                .hasMessage("Stack " + config.prefix() + " is not deployed.");
        function("connect", Map.of());
        assertThatThrownBy(webhooks::secret)
                .isInstanceOf(DeployedWebhooks.NotDeployed.class)
                .hasMessage("Stack " + config.prefix() + " has no webhooks (no function " + config.prefix()
                        + "-webhooks): set webhooks.url in wsctl.yaml and deploy.");
    }

    @Test
    void failedListsTheQueuesBodiesOldestFirstAndLeavesThemThere() {
        String url = queue();
        deadLetter(url, "{\"timeMs\":2,\"events\":[]}", 503, "503 Service Unavailable", 9, 2_000);
        deadLetter(url, "{\"timeMs\":1,\"events\":[]}", 0, "connection refused", 12, 1_000);
        deadLetter(url, "{\"timeMs\":3,\"events\":[]}", 404, "404 Not Found", 1, 3_000);

        List<WebhookTarget.FailedWebhook> listed = webhooks.failed();

        assertThat(listed)
                .extracting(
                        WebhookTarget.FailedWebhook::body,
                        WebhookTarget.FailedWebhook::status,
                        WebhookTarget.FailedWebhook::error,
                        WebhookTarget.FailedWebhook::attempts,
                        WebhookTarget.FailedWebhook::firstAttemptMs)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "{\"timeMs\":1,\"events\":[]}", 0, "connection refused", 12, 1_000L),
                        org.assertj.core.groups.Tuple.tuple(
                                "{\"timeMs\":2,\"events\":[]}", 503, "503 Service Unavailable", 9, 2_000L),
                        org.assertj.core.groups.Tuple.tuple(
                                "{\"timeMs\":3,\"events\":[]}", 404, "404 Not Found", 1, 3_000L));
        assertThat(aws.sqs
                        .getQueueAttributes(
                                r -> r.queueUrl(url).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                        .attributes())
                .as("visible again at once")
                .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "3");
        assertThat(new DeployedWebhooks(aws.lambda, aws.sqs, config).failed())
                .extracting(WebhookTarget.FailedWebhook::body)
                .hasSize(3);
    }

    @Test
    void removeDeletesTheBodyItWasGiven() {
        String url = queue();
        deadLetter(url, "{\"timeMs\":1}", 500, "500", 3, 1_000);
        deadLetter(url, "{\"timeMs\":2}", 500, "500", 3, 2_000);
        List<WebhookTarget.FailedWebhook> listed = webhooks.failed();

        webhooks.remove(listed.get(0));

        assertThat(webhooks.failed())
                .extracting(WebhookTarget.FailedWebhook::body)
                .containsExactly("{\"timeMs\":2}");
    }

    @Test
    void aBodyWithoutAttributesIsListedWithWhatSqsKnows() {
        String url = queue();
        aws.sqs.sendMessage(r -> r.queueUrl(url).messageBody("{}"));
        assertThat(webhooks.failed()).singleElement().satisfies(f -> {
            assertThat(f.body()).isEqualTo("{}");
            assertThat(f.firstAttemptMs()).as("when SQS got it").isPositive();
            assertThat(f.error()).isEmpty();
        });
    }

    @Test
    void withoutTheQueueTheStackHasNoWebhooks() {
        assertThatThrownBy(webhooks::failed)
                .isInstanceOf(DeployedWebhooks.NotDeployed.class)
                .hasMessageContaining("no queue " + config.prefix() + "-webhooks-failed");
    }
}
