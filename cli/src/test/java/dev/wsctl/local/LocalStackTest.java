package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.connections.ConnectionsEndpoint;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Frames;
import dev.wsctl.protocol.Settings;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.Ttl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GetConnectionResponse;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/**
 * The handlers, the fan-out and the SQLite store end to end behind the local gateway, with real
 * WebSocket clients.
 */
class LocalStackTest {
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<TestClient> clients = new ArrayList<>();
    private LocalStack stack;

    /** A test's stack, its log lines collected in {@link #log}. */
    private TestStackConfig config() {
        return TestStackConfig.at(dir.resolve("local.db")).log(new JsonLog(log::add));
    }

    private LocalStack start(TestStackConfig config) throws Exception {
        stack = LocalStack.start(config.build());
        return stack;
    }

    private LocalStack start() throws Exception {
        return start(config());
    }

    @AfterEach
    void stop() {
        clients.forEach(TestClient::close);
        if (stack != null) {
            stack.close();
        }
    }

    private TestClient client() {
        TestClient c = TestClient.connect(stack.websocketUri());
        clients.add(c);
        return c;
    }

    /** Joins and returns the connection id from the {@code joined} answer. */
    private static String join(TestClient client, String channel) {
        JsonNode joined = client.request("{\"action\":\"joinchannel\",\"channel\":\"" + channel + "\"}");
        assertThat(joined.get("type").asText()).isEqualTo("joined");
        assertThat(joined.get("channel").asText()).isEqualTo(channel);
        return joined.get("connectionId").asText();
    }

    @Test
    void theBlogScenario() throws Exception {
        // C publishes on family-channel without joining it: the scenario runs with publish: any
        start(config().publish(Settings.Publish.ANY));
        TestClient a = client();
        TestClient b = client();
        TestClient c = client();
        String idA = join(a, "friends-channel");
        join(a, "family-channel");
        join(b, "friends-channel");
        join(c, "friends-channel");

        JsonNode ack = c.request("{\"action\":\"sendmessage\",\"channel\":\"friends-channel\","
                + "\"message\":\"Hello, everyone\",\"id\":\"m-1\"}");
        assertThat(ack).isEqualTo(Jackson.mapper().readTree("{\"type\":\"ack\",\"id\":\"m-1\",\"recipients\":2}"));
        for (TestClient receiver : List.of(a, b)) {
            JsonNode m = receiver.next();
            assertThat(m.get("type").asText()).isEqualTo("message");
            assertThat(m.get("channel").asText()).isEqualTo("friends-channel");
            assertThat(m.get("message").asText()).isEqualTo("Hello, everyone");
            assertThat(m.get("sender").isNull()).isTrue();
            assertThat(m.get("sentAt").asLong()).isPositive();
            assertThat(receiver.drain(QUIET)).as("received once").isEmpty();
        }
        assertThat(c.drain(QUIET))
                .as("the sender does not receive its own message")
                .isEmpty();

        c.send("{\"action\":\"sendmessage\",\"channel\":\"family-channel\",\"message\":{\"text\":\"dinner\"}}");
        assertThat(a.next().get("message")).isEqualTo(Jackson.mapper().readTree("{\"text\":\"dinner\"}"));
        assertThat(b.drain(QUIET)).isEmpty();
        assertThat(c.drain(QUIET)).as("no ack without an id").isEmpty();

        assertThat(a.request("{\"action\":\"leavechannel\",\"channel\":\"friends-channel\"}"))
                .isEqualTo(Jackson.mapper().readTree("{\"type\":\"left\",\"channel\":\"friends-channel\"}"));
        c.send("{\"action\":\"sendmessage\",\"channel\":\"friends-channel\",\"message\":\"again\",\"id\":7}");
        assertThat(c.next().get("recipients").asInt()).isEqualTo(1);
        assertThat(b.next().get("message").asText()).isEqualTo("again");
        assertThat(a.drain(QUIET)).as("leave stops delivery").isEmpty();

        assertThat(stack.store().channelsOf(idA)).containsExactly("default", "family-channel");
        assertThat(a.request("{\"action\":\"ping\"}"))
                .isEqualTo(Jackson.mapper().readTree("{\"type\":\"pong\"}"));
    }

