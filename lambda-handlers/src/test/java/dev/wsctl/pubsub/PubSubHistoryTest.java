package dev.wsctl.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.connections.FakeConnectionsEndpoint;
import dev.wsctl.fanout.Fanout;
import dev.wsctl.fanout.ShardedFanout;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.ClientError;
import dev.wsctl.protocol.Frames;
import dev.wsctl.protocol.Settings;
import dev.wsctl.protocol.WsEvent;
import dev.wsctl.store.CallCounter;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.ConnectionTable;
import dev.wsctl.store.Dynalite;
import dev.wsctl.store.DynamoDbConnectionStore;
import dev.wsctl.store.DynamoDbHistoryStore;
import dev.wsctl.store.HistoryTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The pub/sub service on history channels, over DynamoDB-protocol stores (dynalite) and a stand-in @connections
 * endpoint: what is kept and when, the frames' offsets and epochs, recovery, and no history call elsewhere.
 */
class PubSubHistoryTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String HISTORY_TABLE = HistoryTable.name("wsctl-test", "pubsub");

    private static Dynalite dynalite;
    private static DynamoDbAsyncClient dynamo;
    private static DynamoDbAsyncClient counted;
    private static final CallCounter HISTORY_CALLS = new CallCounter();
    private static ConnectionStore store;
    private static FakeConnectionsEndpoint endpoint;
    private static ConnectionsApi api;
    private static PubSub pubSub;

    @BeforeAll
    static void services() throws IOException {
        dynalite = Dynalite.start();
        dynamo = dynalite.newClient();
        counted = dynalite.newClient(HISTORY_CALLS);
        String table = ConnectionTable.name("wsctl-test", "pubsub");
        Dynalite.createTable(dynamo, table);
        Dynalite.createTable(dynamo, HistoryTable.createTableRequest(HISTORY_TABLE, null));
        store = new DynamoDbConnectionStore(dynamo, table);
        endpoint = new FakeConnectionsEndpoint();
        api = endpoint.client();
        Settings defaults = Settings.defaults(table, endpoint.callbackUrl());
        Settings settings = new Settings(
                defaults.table(),
                defaults.callbackUrl(),
                Optional.empty(),
                defaults.maxMessageBytes(),
                4,
                Settings.Delivery.ENVELOPE,
                Settings.Publish.ANY,
                Settings.Sharding.defaults(),
                new Settings.History(List.of("news", "chat-*"), 3, Duration.ofMinutes(10), Optional.of(HISTORY_TABLE)));
        Fanout fanout = new Fanout(store, api, Fanout.Options.withConcurrency(4), JsonLog.discard());
        ShardedFanout sharded =
                new ShardedFanout(fanout, store, settings.sharding(), null, JsonLog.discard(), Clock.systemUTC());
        pubSub = new PubSub(
                settings,
                store,
                new DynamoDbHistoryStore(counted, HISTORY_TABLE, 3, Duration.ofMinutes(10), Clock.systemUTC()),
                () -> sharded,
                Clock.systemUTC());
    }

    @AfterAll
    static void close() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (counted != null) {
            counted.close();
        }
        if (dynamo != null) {
            dynamo.close();
        }
        if (dynalite != null) {
            dynalite.close();
        }
    }

    private static WsEvent event(String connectionId, String body) throws IOException {
        ObjectNode event;
        try (InputStream in = PubSubHistoryTest.class.getResourceAsStream("/events/sendmessage.json")) {
            event = (ObjectNode) MAPPER.readTree(in);
        }
        ((ObjectNode) event.get("requestContext")).put("connectionId", connectionId);
        event.put("body", body);
        return WsEvent.of(event);
    }

    private static void live(String id) {
        endpoint.live.add(id);
    }

    private static JsonNode join(String id, String channel, String since) throws IOException {
        String body = "{\"action\":\"joinchannel\",\"channel\":\"" + channel + "\""
                + (since == null ? "" : ",\"since\":" + since) + "}";
        return MAPPER.readTree(pubSub.channels(event(id, body)));
    }

    private static JsonNode send(String id, String channel, String text) throws IOException {
        return MAPPER.readTree(pubSub.send(event(
                id,
                "{\"action\":\"sendmessage\",\"channel\":\"" + channel + "\",\"message\":\"" + text + "\",\"id\":\""
                        + text + "\"}")));
    }

    private static List<JsonNode> received(String id) {
        return endpoint.received(id).stream()
                .map(b -> {
                    try {
                        return MAPPER.readTree(b);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                })
                .toList();
    }

    @Test
    void deliveriesAcksAndJoinsCarryTheChannelsOffsetAndEpoch() throws IOException {
        live("reader-1");
        live("writer-1");
        JsonNode joined = join("reader-1", "news", null);
        assertThat(joined.get("type").asText()).isEqualTo("joined");
        String epoch = joined.get("epoch").asText();
        long start = joined.get("offset").asLong();
        assertThat(joined.has("recovered")).isFalse();

        JsonNode ack = send("writer-1", "news", "one");
        assertThat(ack.get("offset").asLong()).isEqualTo(start + 1);
        assertThat(ack.get("epoch").asText()).isEqualTo(epoch);
        assertThat(ack.get("recipients").asLong()).isEqualTo(1);

        List<JsonNode> got = received("reader-1");
        assertThat(got).hasSize(1);
        assertThat(got.get(0).get("message").asText()).isEqualTo("one");
        assertThat(got.get(0).get("offset").asLong()).isEqualTo(start + 1);
        assertThat(got.get(0).get("epoch").asText()).isEqualTo(epoch);
        assertThat(got.get(0).get("channel").asText()).isEqualTo("news");
    }

    @Test
    void aJoinWithSinceReplaysWhatCameAfterThenSaysRecovered() throws IOException {
        live("writer-2");
        live("away-2");
        JsonNode joined = join("away-2", "chat-room2", null);
        String epoch = joined.get("epoch").asText();
        store.unsubscribe("away-2", "chat-room2");
        send("writer-2", "chat-room2", "a");
        send("writer-2", "chat-room2", "b");
        assertThat(received("away-2")).isEmpty();

        JsonNode back = join("away-2", "chat-room2", "{\"epoch\":\"" + epoch + "\",\"offset\":0}");
        assertThat(received("away-2"))
                .extracting(
                        f -> f.get("message").asText() + "@" + f.get("offset").asLong())
                .containsExactly("a@1", "b@2");
        assertThat(back.get("recovered").asBoolean()).isTrue();
        assertThat(back.get("offset").asLong()).isEqualTo(2);
        assertThat(back.get("epoch").asText()).isEqualTo(epoch);
        assertThat(store.isSubscribed("away-2", "chat-room2")).isTrue();

        JsonNode other = join("away-2", "chat-room2", "{\"epoch\":\"other\",\"offset\":1}");
        assertThat(other.get("recovered").asBoolean()).isFalse();
        assertThat(other.get("epoch").asText()).isEqualTo(epoch);
        assertThat(other.get("offset").asLong()).isEqualTo(2);
        assertThat(received("away-2")).hasSize(2);
    }

    @Test
    void aBadSinceIsABadRequestAndSubscribesNothing() throws IOException {
        for (String since : List.of(
                "1",
                "\"x\"",
                "{}",
                "{\"epoch\":1,\"offset\":1}",
                "{\"epoch\":\"e\"}",
                "{\"epoch\":\"e\",\"offset\":-1}",
                "{\"epoch\":\"e\",\"offset\":1.5}",
                "{\"epoch\":\"e\",\"offset\":\"1\"}",
                "[]")) {
            assertThatThrownBy(() -> join("bad-3", "news", since))
                    .as(since)
                    .isInstanceOfSatisfying(
                            ClientError.class, e -> assertThat(e.code()).isEqualTo(Frames.BAD_REQUEST));
        }
        assertThat(store.isSubscribed("bad-3", "news")).isFalse();
    }

    @Test
    void channelsOutsideHistoryCostNoHistoryCall() throws IOException {
        live("reader-4");
        live("writer-4");
        int before = HISTORY_CALLS.operations().stream()
                .mapToInt(HISTORY_CALLS::count)
                .sum();

        JsonNode joined = join("reader-4", "plain", null);
        JsonNode ack = send("writer-4", "plain", "x");
        JsonNode since = join("reader-4", "plain", "{\"epoch\":\"e\",\"offset\":3}");

        assertThat(HISTORY_CALLS.operations().stream()
                        .mapToInt(HISTORY_CALLS::count)
                        .sum())
                .isEqualTo(before);
        assertThat(joined.has("offset")).isFalse();
        assertThat(ack.has("offset")).isFalse();
        assertThat(received("reader-4").get(0).has("offset")).isFalse();
        assertThat(since.get("recovered").asBoolean()).isFalse();
        assertThat(since.has("epoch")).isFalse();

        send("writer-4", "news", "counted");
        assertThat(HISTORY_CALLS.count("UpdateItem")).isPositive();
        assertThat(new String(endpoint.received("reader-4").get(0), StandardCharsets.UTF_8))
                .doesNotContain("offset");
    }
}
