package dev.wsctl.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state directory of the {@code wsctl local} running in this process. One process owns a state directory at a
 * time: it holds a lock on {@code local.lock} in it for as long as it lives (an OS file lock, which goes with the
 * process however it ends, kill -9 included). The directory is private to its user (0700) and so are the files that
 * hold connection data, addresses and secrets (0600); looser permissions found at start are tightened. Where the
 * file system has no POSIX permissions, permissions are left as they are.
 */
public final class OwnedStateDir implements AutoCloseable {
    static final String LOCK_FILE = "local.lock";
    /** Every file that {@code wsctl local} keeps in the directory, SQLite's companions of local.db included. */
    static final List<String> PRIVATE_FILES = List.of(
            LOCK_FILE,
            "local.db",
            "local.db-wal",
            "local.db-shm",
            "local.db-journal",
            "local.log",
            "local.json",
            LocalSecret.FILE);

    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    /**
     * Directories owned in this JVM. File locks are held per process, so a second claim here would not see the
     * lock; and closing a second channel on the lock file would release the first one's lock on some systems
     * (see {@link FileLock}).
     */
    private static final Set<Path> OWNED = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final Path key;
    private final FileChannel channel;
    private final List<String> tightened;

    private OwnedStateDir(Path dir, Path key, FileChannel channel, List<String> tightened) {
        this.dir = dir;
        this.key = key;
        this.channel = channel;
        this.tightened = tightened;
    }

    /**
     * Creates the directory if need be, makes it and its files private, and locks it; refuses with exit code 1
     * when another process (or another stack in this one) owns it.
     */
    public static OwnedStateDir claim(Path dir) {
        requireDirectoryOrAbsent(dir);
        boolean posix = dir.toAbsolutePath()
                .getFileSystem()
                .supportedFileAttributeViews()
                .contains("posix");
        List<String> tightened = new ArrayList<>();
        Path key;
        try {
            if (!Files.isDirectory(dir)) {
                Path parent = dir.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                try {
                    Files.createDirectory(dir, posix ? attributes(DIR) : new FileAttribute<?>[0]);
                } catch (FileAlreadyExistsException raced) {
                    requireDirectoryOrAbsent(dir);
                }
            }
            key = dir.toRealPath();
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.FAILED,
                    "Could not create the state directory " + dir + " (" + reason(e)
                            + "); give wsctl local another --state-dir.",
                    e);
        }
        if (!OWNED.add(key)) {
            throw ownedByAnother(dir);
        }
        FileChannel channel = null;
        try {
            if (posix) {
                tighten(dir, DIR, tightened);
                for (String name : PRIVATE_FILES) {
                    tighten(dir.resolve(name), FILE, tightened);
                }
            }
            channel = FileChannel.open(createPrivateFile(dir.resolve(LOCK_FILE)), StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException inThisJvm) {
                lock = null;
            }
            if (lock == null) {
                throw ownedByAnother(dir);
            }
            return new OwnedStateDir(dir, key, channel, List.copyOf(tightened));
        } catch (IOException | RuntimeException e) {
            OWNED.remove(key);
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // refusing anyway
                }
            }
            if (e instanceof CliException c) {
                throw c;
            }
            throw new CliException(
                    ExitCode.FAILED, "Could not lock the state directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code --state-dir} naming something that exists but is no directory is a usage error. */
    static void requireDirectoryOrAbsent(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw CliException.usage("--state-dir " + dir + " is not a directory");
        }
    }

    public Path path() {
        return dir;
    }

    /** What was made private at start, e.g. {@code local.db (was rw-r--r--)}; empty when nothing was. */
    public List<String> tightened() {
        return tightened;
    }

    /** Creates {@code file} readable and writable by its owner only, unless it exists; returns it. */
    public static Path createPrivateFile(Path file) throws IOException {
        boolean posix = file.toAbsolutePath()
                .getFileSystem()
                .supportedFileAttributeViews()
                .contains("posix");
        try {
            Files.createFile(file, posix ? attributes(FILE) : new FileAttribute<?>[0]);
        } catch (FileAlreadyExistsException exists) {
            // kept as it is: claim() tightened it
        }
        return file;
    }

    /** Gives the directory up: another process may own it from now on. */
    @Override
    public void close() {
        try {
            channel.close(); // releases the lock
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        } finally {
            OWNED.remove(key);
        }
    }

    private static CliException ownedByAnother(Path dir) {
        String owner = LocalState.peek(dir)
                .map(s -> " (pid " + s.pid() + ", " + s.url() + ")")
                .orElse("");
        return new CliException(
                ExitCode.FAILED,
                "Another wsctl local" + owner + " is running on the state directory " + dir
                        + "; stop it first, or give this one another --state-dir.");
    }

    private static void tighten(Path path, Set<PosixFilePermission> wanted, List<String> tightened) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(path)) {
            return;
        }
        Set<PosixFilePermission> actual = Files.getPosixFilePermissions(path);
        if (actual.stream().anyMatch(p -> !wanted.contains(p))) {
            try {
                Files.setPosixFilePermissions(path, wanted);
            } catch (IOException e) {
                throw new CliException(
                        ExitCode.FAILED,
                        "Could not make " + path + " private to you (it is "
                                + PosixFilePermissions.toString(actual) + "): " + e.getMessage()
                                + "; fix its permissions, or give wsctl local another --state-dir.",
                        e);
            }
            tightened.add(path + " (was " + PosixFilePermissions.toString(actual) + ")");
        }
    }

    /** Why a file operation failed, in words: the exceptions of java.nio.file often carry only the path. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException denied) {
            return "permission denied on " + denied.getFile();
        }
        if (e instanceof FileAlreadyExistsException exists) {
            return exists.getFile() + " exists and is not a directory";
        }
        if (e instanceof NoSuchFileException missing) {
            return missing.getFile() + " does not exist";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getFile() + ": " + fs.getReason();
        }
        return String.valueOf(e.getMessage());
    }

    private static FileAttribute<?>[] attributes(Set<PosixFilePermission> permissions) {
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
    }
}
