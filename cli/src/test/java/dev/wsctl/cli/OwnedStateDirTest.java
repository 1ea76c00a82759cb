package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ownership and permissions of the state directory, within one process (LocalProcessTest has two). */
class OwnedStateDirTest {
    @TempDir
    Path dir;

    private static String permissions(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void aNewDirectoryAndItsFilesArePrivate() throws Exception {
        Path state = dir.resolve("a").resolve(".wsctl");
        try (OwnedStateDir owned = OwnedStateDir.claim(state)) {
            assertThat(permissions(state)).isEqualTo("rwx------");
            assertThat(permissions(state.resolve(OwnedStateDir.LOCK_FILE))).isEqualTo("rw-------");
            assertThat(permissions(OwnedStateDir.createPrivateFile(state.resolve("local.log"))))
                    .isEqualTo("rw-------");
            assertThat(owned.tightened()).isEmpty();
        }
    }

    @Test
    void looserPermissionsFoundAtStartAreTightenedAndListed() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path db = Files.writeString(dir.resolve("local.db"), "");
        Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path log = Files.writeString(dir.resolve("local.log"), "");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-------"));
        Path other = Files.writeString(dir.resolve("notes.txt"), "");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-r--r--"));

        try (OwnedStateDir owned = OwnedStateDir.claim(dir)) {
            assertThat(owned.tightened()).containsExactly(dir + " (was rwxr-xr-x)", db + " (was rw-rw-rw-)");
        }
        assertThat(permissions(dir)).isEqualTo("rwx------");
        assertThat(permissions(db)).isEqualTo("rw-------");
        assertThat(permissions(other)).as("not wsctl's: left alone").isEqualTo("rw-r--r--");
    }

    @Test
    void aSecondClaimInThisProcessIsRefusedUntilTheFirstLetsGo() {
        OwnedStateDir first = OwnedStateDir.claim(dir);
        assertThatThrownBy(() -> OwnedStateDir.claim(dir))
                .isInstanceOf(CliException.class)
                .hasMessage("Another wsctl local is running on the state directory " + dir
                        + "; stop it first, or give this one another --state-dir.")
                .satisfies(e -> assertThat(((CliException) e).exitCode()).isEqualTo(ExitCode.FAILED));
        assertThatThrownBy(
                        () -> OwnedStateDir.claim(dir.resolve(".").resolve("..").resolve(dir.getFileName())))
                .as("the same directory by another name")
                .isInstanceOf(CliException.class);
        first.close();
        OwnedStateDir.claim(dir).close();
    }

    @Test
    void aFileIsNoStateDirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertThatThrownBy(() -> OwnedStateDir.claim(file))
                .isInstanceOf(CliException.class)
                .hasMessage("--state-dir " + file + " is not a directory")
                .satisfies(e -> assertThat(((CliException) e).exitCode()).isEqualTo(ExitCode.USAGE));
    }
}
