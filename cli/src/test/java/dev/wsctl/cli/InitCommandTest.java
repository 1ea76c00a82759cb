package dev.wsctl.cli;

import dev.wsctl.config.ConfigLoader;
import dev.wsctl.config.StackConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code wsctl init} through {@link Wsctl#run}. */
class InitCommandTest {
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
    void writesTheStarterFileThatLoadsToTheDefaults() throws Exception {
        Path file = dir.resolve("wsctl.yaml");
        Result r = run("init", "--file", file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo(file.toAbsolutePath().normalize().toString());
        assertThat(r.err()).contains("wrote " + file, "default");
        assertThat(Files.readString(file)).isEqualTo(ConfigLoader.starterFile()).contains("app: wsctl", "auth:");
        assertThat(new ConfigLoader(dir, Map.of()).load(file, List.of())).isEqualTo(StackConfig.defaults());
    }

    @Test
    void refusesToOverwriteWithoutForce() throws Exception {
        Path file = Files.writeString(dir.resolve("wsctl.yaml"), "app: mine\n");
        Result r = run("init", "--file", file.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains(file + " already exists", "--force").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
        assertThat(Files.readString(file)).isEqualTo("app: mine\n");
    }

    @Test
    void overwritesWithForce() throws Exception {
        Path file = Files.writeString(dir.resolve("wsctl.yaml"), "app: mine\n");
        Result r = run("init", "--file", file.toString(), "--force");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("overwrote " + file);
        assertThat(Files.readString(file)).isEqualTo(ConfigLoader.starterFile());
    }

    @Test
    void createsMissingDirectoriesAndRefusesADirectory() throws Exception {
        Path nested = dir.resolve("deploy/prod/wsctl.yaml");
        assertThat(run("init", "--file", nested.toString()).code()).isZero();
        assertThat(nested).exists();
        Result r = run("init", "--file", dir.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("is a directory");
    }

    @Test
    void isListedInHelp() {
        Result r = run("--help");
        assertThat(r.out()).contains("init");
        Result init = run("init", "--help");
        assertThat(init.code()).isZero();
        assertThat(init.out()).contains("--file", "--force");
    }
}
