package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wsctl.Checkout;
import dev.wsctl.protocol.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo page ({@code examples/demo.html}) and {@code examples/client.js}: one client class in both, each
 * driven against a running local stack by a script of {@code tools/browser-test} (the page in headless Chromium).
 * The gateway's HTTP answer for the page is tested in {@link LocalGatewayTest}.
 */
class DemoPageTest {

    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(90);
    private static final String BEGIN = "// ---- begin WsClient ----";
    private static final String END = "// ---- end WsClient ----";
    /** The channel the scripts test history on. */
    private static final String HISTORY_CHANNEL = "news";
    /** How many messages the stack keeps per history channel: the scripts publish one more while a client is away. */
    private static final int HISTORY_SIZE = 5;

    private static final Settings.History HISTORY =
            new Settings.History(List.of(HISTORY_CHANNEL), HISTORY_SIZE, Duration.ofMinutes(10), Optional.empty());

    @TempDir
    Path dir;

    @Test
    void thePageCarriesTheClientOfTheExampleVerbatim() throws IOException {
        String example = Files.readString(Checkout.root().resolve("examples/client.js"));
        assertThat(clientClass(DemoPage.template(), "the demo page"))
                .as("the WsClient block of examples/demo.html must be a copy of the one in examples/client.js")
                .isEqualTo(clientClass(example, "examples/client.js"));
    }

    @Test
    void theStageIsFilledInAsAnEscapedAttribute() {
        String html = new String(DemoPage.forStage("a\"b<c>&d").body(), StandardCharsets.UTF_8);
        assertThat(html)
                .contains("<meta name=\"wsctl-stage\" content=\"a&quot;b&lt;c&gt;&amp;d\">")
                .doesNotContain(DemoPage.STAGE_META);
        assertThat(DemoPage.template()).contains(DemoPage.STAGE_META);
    }

    /**
     * examples/client.js in Node: connect, join, send and ack, error frames, ping keep-alive, reconnects, presence
     * member lists, and on a history channel recovery after a reconnect, dropped duplicates and 'missed'.
     */
    @Test
    void theClientExampleWorksAgainstALocalStack() throws Exception {
        Duration idle = Duration.ofSeconds(1);
        LocalStack.Config config = TestStackConfig.at(dir.resolve("local.db"))
                .limits(Limits.aws().withIdleTimeout(idle))
                .history(HISTORY)
                .build();
        try (LocalStack stack = LocalStack.start(config)) {
            node(
                    "client.test.mjs",
                    stack.websocketUri().toString(),
                    "--idle-timeout",
                    Long.toString(idle.toMillis()),
                    "--history",
                    HISTORY_CHANNEL,
                    "--history-size",
                    Integer.toString(HISTORY_SIZE));
        }
    }

    /**
     * Pages in headless Chromium: one sends, the other shows it; leave; a server-side close, reconnect, rejoin;
     * presence member lists on two pages through joins, leaves and a third page's closed tab; on a history channel,
     * what was published while a page was away (closed by the server) shows once and in order, or a notice when it
     * cannot be.
     */
    @Test
    void theDemoPageWorksInHeadlessChromium() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        boolean ci = System.getenv("CI") != null;
        assumeTrue(
                Files.isExecutable(chromium) || ci,
                "skipped: no Chromium at " + chromium
                        + " (apt-get install chromium, or set CHROMIUM); with CI set this test runs and fails instead");
        try (LocalStack stack = LocalStack.start(
                TestStackConfig.at(dir.resolve("local.db")).history(HISTORY).build())) {
            node(
                    "demo.test.mjs",
                    stack.demoPageUri().toString(),
                    "--history",
                    HISTORY_CHANNEL,
                    "--history-size",
                    Integer.toString(HISTORY_SIZE));
        }
    }

    // ---- helpers ----

    private static String clientClass(String source, String where) {
        int begin = source.indexOf(BEGIN);
        int end = source.indexOf(END);
        assertThat(begin).as("%s has the line %s", where, BEGIN).isNotNegative();
        assertThat(end).as("%s has the line %s after it", where, END).isGreaterThan(begin);
        return source.substring(begin, end + END.length());
    }

    /** Runs {@code node SCRIPT ARGS} in tools/browser-test, bounded by NODE_TIMEOUT, and asserts exit 0. */
    private void node(String script, String... args) throws Exception {
        Path tools = Checkout.root().resolve("tools/browser-test");
        if (!Files.isDirectory(tools.resolve("node_modules/playwright-core")))
            fail("tools/browser-test is not installed: run `npm ci` in " + tools + " (scripts/test does)");
        Path output = dir.resolve(script + ".out");
        List<String> command = new java.util.ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command)
                .directory(tools.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean exited;
        try {
            exited = process.waitFor(NODE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            // a Chromium left behind by a script that hung or was interrupted
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String out = Files.readString(output);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.println(
                "node " + String.join(" ", command.subList(1, command.size())) + " (" + millis + " ms):\n" + out);
        if (!exited)
            fail("node " + script + " did not finish within " + NODE_TIMEOUT.toSeconds() + " s; its output:\n" + out);
        assertThat(process.exitValue())
                .as("exit code of node %s; its output:%n%s", script, out)
                .isZero();
    }
}
