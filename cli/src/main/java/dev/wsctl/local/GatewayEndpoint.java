package dev.wsctl.local;

import dev.wsctl.connections.ConnectionsEndpoint;
import java.util.concurrent.CompletableFuture;

/**
 * The fan-out's endpoint in {@code wsctl local}: the handlers run in the gateway's process, so a post goes
 * straight to the socket through what {@code POST /{stage}/@connections/{id}} does (same checks, same
 * answers: delivered once queued on the socket, 410 when no such connection is open or its queue is full,
 * 413 above the message limit), without an HTTP request to itself. The {@code @connections} HTTP API stays for every other caller
 * ({@code wsctl broadcast}, {@code wsctl connections}, the AWS SDK).
 *
 * <p>The gateway is attached once it is built, since its routes need the handlers that post here.
 */
final class GatewayEndpoint implements ConnectionsEndpoint {
    private volatile LocalGateway gateway;

    void attach(LocalGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public CompletableFuture<ConnectionsEndpoint.Answer> post(
            String connectionId, ConnectionsEndpoint.Payload payload) {
        LocalGateway g = gateway;
        if (g == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("the local gateway is not running"));
        }
        try {
            return CompletableFuture.completedFuture(g.post(connectionId, payload));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void close() {
        gateway = null;
    }
}
