package dev.wsctl.runtime;

import java.util.concurrent.CompletableFuture;

/**
 * Where the fan-out engine posts a message for one connection: API Gateway's {@code @connections} API over
 * HTTP ({@link ConnectionsApi}), or, in {@code wsctl local}, the local gateway's sockets in the same process.
 * Either answers each post as the {@code @connections} API does: delivered, gone (410), throttled, or failed.
 */
public interface ConnectionsEndpoint extends AutoCloseable {

    /**
     * The largest body a PostToConnection may carry: API Gateway's WebSocket "message payload size" quota, 128 KB,
     * which applies to @connections as it does to what clients send
     * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html).
     * A larger one is answered 413 PayloadTooLargeException and delivered to nobody.
     */
    int MAX_PAYLOAD_BYTES = 128 * 1024;

    /**
     * Posts {@code payload} to one connection. The future completes with the endpoint's answer, or
     * exceptionally when there was none (see {@link ConnectionsApi#post}).
     */
    CompletableFuture<ConnectionsApi.Answer> post(String connectionId, ConnectionsApi.Payload payload);

    @Override
    void close();
}
