package dev.wsctl.ops;

import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.protocol.Settings;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.HistoryStore;
import java.net.URI;
import java.util.Optional;
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
 * @param historySettings which channels keep history, as the stack runs with them
 * @param history      their history store; empty when no channel keeps history
 */
public record Target(
        String name,
        ConnectionStore store,
        ApiGatewayManagementApiAsyncClient api,
        ConnectionsApi connections,
        URI websocketUrl,
        AutoCloseable resources,
        Settings.History historySettings,
        Optional<HistoryStore> history)
        implements AutoCloseable {

    /** A stack whose channels keep no history. */
    public Target(
            String name,
            ConnectionStore store,
            ApiGatewayManagementApiAsyncClient api,
            ConnectionsApi connections,
            URI websocketUrl,
            AutoCloseable resources) {
        this(name, store, api, connections, websocketUrl, resources, Settings.History.off(), Optional.empty());
    }

    /** The history store of {@code channel}; empty when the channel keeps no history. */
    public Optional<HistoryStore> historyOf(String channel) {
        return historySettings.covers(channel) ? history : Optional.empty();
    }

    @Override
    public void close() {
        history.ifPresent(HistoryStore::close);
        store.close();
        try {
            resources.close();
        } catch (Exception ignored) {
            // closing on the way out
        }
    }
}
