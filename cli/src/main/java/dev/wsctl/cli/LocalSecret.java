package dev.wsctl.cli;

import dev.wsctl.auth.AuthSettings;
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

/**
 * The HS256 secret of the local stack with {@code auth.mode: jwt}: {@code <state dir>/auth-secret}, base64url on
 * one line, readable by its owner only. {@code wsctl local} creates it once and keeps it, so tokens stay valid
 * across restarts; {@code wsctl token --local} and {@code wsctl smoke --local} sign with it.
 */
public final class LocalSecret {
    static final String FILE = "auth-secret";

    private LocalSecret() {}

    /** The secret in {@code stateDir}, created (with the directory) when there is none yet. */
    public static byte[] loadOrCreate(Path stateDir) {
        Optional<byte[]> existing = load(stateDir);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path file = file(stateDir);
        try {
            Files.createDirectories(stateDir);
            Path draft = Files.createTempFile(stateDir, "." + FILE + "-", ".tmp", ownerOnly(stateDir));
            try {
                Files.writeString(
                        draft, AuthSettings.encodeSecret(AuthSettings.newSecret()) + "\n", StandardCharsets.UTF_8);
                publish(draft, file);
            } finally {
                Files.deleteIfExists(draft);
            }
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.FAILED, "Could not create the local auth secret " + file + ": " + e.getMessage(), e);
        }
        // whoever won a race to create it, everyone signs with what is on disk
        return load(stateDir)
                .orElseThrow(() -> new CliException(
                        ExitCode.FAILED, "The local auth secret " + file + " vanished right after it was created."));
    }

    /** The secret in {@code stateDir}; empty when there is none (a stack without jwt auth never made one). */
    public static Optional<byte[]> load(Path stateDir) {
        Path file = file(stateDir);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.FAILED, "Could not read the local auth secret " + file + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(AuthSettings.decodeSecret(text.strip()));
        } catch (IllegalArgumentException e) {
            throw new CliException(
                    ExitCode.FAILED,
                    "The local auth secret " + file + " is corrupt (" + e.getMessage()
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
