package dev.wsctl.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.fanout.FanoutBatch;
import dev.wsctl.fanout.FanoutDispatcher;
import dev.wsctl.json.Json;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The local stack's {@code fanout} workers: each batch runs in this process, on one of a few threads, through
 * the worker function's own integration fed the batch's JSON, as Lambda would run it after an asynchronous
 * invoke. A batch is accepted once it is queued (as Lambda accepts an event); a full queue refuses it.
 */
public final class InProcessDispatcher implements FanoutDispatcher, AutoCloseable {
    /** Batches that run at once. They share the stack's rate cap, so a few keep it busy. */
    public static final int DEFAULT_WORKERS = 4;
    /** Batches waiting for a worker at most: 2,000,000 recipients at the default shard size. */
    public static final int DEFAULT_QUEUE = 1_000;

    private final Integration worker;
    private final Consumer<byte[]> results;
    private final ThreadPoolExecutor executor;
    private final AtomicInteger outstanding = new AtomicInteger();

    /**
     * @param worker  the worker function's integration (its handler, through {@link LambdaIntegration})
     * @param results told each worker's result (its report's JSON), on the worker's thread
     */
    public InProcessDispatcher(Integration worker, int workers, int queue, Consumer<byte[]> results) {
        this.worker = worker;
        this.results = results;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(
                workers, workers, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue), r -> {
                    Thread t = new Thread(r, "fanout-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    @Override
    public CompletableFuture<Handoff> dispatch(FanoutBatch batch) {
        byte[] event = batch.toJson();
        outstanding.incrementAndGet();
        try {
            executor.execute(() -> run(event));
        } catch (RejectedExecutionException e) {
            done();
            return CompletableFuture.completedFuture(Handoff.failed(
                    1,
                    executor.isShutdown()
                            ? "the local fan-out workers are stopped"
                            : "the local fan-out workers' queue is full ("
                                    + executor.getQueue().size() + " batches)"));
        }
        return CompletableFuture.completedFuture(Handoff.accepted(1));
    }

    private void run(byte[] event) {
        try {
            results.accept(worker.invoke(event));
        } catch (Exception e) {
            // the handler logs and never throws; an error here is the integration's own
            ObjectNode error = Json.object();
            error.put("error", e.toString());
            results.accept(Json.bytes(error));
        } finally {
            done();
        }
    }

    private void done() {
        if (outstanding.decrementAndGet() == 0) {
            synchronized (outstanding) {
                outstanding.notifyAll();
            }
        }
    }

    /** Waits until every batch handed over so far has run; false if some still run after {@code timeout}. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (outstanding) {
            while (outstanding.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(outstanding, left);
            }
        }
        return true;
    }

    /** Stops taking batches and gives those handed over a second to finish; what is left then is dropped. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
