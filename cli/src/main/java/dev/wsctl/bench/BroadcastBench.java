package dev.wsctl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.ops.ClientUrl;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.LongStream;

/**
 * Opens many client sockets spread over worker processes ({@link BenchWorker}), joins them to one channel,
 * publishes broadcasts from one more client in this process and measures, per broadcast, who received it
 * and how long after it was sent.
 */
public final class BroadcastBench {

    /**
     * @param connectRate   new connections per second over all workers (API Gateway accepts 500/s per account by default)
     * @param timeout       how long to wait for each broadcast to reach everyone
     * @param procs         worker processes holding the sockets, each a share of them and of the connect rate
     * @param broadcastRate broadcasts per second, published on that schedule whether or not the earlier ones have
     *                      arrived; 0: each one once the one before has reached everyone (or timed out)
     * @param quietAfter    with a broadcast rate: publishing stops after this many broadcasts until they have all
     *                      been counted and {@link #run}'s {@code quiet} callback has returned (0: no stop)
     */
    public record Plan(
            URI url,
            int connections,
            String channel,
            int payloadBytes,
            int broadcasts,
            int connectRate,
            Duration timeout,
            int procs,
            double broadcastRate,
            int quietAfter) {}

    /** One broadcast's outcome (broadcast 0: all of them); latencies in milliseconds from the publisher's send. */
    public record Result(
            int broadcast,
            long recipientsAcked,
            int delivered,
            int lost,
            int duplicated,
            double p50,
            double p95,
            double p99,
            double max) {}

