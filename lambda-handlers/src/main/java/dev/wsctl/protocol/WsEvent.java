package dev.wsctl.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parts of an API Gateway WebSocket event (Lambda proxy integration) that the runtime reads.
 * Parsed with the shared Jackson mapper rather than the Lambda runtime's POJO serializer: one tree
 * read, no reflection on a large event class, which keeps cold starts short.
 *
 * @param headers    request headers of the upgrade (CONNECT and DISCONNECT events), names in any case
 * @param authorizer the authorizer's context, or an empty object
 */
public record WsEvent(
        String routeKey,
        String connectionId,
        long connectedAt,
        String sourceIp,
        Map<String, String> headers,
        JsonNode authorizer,
        String body,
        boolean base64Encoded) {

    public static WsEvent parse(InputStream in) throws IOException {
        return of(Json.read(in));
    }

    public static WsEvent of(JsonNode event) {
        JsonNode ctx = event.path("requestContext");
        return new WsEvent(
                text(ctx, "routeKey"),
                text(ctx, "connectionId"),
                ctx.path("connectedAt").asLong(0),
                text(ctx.path("identity"), "sourceIp"),
                caseInsensitive(event.path("headers")),
                ctx.path("authorizer").isObject() ? ctx.get("authorizer") : Json.object(),
                text(event, "body"),
                event.path("isBase64Encoded").asBoolean(false));
    }

    /** A header of the upgrade request, whatever the case of its name. */
    public String header(String name) {
        return headers.get(name);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Map<String, String> strings(JsonNode node) {
        if (!node.isObject()) {
            return Map.of();
        }
        Map<String, String> map = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNull()) {
                map.put(e.getKey(), e.getValue().asText());
            }
        }
        return Collections.unmodifiableMap(map);
    }

    private static Map<String, String> caseInsensitive(JsonNode node) {
        Map<String, String> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        map.putAll(strings(node));
        return Collections.unmodifiableMap(map);
    }
}
