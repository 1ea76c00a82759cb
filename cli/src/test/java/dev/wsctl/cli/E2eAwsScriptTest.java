package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code scripts/e2e-aws} creates real resources in the account of whatever credentials are at hand, so it refuses
 * to start without {@code --yes-really-use-my-account}, before it builds or calls anything.
 */
class E2eAwsScriptTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "e2e-aws");

    @Test
    void refusesWithoutTheExplicitFlag() throws Exception {
        Result r = run("--region", "eu-central-1");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("--yes-really-use-my-account").doesNotContain("[snap]");
    }

    @Test
    void anUnknownArgumentIsOneSentenceAndExitTwo() throws Exception {
        Result r = run("--yes-really-use-my-account", "--regoin", "eu-central-1");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err.strip()).isEqualTo("e2e-aws: unknown argument '--regoin' (see --help)");
    }

    private record Result(int code, String err) {}

    private static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("e2e-aws returned").isTrue();
        return new Result(p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
