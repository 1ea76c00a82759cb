package dev.wsctl.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;

/**
 * The frames a bench sends. A broadcast's message carries its number and the publisher's wall-clock time
 * in epoch microseconds, so that a receiver in any bench process of the machine computes the latency
 * with the same clock.
 */
final class BenchMessage {
    private BenchMessage() {}

    /** Microseconds since the epoch by the wall clock, the one clock every bench process of a machine shares. */
    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    static String join(String channel) {
        ObjectNode frame = Json.object();
        frame.put("action", "joinchannel");
        frame.put("channel", channel);
        return Json.write(frame);
    }

    /** The ack's id of broadcast {@code number}. */
    static String id(int number) {
        return "bench-" + number;
    }

    /** Broadcast {@code number}, about {@code payloadBytes} of message, stamped now. */
    static String broadcast(String channel, int number, int payloadBytes) {
        ObjectNode message = Json.object();
        message.put("bench", number);
        message.put("sentMicros", epochMicros());
        message.put("pad", "x".repeat(Math.max(0, payloadBytes - 48)));
        ObjectNode frame = Json.object();
        frame.put("action", "sendmessage");
        frame.put("channel", channel);
        frame.set("message", message);
        frame.put("id", id(number));
        return Json.write(frame);
    }

    /** A broadcast as a subscriber received it: its number and when it was published. */
    record Arrival(int number, long sentMicros) {}

    /**
     * The broadcast in a delivered frame ({@code {"type":"message",…,"message":{"bench":N,"sentMicros":T,…}}}),
     * or null when the frame is something else (an ack, joined, an error, not JSON). Reads only as far as those
     * three fields, which the envelope and {@link #broadcast} put before the padding: a subscriber reads
     * thousands of these per second on the machine whose server it measures.
     */
    static Arrival arrival(ByteBuf utf8) {
        try (JsonParser p =
                Jackson.mapper().getFactory().createParser((InputStream) new ByteBufInputStream(utf8.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            boolean isMessage = false;
            for (JsonToken t; (t = p.nextToken()) == JsonToken.FIELD_NAME; ) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("type")) {
                    if (value != JsonToken.VALUE_STRING || !p.getText().equals("message")) {
                        return null;
                    }
                    isMessage = true;
                } else if (field.equals("message") && value == JsonToken.START_OBJECT) {
                    Arrival found = stamp(p, isMessage);
                    return found != null && (isMessage || typeFollows(p)) ? found : null;
                } else {
                    p.skipChildren();
                }
            }
            return null;
        } catch (IOException notJson) {
            return null;
        }
    }

    /**
     * {@code bench} and {@code sentMicros} of the message object the parser is in, or null; reads the object to
     * its end unless {@code stopEarly}.
     */
    private static Arrival stamp(JsonParser p, boolean stopEarly) throws IOException {
        Integer number = null;
        Long sent = null;
        while (!(stopEarly && number != null && sent != null) && p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("bench") && value == JsonToken.VALUE_NUMBER_INT) {
                number = p.getIntValue();
            } else if (field.equals("sentMicros") && value == JsonToken.VALUE_NUMBER_INT) {
                sent = p.getLongValue();
            } else {
                p.skipChildren();
            }
        }
        return number == null || sent == null ? null : new Arrival(number, sent);
    }

    /** Whether {@code "type":"message"} follows in the envelope, for a server that puts it after the message. */
    private static boolean typeFollows(JsonParser p) throws IOException {
        for (JsonToken t; (t = p.nextToken()) == JsonToken.FIELD_NAME; ) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("type")) {
                return value == JsonToken.VALUE_STRING && p.getText().equals("message");
            }
            p.skipChildren();
        }
        return false;
    }
}
