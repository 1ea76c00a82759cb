package dev.wsctl.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;

/** The frames the service sends to clients (the wire protocol's answers and deliveries). */
public final class Frames {
    public static final String BAD_REQUEST = "bad_request";
    public static final String UNKNOWN_ACTION = "unknown_action";
    public static final String INVALID_CHANNEL = "invalid_channel";
    public static final String FORBIDDEN = "forbidden";
    public static final String TOO_LARGE = "too_large";
    public static final String NOT_SUBSCRIBED = "not_subscribed";
    public static final String INTERNAL = "internal";

    private Frames() {}

    public static String joined(String channel, String connectionId) {
        ObjectNode f = type("joined");
        f.put("channel", channel);
        f.put("connectionId", connectionId);
        return Json.write(f);
    }

    /**
     * {@code joined} with what the channel adds: {@code presence} on a presence channel ({@code members} not null),
     * the channel's {@code offset} and {@code epoch} on a history channel ({@code epoch} not null; after a {@code since}
     * where the client is now, or should start again from), and {@code recovered} after a {@code since} ({@code
     * recovered} not null).
     */
    public static String joined(
            String channel, String connectionId, Members members, long offset, String epoch, Boolean recovered) {
        ObjectNode f = type("joined");
        f.put("channel", channel);
        f.put("connectionId", connectionId);
        if (members != null) {
            ObjectNode presence = f.putObject("presence");
            presence.put("count", members.count());
            presence.set("members", members(members));
            if (members.truncated()) {
                presence.put("truncated", true);
            }
        }
        if (epoch != null) {
            position(f, offset, epoch);
        }
        if (recovered != null) {
            f.put("recovered", recovered);
        }
        return Json.write(f);
    }

    /** The answer to {@code {"action":"presence"}}: the channel's members. */
    public static String presence(String channel, Members members) {
        ObjectNode f = type("presence");
        f.put("channel", channel);
        f.put("count", members.count());
        f.set("members", members(members));
        if (members.truncated()) {
            f.put("truncated", true);
        }
        return Json.write(f);
    }

    /** What a presence channel's other subscribers receive when a user's first connection joins. */
    public static byte[] memberAdded(String channel, Member member) {
        ObjectNode f = type("member_added");
        f.put("channel", channel);
        f.put("user", member.user());
        if (member.info() != null) {
            f.set("info", info(member.info()));
        }
        return Json.bytes(f);
    }

    /** What a presence channel's subscribers receive when a user's last connection left. */
    public static byte[] memberRemoved(String channel, String user) {
        ObjectNode f = type("member_removed");
        f.put("channel", channel);
        f.put("user", user);
        return Json.bytes(f);
    }

    private static ArrayNode members(Members members) {
        ArrayNode list = Json.object().arrayNode();
        for (Member m : members.listed()) {
            ObjectNode member = list.addObject();
            member.put("user", m.user());
            if (m.info() != null) {
                member.set("info", info(m.info()));
            }
        }
        return list;
    }

    /** A member's info, stored as the JSON text the authorizer checked. */
    private static JsonNode info(String json) {
        try {
            return Json.read(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a member's info is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static String left(String channel) {
        ObjectNode f = type("left");
        f.put("channel", channel);
        return Json.write(f);
    }

    public static String ack(JsonNode id, long recipients) {
        ObjectNode f = type("ack");
        f.set("id", id);
        f.put("recipients", recipients);
        return Json.write(f);
    }

    /** The ack of a sharded send: {@code recipients} connections in {@code shards} batches handed to workers. */
    public static String ack(JsonNode id, long recipients, int shards) {
        ObjectNode f = type("ack");
        f.set("id", id);
        f.put("recipients", recipients);
        f.put("shards", shards);
        return Json.write(f);
    }

    /** The ack of a send on a history channel: with the offset and epoch the message was given. */
    public static String ack(JsonNode id, long recipients, long offset, String epoch) {
        ObjectNode f = type("ack");
        f.set("id", id);
        f.put("recipients", recipients);
        position(f, offset, epoch);
        return Json.write(f);
    }

    /** The ack of a sharded send on a history channel. */
    public static String ack(JsonNode id, long recipients, int shards, long offset, String epoch) {
        ObjectNode f = type("ack");
        f.set("id", id);
        f.put("recipients", recipients);
        f.put("shards", shards);
        position(f, offset, epoch);
        return Json.write(f);
    }

    public static String pong() {
        return Json.write(type("pong"));
    }

    public static String error(String code, String message) {
        ObjectNode f = type("error");
        f.put("code", code);
        f.put("message", message);
        return Json.write(f);
    }

    /** What subscribers of {@code channel} receive, serialized once and posted to all of them. */
    public static byte[] delivery(
            Settings.Delivery delivery, String channel, JsonNode message, String sender, long sentAt) {
        if (delivery == Settings.Delivery.RAW) {
            return message.isTextual()
                    ? message.textValue().getBytes(java.nio.charset.StandardCharsets.UTF_8)
                    : Json.bytes(message);
        }
        ObjectNode f = type("message");
        f.put("channel", channel);
        f.set("message", message);
        f.put("sender", sender);
        f.put("sentAt", sentAt);
        return Json.bytes(f);
    }

    /**
     * What subscribers of a history channel receive: the envelope with the {@code offset} and {@code epoch} the
     * message was given, serialized once, kept in the history and posted to all of them.
     */
    public static byte[] delivery(
            String channel, JsonNode message, String sender, long sentAt, long offset, String epoch) {
        ObjectNode f = type("message");
        f.put("channel", channel);
        f.set("message", message);
        f.put("sender", sender);
        f.put("sentAt", sentAt);
        position(f, offset, epoch);
        return Json.bytes(f);
    }

    private static void position(ObjectNode f, long offset, String epoch) {
        f.put("offset", offset);
        f.put("epoch", epoch);
    }

    private static ObjectNode type(String type) {
        ObjectNode f = Json.object();
        f.put("type", type);
        return f;
    }
}
