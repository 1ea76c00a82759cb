package dev.wsctl.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The @connections endpoint of a send function that started cold on demand: posts go over the JDK's HTTP client
 * ({@link JdkConnectionsApi}), which is ready by the first event, until the Netty client ({@link ConnectionsApi},
 * built on a thread of its own while the JDK's client goes on posting) is ready; it then takes every post. Netty
 * is built when a fan-out leaves {@code handoverAt} posts waiting (a large one, even in the first event), or
 * with the first post made {@code handoverAfter} or more after the first one: by a later event, not by the cold
 * start's. So the first event of a small channel does not wait for Netty, and every send from then on runs at
 * Netty's parallelism and throughput.
 */
public final class HandoverEndpoint implements ConnectionsEndpoint {
    private final JdkConnectionsApi first;
    private final Supplier<? extends ConnectionsEndpoint> bulk;
    private final int handoverAt;
    private final long handoverAfterNanos;
    private final JsonLog log;
    /** When the first post was made ({@link System#nanoTime()}); {@code Long.MIN_VALUE} before it. */
    private volatile long firstPost = Long.MIN_VALUE;
    private volatile ConnectionsEndpoint current;
    private boolean building;
    private boolean closed;

    /**
     * @param bulk          builds the client that takes over, once, on a thread of its own
     * @param handoverAt    posts waiting for the first client that start the build
     * @param handoverAfter a post made this long after the first one starts the build
     */
    public HandoverEndpoint(JdkConnectionsApi first, Supplier<? extends ConnectionsEndpoint> bulk, int handoverAt,
                            Duration handoverAfter, JsonLog log) {
        if (handoverAt < 1) {
            throw new IllegalArgumentException("the hand-over needs at least one waiting post, not " + handoverAt);
        }
        this.first = first;
        this.bulk = bulk;
        this.handoverAt = handoverAt;
        this.handoverAfterNanos = handoverAfter.toNanos();
        this.log = log;
    }

    @Override
    public CompletableFuture<ConnectionsApi.Answer> post(String connectionId, ConnectionsApi.Payload payload) {
        ConnectionsEndpoint c = current;
        if (c != null) {
            return c.post(connectionId, payload);
        }
        long now = System.nanoTime();
        long since = firstPost;
        if (since == Long.MIN_VALUE) {
            firstPost = now;
        } else if (now - since >= handoverAfterNanos) {
            build("later event", first.waiting());
        }
        int waiting = first.waiting();
        if (waiting >= handoverAt) {
            build("backlog", waiting);
        }
        return first.post(connectionId, payload);
    }

    private synchronized void build(String reason, int waiting) {
        if (building || closed) {
            return;
        }
        building = true;
        Thread builder = new Thread(() -> {
            long start = System.nanoTime();
            ObjectNode line = Json.object();
            line.put("event", "handover");
            line.put("reason", reason);
            line.put("waiting", waiting);
            try {
                ConnectionsEndpoint built = bulk.get();
                synchronized (this) {
                    if (closed) {
                        built.close();
                        return;
                    }
                    current = built;
                }
                line.put("millis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            } catch (RuntimeException | Error e) {
                // the JDK's client goes on posting everything
                line.put("error", e.toString());
            }
            log.write(line);
        }, "wsctl-handover");
        builder.setDaemon(true);
        builder.start();
    }

    /** Whether posts go to the bulk client now (for tests). */
    boolean handedOver() {
        return current != null;
    }

    @Override
    public void close() {
        ConnectionsEndpoint c;
        synchronized (this) {
            closed = true;
            c = current;
        }
        first.close();
        if (c != null) {
            c.close();
        }
    }
}
