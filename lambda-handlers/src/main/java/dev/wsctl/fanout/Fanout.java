package dev.wsctl.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.awshttp.NotSent;
import dev.wsctl.connections.ConnectionsEndpoint;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.metrics.Metrics;
import dev.wsctl.protocol.Frames;
import dev.wsctl.protocol.Settings;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.Departure;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/**
 * Sends one payload to many connections through the @connections API: the one fan-out engine behind
 * the send handler, the local stack and {@code wsctl broadcast}.
 *
 * <p>Subscribers are read from the store page by page while earlier pages are being posted; at most
 * {@code concurrency} PostToConnection calls are in flight. A connection that answers 410 Gone has
 * every row removed once the posts are done, all such connections together in one batched removal, and the
 * users whose last connection in a presence channel that was are announced there ({@link #announce}). Throttled calls (429 / LimitExceeded) and calls that never reached the endpoint
 * (connection refused) are retried after the options' {@link BackoffStrategy}; nothing else is, since
 * a PostToConnection that failed after it reached API Gateway may have been delivered, and a retry
 * would deliver it twice. A {@link ConnectionsEndpoint} therefore never retries on its own, so that throttling
 * is seen and counted here.
 */
public final class Fanout {

    /**
     * @param concurrency PostToConnection calls in flight at once
     * @param maxAttempts attempts per connection before it counts as failed
     * @param backoff     the wait before each retry: {@link BackoffStrategy#computeDelay}{@code (n)} before attempt n
     * @param maxRate     calls per second that may start, retries included; {@link Double#POSITIVE_INFINITY}
     *                    for no cap
     * @param burst       calls that may start at once after a quiet spell
     */
    public record Options(int concurrency, int maxAttempts, BackoffStrategy backoff, double maxRate, int burst) {
        public Options {
            if (concurrency < 1 || maxAttempts < 1) {
                throw new IllegalArgumentException("fan-out concurrency and attempts must be at least 1");
            }
            if (!(maxRate > 0) || burst < 1) {
                throw new IllegalArgumentException("fan-out max rate must be above 0 and burst at least 1");
            }
        }

        /**
         * The defaults, capped at {@value Settings.Sharding#DEFAULT_MAX_RATE} calls/s with a burst of
         * {@value Settings.Sharding#DEFAULT_BURST} (API Gateway's default account limit is 10,000 requests/s with a
         * burst of 5,000, shared by every caller in the account and region: stay under it with room for the rest): 6
         * attempts, each retry after a random wait up to a cap that starts at 25 ms and doubles (full jitter, as the
         * AWS SDKs retry: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html), so that
         * connections throttled together do not come back together, and one connection waits under 0.8 s in all.
         */
        public static Options withConcurrency(int concurrency) {
            return new Options(
                    concurrency,
                    6,
                    BackoffStrategy.exponentialDelay(Duration.ofMillis(25), Duration.ofSeconds(2)),
                    Settings.Sharding.DEFAULT_MAX_RATE,
                    Settings.Sharding.DEFAULT_BURST);
        }

        /** What a stack's settings ask for: their concurrency and rate cap. */
        public static Options of(Settings settings) {
            return withConcurrency(settings.fanoutConcurrency())
                    .withRateCap(
                            settings.sharding().maxRate(), settings.sharding().burst());
        }

        public Options withRateCap(double maxRate, int burst) {
            return new Options(concurrency, maxAttempts, backoff, maxRate, burst);
        }

        public RateCap rateCap() {
            return new RateCap(maxRate, burst);
        }
    }

    private final ConnectionStore store;
    private final ConnectionsEndpoint api;
    private final Options options;
    private final RateCap rateCap;
    private final JsonLog log;
    private final Metrics metrics;

    /** An engine with a rate cap of its own, from {@code options}. */
    public Fanout(ConnectionStore store, ConnectionsEndpoint api, Options options, JsonLog log) {
        this(store, api, options, options.rateCap(), log);
    }

    /** An engine that shares {@code rateCap} (its options' rate and burst are then not used). */
    public Fanout(ConnectionStore store, ConnectionsEndpoint api, Options options, RateCap rateCap, JsonLog log) {
        this(store, api, options, rateCap, log, Metrics.NONE);
    }

    /** As the constructor above, each fan-out's report counted in {@code metrics} (once per fan-out). */
    public Fanout(
            ConnectionStore store,
            ConnectionsEndpoint api,
            Options options,
            RateCap rateCap,
            JsonLog log,
            Metrics metrics) {
        this.store = store;
        this.api = api;
        this.options = options;
        this.rateCap = rateCap;
        this.log = log;
        this.metrics = metrics;
    }

