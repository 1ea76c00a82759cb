package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.connections.ConnectionsEndpoint;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.protocol.Frames;
import dev.wsctl.protocol.Settings;
import dev.wsctl.store.ConnectionInfo;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code wsctl broadcast} against a real local stack, with real WebSocket clients in and out of the channel. */
class BroadcastCommandTest {
    private static final Duration QUIET = Duration.ofMillis(300);

    @RegisterExtension
    final LocalTarget local = new LocalTarget();

    @Test
    void reachesExactlyTheChannelsSubscribersAndCountsAGhostAsGone() throws Exception {
        ClientSocket a = local.client("news");
        ClientSocket b = local.client("news");
        ClientSocket outsider = local.client("sports");
        long expires = System.currentTimeMillis() / 1000 + 3600;
        local.store()
                .connect(
                        new ConnectionInfo(
                                "ghost-1", System.currentTimeMillis(), "127.0.0.1", null, null, List.of(), expires),
                        List.of("news"));

        CliRun r = local.wsctl("broadcast", "--channel", "news", "--message", "{\"headline\":\"hi\"}", "-o", "json");

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode report = Jackson.mapper().readTree(r.out());
        assertThat(report.fieldNames())
                .toIterable()
                .containsExactly("recipients", "delivered", "gone", "failed", "throttled", "millis");
        assertThat(report.get("recipients").asLong()).isEqualTo(3);
        assertThat(report.get("delivered").asLong()).isEqualTo(2);
        assertThat(report.get("gone").asLong()).isEqualTo(1);
        assertThat(report.get("failed").asLong()).isZero();
        for (ClientSocket c : List.of(a, b)) {
            JsonNode m = c.next(LocalTarget.deadline());
            assertThat(m.get("type").asText()).isEqualTo("message");
            assertThat(m.get("channel").asText()).isEqualTo("news");
            assertThat(m.get("message")).isEqualTo(Jackson.mapper().readTree("{\"headline\":\"hi\"}"));
            assertThat(m.get("sender").asText()).isEqualTo("server");
            assertThat(m.get("sentAt").asLong()).isPositive();
            assertThat(LocalTarget.drain(c, QUIET)).as("once").isEmpty();
        }
        assertThat(LocalTarget.drain(outsider, QUIET)).isEmpty();
        assertThat(local.store().connection("ghost-1")).as("stale rows removed").isEmpty();
        assertThat(local.store().channelsOf("ghost-1")).isEmpty();
    }

    @Test
    void textIsAJsonStringJsonIsJsonAndRawSendsTheBareMessage() throws Exception {
        ClientSocket a = local.client("news");
        assertThat(local.wsctl("broadcast", "--channel", "news", "--message", "hello there")
                        .code())
                .isZero();
        assertThat(a.next(LocalTarget.deadline()).get("message"))
                .isEqualTo(Jackson.mapper().readTree("\"hello there\""));

        assertThat(local.wsctl("broadcast", "--channel", "news", "--message", "42")
                        .code())
                .isZero();
        assertThat(a.next(LocalTarget.deadline()).get("message").isInt()).isTrue();

        assertThat(local.wsctl("broadcast", "--channel", "news", "--message", "plain", "--raw")
                        .code())
                .isZero();
        assertThat(a.nextText(LocalTarget.deadline())).isEqualTo("plain");

        assertThat(local.wsctl("broadcast", "--channel", "news", "--message", "{\"a\":1}", "--raw", "--json")
                        .code())
                .isZero();
        assertThat(a.nextText(LocalTarget.deadline())).isEqualTo("{\"a\":1}");
    }