    @Test
    void everyConnectionJoinsTheDefaultChannelAndSendmessageDefaultsToIt() throws Exception {
        start();
        TestClient a = client();
        TestClient b = client();
        b.send("{\"action\":\"sendmessage\",\"message\":\"to all\"}");
        JsonNode m = a.next();
        assertThat(m.get("channel").asText()).isEqualTo("default");
        assertThat(m.get("message").asText()).isEqualTo("to all");
    }

    @Test
    void theDefaultChannelCanBeOffAndDeliveryRaw() throws Exception {
        start(config().settings(Optional.empty(), 1024, Settings.Delivery.RAW));
        TestClient a = client();
        TestClient b = client();
        String idA = join(a, "news");
        assertThat(stack.store().channelsOf(idA)).containsExactly("news");
        join(b, "news");
        b.send("{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":\"plain text\"}");
        assertThat(a.nextText(TestClient.WAIT)).isEqualTo("plain text");
        b.send("{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":{\"n\":1}}");
        assertThat(a.nextText(TestClient.WAIT)).isEqualTo("{\"n\":1}");
    }

    @Test
    void badInputGetsItsDocumentedErrorAndLeavesTheStoreUnchanged() throws Exception {
        start();
        TestClient a = client();
        TestClient peer = client();
        join(a, "news");
        join(peer, "news");
        Map<String, List<String>> before = snapshot(stack.store());

        Map<String, String> expected = new TreeMap<>();
        expected.put("not json at all", "bad_request");
        expected.put("[\"joinchannel\",\"news\"]", "bad_request");
        expected.put("{\"channel\":\"news\"}", "bad_request");
        expected.put("{\"action\":42}", "bad_request");
        expected.put("{\"action\":\"teleport\"}", "unknown_action");
        expected.put("{\"action\":\"joinchannel\"}", "invalid_channel");
        expected.put("{\"action\":\"joinchannel\",\"channel\":\"\"}", "invalid_channel");
        expected.put("{\"action\":\"joinchannel\",\"channel\":\"" + "x".repeat(165) + "\"}", "invalid_channel");
        expected.put("{\"action\":\"joinchannel\",\"channel\":\"bad channel!\"}", "invalid_channel");
        expected.put("{\"action\":\"joinchannel\",\"channel\":\"#connection\"}", "invalid_channel");
        expected.put("{\"action\":\"joinchannel\",\"channel\":[\"news\"]}", "invalid_channel");
        expected.put("{\"action\":\"leavechannel\",\"channel\":\"never-joined\"}", "not_subscribed");
        expected.put("{\"action\":\"sendmessage\",\"channel\":\"news\"}", "bad_request");
        expected.put("{\"action\":\"sendmessage\",\"channel\":\"no/slash\",\"message\":1}", "invalid_channel");
        expected.put("{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":1,\"id\":{\"a\":1}}", "bad_request");
        // a frame is one JSON value: neither object of two is delivered, nor one followed by anything
        expected.put(
                "{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":1}"
                        + "{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":2}",
                "bad_request");
        expected.put("{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":3} garbage", "bad_request");
        expected.put("{\"action\":\"ping\"}]", "bad_request");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            JsonNode error = a.request(e.getKey());
            assertThat(error.get("type").asText()).as(e.getKey()).isEqualTo("error");
            assertThat(error.get("code").asText()).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(error.get("message").asText()).as(e.getKey()).isNotBlank();
        }

        // over maxMessageBytes (32 KiB) but within the gateway's limits: sent in two frames of ~17 KiB
        String big = "{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":\"" + "y".repeat(34_000) + "\"}";
        a.sendFragmented(big, 2);
        JsonNode tooLarge = a.next();
        assertThat(tooLarge.get("code").asText()).isEqualTo("too_large");
        assertThat(peer.drain(QUIET)).as("nothing was delivered").isEmpty();
        assertThat(snapshot(stack.store())).isEqualTo(before);

        // a single 40 KiB frame is over API Gateway's frame size: the socket is closed with 1009
        try (RawClient raw = new RawClient(stack.gateway())) {
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> stack.store().connections(1000).size() == 3);
            raw.sendTextFrame(40 * 1024);
            assertThat(raw.readCloseCode()).isEqualTo(1009);
        }
        assertThat(peer.drain(QUIET)).isEmpty();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> snapshot(stack.store()).equals(before));
        assertThat(a.request("{\"action\":\"ping\"}").get("type").asText()).isEqualTo("pong");
    }

    @Test
    void messagesAreDeliveredAsSent() throws Exception {
        start();
        TestClient a = client();
        TestClient b = client();
        join(a, "news");
        join(b, "news");

        // 12,000 bytes of emoji in UTF-8, 36,000 as \\u escapes of their surrogates: within the 32 KiB limit
        String emoji = "\uD83D\uDE00".repeat(3000);
        JsonNode ack =
                b.request("{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":\"" + emoji + "\",\"id\":1}");
        assertThat(ack.get("type").asText()).as(ack.toString()).isEqualTo("ack");
        String delivered = a.nextText();
        assertThat(delivered).contains("\"message\":\"" + emoji + "\"");
        assertThat(delivered.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .isLessThan(12_200);

        String numbers =
                "{\"n\":[1e400,1e99999999999,12345678901234567890.123456789,1.0000000000000001,-0,-0.0,1E+2,7]}";
        b.send("{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":" + numbers + ",\"id\":1.50}");
        assertThat(b.nextText()).isEqualTo("{\"type\":\"ack\",\"id\":1.50,\"recipients\":1}");
        assertThat(a.nextText()).contains("\"message\":" + numbers + ",");
    }

    /**
     * With {@code maxMessageBytes} at its maximum, a message whose delivery (the envelope around it) would be
     * above what @connections accepts is {@code too_large}; one whose delivery is exactly that is delivered.
     */
    @Test
    void aMessageIsTooLargeWhenItsDeliveryIsAboveWhatConnectionsAccepts() throws Exception {
        int limit = ConnectionsEndpoint.MAX_PAYLOAD_BYTES;
        start(config().settings(Optional.of("default"), limit, Settings.Delivery.ENVELOPE));
        TestClient reader = client();
        TestClient writer = client();
        join(reader, "big");
        join(writer, "big");
        int envelope = Frames.delivery(
                        Settings.Delivery.ENVELOPE, "big", TextNode.valueOf(""), null, System.currentTimeMillis())
                .length;

        // two- and three-byte characters: the limit is in bytes of UTF-8, not in characters
        String over = multibyte(limit - envelope + 1);
        writer.sendFragmented(sendmessage("big", over, "over"), 8);
        JsonNode refused = writer.next();
        assertThat(refused.path("code").asText()).as(refused.toString()).isEqualTo("too_large");
        assertThat(refused.get("message").asText()).contains((limit + 1) + " bytes", String.valueOf(limit));
        assertThat(reader.drain(QUIET)).as("nothing was delivered").isEmpty();

        String at = multibyte(limit - envelope);
        writer.sendFragmented(sendmessage("big", at, "at"), 8);
        assertThat(writer.nextText()).isEqualTo("{\"type\":\"ack\",\"id\":\"at\",\"recipients\":1}");
        String delivered = reader.nextText();
        assertThat(delivered.getBytes(StandardCharsets.UTF_8)).hasSize(limit);
        assertThat(Jackson.mapper().readTree(delivered).get("message").asText()).isEqualTo(at);
    }

    /**
     * A string of {@code bytes} UTF-8 bytes: three-byte characters, then two-byte ones, then ASCII for the rest
     * (all in the BMP, so that splitting the frame into fragments never splits a surrogate pair).
     */
    private static String multibyte(int bytes) {
        int rest = bytes - 3000;
        return "€".repeat(1000) + "é".repeat(rest / 2) + "x".repeat(rest % 2);
    }

    private static String sendmessage(String channel, String text, String id) {
        return "{\"action\":\"sendmessage\",\"channel\":\"" + channel + "\",\"message\":\"" + text + "\",\"id\":\"" + id
                + "\"}";
    }

    @Test
    void rawDeliveryIsTheMessageAsSent() throws Exception {
        start(config().settings(Optional.of("default"), 32 * 1024, Settings.Delivery.RAW));
        TestClient a = client();
        TestClient b = client();
        String message = "{\"text\":\"\uD83D\uDE00\",\"n\":[1e400,-0,1.0000000000000001]}";
        b.send("{\"action\":\"sendmessage\",\"message\":" + message + "}");
        assertThat(a.nextText()).isEqualTo(message);
    }

    @Test
    void aStaleConnectionIsRemovedByTheNextBroadcast() throws Exception {
        start();
        TestClient sender = client();
        TestClient live = client();
        join(sender, "news");
        join(live, "news");
        // the rows of a connection that ended without $disconnect (API Gateway delivers it on a best-effort basis)
        String ghost = "ghost-1=";
        stack.store()
                .connect(
                        new ConnectionInfo(
                                ghost,
                                System.currentTimeMillis(),
                                "127.0.0.1",
                                null,
                                null,
                                List.of(),
                                Ttl.expiresAt(System.currentTimeMillis())),
                        List.of("default", "news", "sports"));

        JsonNode ack =
                sender.request("{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":\"hi\",\"id\":\"1\"}");
        assertThat(ack.get("recipients").asInt()).isEqualTo(1);
        assertThat(live.next().get("message").asText()).isEqualTo("hi");
        assertThat(stack.store().connection(ghost)).isEmpty();
        assertThat(stack.store().channelsOf(ghost)).isEmpty();
        assertThat(log)
                .anySatisfy(line -> assertThat(line)
                        .contains("\"event\":\"fanout\"", "\"recipients\":2", "\"delivered\":1", "\"gone\":1"));
    }

    @Test
    void aChannelAboveTheShardSizeIsSentByWorkersToEveryoneButTheSenderOnce() throws Exception {
        start(config().sharding(new Settings.Sharding(40, 5_000, 500, Optional.empty())));
        List<TestClient> crowd = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            crowd.add(client());
        }
        TestClient sender = crowd.get(0);
        List<TestClient> receivers = crowd.subList(1, crowd.size());
        // rows of connections that ended without $disconnect: the gateway answers 410 for them from inside a batch
        List<String> ghosts = List.of("ghost-1=", "ghost-2=");
        for (String ghost : ghosts) {
            stack.store()
                    .connect(
                            new ConnectionInfo(
                                    ghost,
                                    System.currentTimeMillis(),
                                    "127.0.0.1",
                                    null,
                                    null,
                                    List.of(),
                                    Ttl.expiresAt(System.currentTimeMillis())),
                            List.of("default", "other"));
        }

        JsonNode ack = sender.request("{\"action\":\"sendmessage\",\"message\":\"to all\",\"id\":\"big\"}");

        // 149 sockets and 2 ghosts addressed, in ceil(151 / 40) = 4 batches of 38 or 37
        assertThat(ack)
                .isEqualTo(
                        Jackson.mapper().readTree("{\"type\":\"ack\",\"id\":\"big\",\"recipients\":151,\"shards\":4}"));
        for (TestClient receiver : receivers) {
            assertThat(receiver.next().get("message").asText()).isEqualTo("to all");
        }
        assertThat(stack.workers().awaitIdle(TestClient.WAIT)).isTrue();
        Thread.sleep(QUIET.toMillis()); // a quiet period in which nothing more may arrive: what is checked next
        assertThat(receivers)
                .as("received once")
                .allSatisfy(r -> assertThat(r.nextText(Duration.ZERO)).isNull());
        assertThat(sender.drain(QUIET))
                .as("the sender does not receive its own message")
                .isEmpty();
        for (String ghost : ghosts) {
            assertThat(stack.store().connection(ghost)).isEmpty();
            assertThat(stack.store().channelsOf(ghost)).isEmpty();
        }
        assertThat(log)
                .filteredOn(line -> line.contains("\"event\":\"shard\""))
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains("\"recipients\":151", "\"batches\":4", "\"handedOff\":151", "\"refused\":0"));
        List<JsonNode> batches = new ArrayList<>();
        for (String line : log) {
            JsonNode node = Jackson.mapper().readTree(line);
            if (node.path("event").asText().equals("fanout") && node.has("batch")) {
                batches.add(node);
            }
        }
        assertThat(batches).hasSize(4).allSatisfy(b -> {
            assertThat(b.get("batches").asInt()).isEqualTo(4);
            assertThat(b.get("recipients").asInt()).isBetween(37, 38);
            assertThat(b.get("failed").asInt()).isZero();
        });
        assertThat(batches).extracting(b -> b.get("batch").asInt()).containsExactlyInAnyOrder(1, 2, 3, 4);
        assertThat(batches.stream().mapToLong(b -> b.get("delivered").asLong()).sum())
                .isEqualTo(149);
        assertThat(batches.stream().mapToLong(b -> b.get("gone").asLong()).sum())
                .isEqualTo(2);
    }

    @Test
    void theConnectionsApiThroughTheSdkClient() throws Exception {
        start();
        TestClient a = client();
        String id = join(a, "news");
        try (ApiGatewayManagementApiClient api = ApiGatewayManagementApiClient.builder()
                .endpointOverride(stack.callbackUri())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "y")))
                .build()) {
            api.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String("{\"hello\":1}")));
            assertThat(a.nextText(TestClient.WAIT)).isEqualTo("{\"hello\":1}");

            GetConnectionResponse info = api.getConnection(r -> r.connectionId(id));
            assertThat(info.identity().sourceIp()).isEqualTo("127.0.0.1");
            assertThat(info.connectedAt()).isNotNull();
            assertThat(info.lastActiveAt()).isAfterOrEqualTo(info.connectedAt());

            api.deleteConnection(r -> r.connectionId(id));
            assertThat(a.awaitClose()).isPositive();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> stack.store().connection(id).isEmpty());
            assertThat(stack.store().channelsOf(id)).isEmpty();

            for (Runnable call : List.<Runnable>of(
                    () -> api.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String("x"))),
                    () -> api.getConnection(r -> r.connectionId(id)),
                    () -> api.deleteConnection(r -> r.connectionId(id)))) {
                assertThatThrownBy(call::run).isInstanceOf(GoneException.class);
            }
        }
    }

    @Test
    void closingTheStackDisconnectsEveryClient() throws Exception {
        start();
        TestClient a = client();
        TestClient b = client();
        join(a, "news");
        join(b, "news");
        ConnectionStore store = stack.store();
        assertThat(store.connections(10)).hasSize(2);
        stack.gateway().close();
        assertThat(a.awaitClose()).isEqualTo(1001);
        assertThat(b.awaitClose()).isEqualTo(1001);
        assertThat(store.connections(10)).as("every $disconnect ran").isEmpty();
    }

    @Test
    void aSecondProcessSeesTheRunningStacksConnections() throws Exception {
        start();
        TestClient a = client();
        String id = join(a, "news");
        try (SqliteConnectionStore other = new SqliteConnectionStore(dir.resolve("local.db"))) {
            assertThat(other.connections(10))
                    .extracting(ConnectionInfo::connectionId)
                    .containsExactly(id);
            assertThat(other.channelsOf(id)).containsExactly("default", "news");
        }
    }

    @Test
    void startingRemovesEveryConnectionAPreviousRunLeftAndSaysHowMany() throws Exception {
        try (SqliteConnectionStore earlier = new SqliteConnectionStore(dir.resolve("local.db"))) {
            long now = System.currentTimeMillis();
            for (int i = 0; i < 12; i++) {
                earlier.connect(
                        new ConnectionInfo(
                                "left" + i + "=",
                                now - 60_000L,
                                "127.0.0.1",
                                null,
                                null,
                                List.of(),
                                Ttl.expiresAt(now - 60_000L)),
                        List.of("default", "news"));
            }
            earlier.connect(
                    new ConnectionInfo(
                            "expired=",
                            now - 3 * 3600_000L,
                            "127.0.0.1",
                            null,
                            null,
                            List.of(),
                            Ttl.expiresAt(now - 3 * 3600_000L)),
                    List.of("news"));
        }
        start();
        assertThat(stack.removedAtStart()).isEqualTo(13);
        assertThat(stack.store().connections(100)).isEmpty();
        assertThat(stack.store().channelCounts()).isEmpty();

        TestClient a = client();
        String id = join(a, "news");
        assertThat(stack.store().connections(100))
                .extracting(ConnectionInfo::connectionId)
                .containsExactly(id);
    }

    @Test
    void aFreshStoreHasNothingToRemove() throws Exception {
        start();
        assertThat(stack.removedAtStart()).isZero();
    }

    private static Map<String, List<String>> snapshot(ConnectionStore store) {
        Map<String, List<String>> rows = new TreeMap<>();
        for (ConnectionInfo info : store.connections(1000)) {
            rows.put(info.connectionId(), store.channelsOf(info.connectionId()));
        }
        return rows;
    }
}
