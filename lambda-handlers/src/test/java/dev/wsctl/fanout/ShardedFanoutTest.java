package dev.wsctl.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wsctl.connections.FakeConnectionsEndpoint;
import dev.wsctl.handlers.FanoutHandler;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Frames;
import dev.wsctl.protocol.Settings;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.ConnectionTable;
import dev.wsctl.store.Dynalite;
import dev.wsctl.store.DynamoDbConnectionStore;
import dev.wsctl.store.Ttl;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The sharded send path (split, rate shares, hand-off, the ack's figures) and the worker that runs a batch, over
 * a DynamoDB-protocol store and an @connections endpoint that answers like AWS.
 */
class ShardedFanoutTest {
    /** An ObjectMapper of the test's own: what the runtime wrote, read by Jackson's binder. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @RegisterExtension
    static final Dynalite DYNALITE = new Dynalite();

    private static DynamoDbAsyncClient dynamo;
    private static ConnectionStore store;

    private FakeConnectionsEndpoint endpoint;
    private Fanout engine;
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final String channel = "big-" + UUID.randomUUID();
    /** What the recording dispatcher was handed, and which batch numbers it refuses. */
    private final List<FanoutBatch> dispatched = Collections.synchronizedList(new ArrayList<>());

    private final Set<Integer> refuse = new HashSet<>();
    private final FanoutDispatcher recording = batch -> {
        dispatched.add(batch);
        return CompletableFuture.completedFuture(
                refuse.contains(batch.batch())
                        ? FanoutDispatcher.Handoff.failed(3, "429 TooManyRequestsException")
                        : FanoutDispatcher.Handoff.accepted(1));
    };

    @BeforeAll
    static void table() {
        dynamo = DYNALITE.newClient();
        String table = ConnectionTable.name("wsctl-test", "sharded");
        Dynalite.createTable(dynamo, table);
        store = new DynamoDbConnectionStore(dynamo, table);
    }

    @AfterAll
    static void closeClient() {
        dynamo.close();
    }

    @BeforeEach
    void start() throws Exception {
        endpoint = new FakeConnectionsEndpoint();
        engine = new Fanout(
                store,
                endpoint.client(),
                new Fanout.Options(
                        16,
                        3,
                        BackoffStrategy.exponentialDelay(Duration.ofMillis(5), Duration.ofMillis(50)),
                        Double.POSITIVE_INFINITY,
                        1),
                new JsonLog(log::add));
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    /** {@code n} live connections subscribed to the channel, in id order. */
    private List<String> subscribers(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(String.format("c%04d-", i) + UUID.randomUUID().toString().substring(0, 8) + "=");
        }
        endpoint.live.addAll(ids);
        store.subscribeAll(channel, ids, Ttl.expiresAt(System.currentTimeMillis()));
        return ids;
    }

    private ShardedFanout sharded(int shardSize, double maxRate, int burst, FanoutDispatcher dispatcher) {
        return new ShardedFanout(
                engine,
                store,
                new Settings.Sharding(shardSize, maxRate, burst, java.util.Optional.empty()),
                dispatcher,
                new JsonLog(log::add),
                Clock.systemUTC());
    }

    private static String id16(int i) {
        // API Gateway's connection ids: 16 characters, base64-like, ending in '='
        return String.format("L0SM%011d=", i);
    }

    // ---- the batch and its size

    @Test
    void aBatchRoundTripsThroughItsJson() {
        byte[] payload = {0, 1, 2, (byte) 0xff, '"', '\\'};
        FanoutBatch batch = new FanoutBatch(
                "news", payload, List.of("a=", "b\"quoted\"", "ünï"), "sender=", 180.5, 40, 1_764_000_000_000L, 2, 5);
        FanoutBatch uncapped =
                new FanoutBatch("news", payload, List.of("a="), null, Double.POSITIVE_INFINITY, 1, 0, 1, 1);

        assertThat(FanoutBatch.parse(batch.toJson())).isEqualTo(batch);
        assertThat(FanoutBatch.parse(uncapped.toJson())).isEqualTo(uncapped);
        JsonNode json = readTree(batch.toJson());
        assertThat(json.fieldNames())
                .toIterable()
                .containsExactly(
                        "channel", "payload", "ids", "except", "maxRate", "burst", "sentAt", "batch", "batches");
        assertThat(json.get("payload").asText()).isEqualTo("AAEC/yJc");
    }

    @Test
    void aBadBatchIsRefusedWithAMessageThatSaysWhy() {
        assertThatThrownBy(() -> FanoutBatch.parse("nope".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be JSON");
        assertThatThrownBy(() -> FanoutBatch.parse(
                        "{\"channel\":\"c\",\"payload\":\"eA==\",\"burst\":1}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("\"ids\"");
        assertThatThrownBy(
                        () -> FanoutBatch.parse("{\"channel\":\"c\",\"payload\":\"eA==\",\"ids\":[\"a\"],\"burst\":0}"
                                .getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("burst");
    }

    @Test
    void theWorstDefaultBatchFitsWellUnderTheAsyncInvokeLimit() {
        // the largest message the default settings accept, on the longest channel name, from a long user name
        String channel = "c".repeat(164);
        String text = "x".repeat(Settings.DEFAULT_MAX_MESSAGE_BYTES - 2);
        JsonNode message = MAPPER.getNodeFactory().textNode(text);
        assertThat(Json.bytes(message)).hasSize(Settings.DEFAULT_MAX_MESSAGE_BYTES);
        byte[] payload = Frames.delivery(
                Settings.Delivery.ENVELOPE, channel, message, "u".repeat(128), System.currentTimeMillis());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < Settings.Sharding.DEFAULT_SHARD_SIZE; i++) {
            ids.add(id16(i));
        }

        List<FanoutBatch> batches = FanoutBatch.split(
                channel,
                payload,
                ids,
                id16(99_999),
                Settings.Sharding.DEFAULT_MAX_RATE,
                Settings.Sharding.DEFAULT_BURST,
                Settings.Sharding.DEFAULT_SHARD_SIZE,
                System.currentTimeMillis());

        assertThat(batches).singleElement().satisfies(b -> {
            assertThat(b.ids()).hasSize(2_000);
            // base64 of a ~33 KB envelope (~44 KB) + 2,000 × 19 bytes of ids (~38 KB): ~82 KB
            assertThat(b.toJson().length)
                    .isBetween(80_000, 85_000)
                    .isLessThanOrEqualTo(FanoutBatch.MAX_BYTES)
                    .isLessThan(256_000 / 2);
        });
    }

    @Test
    void batchesShrinkWhenTheirIdsWouldNotFit() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            ids.add(String.format("%05d", i) + "x".repeat(195));
        }
        byte[] payload = new byte[32 * 1024];

        List<FanoutBatch> batches = FanoutBatch.split("news", payload, ids, null, 9_000, 2_000, 2_000, 0);

        assertThat(batches).hasSizeGreaterThan(1);
        assertThat(batches).allSatisfy(b -> assertThat(b.toJson().length).isLessThanOrEqualTo(FanoutBatch.MAX_BYTES));
        assertThat(batches.stream().flatMap(b -> b.ids().stream())).containsExactlyElementsOf(ids);
        assertThatThrownBy(() -> FanoutBatch.split("news", new byte[FanoutBatch.MAX_BYTES], ids, null, 1, 1, 10, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no room");
    }

    @Test
    void batchesAreEvenAndShareTheRateCap() {
        assertThat(FanoutBatch.Share.of(9_000, 2_000, 50)).isEqualTo(new FanoutBatch.Share(180, 40));
        assertThat(FanoutBatch.Share.of(9_000, 2_000, 1)).isEqualTo(new FanoutBatch.Share(9_000, 2_000));
        assertThat(FanoutBatch.Share.of(10_000, 5_000, 3)).isEqualTo(new FanoutBatch.Share(10_000 / 3.0, 1_666));
        assertThat(FanoutBatch.Share.of(100, 10, 40).burst()).as("at least 1").isEqualTo(1);

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2_001; i++) {
            ids.add(id16(i));
        }
        List<FanoutBatch> batches = FanoutBatch.split("news", new byte[] {'x'}, ids, null, 9_000, 2_000, 2_000, 7);
        assertThat(batches).extracting(b -> b.ids().size()).containsExactly(1_001, 1_000);
        assertThat(batches)
                .extracting(
                        FanoutBatch::maxRate,
                        FanoutBatch::burst,
                        FanoutBatch::batch,
                        FanoutBatch::batches,
                        FanoutBatch::sentAt)
                .containsOnly(
                        org.assertj.core.groups.Tuple.tuple(4_500.0, 1_000, 1, 2, 7L),
                        org.assertj.core.groups.Tuple.tuple(4_500.0, 1_000, 2, 2, 7L));
    }

    // ---- the send path

    @Test
    void aboveTheShardSizeEveryRecipientButTheSenderIsHandedOffOnceInEvenBatches() {
        List<String> ids = subscribers(130);
        String sender = ids.get(64);

        ShardedFanout.Result result = sharded(50, 9_000, 2_000, recording).toChannel(channel, new byte[] {'m'}, sender);

        assertThat(result).isEqualTo(new ShardedFanout.Result(129, 3, true));
        assertThat(dispatched).hasSize(3).allSatisfy(b -> {
            assertThat(b.ids()).hasSize(43);
            assertThat(b.maxRate()).isEqualTo(3_000);
            assertThat(b.burst()).isEqualTo(666);
            assertThat(b.except()).isEqualTo(sender);
            assertThat(b.payload()).containsExactly('m');
        });
        List<String> all = dispatched.stream().flatMap(b -> b.ids().stream()).toList();
        assertThat(all)
                .doesNotHaveDuplicates()
                .hasSize(129)
                .doesNotContain(sender)
                .containsExactlyInAnyOrderElementsOf(
                        ids.stream().filter(id -> !id.equals(sender)).toList());
        assertThat(endpoint.calls.get())
                .as("nothing sent by the send path itself")
                .isZero();
        assertThat(log)
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains(
                                "\"event\":\"shard\"",
                                "\"recipients\":129",
                                "\"batches\":3",
                                "\"handedOff\":129",
                                "\"accepted\":3",
                                "\"refused\":0"));
    }

    @Test
    void aBatchTheDispatcherRefusedIsNotCountedAndIsLogged() {
        subscribers(120);
        refuse.add(2);

        ShardedFanout.Result result = sharded(50, 9_000, 2_000, recording).toChannel(channel, new byte[] {'m'}, null);

        assertThat(result).isEqualTo(new ShardedFanout.Result(80, 2, true));
        assertThat(log)
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains(
                                "\"batches\":3",
                                "\"handedOff\":80",
                                "\"refused\":1",
                                "\"firstError\":\"batch 2: 429 TooManyRequestsException\""));
    }

    /** A sharded send counts the batches workers accepted in one EMF line, valid EMF; a refused batch is not one. */
    @Test
    void aShardedSendCountsTheBatchesHandedOffInOneMetricLine() {
        subscribers(120);
        refuse.add(2);
        List<String> metrics = new CopyOnWriteArrayList<>();
        ShardedFanout counted = new ShardedFanout(
                engine,
                store,
                new Settings.Sharding(50, 9_000, 2_000, java.util.Optional.empty()),
                recording,
                new JsonLog(log::add),
                new dev.wsctl.metrics.EmfMetrics(new JsonLog(metrics::add), "chat", "dev", System::currentTimeMillis),
                Clock.systemUTC());

        counted.toChannel(channel, new byte[] {'m'}, null);

        assertThat(metrics).singleElement().satisfies(line -> {
            assertThat(dev.wsctl.metrics.EmfSpec.problems(line)).isEmpty();
            assertThat(readTree(line.getBytes(StandardCharsets.UTF_8))
                            .get("Shards")
                            .asInt())
                    .isEqualTo(2);
        });
    }

    @Test
    void upToTheShardSizeTheSendPathDeliversItselfAndReportsDelivered() {
        List<String> ids = subscribers(51);

        ShardedFanout.Result result =
                sharded(50, 9_000, 2_000, recording).toChannel(channel, new byte[] {'m'}, ids.get(0));

        assertThat(result).isEqualTo(new ShardedFanout.Result(50, 0, false));
        assertThat(dispatched).isEmpty();
        assertThat(endpoint.received).hasSize(50).doesNotContainKey(ids.get(0));
    }

    @Test
    void withoutAWorkerEverythingIsSentByTheSendPath() {
        subscribers(130);

        ShardedFanout.Result result = sharded(50, 9_000, 2_000, null).toChannel(channel, new byte[] {'m'}, null);

        assertThat(result).isEqualTo(new ShardedFanout.Result(130, 0, false));
        assertThat(endpoint.received).hasSize(130);
    }

    // ---- the worker

    private JsonNode invokeWorker(FanoutWorker worker, byte[] event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new FanoutHandler(worker, new JsonLog(log::add)).handleRequest(new ByteArrayInputStream(event), out, null);
        return MAPPER.readTree(out.toByteArray());
    }

    @Test
    void theWorkerDeliversToExactlyItsIdsUnderItsShareAndRemovesGoneConnections() throws Exception {
        List<String> ids = subscribers(40);
        String ghost = "ghost-" + UUID.randomUUID();
        store.connect(
                new ConnectionInfo(
                        ghost,
                        System.currentTimeMillis(),
                        "127.0.0.1",
                        null,
                        null,
                        List.of(),
                        Ttl.expiresAt(System.currentTimeMillis())),
                List.of(channel, "other"));
        List<String> mine = new ArrayList<>(ids.subList(10, 20));
        mine.add(ghost);
        FanoutBatch batch = new FanoutBatch(
                channel,
                "hello".getBytes(StandardCharsets.UTF_8),
                mine,
                ids.get(0),
                180,
                40,
                System.currentTimeMillis(),
                2,
                4);

        JsonNode report = invokeWorker(FanoutWorker.ofBatchShares(engine), batch.toJson());

        assertThat(report.get("delivered").asLong()).isEqualTo(10);
        assertThat(report.get("gone").asLong()).isEqualTo(1);
        assertThat(endpoint.received.keySet()).containsExactlyInAnyOrderElementsOf(ids.subList(10, 20));
        assertThat(endpoint.received.values())
                .allSatisfy(got -> assertThat(got).singleElement().isEqualTo("hello".getBytes(StandardCharsets.UTF_8)));
        assertThat(store.connection(ghost)).isEmpty();
        assertThat(store.channelsOf(ghost)).isEmpty();
        assertThat(log)
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains(
                                "\"event\":\"fanout\"",
                                "\"channel\":\"" + channel + "\"",
                                "\"recipients\":11",
                                "\"delivered\":10",
                                "\"gone\":1",
                                "\"batch\":2",
                                "\"batches\":4",
                                "\"rateCap\":\"180 calls/s, burst 40\"",
                                "\"lagMillis\":"));
    }

    @Test
    void theWorkerNeverFailsTheInvocation() throws Exception {
        JsonNode bad = invokeWorker(FanoutWorker.ofBatchShares(engine), "{\"ids\":3}".getBytes(StandardCharsets.UTF_8));

        assertThat(bad.get("outcome").asText()).isEqualTo("bad_batch");
        assertThat(log).singleElement().satisfies(line -> assertThat(line).contains("bad_batch", "\\\"ids\\\""));
    }

    private static JsonNode readTree(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
