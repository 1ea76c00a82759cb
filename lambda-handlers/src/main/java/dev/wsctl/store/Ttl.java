package dev.wsctl.store;

import java.time.Duration;

/**
 * When store rows of a connection expire. API Gateway closes every connection after two hours, so
 * rows of a connection whose {@code $disconnect} never ran are removed by TTL ten minutes later.
 */
public final class Ttl {
    public static final Duration MAX_CONNECTION = Duration.ofHours(2);
    public static final Duration GRACE = Duration.ofMinutes(10);

    private Ttl() {}

    /** Epoch seconds at which every row of a connection opened at {@code connectedAtMillis} expires. */
    public static long expiresAt(long connectedAtMillis) {
        return connectedAtMillis / 1000 + MAX_CONNECTION.plus(GRACE).toSeconds();
    }
}
