package dev.wsctl.runtime;

import java.util.concurrent.CompletableFuture;

/**
 * Where the fan-out engine posts a message for one connection: API Gateway's {@code @connections} API over
 * HTTP ({@link ConnectionsApi}), or, in {@code wsctl local}, the local gateway's sockets in the same process.
 * Either answers each post as the {@code @connections} API does: delivered, gone (410), throttled, or failed.
 */
public interface ConnectionsEndpoint extends AutoCloseable {

    /**
     * Posts {@code payload} to one connection. The future completes with the endpoint's answer, or
     * exceptionally when there was none (see {@link ConnectionsApi#post}).
     */
    CompletableFuture<ConnectionsApi.Answer> post(String connectionId, ConnectionsApi.Payload payload);

    @Override
    void close();
}
