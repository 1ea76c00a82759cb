package dev.wsctl.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.connections.FakeConnectionsEndpoint;
import dev.wsctl.fanout.Fanout;
import dev.wsctl.fanout.ShardedFanout;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Frames;
import dev.wsctl.protocol.Settings;
import dev.wsctl.pubsub.PubSub;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.ConnectionTable;
import dev.wsctl.store.Dynalite;
import dev.wsctl.store.DynamoDbConnectionStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/** The handlers fed API Gateway-shaped event fixtures (src/test/resources/events), over a DynamoDB-protocol store. */
class HandlersTest {
    /** An ObjectMapper of the test's own: what the runtime wrote, read by Jackson's binder. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @RegisterExtension
    static final Dynalite DYNALITE = new Dynalite();

    private static DynamoDbAsyncClient dynamo;
    private static ConnectionStore store;
    private static ConnectionsApi api;
    private static final List<String> LOG = new ArrayList<>();
    private static PubSub pubSub;

    @BeforeAll
    static void services() {
        dynamo = DYNALITE.newClient();
        String table = ConnectionTable.name("wsctl-test", "handlers");
        Dynalite.createTable(dynamo, table);
        store = new DynamoDbConnectionStore(dynamo, table);
        // Nobody else is subscribed in these tests, so the fan-out never calls this endpoint.
        Settings settings = Settings.defaults(table, URI.create("http://127.0.0.1:9/dev"));
        api = new ConnectionsApi(settings.callbackUrl(), 4, Region.US_EAST_1, AnonymousCredentialsProvider.create());
        pubSub = new PubSub(
                settings,
                store,
                direct(new Fanout(store, api, Fanout.Options.withConcurrency(4), new JsonLog(LOG::add))),
                Clock.systemUTC());
    }

    @AfterAll
    static void close() {
        api.close();
        dynamo.close();
    }

    private static JsonNode invoke(RequestStreamHandler handler, String fixture) throws IOException {
        try (InputStream in = HandlersTest.class.getResourceAsStream("/events/" + fixture)) {
            return invoke(handler, in.readAllBytes());
        }
    }

    private static JsonNode invoke(RequestStreamHandler handler, byte[] event) throws IOException {
        return invoke(handler, event, null);
    }

    private static JsonNode invoke(RequestStreamHandler handler, byte[] event, Context context) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event), out, context);
        return MAPPER.readTree(out.toByteArray());
    }

    /** What Lambda hands an invocation, as far as the handlers read it: the request id. */
    private static Context context(String awsRequestId) {
        return (Context) Proxy.newProxyInstance(
                Context.class.getClassLoader(), new Class<?>[] {Context.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getAwsRequestId")) {
                        return awsRequestId;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /**
     * Every line an invocation writes, the handler's and the fan-out's, carries Lambda's request id and whether it
     * was the cold start: the first invocation of the handler (one per execution environment) is, the next is not.
     */
    @Test
    void everyLineOfAnInvocationCarriesItsRequestIdAndWhetherItWasTheColdStart() throws IOException {
        List<String> lines = new ArrayList<>();
        JsonLog log = new JsonLog(lines::add);
        invoke(new ConnectHandler(pubSub, log), "connect.json");
        assertThat(MAPPER.readTree(lines.get(0)).get("requestId").isNull())
                .as("no context, no request id")
                .isTrue();
        lines.clear();
        SendHandler send = new SendHandler(pubSub, log);
        try {
            invoke(send, message("{\"action\":\"sendmessage\",\"message\":1}"), context("request-1"));
            invoke(send, message("{\"action\":\"sendmessage\",\"message\":2}"), context("request-2"));
        } finally {
            invoke(new DisconnectHandler(pubSub, log), "disconnect.json");
        }

        List<JsonNode> handlerLines =
                lines.subList(0, 2).stream().map(HandlersTest::tree).toList();
        assertThat(handlerLines).extracting(line -> line.get("route").asText()).containsOnly("sendmessage");
        assertThat(handlerLines)
                .extracting(line -> line.get("requestId").asText())
                .containsExactly("request-1", "request-2");
        assertThat(handlerLines)
                .extracting(line -> line.get("coldStart").asBoolean())
                .containsExactly(true, false);
        List<JsonNode> fanoutLines = LOG.stream()
                .map(HandlersTest::tree)
                .filter(line -> line.path("event").asText().equals("fanout")
                        && line.path("requestId").asText().startsWith("request-"))
                .toList();
        assertThat(fanoutLines)
                .extracting(line -> line.get("requestId").asText() + " " + line.get("coldStart"))
                .containsExactly("request-1 true", "request-2 false");
    }

    private static JsonNode tree(String line) {
        try {
            return MAPPER.readTree(line);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void connectSendAndDisconnectFromFixtures() throws IOException {
        JsonLog log = new JsonLog(LOG::add);

        JsonNode connected = invoke(new ConnectHandler(pubSub, log), "connect.json");
        assertThat(connected.get("statusCode").asInt()).isEqualTo(200);
        assertThat(store.connection("TQ0MFePzoAMCJ-w=")).hasValueSatisfying(info -> {
            assertThat(info.connectedAt()).isEqualTo(1707502303419L);
            assertThat(info.sourceIp()).isEqualTo("203.0.113.7");
            assertThat(info.origin()).isEqualTo("https://app.example.com");
            assertThat(info.expiresAt()).isEqualTo(1707502303L + 2 * 3600 + 600);
        });
        assertThat(store.channelsOf("TQ0MFePzoAMCJ-w=")).containsExactly("default");

        // publish: members (the default) — the sender must have joined the channel
        assertThat(errorCode(
                        new SendHandler(pubSub, log),
                        "{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":1}"))
                .isEqualTo("forbidden");
        invoke(new ChannelsHandler(pubSub, log), message("{\"action\":\"joinchannel\",\"channel\":\"news\"}"));
        JsonNode sent = invoke(new SendHandler(pubSub, log), "sendmessage.json");
        assertThat(MAPPER.readTree(sent.get("body").asText()))
                .isEqualTo(MAPPER.readTree("{\"type\":\"ack\",\"id\":\"m1\",\"recipients\":0}"));

        JsonNode gone = invoke(new DisconnectHandler(pubSub, log), "disconnect.json");
        assertThat(gone.get("statusCode").asInt()).isEqualTo(200);
        assertThat(gone.has("body")).isFalse();
        assertThat(store.connection("TQ0MFePzoAMCJ-w=")).isEmpty();
        assertThat(store.channelsOf("TQ0MFePzoAMCJ-w=")).isEmpty();

        assertThat(LOG)
                .anySatisfy(line -> assertThat(line)
                        .contains(
                                "\"route\":\"$connect\"",
                                "\"connectionId\":\"TQ0MFePzoAMCJ-w=\"",
                                "\"outcome\":\"ok\"",
                                "\"millis\":"));
        assertThat(String.join("\n", LOG)).doesNotContain("hello");
    }

    @Test
    void answersEveryBadFrameWithItsErrorCode() throws IOException {
        DefaultHandler fallback = new DefaultHandler(pubSub, new JsonLog(LOG::add));
        ChannelsHandler channels = new ChannelsHandler(pubSub, new JsonLog(LOG::add));
        assertThat(errorCode(fallback, "not json")).isEqualTo("bad_request");
        assertThat(errorCode(fallback, "[1,2]")).isEqualTo("bad_request");
        assertThat(errorCode(fallback, "{\"channel\":\"x\"}")).isEqualTo("bad_request");
        assertThat(errorCode(fallback, "{\"action\":\"dance\"}")).isEqualTo("unknown_action");
        assertThat(errorCode(channels, "{\"action\":\"joinchannel\"}")).isEqualTo("invalid_channel");
        assertThat(errorCode(channels, "{\"action\":\"joinchannel\",\"channel\":\"#connection\"}"))
                .isEqualTo("invalid_channel");
        assertThat(errorCode(channels, "{\"action\":\"leavechannel\",\"channel\":\"never-joined\"}"))
                .isEqualTo("not_subscribed");
        JsonNode pong = invoke(fallback, message("{\"action\":\"ping\"}"));
        assertThat(pong.get("body").asText()).isEqualTo("{\"type\":\"pong\"}");
    }

    /**
     * With {@code maxMessageBytes} at its maximum, a message within it can still make a delivery (the envelope
     * around it) above what @connections accepts: that message is {@code too_large}, not acked and lost.
     */
    @Test
    void aMessageWhoseDeliveryIsAboveWhatConnectionsAcceptsIsTooLarge() throws IOException {
        int limit = FakeConnectionsEndpoint.MAX_PAYLOAD_BYTES;
        Clock clock = Clock.fixed(Instant.ofEpochMilli(1707502312195L), ZoneOffset.UTC);
        try (FakeConnectionsEndpoint endpoint = new FakeConnectionsEndpoint()) {
            Settings settings = new Settings(
                    ConnectionTable.name("wsctl-test", "handlers"),
                    endpoint.callbackUrl(),
                    Optional.of("default"),
                    limit,
                    4,
                    Settings.Delivery.ENVELOPE,
                    Settings.Publish.ANY,
                    Settings.Sharding.defaults(),
                    Settings.History.off());
            try (ConnectionsApi posts = new ConnectionsApi(
                    endpoint.callbackUrl(), 4, Region.US_EAST_1, AnonymousCredentialsProvider.create())) {
                PubSub big = new PubSub(
                        settings,
                        store,
                        direct(new Fanout(store, posts, Fanout.Options.withConcurrency(4), new JsonLog(LOG::add))),
                        clock);
                SendHandler send = new SendHandler(big, new JsonLog(LOG::add));
                store.connect(
                        new ConnectionInfo(
                                "reader-big",
                                clock.millis(),
                                "203.0.113.8",
                                null,
                                null,
                                List.of(),
                                clock.millis() / 1000 + 3600),
                        List.of("big"));
                endpoint.live.add("reader-big");

                // the envelope around an empty string, less its two quotes: what the delivery adds to the text's bytes
                int envelope = Frames.delivery(
                                Settings.Delivery.ENVELOPE, "big", TextNode.valueOf(""), null, clock.millis())
                        .length;
                String atLimit = multibyte(limit - envelope);
                String overLimit = multibyte(limit - envelope + 1);
                assertThat(overLimit.length()).as("fewer characters than bytes").isLessThan(limit / 2 + 1);

                JsonNode ack = answer(send, sendmessage("big", overLimit, "over"));
                assertThat(ack.path("code").asText()).as(ack.toString()).isEqualTo("too_large");
                assertThat(ack.get("message").asText()).contains(String.valueOf(limit + 1), String.valueOf(limit));
                assertThat(endpoint.calls).as("nothing posted").hasValue(0);

                ack = answer(send, sendmessage("big", atLimit, "at"));
                assertThat(ack.toString()).isEqualTo("{\"type\":\"ack\",\"id\":\"at\",\"recipients\":1}");
                assertThat(endpoint.received("reader-big"))
                        .singleElement()
                        .satisfies(body -> assertThat(body).hasSize(limit))
                        .satisfies(body -> assertThat(new String(body, StandardCharsets.UTF_8))
                                .contains(atLimit));
            } finally {
                store.disconnect("reader-big");
            }
        }
    }

    /** A string of {@code bytes} UTF-8 bytes, mostly two-byte characters. */
    private static String multibyte(int bytes) {
        return "é".repeat(bytes / 2) + "x".repeat(bytes % 2);
    }

    private static String sendmessage(String channel, String text, String id) {
        return "{\"action\":\"sendmessage\",\"channel\":\"" + channel + "\",\"message\":\"" + text + "\",\"id\":\"" + id
                + "\"}";
    }

    private static JsonNode answer(RequestStreamHandler handler, String body) throws IOException {
        JsonNode result = invoke(handler, message(body));
        assertThat(result.get("statusCode").asInt()).isEqualTo(200);
        return MAPPER.readTree(result.get("body").asText());
    }

    @Test
    void readsItsSettingsFromTheEnvironmentAndNamesTheBadVariable() {
        Settings s = Settings.fromEnvironment(Map.of(
                Settings.ENV_TABLE, "chat-dev-connections",
                Settings.ENV_CALLBACK_URL, "https://abc.execute-api.eu-west-1.amazonaws.com/dev",
                Settings.ENV_DEFAULT_CHANNEL, "none",
                Settings.ENV_MAX_MESSAGE_BYTES, "1024",
                Settings.ENV_FANOUT_CONCURRENCY, "32",
                Settings.ENV_DELIVERY, "raw"));
        assertThat(s.defaultChannel()).isEqualTo(Optional.empty());
        assertThat(s.maxMessageBytes()).isEqualTo(1024);
        assertThat(s.delivery()).isEqualTo(Settings.Delivery.RAW);
        assertThatThrownBy(() -> Settings.fromEnvironment(Map.of(Settings.ENV_TABLE, "t")))
                .hasMessageContaining(Settings.ENV_CALLBACK_URL);
        assertThatThrownBy(() -> Settings.fromEnvironment(Map.of(
                        Settings.ENV_TABLE,
                        "t",
                        Settings.ENV_CALLBACK_URL,
                        "http://x/y",
                        Settings.ENV_MAX_MESSAGE_BYTES,
                        "lots")))
                .hasMessage("Bad function environment: WSCTL_MAX_MESSAGE_BYTES must be a whole number, not 'lots'");
        assertThatThrownBy(() -> Settings.fromEnvironment(Map.of(
                        Settings.ENV_TABLE,
                        "t",
                        Settings.ENV_CALLBACK_URL,
                        "http://x/y",
                        Settings.ENV_FANOUT_MAX_RATE,
                        "fast")))
                .hasMessage("Bad function environment: WSCTL_FANOUT_MAX_RATE must be a number, not 'fast'");
        assertThat(Settings.fromEnvironment(Map.of(
                                Settings.ENV_TABLE,
                                "t",
                                Settings.ENV_CALLBACK_URL,
                                "http://x/y",
                                Settings.ENV_FANOUT_MAX_RATE,
                                " 1500.5 ",
                                Settings.ENV_FANOUT_BURST,
                                ""))
                        .sharding())
                .extracting(Settings.Sharding::maxRate, Settings.Sharding::burst)
                .containsExactly(1500.5, Settings.Sharding.DEFAULT_BURST);
        assertThatThrownBy(() -> Settings.fromEnvironment(Map.of(
                        Settings.ENV_TABLE,
                        "t",
                        Settings.ENV_CALLBACK_URL,
                        "http://x/y",
                        Settings.ENV_DEFAULT_CHANNEL,
                        "bad channel")))
                .hasMessageContaining("default channel");
    }

    private static String errorCode(RequestStreamHandler handler, String body) throws IOException {
        JsonNode result = invoke(handler, message(body));
        assertThat(result.get("statusCode").asInt()).isEqualTo(200);
        JsonNode frame = MAPPER.readTree(result.get("body").asText());
        assertThat(frame.get("type").asText()).isEqualTo("error");
        assertThat(frame.get("message").asText()).isNotBlank();
        return frame.get("code").asText();
    }

    private static byte[] message(String body) throws IOException {
        ObjectNode event;
        try (InputStream in = HandlersTest.class.getResourceAsStream("/events/sendmessage.json")) {
            event = (ObjectNode) MAPPER.readTree(in);
        }
        event.put("body", body);
        return Json.bytes(event);
    }

    /** No workers: every fan-out sent directly by {@code fanout}. */
    private static ShardedFanout direct(Fanout fanout) {
        return new ShardedFanout(
                fanout, store, Settings.Sharding.defaults(), null, JsonLog.discard(), Clock.systemUTC());
    }
}
