package dev.wsctl.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiAsyncClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.LimitExceededException;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.PostToConnectionRequest;

import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends one payload to many connections through the @connections API: the one fan-out engine behind
 * the send handler, the local stack and {@code wsctl broadcast}.
 *
 * <p>Subscribers are read from the store page by page while earlier pages are being posted; at most
 * {@code concurrency} PostToConnection calls are in flight. A connection that answers 410 Gone has
 * every row removed. Throttled calls (429 / LimitExceeded) and calls that never reached the endpoint
 * (connection refused) are retried with exponential backoff and full jitter; nothing else is, since
 * a PostToConnection that failed after it reached API Gateway may have been delivered, and a retry
 * would deliver it twice. The SDK client must therefore be built without retries of its own (see
 * {@link Clients#managementApi}), so that throttling is seen and counted here.
 */
public final class Fanout {

    /**
     * @param concurrency PostToConnection calls in flight at once
     * @param maxAttempts attempts per connection before it counts as failed
     * @param baseBackoff first retry waits up to this long; each further retry doubles the cap
     * @param maxBackoff  no retry waits longer than this
     */
    public record Options(int concurrency, int maxAttempts, Duration baseBackoff, Duration maxBackoff) {
        public Options {
            if (concurrency < 1 || maxAttempts < 1) {
                throw new IllegalArgumentException("fan-out concurrency and attempts must be at least 1");
            }
        }

        public static Options withConcurrency(int concurrency) {
            return new Options(concurrency, 6, Duration.ofMillis(25), Duration.ofSeconds(2));
        }
    }

    private final ConnectionStore store;
    private final ApiGatewayManagementApiAsyncClient api;
    private final Options options;
    private final JsonLog log;

    public Fanout(ConnectionStore store, ApiGatewayManagementApiAsyncClient api, Options options, JsonLog log) {
        this.store = store;
        this.api = api;
        this.options = options;
        this.log = log;
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
        return send(label, pages, payload, exceptConnectionId, settled -> { });
    }

    /** Told how many connections are settled (delivered, gone or failed) so far, from the SDK's threads. */
    @FunctionalInterface
    public interface Progress {
        void settled(long connections);
    }

    /** As {@link #send(String, Iterable, byte[], String)}, reporting each settled connection to {@code progress}. */
    public FanoutReport send(String label, Iterable<List<String>> pages, byte[] payload, String exceptConnectionId,
                             Progress progress) {
        long start = System.nanoTime();
        Run run = new Run(SdkBytes.fromByteArrayUnsafe(payload), progress);
        try {
            for (List<String> page : pages) {
                for (String id : page) {
                    if (id.equals(exceptConnectionId)) {
                        continue;
                    }
                    run.recipients.incrementAndGet();
                    run.inFlight.acquireUninterruptibly();
                    run.post(id, 1);
                }
            }
        } finally {
            run.inFlight.acquireUninterruptibly(options.concurrency());
            run.inFlight.release(options.concurrency());
        }
        for (String id; (id = run.goneIds.poll()) != null; ) {
            store.disconnect(id);
        }
        FanoutReport report = new FanoutReport(run.recipients.get(), run.delivered.get(), run.gone.get(),
                run.failed.get(), run.throttled.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        ObjectNode line = report.toJson();
        line.put("event", "fanout");
        line.put("channel", label);
        if (run.firstError.get() != null) {
            line.put("firstError", run.firstError.get());
        }
        log.write(line);
        return report;
    }

    /** The state of one fan-out; callbacks run on the SDK's completion threads. */
    private final class Run {
        final SdkBytes data;
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

        Run(SdkBytes data, Progress progress) {
            this.data = data;
            this.progress = progress;
        }

        /** One connection is done with: free its permit and say so. */
        void settle() {
            inFlight.release();
            progress.settled(settled.incrementAndGet());
        }

        /** Posts to one connection; the caller holds a permit, released when this connection is settled. */
        void post(String connectionId, int attempt) {
            CompletableFuture<?> call;
            try {
                call = api.postToConnection(PostToConnectionRequest.builder()
                        .connectionId(connectionId).data(data).build());
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            call.whenComplete((ok, error) -> {
                if (error == null) {
                    delivered.incrementAndGet();
                    settle();
                    return;
                }
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof GoneException) {
                    gone.incrementAndGet();
                    goneIds.add(connectionId);
                    settle();
                    return;
                }
                boolean throttle = isThrottling(cause);
                if (throttle) {
                    throttled.incrementAndGet();
                }
                if ((throttle || isUnsent(cause)) && attempt < options.maxAttempts()) {
                    CompletableFuture.delayedExecutor(backoffMillis(attempt), TimeUnit.MILLISECONDS)
                            .execute(() -> post(connectionId, attempt + 1));
                    return;
                }
                failed.incrementAndGet();
                firstError.compareAndSet(null, cause.toString());
                settle();
            });
        }
    }

    /** Full jitter: a random wait up to an exponentially growing cap. */
    private long backoffMillis(int attempt) {
        long cap = Math.min(options.maxBackoff().toMillis(),
                options.baseBackoff().toMillis() << Math.min(attempt - 1, 20));
        return ThreadLocalRandom.current().nextLong(cap + 1);
    }

    static boolean isThrottling(Throwable e) {
        return e instanceof LimitExceededException
                || e instanceof SdkServiceException s && (s.isThrottlingException() || s.statusCode() == 429);
    }

    /** A call that certainly did not reach the endpoint, so that retrying it cannot deliver twice. */
    static boolean isUnsent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }
}
