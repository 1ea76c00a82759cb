package dev.wsctl.webhooks;

import java.time.Duration;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/**
 * How long and how often a body is posted again: exponential backoff with full jitter (a random wait under 1 s,
 * then under 2 s, 4 s, ... up to 60 s: the SDK's {@link BackoffStrategy#exponentialDelay}, as every retry in wsctl),
 * until {@code window} has passed since the first attempt. A stack's window is at least {@link #MIN_WINDOW}
 * ({@link #of}, which the function's environment and the config go through); tests build shorter ones with the
 * constructor.
 */
public record RetryPolicy(Duration window, BackoffStrategy backoff) {
    public static final Duration MIN_WINDOW = Duration.ofMinutes(5);
    static final BackoffStrategy BACKOFF =
            BackoffStrategy.exponentialDelay(Duration.ofSeconds(1), Duration.ofSeconds(60));

    /** A stack's policy: {@code window}, at least {@link #MIN_WINDOW}, with the standard backoff. */
    public static RetryPolicy of(Duration window) {
        if (window.compareTo(MIN_WINDOW) < 0) {
            throw new IllegalArgumentException("the webhook retry window must be at least " + MIN_WINDOW.toSeconds()
                    + " seconds, not " + window.toSeconds());
        }
        return new RetryPolicy(window, BACKOFF);
    }

    /** The wait before attempt {@code attempt} (2 for the first retry). */
    public Duration delayBefore(int attempt) {
        return backoff.computeDelay(attempt);
    }
}
