package dev.wsctl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.fanout.Fanout;
import dev.wsctl.fanout.FanoutWorker;
import dev.wsctl.fanout.RateCap;
import dev.wsctl.fanout.ShardedFanout;
import dev.wsctl.handlers.FanoutHandler;
import dev.wsctl.json.JsonLog;
import dev.wsctl.local.InProcessDispatcher;
import dev.wsctl.local.LambdaIntegration;
import dev.wsctl.local.SqliteConnectionStore;
import dev.wsctl.protocol.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Benchmark 3 of the scale work: one message to N connections through the sharded fan-out, rate-capped, against
 * an @connections endpoint that answers 429 above LIMIT calls/s with a bucket of BURST ({@link DiscardEndpoint},
 * in a second JVM by default). Everything else is the local stack's path in this JVM: the channel's ids read from
 * a SQLite store, split by {@link ShardedFanout} into batches of the shard size, each batch's JSON run by the
 * worker function's handler on the in-process workers ({@link InProcessDispatcher}), all under one shared
 * {@link RateCap} of LIMIT calls/s and BURST. The time is from the send until the last worker is done; the floor
 * is what the endpoint allows at best, (N − BURST) / LIMIT.
 *
 * <pre>
 * ShardedFanoutBench [--shard-size S] [--payload-bytes B] [--concurrency C] [--workers W] [--repeat K]
 *                    [--warmup CALLS] [--in-process] N LIMIT BURST
 * </pre>
 */
public final class ShardedFanoutBench {

    public record Plan(
            int recipients,
            double limit,
            int burst,
            int shardSize,
            int payloadBytes,
            int concurrency,
            int workers,
            int repeat,
            int warmupCalls,
            boolean inProcess) {
        static Plan defaults(int recipients, double limit, int burst) {
            return new Plan(
                    recipients,
                    limit,
                    burst,
                    Settings.Sharding.DEFAULT_SHARD_SIZE,
                    2048,
                    Settings.DEFAULT_FANOUT_CONCURRENCY,
                    InProcessDispatcher.DEFAULT_WORKERS,
                    3,
                    50_000,
                    false);
        }

        double floorMillis() {
            return Math.max(0, recipients - burst) * 1000.0 / limit;
        }
    }

