package dev.wsctl.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.lambda.LambdaHarness.Function;
import dev.wsctl.metrics.EmfSpec;
import dev.wsctl.protocol.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every function of the handlers.jar that {@code wsctl deploy} uploads, run as Lambda runs it ({@link LambdaHarness}:
 * the official runtime interface client, a local Runtime API, exactly the documented environment of the initialization
 * type, the handler strings and variables from the deploy model, credentials where Lambda puts them): each function
 * on demand and under SnapStart (wsctl's default), send with provisioned concurrency too, and connect with DynamoDB
 * over TLS. One fresh JVM per case (1–6 s each on a two-core machine shared with other builds).
 */
class LambdaContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LambdaHarness harness;

    @BeforeAll
    static void start() {
        harness = LambdaHarness.start(LambdaHarness.SHORT_LIVED);
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @ParameterizedTest(name = "{0}, {1}, DynamoDB over TLS: {2}")
    @CsvSource({
        "CONNECT, snap-start, false",
        "DISCONNECT, snap-start, false",
        "CHANNELS, snap-start, false",
        "SEND, snap-start, false",
        "DEFAULT, snap-start, false",
        "AUTHORIZE, snap-start, false",
        "FANOUT, snap-start, false",
        "CONNECT, on-demand, false",
        "DISCONNECT, on-demand, false",
        "CHANNELS, on-demand, false",
        "SEND, on-demand, false",
        "DEFAULT, on-demand, false",
        "AUTHORIZE, on-demand, false",
        "FANOUT, on-demand, false",
        "SEND, provisioned-concurrency, false",
        "CONNECT, on-demand, true"
    })
    void eachFunctionHandlesItsEventAsLambdaRunsIt(Function function, String initializationType, boolean overTls) {
        InitializationType type = InitializationType.of(initializationType);
        int postsBefore = harness.postsReceived();
        harness.dynamoDbOverTls(overTls);

        LambdaHarness.Run run = harness.run(function, LambdaHarness.LAMBDA_JVM_FLAGS, type);

        // run() has checked both answers; send and fanout also reached every subscriber, twice
        assertThat(run.response()).contains(function.expected);
        assertThat(run.initDone()).isPositive();
        assertThat(run.handled()).isGreaterThan(run.initDone());
        if (function == Function.SEND || function == Function.FANOUT) {
            // and a snapshot's (or provisioned concurrency's) init primes @connections with one unsigned request
            int priming = type.initAhead() ? 1 : 0;
            assertThat(harness.postsReceived() - postsBefore).isEqualTo(2 * LambdaHarness.SUBSCRIBERS + priming);
        }
        if (type.containerCredentials()) {
            assertThat(run.fetches())
                    .as("every request to the credentials endpoint carried its token")
                    .allMatch(LambdaHarness.Fetch::authorized);
            assertThat(run.fetches())
                    .as("no credentials fetched before the snapshot")
                    .noneMatch(f -> f.at() < run.eventFrom());
            if (function != Function.AUTHORIZE && function != Function.DEFAULT) {
                // every function but these two signs requests (DynamoDB, @connections), and with credentials that
                // expire 90 s after they are handed out (SHORT_LIVED) the SDK's container provider fetches new ones,
                // before they expire, for the requests after the first: its refresh
                assertThat(run.fetches())
                        .as("fetched at first use after the restore, then refreshed")
                        .hasSizeGreaterThanOrEqualTo(2);
                assertThat(run.fetches())
                        .extracting(LambdaHarness.Fetch::accessKeyId)
                        .doesNotHaveDuplicates();
            }
        } else {
            assertThat(run.fetches())
                    .as("credentials in variables: the endpoint is not used")
                    .isEmpty();
        }
        // the functions log JSON lines only: nothing else (a library's warning, the runtime's) on stdout or stderr
        assertThat(run.output().lines().filter(line -> !line.isBlank()))
                .as(run.output())
                .allSatisfy(line -> assertThat(line).startsWith("{"));
        // and each invocation's lines carry the request id the Runtime API gave it, the first as the cold start
        List<JsonNode> lines = run.output()
                .lines()
                .filter(line -> !line.isBlank())
                .map(LambdaContractTest::json)
                .toList();
        for (int i = 0; i < 2; i++) {
            String requestId = run.requestIds().get(i);
            boolean coldStart = i == 0;
            assertThat(lines)
                    .as(run.output())
                    .filteredOn(line -> line.path("requestId").asText().equals(requestId))
                    .isNotEmpty()
                    .allSatisfy(line ->
                            assertThat(line.get("coldStart").asBoolean()).isEqualTo(coldStart));
        }
        // the EMF lines among them are valid EMF documents, and each invocation wrote its function's metrics
        List<String> emf = run.output().lines().filter(EmfSpec::isEmf).toList();
        assertThat(emf)
                .allSatisfy(line -> assertThat(EmfSpec.problems(line)).as(line).isEmpty());
        assertThat(emf.stream().map(LambdaContractTest::json).flatMap(line -> metrics(line).stream()))
                .as(run.output())
                .containsExactlyInAnyOrderElementsOf(twice(METRICS.get(function)));
        if (function == Function.SEND || function == Function.FANOUT) {
            assertThat(emf.stream().map(LambdaContractTest::json).filter(line -> line.has("Delivered")))
                    .allSatisfy(
                            line -> assertThat(line.get("Delivered").asLong()).isEqualTo(LambdaHarness.SUBSCRIBERS));
        }
        // every other line was written at init, before any invocation (the send path's fan-out, built into a
        // snapshot or a provisioned environment, logs whether it shards)
        assertThat(lines)
                .as(run.output())
                .filteredOn(line -> !line.has("requestId"))
                .allSatisfy(line -> assertThat(line.path("event").asText()).isEqualTo("sharding"));
    }

    /**
     * With history on in the functions' environment ({@code WSCTL_HISTORY_CHANNELS}, the table in
     * {@code WSCTL_HISTORY_TABLE} as deploy sets it), the functions build the history store on their DynamoDB client:
     * send keeps each message before its fan-out and acks its offset and epoch; a join with {@code since} before
     * them has both replayed to the joining connection and answers {@code recovered}.
     */
    @Test
    void withHistoryOnASendKeepsItsMessagesAndAJoinWithSinceRecoversThem() throws IOException {
        harness.dynamoDbOverTls(false);
        Consumer<Map<String, String>> history = env -> {
            assertThat(env).containsKey(Settings.ENV_HISTORY_TABLE);
            env.put(Settings.ENV_HISTORY_CHANNELS, "news");
        };

        LambdaHarness.Run send =
                harness.run(Function.SEND, LambdaHarness.LAMBDA_JVM_FLAGS, InitializationType.SNAP_START, history);

        // the first of the two sends: a fresh channel's first offset
        JsonNode ack = body(send.response());
        assertThat(ack.get("recipients").asInt()).isEqualTo(LambdaHarness.SUBSCRIBERS);
        long offset = ack.get("offset").asLong();
        String epoch = ack.get("epoch").asText();
        assertThat(epoch).isNotEmpty();

        ObjectNode join = (ObjectNode) JSON.readTree(harness.event(Function.CHANNELS));
        join.put(
                "body",
                "{\"action\":\"joinchannel\",\"channel\":\"news\",\"since\":{\"offset\":" + (offset - 1)
                        + ",\"epoch\":\"" + epoch + "\"}}");
        int before = harness.delivered(LambdaHarness.SENDER).size();
        LambdaHarness.Run recovery = harness.run(
                Function.CHANNELS,
                LambdaHarness.LAMBDA_JVM_FLAGS,
                InitializationType.ON_DEMAND,
                history,
                JSON.writeValueAsBytes(join));

        JsonNode joined = body(recovery.response());
        assertThat(joined.get("type").asText()).isEqualTo("joined");
        assertThat(joined.get("recovered").asBoolean()).as(recovery.output()).isTrue();
        assertThat(joined.get("epoch").asText()).isEqualTo(epoch);
        assertThat(joined.get("offset").asLong()).isEqualTo(offset + 1);
        // each of the two joins replayed both messages (the send's two invocations) to the joining connection
        List<JsonNode> replayed = harness.delivered(LambdaHarness.SENDER).stream()
                .skip(before)
                .map(frame -> json(new String(frame, StandardCharsets.UTF_8)))
                .toList();
        assertThat(replayed)
                .extracting(f -> f.get("offset").asLong())
                .containsExactly(offset, offset + 1, offset, offset + 1);
    }

    /** The metrics each function's invocation writes (with their EMF lines: {@link #metrics}). */
    private static final Map<Function, List<String>> METRICS = Map.of(
            Function.CONNECT, List.of("Connects"),
            Function.DISCONNECT, List.of("Disconnects"),
            Function.CHANNELS, List.of(),
            Function.SEND, List.of("Published", "Delivered", "Gone", "Failed", "Throttled", "FanoutDuration"),
            Function.DEFAULT, List.of(),
            Function.AUTHORIZE, List.of(),
            Function.FANOUT, List.of("Delivered", "Gone", "Failed", "Throttled", "FanoutDuration"));

    private static List<String> twice(List<String> metrics) {
        List<String> both = new java.util.ArrayList<>(metrics);
        both.addAll(metrics);
        return both;
    }

    /** The metric names an EMF line's directives declare. */
    private static List<String> metrics(JsonNode line) {
        List<String> names = new java.util.ArrayList<>();
        line.path("_aws")
                .path("CloudWatchMetrics")
                .forEach(d ->
                        d.path("Metrics").forEach(m -> names.add(m.get("Name").asText())));
        return names;
    }

    /**
     * The authorizer's deny (a page from an origin off the allowlist), as Lambda runs it: one EMF line counting
     * {@code Denied} under the log line's reason, valid EMF.
     */
    @Test
    void theAuthorizersDenyWritesDeniedWithItsReason() throws IOException {
        harness.dynamoDbOverTls(false);
        ObjectNode event = (ObjectNode) JSON.readTree(harness.event(Function.AUTHORIZE));
        ((ObjectNode) event.get("headers")).put("Origin", "https://evil.example.org");

        LambdaHarness.Run run = harness.run(
                Function.AUTHORIZE,
                LambdaHarness.LAMBDA_JVM_FLAGS,
                InitializationType.ON_DEMAND,
                env -> {},
                JSON.writeValueAsBytes(event),
                "\"Effect\":\"Deny\"");

        List<String> emf = run.output().lines().filter(EmfSpec::isEmf).toList();
        assertThat(emf)
                .as(run.output())
                .hasSize(2)
                .allSatisfy(line -> assertThat(EmfSpec.problems(line)).as(line).isEmpty());
        JsonNode line = json(emf.get(0));
        assertThat(line.get("Denied").asInt()).isEqualTo(1);
        assertThat(line.get("reason").asText()).isEqualTo("origin_not_allowed");
        assertThat(line.get("app").asText())
                .isEqualTo(harness.deployed(Function.AUTHORIZE).environment().get("WSCTL_APP"));
        assertThat(line.get("requestId").asText()).isEqualTo(run.requestIds().get(0));
    }

    /** The frame in a route function's answer: its {@code body}. */
    private static JsonNode body(String response) throws IOException {
        return JSON.readTree(JSON.readTree(response).get("body").asText());
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A function whose environment lacks a variable it reads fails where Lambda would see it: here its init (no
     * table name), which the runtime client reports through the Runtime API's init error, and the run fails.
     */
    @Test
    void aVariableMissingFromTheEnvironmentFailsTheRunWithTheInitError() {
        harness.dynamoDbOverTls(false);

        assertThatThrownBy(() -> harness.run(
                        Function.CONNECT,
                        LambdaHarness.LAMBDA_JVM_FLAGS,
                        InitializationType.SNAP_START,
                        env -> env.remove(dev.wsctl.protocol.Settings.ENV_TABLE)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("init/error")
                .hasMessageContaining(dev.wsctl.protocol.Settings.ENV_TABLE);
    }

    /**
     * The webhooks function as Lambda runs it with deploy's environment, given a DynamoDB stream batch as Lambda sends
     * it ("Using AWS Lambda with Amazon DynamoDB", https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html): a
     * receiver on 127.0.0.1 checks each POST's signature with its own HMAC and gets the events in record order; the
     * subscription row's and the MODIFY's records are no events. The runtime hands the batch twice (at least once).
     */
    @Test
    void theWebhooksFunctionPostsAStreamBatchSigned() throws IOException {
        String secret = "0123456789abcdef".repeat(4);
        try (dev.wsctl.webhooks.WebhookReceiver receiver = new dev.wsctl.webhooks.WebhookReceiver(secret, null)) {
            harness.webhooks = new LambdaHarness.Webhooks(receiver.url(), secret, null);
            String id = "AbCdEfGhIjKlM=";
            String batch = "{\"Records\":["
                    + record(1, "INSERT", keys(id, "#connection"), "NewImage", meta(id, "alice"))
                    + ","
                    + record(
                            2,
                            "INSERT",
                            keys("#occupancy:news", "#count"),
                            "NewImage",
                            "{\"connectionId\":{\"S\":\"#occupancy:news\"},\"channel\":{\"S\":\"#count\"},"
                                    + "\"subscribers\":{\"N\":\"1\"}}")
                    + ","
                    + record(
                            3,
                            "INSERT",
                            keys("#members:presence-room", "#alice"),
                            "NewImage",
                            "{\"connectionId\":{\"S\":\"#members:presence-room\"},\"channel\":{\"S\":\"#alice\"}}")
                    + ","
                    + record(
                            4,
                            "MODIFY",
                            keys("#occupancy:news", "#count"),
                            "NewImage",
                            "{\"connectionId\":{\"S\":\"#occupancy:news\"},\"channel\":{\"S\":\"#count\"},"
                                    + "\"subscribers\":{\"N\":\"2\"}}")
                    + ","
                    + record(
                            5,
                            "REMOVE",
                            keys("#members:presence-room", "#alice"),
                            "OldImage",
                            "{\"connectionId\":{\"S\":\"#members:presence-room\"},\"channel\":{\"S\":\"#alice\"}}")
                    + ","
                    + record(
                            6,
                            "REMOVE",
                            keys("#occupancy:news", "#count"),
                            "OldImage",
                            "{\"connectionId\":{\"S\":\"#occupancy:news\"},\"channel\":{\"S\":\"#count\"},"
                                    + "\"subscribers\":{\"N\":\"0\"}}")
                    + "," + record(7, "REMOVE", keys(id, "#connection"), "OldImage", meta(id, "alice"))
                    + "]}";

            LambdaHarness.Run run = harness.run(
                    Function.WEBHOOKS,
                    LambdaHarness.LAMBDA_JVM_FLAGS,
                    InitializationType.ON_DEMAND,
                    env -> {},
                    batch.getBytes(StandardCharsets.UTF_8));

            assertThat(run.response()).contains("\"events\":6", "\"status\":200", "\"attempts\":1");
            assertThat(receiver.badSignatures).hasValue(0);
            assertThat(receiver.posts).hasSize(2).allMatch(p -> "application/json".equals(p.contentType()));
            List<String> expected = List.of(
                    "connected " + id + " alice -",
                    "channel_occupied - - news",
                    "member_added - alice presence-room",
                    "member_removed - alice presence-room",
                    "channel_vacated - - news",
                    "disconnected " + id + " alice -");
            List<String> got = receiver.acceptedEvents().stream()
                    .map(e -> e.path("name").asText() + " "
                            + e.path("connectionId").asText("-") + " "
                            + e.path("user").asText("-") + " "
                            + e.path("channel").asText("-"))
                    .toList();
            assertThat(got.subList(0, 6)).containsExactlyElementsOf(expected);
            assertThat(got.subList(6, 12)).containsExactlyElementsOf(expected);
        } finally {
            harness.webhooks = null;
        }
    }

    /**
     * A body the endpoint refuses (4xx) goes to the dead-letter queue, here moto's SQS (reached through
     * {@code AWS_ENDPOINT_URL_SQS}), signed with the credentials Lambda gives the function; the message read back with
     * the SDK is the body as posted.
     */
    @Test
    void theWebhooksFunctionDeadLettersARefusedBatchInSqs() throws IOException {
        String secret = "fedcba9876543210".repeat(4);
        try (dev.wsctl.aws.AwsReadBack aws = new dev.wsctl.aws.AwsReadBack(dev.wsctl.aws.MotoServer.url());
                dev.wsctl.webhooks.WebhookReceiver receiver = new dev.wsctl.webhooks.WebhookReceiver(secret, null)) {
            String queue = aws.sqs
                    .createQueue(b -> b.queueName("bench-cold-webhooks-failed-" + System.nanoTime()))
                    .queueUrl();
            receiver.answers = () -> 400;
            harness.webhooks = new LambdaHarness.Webhooks(receiver.url(), secret, queue);
            String batch =
                    "{\"Records\":[" + record(1, "INSERT", keys("#occupancy:news", "#count"), "NewImage", "{}") + "]}";

            LambdaHarness.Run run = harness.run(
                    Function.WEBHOOKS,
                    LambdaHarness.LAMBDA_JVM_FLAGS,
                    InitializationType.ON_DEMAND,
                    env -> env.put(
                            "AWS_ENDPOINT_URL_SQS",
                            dev.wsctl.aws.MotoServer.url().toString()),
                    batch.getBytes(StandardCharsets.UTF_8),
                    "\"deadLettered\":true");

            assertThat(run.response()).contains("\"status\":400", "\"attempts\":1");
            assertThat(receiver.posts).hasSize(2);
            List<software.amazon.awssdk.services.sqs.model.Message> messages = aws.sqs
                    .receiveMessage(b -> b.queueUrl(queue)
                            .messageAttributeNames("All")
                            .maxNumberOfMessages(10)
                            .waitTimeSeconds(1))
                    .messages();
            assertThat(messages).hasSize(2);
            for (software.amazon.awssdk.services.sqs.model.Message m : messages) {
                assertThat(m.body().getBytes(StandardCharsets.UTF_8))
                        .isIn(
                                receiver.posts.get(0).body(),
                                receiver.posts.get(1).body());
                assertThat(m.messageAttributes().get("status").stringValue()).isEqualTo("400");
                assertThat(m.messageAttributes().get("attempts").stringValue()).isEqualTo("1");
            }
            aws.sqs.deleteQueue(b -> b.queueUrl(queue));
        } finally {
            harness.webhooks = null;
        }
    }

    private static String keys(String connectionId, String channel) {
        return "{\"connectionId\":{\"S\":\"" + connectionId + "\"},\"channel\":{\"S\":\"" + channel + "\"}}";
    }

    private static String meta(String connectionId, String sub) {
        return "{\"connectionId\":{\"S\":\"" + connectionId + "\"},\"channel\":{\"S\":\"#connection\"},"
                + "\"sub\":{\"S\":\"" + sub + "\"},\"connectedAt\":{\"N\":\"1764680000000\"}}";
    }

    /** One record of a DynamoDB stream event, as in the with-ddb.html example. */
    private static String record(int n, String eventName, String keys, String image, String item) {
        return "{\"eventID\":\"" + n + "\",\"eventName\":\"" + eventName + "\",\"eventVersion\":\"1.1\","
                + "\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
                + "\"ApproximateCreationDateTime\":1764680000,\"Keys\":" + keys + ",\"" + image + "\":" + item
                + ",\"SequenceNumber\":\"" + (100 + n) + "\",\"SizeBytes\":64,"
                + "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
                + "\"eventSourceARN\":\"arn:aws:dynamodb:us-east-1:123456789012:table/bench-cold/stream/"
                + "2026-01-01T00:00:00.000\"}";
    }
}
