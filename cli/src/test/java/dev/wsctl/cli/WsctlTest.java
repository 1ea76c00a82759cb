package dev.wsctl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line through its one entry point, {@link Wsctl#run}. */
class WsctlTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Wsctl.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheCommandsAndTheExitCodes() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("local", "bench", "Exit codes: 0 ok, 1 failed, 2 usage");
        Result local = run("local", "--help");
        assertThat(local.code()).isZero();
        assertThat(local.out()).contains("--port", "--stage", "--default-channel", "--delivery", "Ctrl-C")
                .doesNotContain("--idle-timeout");
    }

    @Test
    void versionNamesTheTool() {
        Result r = run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("wsctl ");
    }

    @Test
    void badLocalOptionsAreUsageErrorsThatNameTheOption() {
        assertUsageError(run("local", "--port", "70000", "--state-dir", dir.toString()), "--port");
        assertUsageError(run("local", "--delivery", "sideways", "--state-dir", dir.toString()), "--delivery");
        assertUsageError(run("local", "--default-channel", "no spaces", "--state-dir", dir.toString()),
                "--default-channel");
        assertUsageError(run("local", "--stage", "a/b", "--state-dir", dir.toString()), "--stage");
        assertUsageError(run("local", "--max-message-bytes", "0", "--state-dir", dir.toString()),
                "--max-message-bytes");
        assertUsageError(run("local", "--idle-timeout", "5 minutes", "--state-dir", dir.toString()),
                "is not a duration");
        assertUsageError(run("local", "--port", "eighty"), "--port");
        assertUsageError(run("lokal"), "lokal");
    }

    @Test
    void aPortInUseIsOneClearSentence() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Result r = run("local", "--port", String.valueOf(taken.getLocalPort()), "--state-dir", dir.toString());
            assertThat(r.code()).isEqualTo(ExitCode.FAILED);
            assertThat(r.err()).contains("Cannot listen on 127.0.0.1:" + taken.getLocalPort(), "--port")
                    .doesNotContain("Exception", "\tat ");
        }
    }

    @Test
    void benchWithoutARunningStackSaysHowToStartOne() {
        Result r = run("bench", "--state-dir", dir.toString());
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err()).contains("No wsctl local is running", "wsctl local", "--url").doesNotContain("\tat ");
        assertUsageError(run("bench", "--url", "ws://127.0.0.1:1/x", "--connections", "0"), "--connections");
        assertUsageError(run("bench", "--url", "ws://127.0.0.1:1/x", "--channel", "#x"), "--channel");
    }

    private static void assertUsageError(Result r, String mention) {
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains(mention).doesNotContain("\tat ");
    }
}
