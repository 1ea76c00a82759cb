package dev.wsctl.ops;

import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.store.ConnectionStore;
import java.net.URI;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiAsyncClient;

/**
 * A running stack as the operations commands see it, deployed or local: its connection store, its
 * @connections clients, and its WebSocket URL. One code path serves both.
 *
 * @param name         what to call it in messages ("local stack ws://…" or "stack chat-dev")
 * @param api          the SDK's @connections client, for the calls that may be repeated (GetConnection,
 *                     DeleteConnection)
 * @param connections  the fan-out's @connections client, for every post
 * @param websocketUrl where clients connect
 */
public record Target(
        String name,
        ConnectionStore store,
        ApiGatewayManagementApiAsyncClient api,
        ConnectionsApi connections,
        URI websocketUrl,
        AutoCloseable resources)
        implements AutoCloseable {

    @Override
    public void close() {
        store.close();
        try {
            resources.close();
        } catch (Exception ignored) {
            // closing on the way out
        }
    }
}
