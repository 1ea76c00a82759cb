package dev.wsctl.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.TokenVerifier;
import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.json.Json;
import dev.wsctl.protocol.WsEvent;
import dev.wsctl.pubsub.PubSub;
import dev.wsctl.store.DynamoDbJsonClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Work done at init so that the first event does not pay for loading and first running its code: the
 * store's DynamoDB client in memory ({@link DynamoDbJsonClient#prime()}: requests written, an answer and an
 * error read, a request signed with throwaway credentials; no connection, no service call), in functions that
 * publish one unsigned request to @connections ({@link #connections}), one API Gateway event through Jackson,
 * and for the authorizer one token through the JOSE library.
 *
 * <p>Only when init is not on an event's path: a SnapStart snapshot, where what init loaded is in every
 * restored environment, or provisioned concurrency. On an on-demand cold start the event waits for init,
 * and priming does more than the first call it would save. Nothing here touches the table or the function's
 * credentials, and the one request to @connections is unsigned and its connection closed, so no connection is
 * open and no credentials are resolved when the snapshot is taken. See BENCHMARKS.md, cold start.
 */
final class Priming {
    /** Set by Lambda: {@code on-demand}, {@code provisioned-concurrency} or {@code snap-start}. */
    static final String INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE";

    private static final String EVENT = """
            {"requestContext":{"routeKey":"ping","eventType":"MESSAGE","connectionId":"priming","stage":"prime",
             "requestId":"priming","domainName":"localhost","connectedAt":0,"identity":{"sourceIp":"127.0.0.1"}},
             "headers":{"Origin":"https://localhost"},"body":"{\\"action\\":\\"ping\\"}","isBase64Encoded":false}
            """;

    /** How long priming waits for the @connections endpoint at most, per step. */
    static final Duration PRIMING_TIMEOUT = Duration.ofSeconds(2);

    private Priming() {}

    /** True when init is not on an event's path (SnapStart, provisioned concurrency). */
    static boolean atInit(Map<String, String> env) {
        String type = env.getOrDefault(INITIALIZATION_TYPE, "on-demand");
        return type.equals("snap-start") || type.equals("provisioned-concurrency");
    }

    /**
     * The store's DynamoDB client (wsctl's own, {@link DynamoDbJsonClient}: its requests, answers and signer in
     * memory), then the event path.
     */
    static void storeClient() {
        DynamoDbJsonClient.prime();
        events();
    }

    /**
     * The fan-out's @connections client: one unsigned request to the endpoint over TLS, its connection closed
     * after it ({@link ConnectionsApi#prime}), so that a restored environment's first send finds the TLS
     * handshake and the HTTP path loaded. No credentials, no open connection in the snapshot.
     */
    static void connections(ConnectionsApi api) {
        api.prime(PRIMING_TIMEOUT);
    }

    /** An event parsed and routed ({@code ping}: no store), a proxy result written, all in memory. */
    static void events() {
        try {
            WsEvent event = WsEvent.parse(new ByteArrayInputStream(EVENT.getBytes(StandardCharsets.UTF_8)));
            ObjectNode result = Json.object();
            result.put("statusCode", 200);
            result.put("body", PubSub.defaultRoute(event));
            Json.write(OutputStream.nullOutputStream(), result);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The event path, and with an HS256 secret one token minted and verified (a JWKS would need the network). */
    static void authorizer(AuthSettings settings) {
        events();
        if (settings.usesSecret()) {
            byte[] secret = AuthSettings.decodeSecret(settings.secret().orElseThrow());
            String token = TokenVerifier.mint(secret, "priming", List.of("priming"), List.of(), Duration.ofMinutes(1));
            TokenVerifier.hs256(secret).verify(token);
        }
    }
}
