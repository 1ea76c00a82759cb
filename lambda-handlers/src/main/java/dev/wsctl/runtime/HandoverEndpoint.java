package dev.wsctl.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The @connections endpoint of a send function that started cold on demand: posts go over the JDK's HTTP client
 * ({@link JdkConnectionsApi}), which is ready by the first event, until a fan-out leaves {@code handoverAt}
 * posts waiting for it; then the Netty client ({@link ConnectionsApi}, built on a thread of its own while the
 * JDK's client goes on posting) takes every post from the moment it is ready. Sends to small channels never
 * build Netty; a large one pays for it once, and every later one runs at Netty's throughput.
 */
public final class HandoverEndpoint implements ConnectionsEndpoint {
    private final JdkConnectionsApi first;
    private final Supplier<? extends ConnectionsEndpoint> bulk;
    private final int handoverAt;
    private final JsonLog log;
    private volatile ConnectionsEndpoint current;
    private boolean building;
    private boolean closed;

    /**
     * @param bulk       builds the client for large fan-outs, once, on a thread of its own
     * @param handoverAt posts waiting for the first client that start the build
     */
    public HandoverEndpoint(JdkConnectionsApi first, Supplier<? extends ConnectionsEndpoint> bulk, int handoverAt,
                            JsonLog log) {
        if (handoverAt < 1) {
            throw new IllegalArgumentException("the hand-over needs at least one waiting post, not " + handoverAt);
        }
        this.first = first;
        this.bulk = bulk;
        this.handoverAt = handoverAt;
        this.log = log;
    }

    @Override
    public CompletableFuture<ConnectionsApi.Answer> post(String connectionId, ConnectionsApi.Payload payload) {
        ConnectionsEndpoint c = current;
        if (c != null) {
            return c.post(connectionId, payload);
        }
        int waiting = first.waiting();
        if (waiting >= handoverAt) {
            build(waiting);
        }
        return first.post(connectionId, payload);
    }

    private synchronized void build(int waiting) {
        if (building || closed) {
            return;
        }
        building = true;
        Thread builder = new Thread(() -> {
            long start = System.nanoTime();
            ObjectNode line = Json.object();
            line.put("event", "handover");
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
