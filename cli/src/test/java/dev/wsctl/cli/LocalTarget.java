package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.local.LocalStack;
import dev.wsctl.local.SqliteConnectionStore;
import dev.wsctl.local.TestStackConfig;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.protocol.Settings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real local stack with its state file written, as `wsctl local` leaves it for `--local --state-dir`,
 * in a fresh temporary directory per test. Use it as {@code @RegisterExtension final LocalTarget local = new LocalTarget();}.
 */
final class LocalTarget implements BeforeEachCallback, AfterEachCallback {
    static final Duration WAIT = Duration.ofSeconds(10);

    /** How a client's connection ended: its close code (-1 when it broke) and the frames that came before. */
    record Closed(int code, List<JsonNode> frames) {}

    Path dir;
    LocalStack stack;
    private final List<ClientSocket> clients = new ArrayList<>();
    private final Settings.History history;

    LocalTarget() {
        this(Settings.History.off());
    }

    /** A stack whose {@code history} channels keep their messages, written to its state file as `wsctl local` does. */
    LocalTarget(Settings.History history) {
        this.history = history;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("wsctl-local-target");
        stack = LocalStack.start(
                TestStackConfig.at(dir.resolve("local.db")).history(history).build());
        LocalState.write(
                dir,
                new LocalState(
                        ProcessHandle.current().pid(),
                        stack.websocketUri(),
                        stack.callbackUri(),
                        dir.resolve("local.db"),
                        history));
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        clients.forEach(ClientSocket::close);
        clients.clear();
        if (stack != null) {
            stack.close();
        }
        if (dir != null) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** {@code wsctl args… --local --state-dir dir}. */
    /** Runs wsctl on this local stack: its options go before a {@code --}, after which all is positional. */
    CliRun wsctl(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        int end = all.indexOf("--");
        all.addAll(end < 0 ? all.size() : end, List.of("--local", "--state-dir", dir.toString()));
        return CliRun.wsctl(all.toArray(String[]::new));
    }

    URI url() {
        return stack.websocketUri();
    }

    SqliteConnectionStore store() {
        return stack.store();
    }

    /** A real WebSocket client, joined to {@code channel} unless it is null. */
    ClientSocket client(String channel) throws Exception {
        ClientSocket c = ClientSocket.connect(url(), WAIT);
        clients.add(c);
        if (channel != null) {
            ListenCommand.join(c, channel, deadline());
        }
        return c;
    }

    static long deadline() {
        return System.nanoTime() + WAIT.toNanos();
    }

    /** The next frame, which must come within {@link #WAIT}. */
    static JsonNode next(ClientSocket c) throws Exception {
        JsonNode frame = c.next(deadline());
        assertThat(frame).as("a frame within %d s", WAIT.toSeconds()).isNotNull();
        return frame;
    }

    /** Sends {@code text} and returns the very next frame. */
    static JsonNode request(ClientSocket c, String text) throws Exception {
        c.send(text);
        return next(c);
    }

    /** Joins {@code channel}, expecting {@code joined} as the very next frame, and returns its connection id. */
    static String join(ClientSocket c, String channel) throws Exception {
        JsonNode joined = request(c, "{\"action\":\"joinchannel\",\"channel\":\"" + channel + "\"}");
        assertThat(joined.get("type").asText()).as(joined.toString()).isEqualTo("joined");
        return joined.get("connectionId").asText();
    }

    /** Leaves {@code channel}, expecting {@code left} as the very next frame. */
    static void leave(ClientSocket c, String channel) throws Exception {
        assertThat(request(c, "{\"action\":\"leavechannel\",\"channel\":\"" + channel + "\"}")
                        .get("type")
                        .asText())
                .isEqualTo("left");
    }

    /** Waits up to {@link #WAIT} for the connection to end; fails when it does not. */
    static Closed awaitClose(ClientSocket c) throws Exception {
        List<JsonNode> before = new ArrayList<>();
        long deadline = deadline();
        try {
            for (String text; (text = c.nextText(deadline)) != null; ) {
                before.add(ClientSocket.parse(text));
            }
        } catch (IOException closed) {
            return new Closed(c.closeCode().orElse(-1), before);
        }
        return fail("the connection did not close within %d s (frames: %s)", WAIT.toSeconds(), before);
    }

    /** Whether the connection has ended by now, without waiting (frames queued before it are dropped). */
    static boolean isClosed(ClientSocket c) throws InterruptedException {
        try {
            while (c.nextText(System.nanoTime()) != null) {
                // drop
            }
            return false;
        } catch (IOException closed) {
            return true;
        }
    }

    /** Frames that arrive within {@code quiet}. */
    static List<JsonNode> drain(ClientSocket c, Duration quiet) throws Exception {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode f; (f = c.next(System.nanoTime() + quiet.toNanos())) != null; ) {
            all.add(f);
        }
        return all;
    }
}
