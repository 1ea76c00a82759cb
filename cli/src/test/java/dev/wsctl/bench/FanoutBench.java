package dev.wsctl.bench;

import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.fanout.Fanout;
import dev.wsctl.fanout.FanoutReport;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Settings;
import dev.wsctl.store.ConnectionStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Benchmark 1 of the scale work: PostToConnection calls per second from the fan-out engine, in this JVM,
 * to an @connections endpoint that accepts and discards ({@link DiscardEndpoint}), in a second JVM by
 * default so that the endpoint's CPU is not charged to the engine (both are reported; on one machine
 * they share its cores). The recipients are N made-up connection ids handed to the engine in pages of
 * 1,000, as a store hands them out; nothing else of a store is used.
 *
 * <pre>
 * FanoutBench [--signed] [--payload-bytes B] [--concurrency C] [--max-rate R --burst B] [--repeat K]
 *             [--throttle RATE BURST] [--in-process] N...
 * </pre>
 * {@code --throttle} makes the endpoint answer 429 above RATE calls/s with a bucket of BURST (the rate-cap
 * run); {@code --max-rate} caps the engine (default: no cap, to measure the engine itself).
 */
public final class FanoutBench {

    /** What to run. {@code maxRate} is {@link Double#POSITIVE_INFINITY} for no cap. */
    public record Plan(
            List<Integer> recipients,
            boolean signed,
            int payloadBytes,
            int concurrency,
            double maxRate,
            int burst,
            int repeat,
            int warmupCalls,
            double throttleRate,
            int throttleBurst,
            boolean inProcess) {
        static Plan defaults(List<Integer> recipients) {
            return new Plan(
                    recipients,
                    false,
                    2048,
                    Fanout.Options.withConcurrency(128).concurrency(),
                    Double.POSITIVE_INFINITY,
                    Settings.Sharding.DEFAULT_BURST,
                    3,
                    60_000,
                    0,
                    0,
                    false);
        }

        boolean throttling() {
            return throttleRate > 0;
        }
    }

    /**
     * One measured fan-out.
     *
     * @param engineCpuMillis CPU time of this whole JVM during the run (engine, HTTP client, GC)
     * @param endpointCpuMillis the endpoint process's CPU time, or -1 when it runs in this JVM
     * @param allocatedBytes  bytes allocated by this JVM's live threads during the run
     * @param threadCpuMillis CPU time per thread name (numbers folded), 10 ms or more
     */
    public record Result(
            int recipients,
            FanoutReport report,
            double callsPerSecond,
            long engineCpuMillis,
            long endpointCpuMillis,
            long allocatedBytes,
            long gcMillis,
            Map<String, Long> threadCpuMillis) {
        String line() {
            return String.format(
                    Locale.ROOT,
                    "%,9d recipients  %,8.0f calls/s  %,7d ms  delivered %,d  throttled %,d  failed %,d  "
                            + "engine CPU %,d ms (%.1f µs/call; by thread %s)  endpoint CPU %s  alloc %,d B/call  GC %d ms",
                    recipients,
                    callsPerSecond,
                    report.millis(),
                    report.delivered(),
                    report.throttled(),
                    report.failed(),
                    engineCpuMillis,
                    engineCpuMillis * 1000.0 / Math.max(1, recipients),
                    threadCpuMillis,
                    endpointCpuMillis < 0 ? "(same JVM)" : String.format(Locale.ROOT, "%,d ms", endpointCpuMillis),
                    allocatedBytes / Math.max(1, recipients),
                    gcMillis);
        }
    }

    private final Plan plan;
    private final Consumer<String> out;

    public FanoutBench(Plan plan, Consumer<String> out) {
        this.plan = plan;
        this.out = out;
    }

