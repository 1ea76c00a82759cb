package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * History and recovery end to end: {@code wsctl local}'s stack with history on {@code news}, {@code chat-*} and the
 * presence channel {@code presence-log} (3 messages kept), real WebSocket clients that disconnect, miss messages, reconnect and join with {@code since}.
 */
class LocalStackHistoryTest {
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final int SIZE = 3;

    @TempDir
    Path dir;

    private final List<TestClient> clients = new ArrayList<>();
    private LocalStack stack;

    @BeforeEach
    void start() throws Exception {
        stack = LocalStack.start(TestStackConfig.at(dir.resolve("local.db"))
                .log(JsonLog.discard())
                .publish(Settings.Publish.ANY)
                .history(new Settings.History(
                        List.of("news", "chat-*", "presence-log"), SIZE, Duration.ofMinutes(10), Optional.empty()))
                .build());
    }

    @AfterEach
    void stop() {
        clients.forEach(TestClient::close);
        stack.close();
    }

    private TestClient client() {
        TestClient c = TestClient.connect(stack.websocketUri());
        clients.add(c);
        return c;
    }

    private static JsonNode join(TestClient client, String channel) {
        JsonNode joined = client.request("{\"action\":\"joinchannel\",\"channel\":\"" + channel + "\"}");
        assertThat(joined.get("type").asText()).isEqualTo("joined");
        return joined;
    }

    private static String since(String epoch, long offset) {
        return "{\"epoch\":\"" + epoch + "\",\"offset\":" + offset + "}";
    }

    private static JsonNode publish(TestClient client, String channel, String text) {
        JsonNode ack = client.request("{\"action\":\"sendmessage\",\"channel\":\"" + channel + "\",\"message\":\""
                + text + "\",\"id\":\"" + text + "\"}");
        assertThat(ack.get("type").asText()).isEqualTo("ack");
        return ack;
    }

    @Test
    void deliveriesAcksAndJoinsCarryOffsetAndEpoch() {
        TestClient reader = client();
        TestClient writer = client();
        JsonNode joined = join(reader, "news");
        assertThat(joined.get("offset").asLong()).isZero();
        String epoch = joined.get("epoch").asText();
        assertThat(epoch).isNotBlank();

        JsonNode first = publish(writer, "news", "one");
        JsonNode second = publish(writer, "news", "two");

        assertThat(first.get("offset").asLong()).isEqualTo(1);
        assertThat(second.get("offset").asLong()).isEqualTo(2);
        assertThat(second.get("epoch").asText()).isEqualTo(epoch);
        JsonNode m1 = reader.next();
        JsonNode m2 = reader.next();
        assertThat(List.of(m1, m2)).extracting(m -> m.get("message").asText()).containsExactly("one", "two");
        assertThat(List.of(m1, m2)).extracting(m -> m.get("offset").asLong()).containsExactly(1L, 2L);
        assertThat(List.of(m1, m2)).extracting(m -> m.get("epoch").asText()).containsOnly(epoch);
        assertThat(m1.get("type").asText()).isEqualTo("message");
        assertThat(m1.get("sentAt").asLong()).isPositive();
        assertThat(join(client(), "news").get("offset").asLong()).isEqualTo(2);
    }

    @Test
    void aPresenceChannelWithHistoryAnswersMembersAndPositionAndRecovers() {
        TestClient writer = client();
        TestClient reader = client();
        JsonNode writerJoined = join(writer, "presence-log");
        assertThat(writerJoined.at("/presence/count").asLong()).isEqualTo(1);
        assertThat(writerJoined.get("offset").asLong()).isZero();
        String epoch = writerJoined.get("epoch").asText();

        JsonNode joined = join(reader, "presence-log");
        assertThat(joined.at("/presence/count").asLong()).isEqualTo(2);
        assertThat(joined.get("epoch").asText()).isEqualTo(epoch);
        assertThat(writer.next().get("type").asText()).isEqualTo("member_added");
        reader.close();
        assertThat(writer.next().get("type").asText()).isEqualTo("member_removed");

        assertThat(publish(writer, "presence-log", "while-away").get("offset").asLong())
                .isEqualTo(1);

        TestClient back = client();
        back.send("{\"action\":\"joinchannel\",\"channel\":\"presence-log\",\"since\":" + since(epoch, 0) + "}");
        JsonNode replayed = back.next();
        assertThat(replayed.get("message").asText()).isEqualTo("while-away");
        JsonNode rejoined = back.next();
        assertThat(rejoined.get("type").asText()).isEqualTo("joined");
        assertThat(rejoined.get("recovered").asBoolean()).isTrue();
        assertThat(rejoined.get("offset").asLong()).isEqualTo(1);
        assertThat(rejoined.at("/presence/count").asLong()).isEqualTo(2);
    }

