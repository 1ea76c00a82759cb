package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.CallRecorder;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.aws.SdkAwsClients;
import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.config.Jackson;
import dev.wsctl.deploy.FunctionResource;
import dev.wsctl.deploy.StandInJar;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code wsctl webhooks secret|test|failed|redrive} on a deployed stack: deployed with {@code webhooks.url} into moto's
 * server, its failed bodies put in the dead-letter queue with the test's own SQS client as the webhooks function puts
 * them, posts going to a receiver on 127.0.0.1 that checks each signature with the secret as an endpoint would
 * (hex HMAC-SHA256 of the body, docs/observability.md#lifecycle-webhooks).
 */
class WebhooksDeployedCommandTest {
    private static final AtomicInteger APPS = new AtomicInteger();

    @TempDir
    Path dir;

    private final String app = "k" + Long.toString(System.nanoTime() % 1_000_000, 36) + APPS.incrementAndGet();
    private final String stack = app + "-dev";
    private final CallRecorder calls = new CallRecorder();
    private AwsReadBack aws;
    private HttpServer receiver;
    private Path config;
    /** What the receiver got: body and signature header. */
    private final List<String[]> posts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        aws = new AwsReadBack(MotoServer.url());
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            posts.add(new String[] {body, exchange.getRequestHeaders().getFirst("X-Wsctl-Signature")});
            // a body that says so is refused, as an endpoint that cannot take it yet
            exchange.sendResponseHeaders(body.contains("\"refuse\"") ? 500 : 200, -1);
            exchange.close();
        });
        receiver.start();
        config = Files.writeString(
                dir.resolve("wsctl.yaml"),
                "app: " + app + "\nwebhooks:\n  url: http://127.0.0.1:"
                        + receiver.getAddress().getPort() + "/hook\n");
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
        aws.close();
    }

    private CliRun wsctl(String... args) {
        Context context = new Context(
                Map.of(),
                (options, c, e) -> new SdkAwsClients(
                        Optional.empty(),
                        c.region(),
                        AwsEndpoints.of(Optional.of(MotoServer.url()), Map.of()),
                        List.of(calls)),
                new FunctionResource.Retry(12, BackoffStrategy.retryImmediately(), d -> {}));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--stage", "dev", "--region", "us-east-1", "--config", config.toString()));
        return CliRun.wsctl(context, all.toArray(String[]::new));
    }

    private void deploy() throws IOException {
        CliRun r = wsctl("deploy", "--handlers-jar", StandInJar.write(dir, "v1").toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    private String deployedSecret() {
        return aws.lambda
                .getFunctionConfiguration(g -> g.functionName(stack + "-webhooks"))
                .environment()
                .variables()
                .get("WSCTL_WEBHOOK_SECRET");
    }

    private String queueUrl() {
        return aws.sqs.getQueueUrl(q -> q.queueName(stack + "-webhooks-failed")).queueUrl();
    }

    private static MessageAttributeValue number(long n) {
        return MessageAttributeValue.builder()
                .dataType("Number")
                .stringValue(String.valueOf(n))
                .build();
    }

    private void deadLetter(String body, int status, int attempts, long firstAttemptMs) {
        aws.sqs.sendMessage(r -> r.queueUrl(queueUrl())
                .messageBody(body)
                .messageAttributes(Map.of(
                        "status", number(status),
                        "attempts", number(attempts),
                        "firstAttemptMs", number(firstAttemptMs),
                        "error",
                                MessageAttributeValue.builder()
                                        .dataType("String")
                                        .stringValue("HTTP " + status)
                                        .build())));
    }

    private static String sign(String secret, String body) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void secretPrintsTheWebhooksFunctionsSecret() throws IOException {
        deploy();
        CliRun r = wsctl("webhooks", "secret");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().trim()).isEqualTo(deployedSecret()).matches("[0-9a-f]{64}");
    }

    @Test
    void testPostsOneSignedSampleToTheEndpoint() throws Exception {
        deploy();
        CliRun r = wsctl("webhooks", "test");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("/hook: 200");
        assertThat(posts).singleElement().satisfies(p -> {
            assertThat(p[0]).contains("channel_occupied");
            assertThat(p[1]).isEqualTo(sign(deployedSecret(), p[0]));
        });
    }

    @Test
    void failedListsTheQueuedBodiesOldestFirstAndLeavesThem() throws IOException {
        deploy();
        deadLetter("{\"timeMs\":2,\"events\":[{\"name\":\"connected\",\"connectionId\":\"b\"}]}", 503, 7, 2_000);
        deadLetter("{\"timeMs\":1,\"events\":[{\"name\":\"connected\",\"connectionId\":\"a\"}]}", 404, 1, 1_000);

        CliRun r = wsctl("webhooks", "failed", "-o", "json");

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode failed = Jackson.mapper().readTree(r.out()).get("failed");
        assertThat(failed).hasSize(2);
        assertThat(failed.get(0).get("firstAttemptMs").asLong()).isEqualTo(1_000);
        assertThat(failed.get(0).get("status").asInt()).isEqualTo(404);
        assertThat(failed.get(0).get("attempts").asInt()).isEqualTo(1);
        assertThat(failed.get(0).at("/body/events/0/connectionId").asText()).isEqualTo("a");
        assertThat(failed.get(1).get("status").asInt()).isEqualTo(503);
        assertThat(failed.get(1).get("error").asText()).isEqualTo("HTTP 503");
        assertThat(wsctl("webhooks", "failed").out().lines().skip(1).count())
                .as("still both")
                .isEqualTo(2);
        assertThat(posts).isEmpty();
    }

    @Test
    void redriveResendsEachBodySignedAndRemovesWhatTheEndpointAccepted() throws Exception {
        deploy();
        String taken = "{\"timeMs\":1,\"events\":[{\"name\":\"channel_occupied\",\"channel\":\"news\"}]}";
        String refused = "{\"timeMs\":2,\"events\":[{\"name\":\"channel_vacated\",\"channel\":\"refuse\"}]}";
        deadLetter(taken, 503, 9, 1_000);
        deadLetter(refused, 503, 9, 2_000);

        CliRun r = wsctl("webhooks", "redrive");

        assertThat(r.code()).as("one still fails").isEqualTo(ExitCode.FAILED);
        assertThat(r.out()).contains("Redelivered 1 of 2");
        assertThat(posts).extracting(p -> p[0]).containsExactly(taken, refused);
        for (String[] p : posts) {
            assertThat(p[1]).isEqualTo(sign(deployedSecret(), p[0]));
        }
        assertThat(aws.sqs
                        .getQueueAttributes(q -> q.queueUrl(queueUrl())
                                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                        .attributes())
                .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "1");
        CliRun left = wsctl("webhooks", "failed", "-o", "json");
        assertThat(Jackson.mapper().readTree(left.out()).get("failed"))
                .singleElement()
                .satisfies(
                        f -> assertThat(f.at("/body/events/0/channel").asText()).isEqualTo("refuse"));
    }

    @Test
    void aStackThatIsNotDeployedIsOneSentence() {
        CliRun r = wsctl("webhooks", "secret");
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err()).isEqualTo("wsctl: Stack " + stack + " is not deployed.\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aStackDeployedWithoutWebhooksSaysHowToGetThem() throws IOException {
        Path with = config;
        config = Files.writeString(dir.resolve("plain.yaml"), "app: " + app + "\n");
        deploy();
        config = with;
        CliRun r = wsctl("webhooks", "failed");
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .isEqualTo("wsctl: Stack " + stack + " has no webhooks (no queue " + stack
                        + "-webhooks-failed): set webhooks.url in wsctl.yaml and deploy.\n");
    }
}
