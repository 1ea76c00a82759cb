package dev.wsctl.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.awshttp.RefusingPort;
import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.connections.FakeConnectionsEndpoint;
import dev.wsctl.json.JsonLog;
import dev.wsctl.store.CallCounter;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.ConnectionTable;
import dev.wsctl.store.Dynalite;
import dev.wsctl.store.DynamoDbConnectionStore;
import dev.wsctl.store.Ttl;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/** The fan-out engine against a DynamoDB-protocol store and an @connections endpoint that answers like AWS. */
class FanoutTest {
    @RegisterExtension
    static final Dynalite DYNALITE = new Dynalite();

    private static DynamoDbAsyncClient dynamo;
    private static ConnectionStore store;
    private static String table;

    private FakeConnectionsEndpoint endpoint;
    private ConnectionsApi api;
    private final List<String> logLines = new ArrayList<>();
    private final String channel = "news-" + UUID.randomUUID();

    @BeforeAll
    static void table() {
        dynamo = DYNALITE.newClient();
        table = ConnectionTable.name("wsctl-test", "fanout");
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
        api = endpoint.client();
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    private Fanout fanout(int concurrency, int attempts) {
        return new Fanout(store, api, options(concurrency, attempts), new JsonLog(logLines::add));
    }

    /** The attempts the fan-out asked a wait for, in the order asked. */
    private final ConcurrentLinkedQueue<Integer> waitsBefore = new ConcurrentLinkedQueue<>();

    /** A fixed 1 ms wait before each retry, recording which attempt it precedes. */
    private Fanout.Options options(int concurrency, int attempts) {
        BackoffStrategy recorded = attempt -> {
            waitsBefore.add(attempt);
            return Duration.ofMillis(1);
        };
        return new Fanout.Options(concurrency, attempts, recorded, Double.POSITIVE_INFINITY, 1);
    }

    private String connect(boolean live, String... channels) {
        String id = UUID.randomUUID().toString().substring(0, 12) + "=";
        long now = System.currentTimeMillis();
        store.connect(
                new ConnectionInfo(id, now, "127.0.0.1", null, null, List.of(), Ttl.expiresAt(now)), List.of(channels));
        if (live) {
            endpoint.live.add(id);
        }
        return id;
    }

    @Test
    void deliversOncePerSubscriberButNeverToTheSender() {
        String sender = connect(true, channel);
        String a = connect(true, channel);
        String b = connect(true, channel, "other");
        String outsider = connect(true, "other");
        byte[] payload = "{\"type\":\"message\"}".getBytes(StandardCharsets.UTF_8);

        FanoutReport report = fanout(8, 3).toChannel(channel, payload, sender);

        assertThat(report.recipients()).isEqualTo(2);
        assertThat(report.delivered()).isEqualTo(2);
        assertThat(report.gone() + report.failed() + report.throttled()).isZero();
        assertThat(endpoint.received).containsOnlyKeys(a, b);
        assertThat(endpoint.received.get(a)).singleElement().isEqualTo(payload);
        assertThat(endpoint.received).doesNotContainKeys(sender, outsider);
        assertThat(logLines)
                .singleElement()
                .satisfies(line ->
                        assertThat(line).contains("\"event\":\"fanout\"", "\"recipients\":2", "\"delivered\":2"));
    }

    @Test
    void goneConnectionsLoseEveryRowAndLiveOnesKeepTheirs() {
        String sender = connect(true, channel);
        String live = connect(true, channel);
        String ghost = connect(false, channel, "other", "third");

        FanoutReport report = fanout(8, 3).toChannel(channel, new byte[] {'x'}, sender);

        assertThat(report)
                .extracting(FanoutReport::recipients, FanoutReport::delivered, FanoutReport::gone)
                .containsExactly(2L, 1L, 1L);
        assertThat(store.connection(ghost)).isEmpty();
        assertThat(store.channelsOf(ghost)).isEmpty();
        assertThat(store.channelsOf(live)).containsExactly(channel);
        assertThat(store.channelsOf(sender)).containsExactly(channel);
    }

    /** 100 gone connections of 2 rows: their 200 rows go in 8 BatchWriteItem calls, not one call per connection. */
    @Test
    void goneConnectionsAreRemovedInBatches() {
        String live = connect(true, channel);
        List<String> ghosts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ghosts.add(connect(false, channel));
        }
        CallCounter calls = new CallCounter();
        FanoutReport report;
        try (DynamoDbAsyncClient counted = DYNALITE.newClient(calls)) {
            report = new Fanout(
                            new DynamoDbConnectionStore(counted, table),
                            api,
                            options(16, 3),
                            new JsonLog(logLines::add))
                    .toChannel(channel, new byte[] {'x'}, null);
        }

        assertThat(report)
                .extracting(FanoutReport::delivered, FanoutReport::gone)
                .containsExactly(1L, 100L);
        assertThat(calls.count("BatchWriteItem")).isEqualTo(200 / 25);
        assertThat(subscribers(channel)).containsExactly(live);
        for (String ghost : ghosts) {
            assertThat(store.connection(ghost)).as(ghost).isEmpty();
        }
    }

