package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.wsctl.auth.AuthSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local stack's auth secret: created once, owner-only, the same ever after; a corrupt file is an error. */
class LocalSecretTest {
    @TempDir
    Path dir;

    @Test
    void isCreatedOnceWithTheDirectoryAndIsTheSameOnEveryLoad() throws Exception {
        Path state = dir.resolve("state");
        assertThat(LocalSecret.load(state)).isEmpty();

        byte[] created = LocalSecret.loadOrCreate(state);

        assertThat(created).hasSize(32);
        assertThat(LocalSecret.loadOrCreate(state)).isEqualTo(created);
        assertThat(LocalSecret.load(state)).hasValue(created);
        Path file = state.resolve("auth-secret");
        assertThat(Files.readAllLines(file)).containsExactly(AuthSettings.encodeSecret(created));
        try (var files = Files.list(state)) {
            assertThat(files).containsExactly(file); // no draft left behind
        }
    }

    @Test
    void isReadableByItsOwnerOnly() throws Exception {
        assumeThat(dir.getFileSystem().supportedFileAttributeViews()).contains("posix");
        LocalSecret.loadOrCreate(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("auth-secret"))))
                .isEqualTo("rw-------");
    }

    @Test
    void processesCreatingItAtOnceAllGetTheSameSecret() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<byte[]>> tasks = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                tasks.add(() -> LocalSecret.loadOrCreate(dir));
            }
            byte[] first = null;
            for (Future<byte[]> f : pool.invokeAll(tasks)) {
                byte[] secret = f.get();
                if (first == null) {
                    first = secret;
                }
                assertThat(secret).isEqualTo(first);
            }
            assertThat(LocalSecret.load(dir)).hasValue(first);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCorruptFileIsAnErrorNamingItAndIsLeftAlone() throws Exception {
        Path file = dir.resolve("auth-secret");
        for (String corrupt : List.of("not base64url!\n", "c2hvcnQ\n", "")) {
            Files.writeString(file, corrupt);
            assertThatThrownBy(() -> LocalSecret.load(dir)).isInstanceOfSatisfying(CliException.class, e -> {
                assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED);
                assertThat(e.getMessage())
                        .startsWith("The local auth secret " + file + " is corrupt (")
                        .endsWith("; delete it and restart `wsctl local` to create a new one (tokens signed with the"
                                + " old one stop working).");
            });
            assertThatThrownBy(() -> LocalSecret.loadOrCreate(dir)).isInstanceOf(CliException.class);
            assertThat(Files.readString(file)).isEqualTo(corrupt);
        }
    }
}
