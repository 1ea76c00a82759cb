package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.auth.TestAuthSettings;
import dev.wsctl.local.LocalStack;
import dev.wsctl.local.TestStackConfig;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.protocol.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token that {@code wsctl token --local --publish} mints, on a local stack with {@code publish: none}: the claim
 * lets its holder publish on the channels it names, and nowhere else; a token without it publishes nowhere.
 */
class PublishClaimTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private LocalStack stack;
    private final List<ClientSocket> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(ClientSocket::close);
        if (stack != null) {
            stack.close();
        }
    }

    private ClientSocket client(String... tokenArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("token", "--local", "--state-dir", dir.toString()));
        args.addAll(List.of(tokenArgs));
        CliRun token = CliRun.wsctl(args.toArray(String[]::new));
        assertThat(token.code()).as(token.err()).isZero();
        ClientSocket c = ClientSocket.connect(
                URI.create(stack.websocketUri() + "?token=" + token.out().strip()), WAIT);
        clients.add(c);
        return c;
    }

    private static JsonNode request(ClientSocket c, String text) throws Exception {
        c.send(text);
        JsonNode frame = c.next(System.nanoTime() + WAIT.toNanos());
        assertThat(frame).as("an answer to %s", text).isNotNull();
        return frame;
    }

    private static String send(String channel, String id) {
        return "{\"action\":\"sendmessage\",\"channel\":\"" + channel + "\",\"message\":\"" + id + "\",\"id\":\"" + id
                + "\"}";
    }

    @Test
    void underPublishNoneTheClaimGrantsItsChannels() throws Exception {
        AuthSettings auth =
                TestAuthSettings.hs256(LocalSecret.loadOrCreate(dir), List.of(), OriginPolicy.MissingOrigin.ALLOW);
        stack = LocalStack.start(TestStackConfig.at(dir.resolve("local.db"))
                .publish(Settings.Publish.NONE)
                .auth(auth)
                .build());
        ClientSocket reader = client("--sub", "reader");
        ClientSocket ops = client("--sub", "ops", "--publish", "alerts,ops-*");
        assertThat(request(reader, "{\"action\":\"joinchannel\",\"channel\":\"alerts\"}")
                        .get("type")
                        .asText())
                .isEqualTo("joined");

        JsonNode unclaimed = request(reader, send("alerts", "r1"));
        assertThat(unclaimed.path("code").asText()).as(unclaimed.toString()).isEqualTo("forbidden");
        assertThat(unclaimed.get("message").asText()).contains("publish claim");
        JsonNode outside = request(ops, send("news", "o1"));
        assertThat(outside.path("code").asText()).as(outside.toString()).isEqualTo("forbidden");

        JsonNode claimed = request(ops, send("alerts", "o2"));
        assertThat(claimed.toString()).isEqualTo("{\"type\":\"ack\",\"id\":\"o2\",\"recipients\":1}");
        JsonNode delivered = reader.next(System.nanoTime() + WAIT.toNanos());
        assertThat(delivered.get("message").asText()).isEqualTo("o2");
        assertThat(delivered.get("sender").asText()).isEqualTo("ops");
        assertThat(request(ops, send("ops-night", "o3")).toString())
                .as("a claimed prefix, no subscribers")
                .isEqualTo("{\"type\":\"ack\",\"id\":\"o3\",\"recipients\":0}");
        assertThat(reader.next(System.nanoTime() + Duration.ofMillis(300).toNanos()))
                .as("nothing else")
                .isNull();
    }
}