    private static List<String> subscribers(String channel) {
        List<String> ids = new ArrayList<>();
        store.subscriberPages(channel).forEach(ids::addAll);
        return ids;
    }

    @Test
    void throttledCallsAreRetriedWithBackoffAndCounted() {
        String a = connect(true, channel);
        String b = connect(true, channel);
        endpoint.throttleNext.put(a, new AtomicInteger(2));
        endpoint.throttleNext.put(b, new AtomicInteger(1));

        FanoutReport report = fanout(8, 4).toChannel(channel, new byte[] {'x'}, null);

        assertThat(report.delivered()).isEqualTo(2);
        assertThat(report.throttled()).isEqualTo(3);
        assertThat(report.failed()).isZero();
        assertThat(endpoint.received.get(a)).hasSize(1);
        assertThat(waitsBefore)
                .as("a waits before its 2nd and 3rd attempts, b before its 2nd")
                .containsExactlyInAnyOrder(2, 3, 2);
    }

    @Test
    void aConnectionStillThrottledAfterTheLastAttemptCountsAsFailed() {
        String a = connect(true, channel);
        endpoint.throttleNext.put(a, new AtomicInteger(100));

        FanoutReport report = fanout(8, 3).toChannel(channel, new byte[] {'x'}, null);

        assertThat(report)
                .extracting(FanoutReport::delivered, FanoutReport::failed, FanoutReport::throttled)
                .containsExactly(0L, 1L, 3L);
        assertThat(store.connection(a)).isPresent();
    }

    @Test
    void aCallThatFailedAfterReachingTheEndpointIsNotRepeatedSoNothingArrivesTwice() {
        String a = connect(true, channel);
        String b = connect(true, channel);
        endpoint.failAfterDelivery.add(a);

        FanoutReport report = fanout(8, 5).toChannel(channel, new byte[] {'x'}, null);

        assertThat(report)
                .extracting(FanoutReport::delivered, FanoutReport::failed, FanoutReport::gone)
                .containsExactly(1L, 1L, 0L);
        assertThat(endpoint.received.get(a)).hasSize(1);
        assertThat(endpoint.received.get(b)).hasSize(1);
        assertThat(store.connection(a))
                .as("a failure is not a 410: the rows stay")
                .isPresent();
        assertThat(logLines)
                .singleElement()
                .satisfies(line -> assertThat(line).contains("\"failed\":1", "\"firstError\":", "500"));
    }