    /**
     * The same engine (store, client, options, log) under another rate cap: a fan-out worker's, of its batch's
     * share or shared with the other workers of its process.
     */
    public Fanout withRateCap(RateCap cap) {
        return new Fanout(store, api, options, cap, log, metrics);
    }

    /** Sends {@code payload} to every subscriber of {@code channel} but {@code exceptConnectionId}. */
    public FanoutReport toChannel(String channel, byte[] payload, String exceptConnectionId) {
        return send(channel, store.subscriberPages(channel), payload, exceptConnectionId);
    }

    /**
     * Sends {@code payload} to the given connections (pages of ids) but {@code exceptConnectionId};
     * {@code label} names the batch in the log line.
     */
    public FanoutReport send(String label, Iterable<List<String>> pages, byte[] payload, String exceptConnectionId) {
        return send(label, pages, payload, exceptConnectionId, settled -> {});
    }

    /** Told how many connections are settled (delivered, gone or failed) so far, from the HTTP client's threads. */
    @FunctionalInterface
    public interface Progress {
        void settled(long connections);
    }

    /** As {@link #send(String, Iterable, byte[], String)}, reporting each settled connection to {@code progress}. */
    public FanoutReport send(
            String label, Iterable<List<String>> pages, byte[] payload, String exceptConnectionId, Progress progress) {
        return send(label, pages, payload, exceptConnectionId, progress, null);
    }

    /**
     * As {@link #send(String, Iterable, byte[], String, Progress)}; the fields of {@code logFields} (may be null)
     * join the fan-out's log line, so that a worker logs its report and its batch in one line.
     */
    public FanoutReport send(
            String label,
            Iterable<List<String>> pages,
            byte[] payload,
            String exceptConnectionId,
            Progress progress,
            ObjectNode logFields) {
        Sent sent = fanOut(label, pages, payload, exceptConnectionId, progress, logFields);
        announce(sent.departures());
        return sent.report();
    }

    /**
     * Sends {@code member_removed} for each departure to its channel's subscribers. A connection these posts find
     * gone is removed like any other, and the departures that causes are announced in turn: from a queue, not by
     * recursion, and the queue runs dry because the store reports each connection's departures once, to the caller
     * that removed its rows.
     */
    public void announce(List<Departure> departures) {
        Deque<Departure> pending = new ArrayDeque<>(departures);
        while (!pending.isEmpty()) {
            Departure d = pending.poll();
            byte[] frame = Frames.memberRemoved(d.channel(), d.user());
            pending.addAll(fanOut(d.channel(), store.subscriberPages(d.channel()), frame, null, settled -> {}, null)
                    .departures());
        }
    }

    /** What one fan-out did, and the departures from presence channels of the connections it found gone. */
    private record Sent(FanoutReport report, List<Departure> departures) {}

