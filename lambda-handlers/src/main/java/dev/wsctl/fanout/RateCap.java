package dev.wsctl.fanout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A token bucket: at most {@code burst} calls at once after a quiet spell, and {@code perSecond} calls per
 * second after that. One instance is shared by every fan-out that must stay under one limit (the account's
 * @connections rate), so several broadcasts in one process together degrade into waiting, not into a storm
 * of throttled calls.
 *
 * <p>A caller reserves its call and is told how long to wait for it; reservations queue up as debt, so
 * waiters are served in the order they came and nobody spins. {@link #acquire()} sleeps out the wait;
 * asynchronous callers schedule their call after {@link #reserve()} instead.
 */
public final class RateCap {

    /** Sleeps; tests pass one that moves a fake clock instead. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long nanos);
    }

    private static final Sleeper PARK = nanos -> {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    };

    private final double perSecond;
    private final double burst;
    private final LongSupplier ticker;
    private final Sleeper sleeper;
    /** May be negative: calls reserved but not yet covered by the refill. */
    private double tokens;

    private long last;

    /**
     * @param perSecond calls per second once the burst is spent; {@link Double#POSITIVE_INFINITY} for no cap
     * @param burst     calls allowed at once (the bucket's size); at least 1
     * @param ticker    nanosecond clock, as {@link System#nanoTime()}
     */
    public RateCap(double perSecond, int burst, LongSupplier ticker, Sleeper sleeper) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException(
                    "a rate cap needs a rate above 0 and a burst of at least 1, not " + perSecond + "/s and " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.tokens = burst;
        this.last = ticker.getAsLong();
    }

    public RateCap(double perSecond, int burst) {
        this(perSecond, burst, System::nanoTime, PARK);
    }

    public boolean unlimited() {
        return perSecond == Double.POSITIVE_INFINITY;
    }

    public int burst() {
        return (int) burst;
    }

    /** Takes one call's token, waiting for it if the bucket is empty. */
    public void acquire() {
        long wait = reserve();
        if (wait > 0) {
            sleeper.sleep(wait);
        }
    }

    /**
     * Takes one call's token now and says how many nanoseconds to wait before making the call (0: at once).
     * A caller that does not make the call still used the token.
     */
    public long reserve() {
        if (unlimited()) {
            return 0;
        }
        synchronized (this) {
            refill();
            tokens -= 1;
            return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * TimeUnit.SECONDS.toNanos(1) / perSecond);
        }
    }

    /** Takes a token only if one is there now: what an endpoint that throttles does. */
    public boolean tryAcquire() {
        if (unlimited()) {
            return true;
        }
        synchronized (this) {
            refill();
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }

    private void refill() {
        long now = ticker.getAsLong();
        if (now > last) {
            tokens = Math.min(burst, tokens + (now - last) * perSecond / TimeUnit.SECONDS.toNanos(1));
            last = now;
        }
    }

    @Override
    public String toString() {
        return unlimited()
                ? "no rate cap"
                : String.format(java.util.Locale.ROOT, "%.0f calls/s, burst %d", perSecond, (int) burst);
    }
}
