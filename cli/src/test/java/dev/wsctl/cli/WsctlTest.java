package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        assertThat(local.out())
                .contains("--port", "--stage", "--default-channel", "--delivery", "Ctrl-C")
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
        assertUsageError(
                CliRun.wsctl("local", "--default-channel", "no spaces", "--state-dir", dir.toString()),
                "--default-channel");
        assertUsageError(CliRun.wsctl("local", "--stage", "a/b", "--state-dir", dir.toString()), "--stage");
        assertUsageError(
                CliRun.wsctl("local", "--max-message-bytes", "0", "--state-dir", dir.toString()),
                "--max-message-bytes");
        assertUsageError(
                CliRun.wsctl("local", "--idle-timeout", "5 minutes", "--state-dir", dir.toString()),
                "is not a duration");
        assertUsageError(CliRun.wsctl("local", "--port", "eighty"), "--port");
        assertUsageError(CliRun.wsctl("lokal"), "lokal");
    }

    @Test
    void aPortInUseIsOneClearSentence() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun r = CliRun.wsctl(
                    "local", "--port", String.valueOf(taken.getLocalPort()), "--state-dir", dir.toString());
            assertThat(r.code()).isEqualTo(ExitCode.FAILED);
            assertThat(r.err())
                    .contains("Cannot listen on 127.0.0.1:" + taken.getLocalPort(), "--port")
                    .doesNotContain("Exception", "\tat ");
        }
    }

    @Test
    void benchWithoutARunningStackSaysHowToStartOne() {
        CliRun r = CliRun.wsctl("bench", "--state-dir", dir.toString());
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .contains("No wsctl local is running", "wsctl local", "--url")
                .doesNotContain("\tat ");
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
        new picocli.CommandLine(local)
                .parseArgs("--config", config.toString(), "--state-dir", dir.toString(), "--publish", "none");
        dev.wsctl.local.LocalStack.Config c = local.config();
        assertThat(c.defaultChannel()).contains("lobby");
        assertThat(c.publish()).isEqualTo(dev.wsctl.protocol.Settings.Publish.NONE);
        assertThat(c.sharding().shardSize()).isEqualTo(500);
        assertThat(c.sharding().maxRate()).isEqualTo(1234.0);
        assertThat(c.sharding().burst()).isEqualTo(99);
        assertThat(c.auth().allowedOrigins()).containsExactly("https://app.example.com");
        assertThat(c.auth().enabled()).isTrue();

        LocalCommand noAuth = new LocalCommand();
        new picocli.CommandLine(noAuth)
                .parseArgs("--config", config.toString(), "--state-dir", dir.toString(), "--no-auth");
        assertThat(noAuth.config().auth().enabled()).isFalse();
    }

    @Test
    void parseErrorsAreOneSentenceAndAPointerToHelpNotTheWholeUsage() {
        CliRun unknown = CliRun.wsctl("local", "--prot");
        assertThat(unknown.code()).isEqualTo(ExitCode.USAGE);
        assertThat(unknown.err())
                .startsWith("wsctl: Unknown option: '--prot'")
                .endsWith("Run 'wsctl local --help' for usage." + System.lineSeparator())
                .doesNotContain("Usage:", "--max-message-bytes");

        CliRun missing = CliRun.wsctl("local", "--port");
        assertThat(missing.code()).isEqualTo(ExitCode.USAGE);
        assertThat(missing.err().lines())
                .containsExactly(
                        "wsctl: Missing required parameter for option '--port' (<port>)",
                        "Run 'wsctl local --help' for usage.");

        CliRun badType = CliRun.wsctl("connections", "list", "--limit", "many");
        assertThat(badType.code()).isEqualTo(ExitCode.USAGE);
        assertThat(badType.err())
                .contains("'many'")
                .endsWith("Run 'wsctl connections list --help' for usage." + System.lineSeparator())
                .doesNotContain("Usage:");

        CliRun unknownCommand = CliRun.wsctl("lokal");
        assertThat(unknownCommand.err())
                .contains("'lokal'", "Run 'wsctl --help' for usage.")
                .doesNotContain("Usage:");
    }

    @Test
    void everyBadLocalFlagValueIsOneSentenceAndExitCodeTwo() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "x");
        assertOneSentenceUsageError(
                CliRun.wsctl("local", "--port", "0", "--state-dir", file.toString()),
                "--state-dir " + file + " is not a directory");
        Path state = dir.resolve("state");
        assertOneSentenceUsageError(
                CliRun.wsctl("local", "--port", "0", "--state-dir", state.toString(), "--idle-timeout", "0s"),
                "--idle-timeout must be more than 0");
        assertOneSentenceUsageError(
                CliRun.wsctl(
                        "local", "--port", "0", "--state-dir", state.toString(), "--max-connection-duration", "0ms"),
                "--max-connection-duration must be more than 0");
        assertOneSentenceUsageError(
                CliRun.wsctl(
                        "local", "--port", "0", "--state-dir", state.toString(), "--idle-timeout", "9999999999999d"),
                "'9999999999999d' is too long a duration; at most 365d");
        assertOneSentenceUsageError(
                CliRun.wsctl("local", "--port", "0", "--state-dir", state.toString(), "--idle-timeout", "-5s"),
                "'-5s' is not a duration");
        assertOneSentenceUsageError(
                CliRun.wsctl("local", "--port", "-1", "--state-dir", state.toString()),
                "--port must be between 0 and 65535, not -1");
        // TEST-NET-1 (RFC 5737): no machine has it
        assertOneSentenceUsageError(
                CliRun.wsctl("local", "--port", "0", "--state-dir", state.toString(), "--host", "192.0.2.1"),
                "--host 192.0.2.1 is not an address of this machine");
        assertOneSentenceUsageError(
                CliRun.wsctl("local", "--port", "0", "--state-dir", state.toString(), "--host", "no-such-host.invalid"),
                "--host no-such-host.invalid is not a known host name or address");
        assertThat(state).as("no usage error creates the state directory").doesNotExist();
    }

    @Test
    void aStateDirectoryThatCannotBeCreatedIsOneSentence() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "x");
        CliRun r = CliRun.wsctl(
                "local", "--port", "0", "--state-dir", file.resolve("sub").toString());
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err().lines())
                .containsExactly("wsctl: Could not create the state directory " + file.resolve("sub") + " (" + file
                        + " exists and is not a directory); give wsctl local another --state-dir.");
    }

    @Test
    void aZeroDurationWhereSomethingIsAwaitedIsAUsageError() {
        assertOneSentenceUsageError(
                CliRun.wsctl("listen", "--url", "ws://127.0.0.1:1/x", "--channel", "news", "--connect-timeout", "0s"),
                "--connect-timeout must be more than 0");
        assertOneSentenceUsageError(
                CliRun.wsctl("listen", "--url", "ws://127.0.0.1:1/x", "--channel", "news", "--timeout", "0ms"),
                "--timeout must be more than 0");
        assertOneSentenceUsageError(
                CliRun.wsctl("smoke", "--url", "ws://127.0.0.1:1/x", "--timeout", "0s"),
                "--timeout must be more than 0");
        assertOneSentenceUsageError(
                CliRun.wsctl("bench", "--url", "ws://127.0.0.1:1/x", "--timeout", "0s"),
                "--timeout must be more than 0");
    }

    @Test
    void aDurationTooLongForAnyCommandIsAUsageError() {
        assertOneSentenceUsageError(
                CliRun.wsctl("listen", "--url", "ws://127.0.0.1:1/x", "--channel", "news", "--timeout", "106751992d"),
                "'106751992d' is too long a duration; at most 365d");
        assertOneSentenceUsageError(
                CliRun.wsctl("smoke", "--url", "ws://127.0.0.1:1/x", "--timeout", "366d"),
                "'366d' is too long a duration; at most 365d");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(dev.wsctl.local.DamagedStores.class)
    @org.junit.jupiter.api.Timeout(120)
    void aDamagedOrForeignStoreIsOneSentenceSayingWhatToDo(dev.wsctl.local.DamagedStores shape) throws Exception {
        Path db = dir.resolve("local.db");
        shape.write(db);
        CliRun r = CliRun.wsctl("local", "--port", "0", "--state-dir", dir.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err())
                .startsWith("wsctl: The store " + db.toAbsolutePath() + " is damaged or is not a wsctl store (")
                .contains("move it away", "wsctl local creates a new one")
                .doesNotContain("Exception", "\tat ");
        assertThat(r.out()).isEmpty();
        assertThat(dir.resolve("local.json")).doesNotExist();
    }

    @Test
    void aStateDirectoryOwnedByAnotherStackIsRefusedNamingTheOwner() throws Exception {
        try (OwnedStateDir owner = OwnedStateDir.claim(dir)) {
            LocalState.write(
                    dir,
                    new LocalState(
                            4242,
                            java.net.URI.create("ws://127.0.0.1:8123/local"),
                            java.net.URI.create("http://127.0.0.1:8123/local"),
                            dir.resolve("local.db")));
            CliRun r = CliRun.wsctl("local", "--port", "0", "--state-dir", dir.toString());
            assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.FAILED);
            assertThat(r.err().lines())
                    .containsExactly("wsctl: Another wsctl local (pid 4242, ws://127.0.0.1:8123/local)"
                            + " is running on the state directory " + dir
                            + "; stop it first, or give this one another --state-dir.");
            assertThat(dir.resolve("local.json"))
                    .as("the owner's address stays")
                    .exists();
        }
    }

    private static void assertOneSentenceUsageError(CliRun r, String sentence) {
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains(sentence).doesNotContain("unexpected", "Exception", "\tat ", "Usage:");
        assertThat(r.err().lines()).hasSizeLessThanOrEqualTo(2);
    }
}