    /**
     * @param publishedPerSecond broadcasts per second the publisher achieved (the stop after
     *                           {@link Plan#quietAfter} not counted)
     */
    public record Report(
            int connected,
            int joined,
            int procs,
            long connectMillis,
            List<Result> broadcasts,
            Result total,
            double publishedPerSecond) {
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("connected", connected);
            o.put("joined", joined);
            o.put("procs", procs);
            o.put("connectMillis", connectMillis);
            if (!Double.isNaN(publishedPerSecond)) {
                o.put("publishedPerSecond", Math.round(publishedPerSecond * 100) / 100.0);
            }
            var list = o.putArray("broadcasts");
            broadcasts.forEach(r -> list.add(Jackson.mapper().valueToTree(r)));
            ObjectNode all = Jackson.mapper().valueToTree(total);
            all.remove("broadcast");
            o.set("total", all);
            return o;
        }
    }

    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final Plan plan;
    private final ProcessBuilder worker;
    private final Consumer<String> progress;
    private final Quiet quiet;

    /** Something to do while no broadcast is in flight (e.g. measure the server). */
    @FunctionalInterface
    public interface Quiet {
        /** Broadcasts 1 to {@code broadcasts} have all been counted, and no other has been published yet. */
        void at(int broadcasts) throws IOException, InterruptedException;
    }

    /** @param worker starts one worker process: a JVM running {@link BenchWorker#serve} on its stdin and stdout */
    public BroadcastBench(Plan plan, ProcessBuilder worker, Consumer<String> progress) {
        this(plan, worker, progress, broadcasts -> {});
    }

    /**
     * @param quiet called after {@link Plan#quietAfter} broadcasts (with a broadcast rate) and after the last one,
     *              each time with nothing in flight
     */
    public BroadcastBench(Plan plan, ProcessBuilder worker, Consumer<String> progress, Quiet quiet) {
        this.plan = plan;
        this.worker = worker;
        this.progress = progress;
        this.quiet = quiet;
    }

    /**
     * Publishes on the plan's schedule, on its own thread, while the bench counts arrivals: broadcast b at
     * (b - 1) / rate seconds, later (never sooner) when a send is slow, stopping after {@link Plan#quietAfter}
     * until {@link #resume}.
     */
    private final class Paced {
        final Thread thread;
        final CountDownLatch resume = new CountDownLatch(1);
        volatile IOException failure;
        private volatile double perSecond = Double.NaN;

        Paced(ClientSocket publisher) {
            thread = new Thread(() -> publish(publisher), "bench-publisher");
            thread.setDaemon(true);
        }

        private void publish(ClientSocket publisher) {
            long interval = (long) (TimeUnit.SECONDS.toNanos(1) / plan.broadcastRate());
            long first = System.nanoTime();
            long next = first;
            long stopped = 0;
            int intervals = 0;
            try {
                for (int b = 1; b <= plan.broadcasts(); b++) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    publisher.send(BenchMessage.broadcast(plan.channel(), b, plan.payloadBytes()));
                    next = Math.max(next + interval, System.nanoTime());
                    if (b == plan.quietAfter() && b < plan.broadcasts()) {
                        long stop = System.nanoTime();
                        resume.await();
                        next = System.nanoTime();
                        stopped += next - stop;
                    } else if (b < plan.broadcasts()) {
                        intervals++;
                    }
                }
                long active = System.nanoTime() - first - stopped;
                perSecond = intervals == 0 ? Double.NaN : intervals / (active / 1e9);
            } catch (IOException e) {
                failure = e;
            } catch (InterruptedException e) {
                // the bench ended or failed
            }
        }

        double perSecond() {
            return perSecond;
        }
    }

    /**
     * Runs the plan.
     *
     * @throws ClientSocket.Refused when the stack refuses the publisher's connection (e.g. 401 for a bad token),
     *                              before any worker starts
     * @throws IOException          when no socket connects, or a worker fails (the message names it)
     */
    public Report run() throws IOException, InterruptedException {
        try (ClientSocket publisher = ClientSocket.connect(plan.url(), OPEN_TIMEOUT)) {
            publisher.send(BenchMessage.join(plan.channel()));
            answer(publisher, "joined", "joining " + plan.channel());
            List<WorkerProcess> workers = new ArrayList<>();
            try {
                long start = System.nanoTime();
                for (int i = 1; i <= plan.procs(); i++) {
                    workers.add(WorkerProcess.start(i, plan.procs(), worker, progress));
                }
                for (WorkerProcess w : workers) {
                    w.receive(BenchWorker.STARTED, "while starting", start + ANSWER_TIMEOUT.toNanos());
                }
                progress.accept(workers.size() + " worker process(es) up in "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
                return measure(publisher, workers);
            } finally {
                workers.forEach(WorkerProcess::close);
            }
        }
    }

    private Report measure(ClientSocket publisher, List<WorkerProcess> workers)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        double rate = (double) plan.connectRate() / workers.size();
        for (int i = 0; i < workers.size(); i++) {
            workers.get(i).send(BenchWorker.connectOp(plan.url(), plan.channel(), share(i), rate), "while connecting");
        }
        long readyBy = start
                + TimeUnit.SECONDS.toNanos((long) Math.ceil(share(0) / rate))
                + 2 * OPEN_TIMEOUT.toNanos()
                + ANSWER_TIMEOUT.toNanos();
        int connected = 0;
        int joined = 0;
        for (WorkerProcess w : workers) {
            JsonNode ready = w.receive(BenchWorker.READY, "while connecting", readyBy);
            connected += ready.path("connected").asInt();
            joined += ready.path("joined").asInt();
            if (ready.hasNonNull("firstFailure")) {
                progress.accept(w.name() + ": some sockets did not join, the first because: "
                        + ready.get("firstFailure").asText());
            }
        }
        long connectMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        progress.accept("connected " + connected + "/" + plan.connections() + " in " + connectMillis + " ms over "
                + workers.size() + " process(es)");
        progress.accept("joined " + joined);
        if (connected == 0) {
            throw new IOException(
                    "None of the " + plan.connections() + " sockets connected to " + ClientUrl.shown(plan.url()) + ".");
        }
        List<long[]> latencies = new ArrayList<>();
        long[] acked = new long[plan.broadcasts() + 1];
        Paced paced = plan.broadcastRate() > 0 ? new Paced(publisher) : null;
        try {
            if (paced != null) {
                paced.thread.start();
            }
            for (int b = 1; b <= plan.broadcasts(); b++) {
                for (WorkerProcess w : workers) {
                    w.send(BenchWorker.collectOp(b, plan.timeout()), "before broadcast " + b);
                }
                if (paced == null) {
                    publisher.send(BenchMessage.broadcast(plan.channel(), b, plan.payloadBytes()));
                }
                acked[b] = answer(publisher, "ack", "broadcast " + b, paced)
                        .path("recipients")
                        .asLong(-1);
                int delivered = 0;
                List<long[]> arrived = new ArrayList<>();
                long reportBy = System.nanoTime() + plan.timeout().toNanos() + ANSWER_TIMEOUT.toNanos();
                for (WorkerProcess w : workers) {
                    JsonNode arrivals = w.receive(BenchWorker.ARRIVALS, "before reporting broadcast " + b, reportBy);
                    delivered += arrivals.path("delivered").asInt();
                    arrived.add(Jackson.mapper().treeToValue(arrivals.path("latencyMicros"), long[].class));
                }
                long[] sorted = sorted(arrived);
                latencies.add(sorted);
                progress.accept("broadcast " + b + ": delivered " + delivered + ", p50 " + percentile(sorted, 50)
                        + " ms, p99 " + percentile(sorted, 99) + " ms");
                if (paced != null && b == plan.quietAfter() && b < plan.broadcasts()) {
                    quiet.at(b);
                    paced.resume.countDown();
                }
            }
            if (paced != null) {
                paced.thread.join(TimeUnit.SECONDS.toMillis(5)); // it sent the last broadcast: only its figures remain
            }
        } finally {
            if (paced != null) {
                paced.thread.interrupt();
            }
        }
        // the count per broadcast once all have arrived, so that a copy later than a broadcast's own collection
        // counts too: every socket's copies of every broadcast, by the number it carries
        int[] delivered = new int[plan.broadcasts()];
        int[] duplicated = new int[plan.broadcasts()];
        long recountBy = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
        for (WorkerProcess w : workers) {
            w.send(BenchWorker.recountOp(plan.broadcasts()), "before the recount");
            JsonNode counts = w.receive(BenchWorker.RECOUNTED, "while recounting", recountBy);
            for (int i = 0; i < plan.broadcasts(); i++) {
                delivered[i] += counts.path("delivered").path(i).asInt();
                duplicated[i] += counts.path("duplicated").path(i).asInt();
            }
        }
        List<Result> results = new ArrayList<>();
        for (int b = 1; b <= plan.broadcasts(); b++) {
            results.add(result(
                    b, acked[b], delivered[b - 1], joined - delivered[b - 1], duplicated[b - 1], latencies.get(b - 1)));
        }
        quiet.at(plan.broadcasts());
        Result total = result(
                0,
                results.stream().mapToLong(Result::recipientsAcked).sum(),
                results.stream().mapToInt(Result::delivered).sum(),
                results.stream().mapToInt(Result::lost).sum(),
                results.stream().mapToInt(Result::duplicated).sum(),
                sorted(latencies));
        return new Report(
                connected,
                joined,
                workers.size(),
                connectMillis,
                results,
                total,
                paced != null ? paced.perSecond() : Double.NaN);
    }

    /** Worker {@code i}'s share of the sockets: as even as it gets. */
    private int share(int i) {
        return plan.connections() / plan.procs() + (i < plan.connections() % plan.procs() ? 1 : 0);
    }

    /** The publisher's answer of {@code type} (joined, ack); an error frame or silence fails the bench. */
    private static JsonNode answer(ClientSocket publisher, String type, String what)
            throws IOException, InterruptedException {
        return answer(publisher, type, what, null);
    }

    private static JsonNode answer(ClientSocket publisher, String type, String what, Paced paced)
            throws IOException, InterruptedException {
        if (paced != null && paced.failure != null) {
            throw paced.failure;
        }
        JsonNode frame = publisher.await(
                f -> type.equals(f.path("type").asText())
                        || "error".equals(f.path("type").asText()),
                System.nanoTime() + ANSWER_TIMEOUT.toNanos());
        if (frame == null) {
            throw new IOException("The stack did not answer " + what + " within " + ANSWER_TIMEOUT.toSeconds() + " s.");
        }
        if (frame.path("type").asText().equals("error")) {
            throw new IOException(
                    "The stack refused " + what + ": " + frame.path("message").asText(frame.toString()));
        }
        return frame;
    }

    private static long[] sorted(List<long[]> parts) {
        long[] all = parts.stream().flatMapToLong(LongStream::of).toArray();
        Arrays.sort(all);
        return all;
    }

    private static Result result(
            int broadcast, long acked, int delivered, int lost, int duplicated, long[] sortedMicros) {
        return new Result(
                broadcast,
                acked,
                delivered,
                lost,
                duplicated,
                percentile(sortedMicros, 50),
                percentile(sortedMicros, 95),
                percentile(sortedMicros, 99),
                percentile(sortedMicros, 100));
    }

    /** The nearest-rank percentile in milliseconds, to a tenth; NaN of nothing. */
    static double percentile(long[] sortedMicros, double p) {
        if (sortedMicros.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sortedMicros.length) - 1;
        return Math.round(sortedMicros[Math.max(0, Math.min(sortedMicros.length - 1, index))] / 100.0) / 10.0;
    }
}