    private Sent fanOut(
            String label,
            Iterable<List<String>> pages,
            byte[] payload,
            String exceptConnectionId,
            Progress progress,
            ObjectNode logFields) {
        long start = System.nanoTime();
        Run run = new Run(ConnectionsEndpoint.Payload.of(payload), progress);
        try {
            for (List<String> page : pages) {
                for (String id : page) {
                    if (id.equals(exceptConnectionId)) {
                        continue;
                    }
                    run.recipients.incrementAndGet();
                    run.inFlight.acquireUninterruptibly();
                    rateCap.acquire();
                    run.post(id, 1);
                }
            }
        } finally {
            run.inFlight.acquireUninterruptibly(options.concurrency());
            run.inFlight.release(options.concurrency());
        }
        List<Departure> departures = run.goneIds.isEmpty()
                ? List.of()
                : store.disconnectAll(List.copyOf(run.goneIds)).departures();
        FanoutReport report = new FanoutReport(
                run.recipients.get(),
                run.delivered.get(),
                run.gone.get(),
                run.failed.get(),
                run.throttled.get(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        ObjectNode line = report.toJson();
        line.put("event", "fanout");
        line.put("channel", label);
        if (logFields != null) {
            line.setAll(logFields);
        }
        if (run.firstError.get() != null) {
            line.put("firstError", run.firstError.get());
        }
        log.write(line);
        metrics.fannedOut(report.delivered(), report.gone(), report.failed(), report.throttled(), report.millis());
        return new Sent(report, departures);
    }

    /**
     * Posts {@code payloads} to one connection in their order, each after the previous one was delivered: a
     * recovery's replay, where order matters and posts in flight together could arrive in any order. A throttled
     * post, or one that never reached the endpoint, is retried after the options' backoff as in a fan-out; the first
     * that is not delivered ends the replay (a connection found gone has its rows removed). Logs one line. Returns
     * how many were delivered.
     */
    public int replay(String connectionId, List<byte[]> payloads) {
        long start = System.nanoTime();
        int delivered = 0;
        String error = null;
        for (byte[] payload : payloads) {
            error = postInOrder(connectionId, ConnectionsEndpoint.Payload.of(payload));
            if (error != null) {
                break;
            }
            delivered++;
        }
        ObjectNode line = Json.object();
        line.put("event", "replay");
        line.put("connectionId", connectionId);
        line.put("messages", payloads.size());
        line.put("delivered", delivered);
        line.put("millis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        if (error != null) {
            line.put("error", error);
        }
        log.write(line);
        return delivered;
    }

    /** One post, waited for and retried while throttled or unsent; null when delivered, else what it came to. */
    private String postInOrder(String connectionId, ConnectionsEndpoint.Payload payload) {
        for (int attempt = 1; ; attempt++) {
            rateCap.acquire();
            String retryable;
            try {
                ConnectionsEndpoint.Answer answer =
                        api.post(connectionId, payload).join();
                switch (answer.outcome()) {
                    case DELIVERED -> {
                        return null;
                    }
                    case GONE -> {
                        store.disconnect(connectionId);
                        return answer.error();
                    }
                    case FAILED -> {
                        return answer.error();
                    }
                    default -> retryable = answer.error();
                }
            } catch (CompletionException | CancellationException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (!isUnsent(cause)) {
                    return cause.toString();
                }
                retryable = cause.toString();
            }
            if (attempt >= options.maxAttempts()) {
                return retryable;
            }
            try {
                Thread.sleep(options.backoff().computeDelay(attempt + 1).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
    }

    /** The state of one fan-out; callbacks run on the HTTP client's threads. */
    private final class Run {
        final ConnectionsEndpoint.Payload payload;
        final Semaphore inFlight = new Semaphore(options.concurrency());
        final AtomicLong recipients = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong gone = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong throttled = new AtomicLong();
        final Queue<String> goneIds = new ConcurrentLinkedQueue<>();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final AtomicLong settled = new AtomicLong();
        final Progress progress;

        Run(ConnectionsEndpoint.Payload payload, Progress progress) {
            this.payload = payload;
            this.progress = progress;
        }

        /** One connection is done with: free its permit and say so. */
        void settle() {
            inFlight.release();
            progress.settled(settled.incrementAndGet());
        }

        void fail(String error) {
            failed.incrementAndGet();
            firstError.compareAndSet(null, error);
            settle();
        }

        /**
         * Posts to one connection; the caller holds a permit, released when this connection is settled,
         * and has taken the call's token from the rate cap.
         */
        void post(String connectionId, int attempt) {
            CompletableFuture<ConnectionsEndpoint.Answer> call;
            try {
                call = api.post(connectionId, payload);
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            call.whenComplete((answer, error) -> {
                if (error != null) {
                    Throwable cause =
                            error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (isUnsent(cause) && attempt < options.maxAttempts()) {
                        retry(connectionId, attempt);
                    } else {
                        fail(cause.toString());
                    }
                    return;
                }
                switch (answer.outcome()) {
                    case DELIVERED -> {
                        delivered.incrementAndGet();
                        settle();
                    }
                    case GONE -> {
                        gone.incrementAndGet();
                        goneIds.add(connectionId);
                        settle();
                    }
                    case THROTTLED -> {
                        throttled.incrementAndGet();
                        if (attempt < options.maxAttempts()) {
                            retry(connectionId, attempt);
                        } else {
                            fail(answer.error());
                        }
                    }
                    case FAILED -> fail(answer.error());
                }
            });
        }

        /**
         * Posts again after a random backoff, then after the rate cap's wait: scheduled, never blocking
         * the HTTP client's thread that runs this.
         */
        void retry(String connectionId, int attempt) {
            after(
                    options.backoff().computeDelay(attempt + 1).toNanos(),
                    () -> after(rateCap.reserve(), () -> post(connectionId, attempt + 1)));
        }
    }

    private static void after(long nanos, Runnable task) {
        if (nanos <= 0) {
            task.run();
            return;
        }
        Executor later = CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS);
        later.execute(task);
    }

    /** A call that certainly did not reach the endpoint, so that retrying it cannot deliver twice. */
    public static boolean isUnsent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NotSent) {
                return true;
            }
        }
        return false;
    }
}
