package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.local.SqliteConnectionStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wsctl local} as a process: prints its URL, serves clients, and closes them all on SIGTERM (Ctrl-C). */
class LocalProcessTest {
    @TempDir
    Path dir;

    private Process process;

    @AfterEach
    void kill() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    /** Starts {@code wsctl local --port 0 --state-dir DIR EXTRA…} and returns the URL it prints. */
    private String startLocal(String... extra) throws Exception {
        process = launch(extra);
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String url = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .get(60, TimeUnit.SECONDS);
        assertThat(url)
                .as(Files.readString(dir.resolve("stderr.txt")))
                .matches("ws://(127\\.0\\.0\\.1|localhost):\\d+/local");
        return url;
    }

    /** {@code wsctl local --port 0 --state-dir DIR EXTRA…} as a process, its stderr in DIR/stderr.txt (or {@code stderr}). */
    private Process launch(String... extra) throws Exception {
        return launch(dir.resolve("stderr.txt"), extra);
    }

    private Process launch(Path stderr, String... extra) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Wsctl.class.getName(),
                "local",
                "--port",
                "0",
                "--state-dir",
                dir.toString()));
        command.addAll(List.of(extra));
        return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    }

    /** Connects to {@code url} and joins {@code channel}; returns the connection id. */
    private static String connectAndJoin(String url, String channel, List<WebSocket> sockets) throws Exception {
        Joined joined = join(url, channel);
        sockets.add(joined.socket());
        return joined.id();
    }

    /** A client that joined a channel: its socket, its connection id, and the close code it will receive. */
    private record Joined(WebSocket socket, String id, CompletableFuture<Integer> closed) {}

    private static Joined join(String url, String channel) throws Exception {
        LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(URI.create(url), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        frames.add(data.toString());
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                        closed.complete(code);
                        return null;
                    }
                })
                .get(10, TimeUnit.SECONDS);
        socket.sendText("{\"action\":\"joinchannel\",\"channel\":\"" + channel + "\"}", true);
        String id = Jackson.mapper()
                .readTree(frames.poll(10, TimeUnit.SECONDS))
                .get("connectionId")
                .asText();
        return new Joined(socket, id, closed);
    }

    private static String permissions(Path path) throws Exception {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void aSecondLocalOnTheSameStateDirectoryIsRefusedAndTheFirstKeepsItsStateAndClients() throws Exception {
        String url = startLocal();
        List<WebSocket> sockets = new java.util.ArrayList<>();
        String id = connectAndJoin(url, "news", sockets);

        Path secondErr = dir.getParent().resolve(dir.getFileName() + "-second.txt");
        Process second = launch(secondErr);
        try {
            assertThat(second.waitFor(60, TimeUnit.SECONDS))
                    .as("the second exits")
                    .isTrue();
            assertThat(second.exitValue()).isEqualTo(ExitCode.FAILED);
            assertThat(new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEmpty();
            assertThat(Files.readAllLines(secondErr))
                    .containsExactly("wsctl: Another wsctl local (pid " + process.pid()
                            + ", " + url + ") is running on the state directory " + dir
                            + "; stop it first, or give this one another --state-dir.");
        } finally {
            second.destroyForcibly();
            Files.deleteIfExists(secondErr);
        }
        JsonNode state = Jackson.mapper().readTree(dir.resolve("local.json").toFile());
        assertThat(state.get("pid").asLong()).isEqualTo(process.pid());
        try (SqliteConnectionStore store = new SqliteConnectionStore(dir.resolve("local.db"))) {
            assertThat(store.channelsOf(id)).containsExactly("default", "news");
        }
        CliRun broadcast = CliRun.wsctl(
                "broadcast",
                "--local",
                "--state-dir",
                dir.toString(),
                "--channel",
                "news",
                "--message",
                "hi",
                "-o",
                "json");
        assertThat(broadcast.code()).as(broadcast.out() + broadcast.err()).isZero();
        JsonNode report = Jackson.mapper().readTree(broadcast.out());
        assertThat(report.get("delivered").asInt()).as("the first one's client").isEqualTo(1);
        assertThat(report.get("gone").asInt()).isZero();
    }

    @Test
    void afterAKillTheNextStartRemovesTheConnectionsTheDeadOneLeftAndSaysHowMany() throws Exception {
        String url = startLocal();
        List<WebSocket> sockets = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            connectAndJoin(url, "news", sockets);
        }
        process.destroyForcibly(); // SIGKILL: no shutdown hook, no $disconnect
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        sockets.forEach(WebSocket::abort);
        try (SqliteConnectionStore store = new SqliteConnectionStore(dir.resolve("local.db"))) {
            assertThat(store.connections(10)).hasSize(3);
        }
        assertThat(dir.resolve("local.json")).as("left by the killed one").exists();

        String again = startLocal(); // the lock died with the killed process
        assertThat(Files.readString(dir.resolve("stderr.txt")))
                .contains("removed 3 connection(s) left by a previous run");
        try (SqliteConnectionStore store = new SqliteConnectionStore(dir.resolve("local.db"))) {
            assertThat(store.connections(10)).isEmpty();
        }
        assertThat(Jackson.mapper()
                        .readTree(dir.resolve("local.json").toFile())
                        .get("url")
                        .asText())
                .isEqualTo(again);
    }

    @Test
    void theStateDirectoryAndEveryFileInItAreTheirUsersOnly() throws Exception {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path log = Files.writeString(dir.resolve("local.log"), "");
        Files.setPosixFilePermissions(log, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        String url = startLocal();
        connectAndJoin(url, "news", new java.util.ArrayList<>()); // a write: the WAL exists

        assertThat(permissions(dir)).isEqualTo("rwx------");
        for (String file :
                List.of("local.db", "local.db-wal", "local.db-shm", "local.log", "local.json", "local.lock")) {
            assertThat(permissions(dir.resolve(file))).as(file).isEqualTo("rw-------");
        }
        assertThat(Files.readString(dir.resolve("stderr.txt")))
                .contains(
                        "made private to you: " + dir + " (was rwxr-xr-x)",
                        "made private to you: " + log + " (was rw-r--r--)");
    }

    @Test
    void theBannerShowsTheAddressBoundAndWarnsBeyondLoopback() throws Exception {
        startLocal("--host", "localhost");
        String banner = Files.readString(dir.resolve("stderr.txt"));
        java.net.InetAddress localhost = java.net.InetAddress.getByName("localhost");
        String address = localhost instanceof java.net.Inet6Address
                ? "[" + localhost.getHostAddress() + "]"
                : localhost.getHostAddress();
        assertThat(banner).contains("(bound to " + address + ":").doesNotContain("warning");
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

        startLocal("--host", "0.0.0.0");
        banner = Files.readString(dir.resolve("stderr.txt"));
        // Java binds the IPv4 wildcard as the IPv6 one where the machine has both: [::] takes both families
        assertThat(banner)
                .containsPattern("\\(bound to every address of this machine, (0\\.0\\.0\\.0|\\[::]):\\d+;")
                .contains("warning: reachable from other machines, and the @connections API", "has no authentication");
    }

    @Test
    void withJwtInTheConfigItRefusesConnectionsWithoutATokenFromWsctlToken() throws Exception {
        Path config = dir.resolve("wsctl.yaml");
        Files.writeString(
                config, "auth:\n  mode: jwt\n  allowedOrigins: [\"https://app.example.com\"]\npublish: members\n");
        String url = startLocal("--config", config.toString());
        assertThat(Files.readString(dir.resolve("stderr.txt"))).contains("wsctl token --local");
        HttpClient http = HttpClient.newHttpClient();
        var refused = http.newWebSocketBuilder().buildAsync(URI.create(url), new WebSocket.Listener() {});
        assertThat(org.assertj.core.api.Assertions.catchThrowable(refused::join))
                .hasCauseInstanceOf(java.net.http.WebSocketHandshakeException.class);
        assertThat(((java.net.http.WebSocketHandshakeException)
                                org.assertj.core.api.Assertions.catchThrowable(refused::join)
                                        .getCause())
                        .getResponse()
                        .statusCode())
                .isEqualTo(401);

        CliRun token = CliRun.wsctl("token", "--local", "--state-dir", dir.toString(), "--sub", "alice");
        assertThat(token.code()).as(token.err()).isZero();
        WebSocket socket = http.newWebSocketBuilder()
                .buildAsync(URI.create(url + "?token=" + token.out().strip()), new WebSocket.Listener() {})
                .get(10, TimeUnit.SECONDS);
        socket.abort();

        CliRun smoke = CliRun.wsctl("smoke", "--local", "--state-dir", dir.toString());
        assertThat(smoke.code()).as(smoke.out() + smoke.err()).isZero();
        assertThat(Files.readString(dir.resolve("local.log")))
                .contains("\"decision\":\"deny\"", "\"reason\":\"missing_token\"", "\"sub\":\"alice\"");
    }

    @Test
    void historyInTheConfigGivesItsChannelsAnOffsetAndAnEpoch() throws Exception {
        Path config = dir.resolve("wsctl.yaml");
        Files.writeString(config, "history:\n  channels: [news]\n  size: 10\n  ttl: 1m\n");
        String url = startLocal("--config", config.toString());
        LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        WebSocket socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(URI.create(url), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        frames.add(data.toString());
                        ws.request(1);
                        return null;
                    }
                })
                .get(10, TimeUnit.SECONDS);
        try {
            socket.sendText("{\"action\":\"joinchannel\",\"channel\":\"news\"}", true);
            JsonNode news = Jackson.mapper().readTree(frames.poll(10, TimeUnit.SECONDS));
            assertThat(news.get("offset").asLong()).as(news.toString()).isZero();
            assertThat(news.get("epoch").isTextual()).as(news.toString()).isTrue();
            socket.sendText("{\"action\":\"joinchannel\",\"channel\":\"plain\"}", true);
            JsonNode plain = Jackson.mapper().readTree(frames.poll(10, TimeUnit.SECONDS));
            assertThat(plain.has("epoch")).as(plain.toString()).isFalse();

            // the running process's history settings reach the operations commands through its state file
            socket.sendText("{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":\"hi\",\"id\":\"a\"}", true);
            JsonNode ack = Jackson.mapper().readTree(frames.poll(10, TimeUnit.SECONDS));
            assertThat(ack.get("offset").asLong()).as(ack.toString()).isEqualTo(1);
            String state = dir.toString();
            CliRun broadcast = CliRun.wsctl(
                    "broadcast", "--channel", "news", "--message", "there", "--local", "--state-dir", state);
            assertThat(broadcast.code()).as(broadcast.err()).isZero();
            JsonNode delivered = Jackson.mapper().readTree(frames.poll(10, TimeUnit.SECONDS));
            assertThat(delivered.get("offset").asLong())
                    .as(delivered.toString())
                    .isEqualTo(2);
            assertThat(delivered.get("epoch")).isEqualTo(news.get("epoch"));
            CliRun history = CliRun.wsctl("channels", "history", "news", "--local", "--state-dir", state, "-o", "json");
            assertThat(history.code()).as(history.err()).isZero();
            JsonNode messages = Jackson.mapper().readTree(history.out()).get("messages");
            assertThat(messages).hasSize(2);
            assertThat(messages.get(0).get("message").asText()).isEqualTo("hi");
            assertThat(messages.get(1).get("message").asText()).isEqualTo("there");
            assertThat(messages.get(1).get("sender").asText()).isEqualTo("server");
            assertThat(CliRun.wsctl("channels", "history", "plain", "--local", "--state-dir", state)
                            .code())
                    .isEqualTo(ExitCode.USAGE);
        } finally {
            socket.abort();
        }

        CliRun raw = CliRun.wsctl(
                "local",
                "--port",
                "0",
                "--state-dir",
                dir.resolve("other").toString(),
                "--config",
                config.toString(),
                "--delivery",
                "raw");
        assertThat(raw.code()).isEqualTo(2);
        assertThat(raw.err()).contains("history.channels needs delivery envelope");
    }

    @Test
    void servesUntilInterruptedThenDisconnectsEveryClientAndCleansUp() throws Exception {
        String url = startLocal();

        JsonNode state = Jackson.mapper().readTree(dir.resolve("local.json").toFile());
        assertThat(state.get("url").asText()).isEqualTo(url);
        assertThat(state.get("pid").asLong()).isEqualTo(process.pid());
        assertThat(Files.readString(dir.resolve("stderr.txt")))
                .contains(
                        "listening on " + url,
                        "Ctrl-C",
                        "demo page: " + url.replace("ws://", "http://").replace("/local", "/"));

        Joined client = join(url, "news");
        String id = client.id();
        try (SqliteConnectionStore store = new SqliteConnectionStore(dir.resolve("local.db"))) {
            assertThat(store.channelsOf(id)).containsExactly("default", "news");
        }

        process.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hook runs
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(client.closed().get(5, TimeUnit.SECONDS)).isEqualTo(1001);
        try (SqliteConnectionStore store = new SqliteConnectionStore(dir.resolve("local.db"))) {
            assertThat(store.connections(10))
                    .as("$disconnect ran for every client")
                    .isEmpty();
        }
        assertThat(dir.resolve("local.json")).doesNotExist();
        assertThat(Files.readString(dir.resolve("stderr.txt"))).contains("closing 1 connection(s)");
        assertThat(Files.readString(dir.resolve("local.log"))).contains("\"route\":\"$disconnect\"");
    }
}
