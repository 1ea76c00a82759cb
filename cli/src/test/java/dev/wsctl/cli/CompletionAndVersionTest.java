package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CompletionAndVersionTest {

    @Test
    void bashCompletionKnowsCommandsAndOptionsAndBashAcceptsIt() throws Exception {
        CliRun r = CliRun.wsctl("completion", "bash");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("complete -F", "deploy", "connections", "kick", "--dry-run", "--token")
                .doesNotContain("bench-worker");
        Path script = Files.createTempFile("wsctl-completion", ".bash");
        try {
            Files.writeString(script, r.out());
            // the script must at least parse and register its function
            Process bash = new ProcessBuilder(List.of("bash", "-c", "source " + script + " && complete -p wsctl"))
                    .redirectErrorStream(true)
                    .start();
            assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String output = new String(bash.getInputStream().readAllBytes());
            assertThat(bash.exitValue()).as(output).isZero();
            assertThat(output).contains("wsctl");
        } finally {
            Files.deleteIfExists(script);
        }
    }

    @Test
    void zshGetsTheBashScriptBehindBashcompinit() {
        CliRun r = CliRun.wsctl("completion", "zsh");
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n")
                .contains("complete -F");
    }

    @Test
    void anotherShellIsAUsageError() {
        CliRun r = CliRun.wsctl("completion", "fish");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("bash or zsh");
    }

    @Test
    void versionNamesTheHandlerCodeItDeploys() {
        CliRun r = CliRun.wsctl("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("wsctl ").contains("Java ");
        // the test class path has the embedded jar once `mvn package` ran (scripts/test runs verify)
        assertThat(r.out())
                .containsPattern("handlers\\.jar: (CodeSha256 [A-Za-z0-9+/]{43}=, [0-9,]+ bytes|not embedded)");
    }
}