    /**
     * One measured broadcast.
     *
     * @param handoffMillis from the send until every batch was handed to the workers (reading the channel,
     *                      splitting, queueing the batches' JSON); the first batch starts meanwhile
     * @param calls         PostToConnection calls started, retries included (delivered + failed + throttled)
     * @param lost          recipients not delivered to (N − delivered)
     */
    public record Result(
            int recipients,
            long millis,
            double floorMillis,
            long handoffMillis,
            int batches,
            long delivered,
            long throttled,
            long failed,
            long lost,
            long calls) {
        double ratio() {
            return millis / Math.max(1, floorMillis);
        }

        /** Calls started per second over the whole broadcast, retries included. */
        double callsPerSecond() {
            return calls * 1000.0 / Math.max(1, millis);
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "%,d recipients in %d batches: %,d ms (floor %,.0f ms, %.2f×; "
                            + "handed off after %,d ms)  delivered %,d  throttled (429s seen) %,d  failed %,d  lost %,d  "
                            + "engine %,.0f calls/s",
                    recipients,
                    batches,
                    millis,
                    floorMillis,
                    ratio(),
                    handoffMillis,
                    delivered,
                    throttled,
                    failed,
                    lost,
                    callsPerSecond());
        }
    }

    private static final String CHANNEL = "bench";
    private static final String WARMUP_CHANNEL = "warmup";

    private final Plan plan;
    private final Consumer<String> out;

    public ShardedFanoutBench(Plan plan, Consumer<String> out) {
        this.plan = plan;
        this.out = out;
    }

    public List<Result> run() throws Exception {
        Path dir = Files.createTempDirectory("wsctl-sharded-bench");
        List<Result> results = new ArrayList<>();
        try (FanoutBench.Endpoint endpoint = plan.inProcess()
                        ? FanoutBench.Endpoint.inProcess(plan.limit(), plan.burst())
                        : FanoutBench.Endpoint.child(plan.limit(), plan.burst());
                SqliteConnectionStore store = new SqliteConnectionStore(dir.resolve("bench.db"))) {
            long expiresAt = System.currentTimeMillis() / 1000 + 3_600;
            store.subscribeAll(CHANNEL, ids(plan.recipients()), expiresAt);
            if (plan.warmupCalls() > 0) {
                store.subscribeAll(WARMUP_CHANNEL, ids(plan.warmupCalls()), expiresAt);
            }
            // every worker's calls in flight at once have a connection each
            ConnectionsApi api = new ConnectionsApi(
                    endpoint.url(),
                    plan.concurrency() * plan.workers(),
                    Region.US_EAST_1,
                    AnonymousCredentialsProvider.create());
            try {
                byte[] payload = new byte[plan.payloadBytes()];
                Arrays.fill(payload, (byte) 'x');
                out.accept(String.format(
                        Locale.ROOT,
                        "sharded fan-out: shard size %,d, %d in-process workers of "
                                + "concurrency %d sharing one rate cap of %.0f calls/s (burst %d), payload %d B, store "
                                + "SQLite; endpoint %s answering 429 above %.0f/s (burst %d)",
                        plan.shardSize(),
                        plan.workers(),
                        plan.concurrency(),
                        plan.limit(),
                        plan.burst(),
                        plan.payloadBytes(),
                        plan.inProcess() ? "in this JVM" : "in a second JVM",
                        plan.limit(),
                        plan.burst()));
                if (plan.warmupCalls() > 0) {
                    // under the endpoint's limit, so that its bucket is not emptied; then let it fill again
                    Result warm =
                            broadcast(store, api, WARMUP_CHANNEL, plan.warmupCalls(), payload, plan.limit() * 0.9, 1);
                    out.accept("warm-up: " + warm.line());
                    refill();
                }
                for (int i = 0; i < plan.repeat(); i++) {
                    Result r = broadcast(store, api, CHANNEL, plan.recipients(), payload, plan.limit(), plan.burst());
                    results.add(r);
                    out.accept("run " + (i + 1) + ": " + r.line());
                    refill();
                }
            } finally {
                api.close();
            }
            endpoint.close();
            long[] answered = endpoint.answered();
            if (answered[0] >= 0) {
                long sent = results.stream().mapToLong(Result::delivered).sum()
                        + (plan.warmupCalls() > 0 ? plan.warmupCalls() : 0);
                out.accept(String.format(
                        Locale.ROOT,
                        "endpoint: answered 200 to %,d calls (%,d delivered by the "
                                + "engine, warm-up included) and 429 to %,d",
                        answered[0],
                        sent,
                        answered[1]));
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        return results;
    }

    /** The whole local sharded path, built afresh (a fresh, full rate cap), for one message to {@code channel}. */
    private Result broadcast(
            SqliteConnectionStore store,
            ConnectionsApi api,
            String channel,
            int n,
            byte[] payload,
            double rate,
            int burst)
            throws InterruptedException {
        RateCap cap = new RateCap(rate, burst);
        Fanout engine =
                new Fanout(store, api, Fanout.Options.withConcurrency(plan.concurrency()), cap, JsonLog.discard());
        AtomicLong delivered = new AtomicLong();
        AtomicLong throttled = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong gone = new AtomicLong();
        List<String> shardLines = new ArrayList<>();
        try (InProcessDispatcher workers = new InProcessDispatcher(
                LambdaIntegration.of("fanout", new FanoutHandler(FanoutWorker.sharing(engine, cap), JsonLog.discard())),
                plan.workers(),
                InProcessDispatcher.DEFAULT_QUEUE,
                result -> {
                    JsonNode report = read(result);
                    delivered.addAndGet(report.path("delivered").asLong());
                    throttled.addAndGet(report.path("throttled").asLong());
                    failed.addAndGet(report.path("failed").asLong());
                    gone.addAndGet(report.path("gone").asLong());
                })) {
            ShardedFanout sharded = new ShardedFanout(
                    engine,
                    store,
                    new Settings.Sharding(plan.shardSize(), rate, burst, Optional.empty()),
                    workers,
                    new JsonLog(shardLines::add),
                    Clock.systemUTC());
            long start = System.nanoTime();
            ShardedFanout.Result handedOff = sharded.toChannel(channel, payload, null);
            long handoffMillis = (System.nanoTime() - start) / 1_000_000;
            if (!workers.awaitIdle(Duration.ofMinutes(10))) {
                throw new IllegalStateException("the workers did not finish in 10 minutes");
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (!handedOff.sharded() || handedOff.recipients() != n) {
                throw new IllegalStateException(
                        "expected " + n + " recipients handed to workers: " + handedOff + " " + shardLines);
            }
            return new Result(
                    n,
                    millis,
                    Math.max(0, n - burst) * 1000.0 / rate,
                    handoffMillis,
                    handedOff.shards(),
                    delivered.get(),
                    throttled.get(),
                    failed.get() + gone.get(),
                    n - delivered.get(),
                    delivered.get() + failed.get() + gone.get() + throttled.get());
        }
    }

    /** Waits until the endpoint's bucket is full again, with a second to spare. */
    private void refill() throws InterruptedException {
        Thread.sleep(1_000 + (long) (plan.burst() * 1000.0 / plan.limit()));
    }

    /** N made-up connection ids, as {@link FanoutBench} makes them. */
    private static List<String> ids(int n) {
        List<String> ids = new ArrayList<>(n);
        FanoutBench.pages(n).forEach(ids::addAll);
        return ids;
    }

    private static JsonNode read(byte[] json) {
        try {
            return Jackson.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws Exception {
        List<Double> numbers = new ArrayList<>();
        Plan d = Plan.defaults(0, 0, 0);
        int shardSize = d.shardSize();
        int payloadBytes = d.payloadBytes();
        int concurrency = d.concurrency();
        int workers = d.workers();
        int repeat = d.repeat();
        int warmup = d.warmupCalls();
        boolean inProcess = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shard-size" -> shardSize = Integer.parseInt(args[++i]);
                case "--payload-bytes" -> payloadBytes = Integer.parseInt(args[++i]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--in-process" -> inProcess = true;
                default ->
                    numbers.add(Double.parseDouble(args[i].replace("_", "").replace(",", "")));
            }
        }
        int n = numbers.size() > 0 ? numbers.get(0).intValue() : 100_000;
        double limit = numbers.size() > 1 ? numbers.get(1) : 10_000;
        int burst = numbers.size() > 2 ? numbers.get(2).intValue() : 5_000;
        Plan plan = new Plan(n, limit, burst, shardSize, payloadBytes, concurrency, workers, repeat, warmup, inProcess);
        System.out.println(String.format(Locale.ROOT, "floor ((N − BURST) / LIMIT): %,.0f ms", plan.floorMillis()));
        new ShardedFanoutBench(plan, System.out::println).run();
    }
}
