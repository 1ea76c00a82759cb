package dev.wsctl.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import java.util.List;
import java.util.Objects;

/**
 * One lifecycle event (docs/observability.md#lifecycle-webhooks): its name and, when the event has them, the
 * channel, the user and the connection id (null when it has none; absent from its JSON then).
 */
public record WebhookEvent(String name, String channel, String user, String connectionId) {
    public static final String CHANNEL_OCCUPIED = "channel_occupied";
    public static final String CHANNEL_VACATED = "channel_vacated";
    public static final String MEMBER_ADDED = "member_added";
    public static final String MEMBER_REMOVED = "member_removed";
    public static final String CONNECTED = "connected";
    public static final String DISCONNECTED = "disconnected";

    /** Every event a stack can post, in the documented order; the config's {@code webhooks.events} names these. */
    public static final List<String> NAMES =
            List.of(CHANNEL_OCCUPIED, CHANNEL_VACATED, MEMBER_ADDED, MEMBER_REMOVED, CONNECTED, DISCONNECTED);

    public WebhookEvent {
        Objects.requireNonNull(name, "name");
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("not a webhook event: " + name);
        }
    }

    public static WebhookEvent connected(String connectionId, String user) {
        return new WebhookEvent(CONNECTED, null, user, connectionId);
    }

    public static WebhookEvent disconnected(String connectionId, String user) {
        return new WebhookEvent(DISCONNECTED, null, user, connectionId);
    }

    public static WebhookEvent occupied(String channel) {
        return new WebhookEvent(CHANNEL_OCCUPIED, channel, null, null);
    }

    public static WebhookEvent vacated(String channel) {
        return new WebhookEvent(CHANNEL_VACATED, channel, null, null);
    }

    public static WebhookEvent memberAdded(String channel, String user) {
        return new WebhookEvent(MEMBER_ADDED, channel, user, null);
    }

    public static WebhookEvent memberRemoved(String channel, String user) {
        return new WebhookEvent(MEMBER_REMOVED, channel, user, null);
    }

    /** {@code {"name":…,"channel":…,"user":…,"connectionId":…}}, the fields the event has. */
    public ObjectNode toJson() {
        ObjectNode node = Json.object();
        node.put("name", name);
        if (channel != null) {
            node.put("channel", channel);
        }
        if (user != null) {
            node.put("user", user);
        }
        if (connectionId != null) {
            node.put("connectionId", connectionId);
        }
        return node;
    }

    /** The event a body's entry describes (its JSON as {@link #toJson()} writes it). */
    public static WebhookEvent fromJson(com.fasterxml.jackson.databind.JsonNode node) {
        return new WebhookEvent(
                node.path("name").asText(), text(node, "channel"), text(node, "user"), text(node, "connectionId"));
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode node, String field) {
        com.fasterxml.jackson.databind.JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
