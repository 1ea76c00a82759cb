package dev.wsctl.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.Jackson;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The event JSON API Gateway sends to a Lambda proxy integration of a WebSocket API, field for field, and
 * the ids and timestamps it fills them with.
 */
final class GatewayEvents {

    static final ObjectMapper JSON = Jackson.mapper();

    /** Account and region of the local ARNs; handlers only ever see them inside the authorizer's methodArn. */
    static final String REGION = "us-east-1";

    static final String ACCOUNT = "000000000000";

    private static final DateTimeFormatter REQUEST_TIME = DateTimeFormatter.ofPattern(
                    "dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    private static final Base64.Encoder URL_SAFE = Base64.getUrlEncoder();
    private static final SecureRandom SECURE = new SecureRandom();

    private final String stage;
    private final String apiId;

    GatewayEvents(String stage, String apiId) {
        this.stage = stage;
        this.apiId = apiId;
    }

    /**
     * A connection id shaped like AWS's ("L0SM9cOFvHcCIhw=": 11 bytes, 16 base64 chars, one '=' of padding),
     * in the URL-safe alphabet so ids never hold '/' or '+'. Unguessable, since whoever knows an id can post
     * to and drop that connection.
     */
    static String newConnectionId() {
        byte[] bytes = new byte[11];
        SECURE.nextBytes(bytes);
        return URL_SAFE.encodeToString(bytes);
    }

    /** Request and message ids: same shape, but cheap, as there is one per message. */
    static String newRequestId() {
        byte[] bytes = new byte[11];
        ThreadLocalRandom.current().nextBytes(bytes);
        return URL_SAFE.encodeToString(bytes);
    }

    byte[] connect(LocalConnection c, String requestId) {
        ObjectNode event = JSON.createObjectNode();
        putRequest(event, c);
        ObjectNode ctx = event.putObject("requestContext");
        ctx.put("routeKey", "$connect");
        putAuthorizer(ctx, c);
        ctx.put("eventType", "CONNECT");
        putCommon(ctx, c, requestId);
        event.put("isBase64Encoded", false);
        return bytes(event);
    }

    byte[] message(
            LocalConnection c, String routeKey, String body, boolean base64, String requestId, String messageId) {
        ObjectNode event = JSON.createObjectNode();
        ObjectNode ctx = event.putObject("requestContext");
        ctx.put("routeKey", routeKey);
        putAuthorizer(ctx, c);
        ctx.put("messageId", messageId);
        ctx.put("eventType", "MESSAGE");
        putCommon(ctx, c, requestId);
        event.put("body", body);
        event.put("isBase64Encoded", base64);
        return bytes(event);
    }

    byte[] disconnect(LocalConnection c, int statusCode, String reason, String requestId) {
        ObjectNode event = JSON.createObjectNode();
        putHeaders(event, c.headers);
        ObjectNode ctx = event.putObject("requestContext");
        ctx.put("routeKey", "$disconnect");
        putAuthorizer(ctx, c);
        ctx.put("disconnectStatusCode", statusCode);
        ctx.put("eventType", "DISCONNECT");
        ctx.put("disconnectReason", reason == null ? "" : reason);
        putCommon(ctx, c, requestId);
        event.put("isBase64Encoded", false);
        return bytes(event);
    }

    /** The REQUEST authorizer event API Gateway sends on {@code $connect}. */
    byte[] authorizer(LocalConnection c, String requestId) {
        ObjectNode event = JSON.createObjectNode();
        event.put("type", "REQUEST");
        event.put(
                "methodArn", "arn:aws:execute-api:" + REGION + ":" + ACCOUNT + ":" + apiId + "/" + stage + "/$connect");
        putRequest(event, c);
        event.putObject("stageVariables");
        ObjectNode ctx = event.putObject("requestContext");
        ctx.put("routeKey", "$connect");
        ctx.put("eventType", "CONNECT");
        putCommon(ctx, c, requestId);
        return bytes(event);
    }

    private void putCommon(ObjectNode ctx, LocalConnection c, String requestId) {
        long now = System.currentTimeMillis();
        ctx.put("extendedRequestId", requestId);
        ctx.put("requestTime", REQUEST_TIME.format(Instant.ofEpochMilli(now)));
        ctx.put("messageDirection", "IN");
        ctx.put("stage", stage);
        ctx.put("connectedAt", c.connectedAt);
        ctx.put("requestTimeEpoch", now);
        ObjectNode identity = ctx.putObject("identity");
        identity.put("sourceIp", c.sourceIp);
        identity.put("userAgent", c.userAgent);
        ctx.put("requestId", requestId);
        ctx.put("domainName", c.domainName);
        ctx.put("connectionId", c.id);
        ctx.put("apiId", apiId);
    }

    private static void putAuthorizer(ObjectNode ctx, LocalConnection c) {
        if (c.authorizer != null) ctx.set("authorizer", c.authorizer);
    }

    private static void putRequest(ObjectNode event, LocalConnection c) {
        putHeaders(event, c.headers);
        if (!c.query.isEmpty()) {
            putSingle(event.putObject("queryStringParameters"), c.query);
            putMulti(event.putObject("multiValueQueryStringParameters"), c.query);
        }
    }

    private static void putHeaders(ObjectNode event, Map<String, List<String>> headers) {
        putSingle(event.putObject("headers"), headers);
        putMulti(event.putObject("multiValueHeaders"), headers);
    }

    /** AWS's single-value maps keep the last value of a repeated name. */
    private static void putSingle(ObjectNode target, Map<String, List<String>> values) {
        values.forEach((name, list) -> target.put(name, list.get(list.size() - 1)));
    }

    private static void putMulti(ObjectNode target, Map<String, List<String>> values) {
        values.forEach((name, list) -> list.forEach(target.putArray(name)::add));
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (Exception e) {
            throw new IllegalStateException(e); // a tree of plain nodes always serializes
        }
    }
}