    @Test
    void neverHasMoreCallsInFlightThanItsConcurrency() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ids.add("c" + i + "-" + UUID.randomUUID());
        }
        endpoint.live.addAll(ids);
        store.subscribeAll(channel, ids, Ttl.expiresAt(System.currentTimeMillis()));
        endpoint.delayMillis = 20;

        FanoutReport report = fanout(4, 3).toChannel(channel, new byte[] {'x'}, null);

        assertThat(report.delivered()).isEqualTo(60);
        assertThat(endpoint.maxInFlight.get()).isBetween(2, 4);
    }

    @Test
    void readsEveryPageOfALargeChannel() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            ids.add(String.format("%05d-", i) + UUID.randomUUID());
        }
        endpoint.live.addAll(ids);
        store.subscribeAll(channel, ids, Ttl.expiresAt(System.currentTimeMillis()));

        FanoutReport report = fanout(64, 3).toChannel(channel, new byte[] {'x'}, ids.get(17));

        assertThat(report.recipients()).isEqualTo(4_999);
        assertThat(report.delivered()).isEqualTo(4_999);
        assertThat(endpoint.received).hasSize(4_999).doesNotContainKey(ids.get(17));
    }

    @Test
    void callsThatNeverReachedTheEndpointAreRetriedUntilItListens() throws Exception {
        // refused until the endpoint below takes the port over (held meanwhile, so no other process takes it)
        RefusingPort refusing = new RefusingPort();
        int port = refusing.port();
        String a = connect(true, channel);
        ConnectionsApi refused = new ConnectionsApi(
                URI.create("http://127.0.0.1:" + port + "/test"),
                4,
                Region.US_EAST_1,
                AnonymousCredentialsProvider.create());
        // ~20 attempts with waits of up to 20, 40, 80, then 100 ms: about a second in all, never less than
        // the moment it takes the endpoint below to start listening
        Fanout fanout = new Fanout(
                store,
                refused,
                new Fanout.Options(
                        4,
                        20,
                        BackoffStrategy.exponentialDelay(Duration.ofMillis(20), Duration.ofMillis(100)),
                        Double.POSITIVE_INFINITY,
                        1),
                new JsonLog(logLines::add));
        var run = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> fanout.toChannel(channel, new byte[] {'x'}, null));
        Thread.sleep(150); // the endpoint starts listening late: what is tested
        refusing.close();
        try (FakeConnectionsEndpoint late = new FakeConnectionsEndpoint(port)) {
            late.live.add(a);
            FanoutReport report = run.get(30, java.util.concurrent.TimeUnit.SECONDS);

            assertThat(report)
                    .extracting(FanoutReport::delivered, FanoutReport::failed, FanoutReport::throttled)
                    .containsExactly(1L, 0L, 0L);
            assertThat(late.received.get(a)).hasSize(1);
        } finally {
            refused.close();
        }
    }

    @Test
    void everyCallAndRetryTakesATokenFromTheRateCapThatFanoutsShare() {
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            first.add("first-" + i);
            second.add("second-" + i);
        }
        endpoint.live.addAll(first);
        endpoint.live.addAll(second);
        endpoint.throttleNext.put("first-3", new AtomicInteger(1));
        long[] clock = {0};
        List<Long> sleeps = java.util.Collections.synchronizedList(new ArrayList<>());
        // a fake clock: only the cap's own waits move it, so the count of waits is exact
        RateCap shared = new RateCap(1_000, 10, () -> clock[0], nanos -> {
            sleeps.add(nanos);
            clock[0] += nanos;
        });
        Fanout.Options options = options(8, 3);

        FanoutReport a = new Fanout(store, api, options, shared, JsonLog.discard())
                .send("a", List.of(first), new byte[] {'x'}, null);
        FanoutReport b = new Fanout(store, api, options, shared, JsonLog.discard())
                .send("b", List.of(second), new byte[] {'x'}, null);

        assertThat(a.delivered() + b.delivered()).isEqualTo(60);
        assertThat(a.throttled()).isEqualTo(1);
        // 61 calls (one a retry) through one bucket of 10 at 1,000/s: 51 ms in all, since the retry took its
        // token from the same bucket (it is scheduled, not slept). How many waits that took depends on when the
        // retry, on the HTTP thread, reserved its token: from the initial bucket (51 waits of 1 ms) or a future
        // slot (50 waits, one of them 2 ms long).
        assertThat(sleeps).hasSizeBetween(50, 51);
        assertThat(clock[0]).isEqualTo(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(51));
    }

    private static List<byte[]> frames(String... texts) {
        List<byte[]> frames = new ArrayList<>();
        for (String t : texts) {
            frames.add(t.getBytes(StandardCharsets.UTF_8));
        }
        return frames;
    }

    @Test
    void aReplayPostsOneMessageAfterAnotherInOrderRetryingThrottledOnes() {
        String id = connect(true, channel);
        endpoint.throttleNext.put(id, new AtomicInteger(2));

        assertThat(fanout(8, 4).replay(id, frames("1", "2", "3"))).isEqualTo(3);

        assertThat(endpoint.received(id))
                .extracting(b -> new String(b, StandardCharsets.UTF_8))
                .containsExactly("1", "2", "3");
        assertThat(endpoint.maxInFlight.get()).as("one post at a time").isEqualTo(1);
        assertThat(endpoint.calls.get()).isEqualTo(5);
        assertThat(logLines)
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains("\"event\":\"replay\"", "\"messages\":3", "\"delivered\":3")
                        .doesNotContain("error"));
    }

    @Test
    void aReplayEndsAtAConnectionThatIsGoneAndRemovesItsRows() {
        String id = connect(false, channel);

        assertThat(fanout(8, 3).replay(id, frames("1", "2"))).isZero();

        assertThat(endpoint.calls.get()).isEqualTo(1);
        assertThat(store.connection(id)).isEmpty();
        assertThat(store.channelsOf(id)).isEmpty();
        assertThat(logLines)
                .singleElement()
                .satisfies(line -> assertThat(line).contains("\"delivered\":0", "\"error\":\"410"));
    }
}
