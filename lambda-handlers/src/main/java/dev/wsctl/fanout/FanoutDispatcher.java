package dev.wsctl.fanout;

import java.util.concurrent.CompletableFuture;

/**
 * Runs a batch of a sharded fan-out somewhere else: a {@code fanout} worker function invoked asynchronously on
 * AWS ({@link LambdaDispatcher}), a thread of the local stack's. The send path waits for every hand-off, so a
 * dispatcher answers in bounded time, and its future never fails: a batch it could not hand off is a
 * {@link Handoff} that says why.
 */
public interface FanoutDispatcher {

    CompletableFuture<Handoff> dispatch(FanoutBatch batch);

    /**
     * @param accepted whether the batch was taken to be run (a worker will run it; it has not run yet)
     * @param attempts hand-offs tried
     * @param error    why it was not taken, else null
     */
    record Handoff(boolean accepted, int attempts, String error) {
        public static Handoff accepted(int attempts) {
            return new Handoff(true, attempts, null);
        }

        public static Handoff failed(int attempts, String error) {
            return new Handoff(false, attempts, error);
        }
    }
}
