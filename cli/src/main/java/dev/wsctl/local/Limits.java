package dev.wsctl.local;

import dev.wsctl.runtime.ConnectionsEndpoint;

import java.time.Duration;
import java.util.Objects;

/**
 * The quotas API Gateway enforces on a WebSocket connection. {@link #aws()} gives the real values; tests
 * shrink them so that timeouts fire in milliseconds.
 *
 * @param maxFrameBytes         largest single frame a client may send (AWS: 32 KiB); a bigger one closes with 1009
 * @param maxMessageBytes       largest (possibly fragmented) message a client may send, and largest
 *                              {@code @connections} POST body (AWS: 128 KiB for both)
 * @param idleTimeout           a connection without traffic for this long is closed with 1001
 * @param maxConnectionDuration every connection is closed with 1001 this long after it was accepted
 */
public record Limits(int maxFrameBytes, int maxMessageBytes, Duration idleTimeout, Duration maxConnectionDuration) {

    public Limits {
        if (maxFrameBytes <= 0 || maxMessageBytes <= 0)
            throw new IllegalArgumentException("frame and message limits must be positive");
        if (!positive(idleTimeout) || !positive(maxConnectionDuration))
            throw new IllegalArgumentException("idleTimeout and maxConnectionDuration must be positive");
    }

    public static Limits aws() {
        return new Limits(32 * 1024, ConnectionsEndpoint.MAX_PAYLOAD_BYTES, Duration.ofMinutes(10), Duration.ofHours(2));
    }

    public Limits withMaxFrameBytes(int bytes) {
        return new Limits(bytes, maxMessageBytes, idleTimeout, maxConnectionDuration);
    }

    public Limits withMaxMessageBytes(int bytes) {
        return new Limits(maxFrameBytes, bytes, idleTimeout, maxConnectionDuration);
    }

    public Limits withIdleTimeout(Duration timeout) {
        return new Limits(maxFrameBytes, maxMessageBytes, timeout, maxConnectionDuration);
    }

    public Limits withMaxConnectionDuration(Duration duration) {
        return new Limits(maxFrameBytes, maxMessageBytes, idleTimeout, duration);
    }

    private static boolean positive(Duration d) {
        return Objects.requireNonNull(d).compareTo(Duration.ZERO) > 0;
    }
}
