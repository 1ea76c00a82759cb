package dev.wsctl.local;

import dev.wsctl.connections.ConnectionsEndpoint;
import java.time.Duration;
import java.util.Objects;

/**
 * The quotas API Gateway enforces on a WebSocket connection, and the local gateway's own bounds on what it
 * buffers per socket. {@link #aws()} gives the real values and the defaults; tests shrink them so that
 * timeouts fire in milliseconds and queues fill with a few messages.
 *
 * <p>API Gateway documents no per-socket buffering (its quotas:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html),
 * so the three queue bounds are this gateway's choice, documented in docs/local-gateway.md.
 *
 * @param maxFrameBytes         largest single frame a client may send (AWS: 32 KiB); a bigger one closes with 1009
 * @param maxMessageBytes       largest (possibly fragmented) message a client may send, and largest
 *                              {@code @connections} POST body (AWS: 128 KiB for both)
 * @param idleTimeout           a connection without traffic for this long is closed with 1001
 * @param maxConnectionDuration every connection is closed with 1001 this long after it was accepted
 * @param maxOutboundBytes      UTF-8 bytes queued for one socket and not yet written to it (a client that stops
 *                              reading); a message that would go above closes the socket with 1013 (default 4 MiB)
 * @param maxInboundMessages    messages of one socket waiting for their integration (a client that sends faster
 *                              than its handlers run); one more closes the socket with 1008 (default 1,000)
 * @param maxInboundBytes       UTF-8 bytes of those waiting messages; likewise (default 4 MiB)
 */
public record Limits(
        int maxFrameBytes,
        int maxMessageBytes,
        Duration idleTimeout,
        Duration maxConnectionDuration,
        long maxOutboundBytes,
        int maxInboundMessages,
        long maxInboundBytes) {

    public Limits {
        if (maxFrameBytes <= 0 || maxMessageBytes <= 0)
            throw new IllegalArgumentException("frame and message limits must be positive");
        if (!positive(idleTimeout) || !positive(maxConnectionDuration))
            throw new IllegalArgumentException("idleTimeout and maxConnectionDuration must be positive");
        // one message of the largest size must always fit, or such a message could never be sent or received
        if (maxOutboundBytes < maxMessageBytes || maxInboundBytes < maxMessageBytes)
            throw new IllegalArgumentException("maxOutboundBytes and maxInboundBytes must be at least maxMessageBytes");
        if (maxInboundMessages < 1) throw new IllegalArgumentException("maxInboundMessages must be at least 1");
    }

    public static Limits aws() {
        return new Limits(
                32 * 1024,
                ConnectionsEndpoint.MAX_PAYLOAD_BYTES,
                Duration.ofMinutes(10),
                Duration.ofHours(2),
                4L * 1024 * 1024,
                1_000,
                4L * 1024 * 1024);
    }

    public Limits withIdleTimeout(Duration timeout) {
        return new Limits(
                maxFrameBytes,
                maxMessageBytes,
                timeout,
                maxConnectionDuration,
                maxOutboundBytes,
                maxInboundMessages,
                maxInboundBytes);
    }

    public Limits withMaxConnectionDuration(Duration duration) {
        return new Limits(
                maxFrameBytes,
                maxMessageBytes,
                idleTimeout,
                duration,
                maxOutboundBytes,
                maxInboundMessages,
                maxInboundBytes);
    }

    private static boolean positive(Duration d) {
        return Objects.requireNonNull(d).compareTo(Duration.ZERO) > 0;
    }
}
