package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.config.ConfigLoader;
import dev.wsctl.config.StackConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wsctl init} through {@link Wsctl#run}. */
class InitCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesTheStarterFileThatLoadsToTheDefaults() throws Exception {
        Path file = dir.resolve("wsctl.yaml");
        CliRun r = CliRun.wsctl("init", "--file", file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo(file.toAbsolutePath().normalize().toString());
        assertThat(r.err()).contains("wrote " + file, "default");
        assertThat(Files.readString(file)).isEqualTo(ConfigLoader.starterFile()).contains("app: wsctl", "auth:");
        assertThat(new ConfigLoader(dir, Map.of()).load(file, List.of())).isEqualTo(StackConfig.defaults());
    }

    @Test
    void refusesToOverwriteWithoutForce() throws Exception {
        Path file = Files.writeString(dir.resolve("wsctl.yaml"), "app: mine\n");
        CliRun r = CliRun.wsctl("init", "--file", file.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains(file + " already exists", "--force").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
        assertThat(Files.readString(file)).isEqualTo("app: mine\n");
    }

    @Test
    void overwritesWithForce() throws Exception {
        Path file = Files.writeString(dir.resolve("wsctl.yaml"), "app: mine\n");
        CliRun r = CliRun.wsctl("init", "--file", file.toString(), "--force");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("overwrote " + file);
        assertThat(Files.readString(file)).isEqualTo(ConfigLoader.starterFile());
    }

    @Test
    void createsMissingDirectoriesAndRefusesADirectory() throws Exception {
        Path nested = dir.resolve("deploy/prod/wsctl.yaml");
        assertThat(CliRun.wsctl("init", "--file", nested.toString()).code()).isZero();
        assertThat(nested).exists();
        CliRun r = CliRun.wsctl("init", "--file", dir.toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("is a directory");
    }

    @Test
    void isListedInHelp() {
        CliRun r = CliRun.wsctl("--help");
        assertThat(r.out()).contains("init");
        CliRun init = CliRun.wsctl("init", "--help");
        assertThat(init.code()).isZero();
        assertThat(init.out()).contains("--file", "--force");
    }
}