    @Test
    void readsTheMessageFromAFileAndFromStandardInput() throws Exception {
        ClientSocket a = local.client("news");
        Path file = local.dir.resolve("m.json");
        Files.writeString(file, "{\"from\":\"file\"}\n");
        CliRun r = local.wsctl("broadcast", "--channel", "news", "--file", file.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(a.next(LocalTarget.deadline()).get("message").get("from").asText())
                .isEqualTo("file");

        CommandLine.IFactory stdin = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == BroadcastCommand.class) {
                    return cls.cast(new BroadcastCommand(
                            Context.system(),
                            new ByteArrayInputStream("from stdin\n".getBytes(StandardCharsets.UTF_8))));
                }
                return Wsctl.factory(Context.system()).create(cls);
            }
        };
        r = CliRun.wsctl(
                stdin,
                "broadcast",
                "--channel",
                "news",
                "--message",
                "-",
                "--local",
                "--state-dir",
                local.dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(a.next(LocalTarget.deadline()).get("message").asText()).isEqualTo("from stdin");
        assertThat(r.out()).contains("recipients").contains("delivered");
    }

    @Test
    void badInputIsAUsageError() throws Exception {
        ClientSocket a = local.client("news");
        CliRun notJson = local.wsctl("broadcast", "--channel", "news", "--message", "{oops", "--json");
        assertThat(notJson.code()).isEqualTo(ExitCode.USAGE);
        assertThat(notJson.err()).contains("--json: the message is not JSON").doesNotContain("at dev.");

        assertThat(local.wsctl("broadcast", "--channel", "news").code()).isEqualTo(ExitCode.USAGE);
        CliRun both = local.wsctl("broadcast", "--channel", "news", "--message", "x", "--file", "f");
        assertThat(both.code()).isEqualTo(ExitCode.USAGE);
        assertThat(both.err()).contains("mutually exclusive");

        CliRun badChannel = local.wsctl("broadcast", "--channel", "no spaces", "--message", "x");
        assertThat(badChannel.code()).isEqualTo(ExitCode.USAGE);
        assertThat(badChannel.err()).contains("channel may contain only");

        CliRun noFile = local.wsctl(
                "broadcast",
                "--channel",
                "news",
                "--file",
                local.dir.resolve("nope").toString());
        assertThat(noFile.code()).isEqualTo(ExitCode.USAGE);
        assertThat(noFile.err()).contains("no such file");

        assertThat(LocalTarget.drain(a, Duration.ofMillis(300)))
                .as("nothing sent")
                .isEmpty();
    }

    /**
     * What would be posted (the envelope, or with --raw the bare text, in UTF-8) may be what @connections accepts
     * and not a byte more: above it the broadcast is refused before anyone is addressed.
     */
    @Test
    void aDeliveryAboveWhatConnectionsAcceptsIsRefusedAndOneAtTheLimitIsDelivered() throws Exception {
        ClientSocket a = local.client("news");
        int limit = ConnectionsEndpoint.MAX_PAYLOAD_BYTES;
        int envelope = Frames.delivery(
                        Settings.Delivery.ENVELOPE, "news", TextNode.valueOf(""), "server", System.currentTimeMillis())
                .length;
        for (boolean raw : List.of(false, true)) {
            int room = raw ? limit : limit - envelope;
            Path over = local.dir.resolve("over.txt");
            Files.writeString(over, multibyte(room + 1), StandardCharsets.UTF_8);
            CliRun refused = raw
                    ? local.wsctl("broadcast", "--channel", "news", "--file", over.toString(), "--raw")
                    : local.wsctl("broadcast", "--channel", "news", "--file", over.toString());
            assertThat(refused.code()).as("raw %s: %s", raw, refused.err()).isEqualTo(ExitCode.USAGE);
            assertThat(refused.err().strip())
                    .as("one sentence")
                    .doesNotContain("\n")
                    .doesNotContain("at dev.")
                    .contains((limit + 1) + " bytes", String.valueOf(limit));
            assertThat(LocalTarget.drain(a, QUIET)).as("nothing sent").isEmpty();

            Path at = local.dir.resolve("at.txt");
            String text = multibyte(room);
            Files.writeString(at, text, StandardCharsets.UTF_8);
            CliRun sent = raw
                    ? local.wsctl("broadcast", "--channel", "news", "--file", at.toString(), "--raw")
                    : local.wsctl("broadcast", "--channel", "news", "--file", at.toString());
            assertThat(sent.code()).as("raw %s: %s", raw, sent.err()).isZero();
            String delivered = a.nextText(LocalTarget.deadline());
            assertThat(delivered.getBytes(StandardCharsets.UTF_8))
                    .as("raw %s", raw)
                    .hasSize(limit);
            assertThat(
                            raw
                                    ? delivered
                                    : Jackson.mapper()
                                            .readTree(delivered)
                                            .get("message")
                                            .asText())
                    .isEqualTo(text);
        }
    }

    /** {@code bytes} bytes of UTF-8 text that is not JSON: four-, three- and two-byte characters, ASCII for the rest. */
    private static String multibyte(int bytes) {
        int rest = bytes - 4000 - 3000;
        return "\uD83D\uDE00".repeat(1000) + "€".repeat(1000) + "é".repeat(rest / 2) + "x".repeat(rest % 2);
    }

    @Test
    void anEmptyChannelIsNotAFailure() {
        CliRun r = local.wsctl("broadcast", "--channel", "nobody", "--message", "x", "-o", "yaml");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("recipients: 0");
        assertThat(r.err()).contains("no subscribers");
    }
}
