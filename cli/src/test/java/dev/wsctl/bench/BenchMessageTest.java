package dev.wsctl.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BenchMessageTest {

    /** What the send handler delivers for a bench broadcast: the envelope around the published message. */
    private static String delivered(int number, int payloadBytes) throws Exception {
        JsonNode sent = Jackson.mapper().readTree(BenchMessage.broadcast("bench", number, payloadBytes));
        ObjectNode envelope = Json.object();
        envelope.put("type", "message");
        envelope.put("channel", "bench");
        envelope.set("message", sent.get("message"));
        envelope.put("sender", "TQ0MFePzoAMCJ-w=");
        envelope.put("sentAt", "2026-11-28T09:00:00.000Z");
        return Json.write(envelope);
    }

    private static BenchMessage.Arrival arrival(String text) {
        ByteBuf buf = Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.UTF_8));
        try {
            BenchMessage.Arrival arrival = BenchMessage.arrival(buf);
            assertThat(buf.readerIndex())
                    .as("the frame is left unread for other handlers")
                    .isZero();
            return arrival;
        } finally {
            buf.release();
        }
    }

    @Test
    void readsTheNumberAndStampOfADeliveredBroadcast() throws Exception {
        long before = BenchMessage.epochMicros();
        BenchMessage.Arrival arrival = arrival(delivered(7, 2048));
        assertThat(arrival.number()).isEqualTo(7);
        assertThat(arrival.sentMicros()).isBetween(before, BenchMessage.epochMicros());
    }

    @Test
    void findsTheFieldsInAnyOrder() {
        assertThat(
                        arrival(
                                "{\"channel\":\"b\",\"message\":{\"pad\":\"xx\",\"sentMicros\":5,\"x\":[1,{\"y\":2}],\"bench\":3},\"type\":\"message\"}"))
                .isEqualTo(new BenchMessage.Arrival(3, 5));
        assertThat(arrival("{\"type\":\"message\",\"message\":{\"sentMicros\":5,\"bench\":3}}"))
                .isEqualTo(new BenchMessage.Arrival(3, 5));
    }

    @Test
    void anythingElseIsNoArrival() {
        assertThat(arrival("{\"type\":\"ack\",\"id\":\"bench-1\",\"recipients\":15000}"))
                .isNull();
        assertThat(arrival("{\"type\":\"joined\",\"channel\":\"bench\"}")).isNull();
        assertThat(arrival("{\"type\":\"error\",\"code\":\"forbidden\",\"message\":\"no\"}"))
                .isNull();
        // a message from someone else on the channel, and one that only looks like a bench message
        assertThat(arrival("{\"type\":\"message\",\"message\":{\"text\":\"hi\"}}"))
                .isNull();
        assertThat(arrival("{\"type\":\"message\",\"message\":{\"bench\":\"3\",\"sentMicros\":5}}"))
                .isNull();
        assertThat(arrival("{\"type\":\"message\",\"message\":\"bench\"}")).isNull();
        assertThat(arrival("{\"type\":\"notice\",\"message\":{\"bench\":3,\"sentMicros\":5}}"))
                .isNull();
        assertThat(arrival("{\"message\":{\"bench\":3,\"sentMicros\":5}}")).isNull();
        assertThat(arrival("{\"message\":{\"bench\":3,\"sentMicros\":5},\"type\":\"joined\"}"))
                .isNull();
        assertThat(arrival("not json")).isNull();
        assertThat(arrival("[1,2]")).isNull();
        assertThat(arrival("{\"type\":\"message\",\"message\":{\"bench\":3,")).isNull();
    }
}
