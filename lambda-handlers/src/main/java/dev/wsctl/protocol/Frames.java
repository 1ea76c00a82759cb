package dev.wsctl.protocol;

import com.fasterxml.jackson.databind.JsonNode;
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

    /** {@code joined} on a history channel: with the channel's latest offset and its epoch. */
    public static String joined(String channel, String connectionId, long offset, String epoch) {
        ObjectNode f = type("joined");
        f.put("channel", channel);
        f.put("connectionId", connectionId);
        position(f, offset, epoch);
        return Json.write(f);
    }

    /**
     * {@code joined} after a {@code since}: whether the messages after it were {@code recovered}, and the offset and
     * epoch the client is at (after the replay) or should start again from (when not recovered). Without {@code
     * epoch} (null: a channel without history) only {@code recovered}.
     */
    public static String joined(String channel, String connectionId, long offset, String epoch, boolean recovered) {
        ObjectNode f = type("joined");
        f.put("channel", channel);
        f.put("connectionId", connectionId);
        if (epoch != null) {
            position(f, offset, epoch);
        }
        f.put("recovered", recovered);
        return Json.write(f);
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
