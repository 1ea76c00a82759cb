package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.protocol.Settings;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code wsctl channels history} and {@code wsctl broadcast} on a history channel of a real local stack, with real
 * WebSocket clients: a broadcast is kept and numbered as a client's send is, and the listing prints what is kept.
 */
class ChannelHistoryCommandTest {
    private static final Duration QUIET = Duration.ofMillis(300);

    @RegisterExtension
    final LocalTarget local = new LocalTarget(
            new Settings.History(List.of("news", "chat-*"), 5, Duration.ofMinutes(10), Optional.empty()));

    private static JsonNode json(CliRun r) throws IOException {
        assertThat(r.code()).as(r.err()).isZero();
        return Jackson.mapper().readTree(r.out());
    }

    private static void send(ClientSocket c, String channel, String message) throws IOException {
        c.send("{\"action\":\"sendmessage\",\"channel\":\"" + channel + "\",\"message\":" + message + "}");
    }

    /** The offsets of the messages a listing printed, in its order. */
    private static List<Long> offsets(JsonNode listing) {
        List<Long> offsets = new ArrayList<>();
        listing.get("messages").forEach(m -> offsets.add(m.get("offset").asLong()));
        return offsets;
    }

    @Test
    void aBroadcastIsNumberedKeptAndRecoverableAsAClientsSendIs() throws Exception {
        ClientSocket reader = local.client("news");
        ClientSocket writer = local.client("news");
        send(writer, "news", "{\"n\":1}");
        send(writer, "news", "{\"n\":2}");
        JsonNode first = LocalTarget.next(reader);
        JsonNode second = LocalTarget.next(reader);
        assertThat(second.get("offset").asLong()).isEqualTo(first.get("offset").asLong() + 1);
        String epoch = first.get("epoch").asText();

        CliRun broadcast = local.wsctl("broadcast", "--channel", "news", "--message", "{\"n\":3}", "-o", "json");

        assertThat(broadcast.code()).as(broadcast.err()).isZero();
        for (ClientSocket c : List.of(reader, writer)) {
            JsonNode delivered = LocalTarget.next(c);
            assertThat(delivered.get("sender").asText()).isEqualTo("server");
            assertThat(delivered.get("offset").asLong())
                    .isEqualTo(first.get("offset").asLong() + 2);
            assertThat(delivered.get("epoch").asText()).isEqualTo(epoch);
            assertThat(LocalTarget.drain(c, QUIET)).as("once").isEmpty();
        }
        // a client that left after the first message recovers the second and the broadcast
        ClientSocket late = local.client(null);
        late.send("{\"action\":\"joinchannel\",\"channel\":\"news\",\"since\":{\"epoch\":\"" + epoch + "\",\"offset\":"
                + first.get("offset").asLong() + "}}");
        JsonNode replayed = LocalTarget.next(late);
        JsonNode replayedBroadcast = LocalTarget.next(late);
        JsonNode joined = LocalTarget.next(late);
        assertThat(replayed.get("message")).isEqualTo(Jackson.mapper().readTree("{\"n\":2}"));
        assertThat(replayedBroadcast.get("message")).isEqualTo(Jackson.mapper().readTree("{\"n\":3}"));
        assertThat(replayedBroadcast.get("sender").asText()).isEqualTo("server");
        assertThat(joined.get("recovered").asBoolean()).as(joined.toString()).isTrue();

        JsonNode listing = json(local.wsctl("channels", "history", "-o", "json", "--", "news"));

        assertThat(listing.get("channel").asText()).isEqualTo("news");
        assertThat(offsets(listing)).containsExactly(1L, 2L, 3L);
        JsonNode messages = listing.get("messages");
        for (int i = 0; i < 3; i++) {
            JsonNode m = messages.get(i);
            assertThat(m.fieldNames()).toIterable().containsExactly("offset", "epoch", "sentAt", "sender", "message");
            assertThat(m.get("epoch").asText()).isEqualTo(epoch);
            assertThat(m.get("message")).isEqualTo(Jackson.mapper().readTree("{\"n\":" + (i + 1) + "}"));
            assertThat(m.get("sentAt").asLong()).isPositive();
        }
        assertThat(messages.get(0).get("sender").isNull()).as("no auth: no sub").isTrue();
        assertThat(messages.get(2).get("sender").asText()).isEqualTo("server");
    }

    @Test
    void theLimitKeepsTheLatestOldestFirstAndTheTableListsThemInOrder() throws Exception {
        ClientSocket reader = local.client("chat-1");
        ClientSocket writer = local.client("chat-1");
        for (int i = 1; i <= 7; i++) {
            send(writer, "chat-1", "\"m" + i + "\"");
            assertThat(LocalTarget.next(reader).get("offset").asLong()).isEqualTo(i);
        }

        assertThat(offsets(json(local.wsctl("channels", "history", "--limit", "2", "-o", "json", "--", "chat-1"))))
                .containsExactly(6L, 7L);
        // history.size 5: only the last five are kept, whatever the limit
        assertThat(offsets(json(local.wsctl("channels", "history", "--limit", "1000", "-o", "json", "--", "chat-1"))))
                .containsExactly(3L, 4L, 5L, 6L, 7L);
        CliRun table = local.wsctl("channels", "history", "--", "chat-1");
        assertThat(table.code()).as(table.err()).isZero();
        List<String> lines = table.out().lines().toList();
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).startsWith("OFFSET").contains("EPOCH", "SENT", "SENDER", "MESSAGE");
        for (int i = 1; i <= 5; i++) {
            assertThat(lines.get(i)).startsWith(String.valueOf(i + 2)).endsWith("\"m" + (i + 2) + "\"");
        }
        // a history channel nobody published on yet keeps nothing
        assertThat(json(local.wsctl("channels", "history", "-o", "json", "--", "chat-2"))
                        .get("messages"))
                .isEmpty();
    }

    @Test
    void aChannelWithoutHistoryABadNameOrLimitAndRawAreOneSentenceUsageErrors() {
        CliRun none = local.wsctl("channels", "history", "--", "sports");
        assertThat(none.code()).isEqualTo(ExitCode.USAGE);
        assertThat(none.err().strip())
                .isEqualTo("wsctl: Channel sports keeps no history: history.channels in the config does not name it.");
        assertThat(none.out()).isEmpty();

        CliRun bad = local.wsctl("channels", "history", "--", "no spaces");
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE);
        assertThat(bad.err().strip())
                .isEqualTo("wsctl: Channel 'no spaces': channel may contain only A-Z a-z 0-9 and _-=@,.;:.");

        for (String limit : List.of("0", "1001")) {
            CliRun r = local.wsctl("channels", "history", "--limit", limit, "--", "news");
            assertThat(r.code()).isEqualTo(ExitCode.USAGE);
            assertThat(r.err().strip()).isEqualTo("wsctl: --limit must be 1 to 1000, not " + limit + ".");
        }

        CliRun raw = local.wsctl("broadcast", "--channel", "news", "--message", "x", "--raw");
        assertThat(raw.code()).isEqualTo(ExitCode.USAGE);
        assertThat(raw.err().strip())
                .startsWith("wsctl: Channel news keeps history")
                .doesNotContain("\n");

        CliRun help = local.wsctl("channels", "history", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--limit", "oldest first", "history.channels");
    }
}
