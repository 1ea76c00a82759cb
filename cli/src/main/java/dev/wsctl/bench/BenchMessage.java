package dev.wsctl.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.runtime.Json;

import java.time.Instant;

/**
 * The frames a bench sends. A broadcast's message carries its number and the publisher's wall-clock time
 * in epoch microseconds, so that a receiver in any bench process of the machine computes the latency
 * with the same clock.
 */
final class BenchMessage {
    private BenchMessage() {
    }

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
}
