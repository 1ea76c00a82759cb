package dev.wsctl.awshttp;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting on the async SDK clients from code that needs an answer now. */
public final class Futures {
    private Futures() {}

    /**
     * The future's value; a failure is rethrown as the SDK exception itself (not wrapped in a
     * CompletionException), with the place it was awaited attached as a suppressed exception.
     */
    public static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                re.addSuppressed(new AwaitedHere());
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Marks where a failed asynchronous call was awaited. */
    private static final class AwaitedHere extends RuntimeException {
        AwaitedHere() {
            super("awaited here", null, false, true);
        }
    }
}