    @Test
    void aClientThatReconnectsGetsExactlyWhatItMissedInOrderThenRecovered() {
        TestClient writer = client();
        TestClient reader = client();
        String epoch = join(reader, "chat-room").get("epoch").asText();
        publish(writer, "chat-room", "seen");
        JsonNode seen = reader.next();
        assertThat(seen.get("offset").asLong()).isEqualTo(1);
        reader.close();

        publish(writer, "chat-room", "missed-1");
        publish(writer, "chat-room", "missed-2");
        publish(writer, "chat-room", "missed-3");

        TestClient back = client();
        back.send("{\"action\":\"joinchannel\",\"channel\":\"chat-room\",\"since\":" + since(epoch, 1) + "}");
        List<JsonNode> replay = List.of(back.next(), back.next(), back.next());
        assertThat(replay).extracting(m -> m.get("type").asText()).containsOnly("message");
        assertThat(replay)
                .extracting(m -> m.get("message").asText())
                .containsExactly("missed-1", "missed-2", "missed-3");
        assertThat(replay).extracting(m -> m.get("offset").asLong()).containsExactly(2L, 3L, 4L);
        JsonNode joined = back.next();
        assertThat(joined.get("type").asText()).isEqualTo("joined");
        assertThat(joined.get("recovered").asBoolean()).isTrue();
        assertThat(joined.get("offset").asLong()).isEqualTo(4);
        assertThat(joined.get("epoch").asText()).isEqualTo(epoch);
        assertThat(back.drain(QUIET)).as("nothing replayed twice").isEmpty();

        publish(writer, "chat-room", "live");
        assertThat(back.next().get("offset").asLong()).as("subscribed again").isEqualTo(5);

        TestClient upToDate = client();
        upToDate.send("{\"action\":\"joinchannel\",\"channel\":\"chat-room\",\"since\":" + since(epoch, 5) + "}");
        JsonNode nothingMissed = upToDate.next();
        assertThat(nothingMissed.get("type").asText()).isEqualTo("joined");
        assertThat(nothingMissed.get("recovered").asBoolean()).isTrue();
    }

    @Test
    void anotherEpochOrTooFarBehindIsNotRecoveredAndNothingIsReplayed() {
        TestClient writer = client();
        String epoch = join(writer, "news").get("epoch").asText();
        for (int i = 1; i <= SIZE + 1; i++) {
            publish(writer, "news", "m" + i);
        }

        TestClient stranger = client();
        JsonNode other = stranger.request(
                "{\"action\":\"joinchannel\",\"channel\":\"news\",\"since\":" + since("elsewhere", 3) + "}");
        assertThat(other.get("type").asText()).isEqualTo("joined");
        assertThat(other.get("recovered").asBoolean()).isFalse();
        assertThat(other.get("offset").asLong()).isEqualTo(SIZE + 1);
        assertThat(other.get("epoch").asText()).isEqualTo(epoch);

        TestClient late = client();
        JsonNode behind =
                late.request("{\"action\":\"joinchannel\",\"channel\":\"news\",\"since\":" + since(epoch, 0) + "}");
        assertThat(behind.get("type").asText()).as("no replay before it").isEqualTo("joined");
        assertThat(behind.get("recovered").asBoolean()).isFalse();
        assertThat(behind.get("offset").asLong()).isEqualTo(SIZE + 1);

        JsonNode inside =
                client().request("{\"action\":\"joinchannel\",\"channel\":\"news\",\"since\":" + since(epoch, 1) + "}");
        assertThat(inside.get("message").asText())
                .as("size behind is still recovered")
                .isEqualTo("m2");
        assertThat(stranger.drain(QUIET)).isEmpty();
        assertThat(late.drain(QUIET)).isEmpty();
    }

    @Test
    void aBadSinceIsABadRequestAndDoesNotSubscribe() {
        TestClient writer = client();
        TestClient bad = client();
        for (String since :
                List.of("5", "{\"offset\":1}", "{\"epoch\":\"e\",\"offset\":-1}", "{\"epoch\":7,\"offset\":1}")) {
            JsonNode error = bad.request("{\"action\":\"joinchannel\",\"channel\":\"news\",\"since\":" + since + "}");
            assertThat(error.get("type").asText()).as(since).isEqualTo("error");
            assertThat(error.get("code").asText()).as(since).isEqualTo("bad_request");
        }
        publish(writer, "news", "not for bad");
        assertThat(bad.drain(QUIET)).isEmpty();
    }

    @Test
    void channelsOutsideHistoryAreUnchanged() {
        TestClient reader = client();
        TestClient writer = client();
        JsonNode joined = join(reader, "plain");
        assertThat(joined.has("offset")).isFalse();
        assertThat(joined.has("epoch")).isFalse();

        JsonNode ack = publish(writer, "plain", "x");
        assertThat(ack.has("offset")).isFalse();
        JsonNode m = reader.next();
        assertThat(m.has("offset")).isFalse();
        assertThat(m.has("epoch")).isFalse();
        assertThat(m.get("message").asText()).isEqualTo("x");
    }
}
