package dev.wsctl.cli;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.webhooks.WebhookSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The local stack's secrets, each a file in the state directory, one line, readable by its owner only, created once
 * and kept: {@code auth-secret}, the HS256 secret with {@code auth.mode: jwt} (base64url), so tokens stay valid across
 * restarts ({@code wsctl token --local} and {@code wsctl smoke --local} sign with it); {@code webhook-secret}, the
 * key lifecycle webhooks are signed with (32 random bytes, hex), which {@code wsctl webhooks secret --local} prints.
 */
public final class LocalSecret {
    static final String FILE = "auth-secret";
    static final String WEBHOOK_FILE = "webhook-secret";

    private LocalSecret() {}

    /** The secret in {@code stateDir}, created (with the directory) when there is none yet. */
    public static byte[] loadOrCreate(Path stateDir) {
        return decode(
                stateDir,
                loadOrCreate(stateDir, FILE, "auth secret", () -> AuthSettings.encodeSecret(AuthSettings.newSecret())));
    }

    /** The secret in {@code stateDir}; empty when there is none (a stack without jwt auth never made one). */
    public static Optional<byte[]> load(Path stateDir) {
        return load(stateDir, FILE, "auth secret").map(text -> decode(stateDir, text));
    }

    /** The webhook secret in {@code stateDir}, created (with the directory) when there is none yet. */
    public static String webhookSecret(Path stateDir) {
        return loadOrCreate(stateDir, WEBHOOK_FILE, "webhook secret", WebhookSettings::newSecret);
    }

    /** The text of {@code name} in {@code stateDir}, created (with the directory) from {@code make} when absent. */
    private static String loadOrCreate(Path stateDir, String name, String what, Supplier<String> make) {
        Optional<String> existing = load(stateDir, name, what);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path file = stateDir.resolve(name);
        try {
            Files.createDirectories(stateDir);
            Path draft = Files.createTempFile(stateDir, "." + name + "-", ".tmp", ownerOnly(stateDir));
            try {
                Files.writeString(draft, make.get() + "\n", StandardCharsets.UTF_8);
                publish(draft, file);
            } finally {
                Files.deleteIfExists(draft);
            }
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.FAILED, "Could not create the local " + what + " " + file + ": " + e.getMessage(), e);
        }
        // whoever won a race to create it, everyone signs with what is on disk
        return load(stateDir, name, what)
                .orElseThrow(() -> new CliException(
                        ExitCode.FAILED, "The local " + what + " " + file + " vanished right after it was created."));
    }

    /** The text of {@code name} in {@code stateDir}, stripped; empty when there is no such file. */
    private static Optional<String> load(Path stateDir, String name, String what) {
        Path file = stateDir.resolve(name);
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.FAILED, "Could not read the local " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] decode(Path stateDir, String text) {
        try {
            return AuthSettings.decodeSecret(text);
        } catch (IllegalArgumentException e) {
            throw new CliException(
                    ExitCode.FAILED,
                    "The local auth secret " + file(stateDir) + " is corrupt (" + e.getMessage()
                            + "); delete it and restart `wsctl local` to create a new one (tokens signed with the old one stop working).");
        }
    }

    static Path file(Path stateDir) {
        return stateDir.resolve(FILE);
    }

    /**
     * Gives the finished draft its name without ever replacing a file: a hard link fails when the name is
     * taken, so two processes creating the secret at once cannot end up signing with different ones.
     */
    private static void publish(Path draft, Path file) throws IOException {
        try {
            Files.createLink(file, draft);
        } catch (FileAlreadyExistsException taken) {
            // another process was first: its secret stands
        } catch (UnsupportedOperationException | FileSystemException noLinks) {
            try {
                Files.move(draft, file); // no REPLACE_EXISTING: fails rather than overwrite
            } catch (FileAlreadyExistsException taken) {
                // another process was first
            }
        }
    }

    private static FileAttribute<?>[] ownerOnly(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
                }
                : new FileAttribute<?>[0];
    }
}