    public List<Result> run() throws Exception {
        try (Endpoint endpoint = plan.inProcess() ? Endpoint.inProcess(plan) : Endpoint.child(plan)) {
            ConnectionsApi api = null;
            try {
                AwsCredentialsProvider credentials = plan.signed()
                        // the endpoint checks nothing: made-up keys sign like real ones
                        ? StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDBENCHMARK", "bench-secret"))
                        : AnonymousCredentialsProvider.create();
                api = new ConnectionsApi(endpoint.url(), plan.concurrency(), Region.US_EAST_1, credentials);
                Fanout.Options options =
                        Fanout.Options.withConcurrency(plan.concurrency()).withRateCap(plan.maxRate(), plan.burst());
                Fanout fanout = new Fanout(store(), api, options, JsonLog.discard());
                byte[] payload = new byte[plan.payloadBytes()];
                Arrays.fill(payload, (byte) 'x');
                out.accept(String.format(
                        Locale.ROOT,
                        "engine: %s, concurrency %d, %s, payload %d B, endpoint %s%s",
                        plan.signed() ? "SigV4-signed" : "unsigned",
                        plan.concurrency(),
                        options.rateCap(),
                        plan.payloadBytes(),
                        plan.inProcess() ? "in this JVM" : "in a second JVM",
                        plan.throttling()
                                ? String.format(
                                        Locale.ROOT,
                                        " answering 429 above %.0f/s (burst %d)",
                                        plan.throttleRate(),
                                        plan.throttleBurst())
                                : ""));
                // warm-up without the engine's cap (a cap would only slow it down), but under a throttling
                // endpoint's limit, so that its bucket is not emptied before the runs
                Fanout.Options warmup = options.withRateCap(
                        plan.throttling() ? plan.throttleRate() * 0.9 : Double.POSITIVE_INFINITY, 1);
                for (int done = 0, size = Math.min(10_000, Math.max(1, plan.warmupCalls()));
                        done < plan.warmupCalls();
                        done += size) {
                    new Fanout(store(), api, warmup, JsonLog.discard()).send("warmup", pages(size), payload, null);
                }
                if (plan.warmupCalls() > 0) {
                    out.accept("warm-up: " + plan.warmupCalls() + " calls");
                }
                List<Result> results = new ArrayList<>();
                for (int n : plan.recipients()) {
                    for (int i = 0; i < plan.repeat(); i++) {
                        if (plan.throttling()) {
                            Thread.sleep(1_000); // the endpoint's bucket refills between runs
                        }
                        Result r = measure(fanout, n, payload, endpoint);
                        out.accept(r.line());
                        results.add(r);
                    }
                }
                return results;
            } finally {
                if (api != null) {
                    api.close();
                }
            }
        }
    }

    private Result measure(Fanout fanout, int n, byte[] payload, Endpoint endpoint) {
        Iterable<List<String>> pages = pages(n);
        System.gc();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long endpointCpu0 = endpoint.cpuNanos();
        long alloc0 = allocatedBytes();
        long gc0 = gcMillis();
        Map<String, Long> threads0 = threadCpu();
        long t0 = System.nanoTime();
        FanoutReport report = fanout.send("bench", pages, payload, null);
        long nanos = System.nanoTime() - t0;
        long cpu = os.getProcessCpuTime() - cpu0;
        Map<String, Long> threads = threadCpu();
        threads.replaceAll((k, v) -> (v - threads0.getOrDefault(k, 0L)) / 1_000_000);
        threads.values().removeIf(v -> v < 10);
        long endpointCpu = endpointCpu0 < 0 ? -1 : endpoint.cpuNanos() - endpointCpu0;
        return new Result(
                n,
                report,
                n / (nanos / 1e9),
                cpu / 1_000_000,
                endpointCpu < 0 ? -1 : endpointCpu / 1_000_000,
                allocatedBytes() - alloc0,
                gcMillis() - gc0,
                threads);
    }

    /** N made-up connection ids (API Gateway's are 16 characters ending in '='), in pages of 1,000. */
    static Iterable<List<String>> pages(int n) {
        List<List<String>> pages = new ArrayList<>();
        for (int start = 0; start < n; start += 1_000) {
            List<String> page = new ArrayList<>(1_000);
            for (int i = start; i < Math.min(n, start + 1_000); i++) {
                page.add(String.format("Bench%010dA=", i));
            }
            pages.add(page);
        }
        return pages;
    }

    /** The engine only touches its store for rows of gone connections, which a discarding endpoint never has. */
    private static ConnectionStore store() {
        return (ConnectionStore) Proxy.newProxyInstance(
                FanoutBench.class.getClassLoader(), new Class<?>[] {ConnectionStore.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException("the benchmark has no store: " + method.getName());
                });
    }

