package dev.wsctl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line through its one entry point, {@link Wsctl#run}. */
class WsctlTest {
    @TempDir
    Path dir;

    @Test
    void helpListsTheCommandsAndTheExitCodes() {
        CliRun r = CliRun.wsctl("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("local", "bench", "Exit codes: 0 ok, 1 failed, 2 usage");
        CliRun local = CliRun.wsctl("local", "--help");
        assertThat(local.code()).isZero();
        assertThat(local.out()).contains("--port", "--stage", "--default-channel", "--delivery", "Ctrl-C")
                .doesNotContain("--idle-timeout");
    }

    @Test
    void versionNamesTheTool() {
        CliRun r = CliRun.wsctl("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("wsctl ");
    }

    @Test
    void badLocalOptionsAreUsageErrorsThatNameTheOption() {
        assertUsageError(CliRun.wsctl("local", "--port", "70000", "--state-dir", dir.toString()), "--port");
        assertUsageError(CliRun.wsctl("local", "--delivery", "sideways", "--state-dir", dir.toString()), "--delivery");
        assertUsageError(CliRun.wsctl("local", "--default-channel", "no spaces", "--state-dir", dir.toString()),
                "--default-channel");
        assertUsageError(CliRun.wsctl("local", "--stage", "a/b", "--state-dir", dir.toString()), "--stage");
        assertUsageError(CliRun.wsctl("local", "--max-message-bytes", "0", "--state-dir", dir.toString()),
                "--max-message-bytes");
        assertUsageError(CliRun.wsctl("local", "--idle-timeout", "5 minutes", "--state-dir", dir.toString()),
                "is not a duration");
        assertUsageError(CliRun.wsctl("local", "--port", "eighty"), "--port");
        assertUsageError(CliRun.wsctl("lokal"), "lokal");
    }

    @Test
    void aPortInUseIsOneClearSentence() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun r = CliRun.wsctl("local", "--port", String.valueOf(taken.getLocalPort()), "--state-dir", dir.toString());
            assertThat(r.code()).isEqualTo(ExitCode.FAILED);
            assertThat(r.err()).contains("Cannot listen on 127.0.0.1:" + taken.getLocalPort(), "--port")
                    .doesNotContain("Exception", "\tat ");
        }
    }

    @Test
    void benchWithoutARunningStackSaysHowToStartOne() {
        CliRun r = CliRun.wsctl("bench", "--state-dir", dir.toString());
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err()).contains("No wsctl local is running", "wsctl local", "--url").doesNotContain("\tat ");
        assertUsageError(CliRun.wsctl("bench", "--url", "ws://127.0.0.1:1/x", "--connections", "0"), "--connections");
        assertUsageError(CliRun.wsctl("bench", "--url", "ws://127.0.0.1:1/x", "--channel", "#x"), "--channel");
    }

    private static void assertUsageError(CliRun r, String mention) {
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains(mention).doesNotContain("\tat ");
    }

    @Test
    void localTakesItsSettingsFromTheConfigAndFlagsWin() throws Exception {
        java.nio.file.Path config = dir.resolve("wsctl.yaml");
        java.nio.file.Files.writeString(config, """
                defaultChannel: lobby
                publish: any
                fanout:
                  shardSize: 500
                  maxRate: 1234
                  burst: 99
                auth:
                  allowedOrigins: ["https://app.example.com"]
                """);
        LocalCommand local = new LocalCommand();
        new picocli.CommandLine(local).parseArgs("--config", config.toString(), "--state-dir", dir.toString(),
                "--publish", "none");
        dev.wsctl.local.LocalStack.Config c = local.config();
        assertThat(c.defaultChannel()).contains("lobby");
        assertThat(c.publish()).isEqualTo(dev.wsctl.runtime.Settings.Publish.NONE);
        assertThat(c.sharding().shardSize()).isEqualTo(500);
        assertThat(c.sharding().maxRate()).isEqualTo(1234.0);
        assertThat(c.sharding().burst()).isEqualTo(99);
        assertThat(c.auth().allowedOrigins()).containsExactly("https://app.example.com");
        assertThat(c.auth().enabled()).isTrue();

        LocalCommand noAuth = new LocalCommand();
        new picocli.CommandLine(noAuth).parseArgs("--config", config.toString(), "--state-dir", dir.toString(),
                "--no-auth");
        assertThat(noAuth.config().auth().enabled()).isFalse();
    }
}