    private static Map<String, Long> threadCpu() {
        var mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> byName = new TreeMap<>();
        for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info != null) {
                byName.merge(
                        info.getThreadName().replaceAll("[0-9]+", "N"),
                        Math.max(0, mx.getThreadCpuTime(info.getThreadId())),
                        Long::sum);
            }
        }
        return byName;
    }

    private static long allocatedBytes() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long a : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, a);
        }
        return total;
    }

    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    /** The endpoint under test, in this JVM or a child one. */
    interface Endpoint extends AutoCloseable {
        URI url();

        /** CPU time used so far, or -1 when it cannot be told apart from the engine's. */
        long cpuNanos();

        /** Calls it answered 200 and 429 in all; known once it is closed when it runs in a child JVM, else -1. */
        long[] answered();

        @Override
        void close() throws IOException, InterruptedException;

        static Endpoint inProcess(Plan plan) throws InterruptedException {
            return inProcess(plan.throttleRate(), plan.throttleBurst());
        }

        static Endpoint child(Plan plan) throws IOException {
            return child(plan.throttleRate(), plan.throttleBurst());
        }

        /** @param throttleRate 0 to accept everything */
        static Endpoint inProcess(double throttleRate, int throttleBurst) throws InterruptedException {
            DiscardEndpoint e = new DiscardEndpoint(
                    throttleRate > 0 ? new dev.wsctl.fanout.RateCap(throttleRate, throttleBurst) : null, 1);
            return new Endpoint() {
                @Override
                public URI url() {
                    return e.callbackUrl();
                }

                @Override
                public long cpuNanos() {
                    return -1;
                }

                @Override
                public long[] answered() {
                    return new long[] {e.accepted.sum(), e.throttled.sum()};
                }

                @Override
                public void close() {
                    e.close();
                }
            };
        }

        /** @param throttleRate 0 to accept everything */
        static Endpoint child(double throttleRate, int throttleBurst) throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-cp",
                    System.getProperty("java.class.path"),
                    DiscardEndpoint.class.getName()));
            if (throttleRate > 0) {
                command.add(Double.toString(throttleRate));
                command.add(Integer.toString(throttleBurst));
            }
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader stdout =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = stdout.readLine();
            if (first == null) {
                p.destroy();
                throw new IOException("the endpoint process ended before it listened");
            }
            URI url = URI.create(first.trim());
            long[] answered = {-1, -1};
            return new Endpoint() {
                @Override
                public URI url() {
                    return url;
                }

                @Override
                public long cpuNanos() {
                    return p.toHandle()
                            .info()
                            .totalCpuDuration()
                            .map(Duration::toNanos)
                            .orElse(-1L);
                }

                @Override
                public long[] answered() {
                    return answered.clone();
                }

                @Override
                public void close() throws IOException, InterruptedException {
                    p.getOutputStream().close();
                    // its last line: "answered <200s> <429s>"
                    for (String line; (line = stdout.readLine()) != null; ) {
                        String[] words = line.trim().split(" ");
                        if (words.length == 3 && words[0].equals("answered")) {
                            answered[0] = Long.parseLong(words[1]);
                            answered[1] = Long.parseLong(words[2]);
                        }
                    }
                    if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                        p.destroy();
                    }
                }
            };
        }
    }

    public static void main(String[] args) throws Exception {
        List<Integer> recipients = new ArrayList<>();
        Plan p = Plan.defaults(recipients);
        boolean signed = p.signed();
        boolean inProcess = p.inProcess();
        int payloadBytes = p.payloadBytes();
        int concurrency = p.concurrency();
        double maxRate = p.maxRate();
        int burst = p.burst();
        int repeat = p.repeat();
        int warmup = p.warmupCalls();
        double throttleRate = 0;
        int throttleBurst = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--signed" -> signed = true;
                case "--in-process" -> inProcess = true;
                case "--payload-bytes" -> payloadBytes = Integer.parseInt(args[++i]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
                case "--max-rate" -> maxRate = Double.parseDouble(args[++i]);
                case "--burst" -> burst = Integer.parseInt(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--throttle" -> {
                    throttleRate = Double.parseDouble(args[++i]);
                    throttleBurst = Integer.parseInt(args[++i]);
                }
                default ->
                    recipients.add(Integer.parseInt(args[i].replace("_", "").replace(",", "")));
            }
        }
        if (recipients.isEmpty()) {
            recipients.addAll(List.of(1_000, 10_000, 100_000));
        }
        Plan plan = new Plan(
                recipients,
                signed,
                payloadBytes,
                concurrency,
                maxRate,
                burst,
                repeat,
                warmup,
                throttleRate,
                throttleBurst,
                inProcess);
        new FanoutBench(plan, System.out::println).run();
    }
}
