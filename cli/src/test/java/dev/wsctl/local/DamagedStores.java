package dev.wsctl.local;

import dev.wsctl.store.ConnectionInfo;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The shapes in which a {@code local.db} can be unusable: not SQLite at all (random bytes, a text file), another
 * program's database, or a store damaged on disk (cut short, an index page overwritten). Page offsets follow the file format,
 * https://www.sqlite.org/fileformat2.html (page N starts at (N-1) * page size).
 */
public enum DamagedStores {
    RANDOM_BYTES {
        @Override
        public void write(Path file) throws IOException {
            byte[] bytes = new byte[64 * 1024];
            new Random(14).nextBytes(bytes);
            Files.write(file, bytes);
        }
    },
    TEXT_FILE {
        @Override
        public void write(Path file) throws IOException {
            Files.writeString(file, "channels:\n  - news\n  - sport\n".repeat(200), StandardCharsets.UTF_8);
        }
    },
    TRUNCATED {
        @Override
        public void write(Path file) throws Exception {
            filled(file);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(raf.length() / 2 + 100); // mid-page, half the pages gone
            }
        }
    },
    /** A sound SQLite database of another program, with a {@code rows} table of its own. */
    FOREIGN_DATABASE {
        @Override
        public void write(Path file) throws Exception {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE rows(id INTEGER PRIMARY KEY, amount REAL)");
                st.execute("INSERT INTO rows(amount) VALUES (12.5), (99.0)");
            }
        }
    },
    /** A sound SQLite database with wsctl's table beside one of its own. */
    SHARED_DATABASE {
        @Override
        public void write(Path file) throws Exception {
            filled(file);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE invoices(id INTEGER PRIMARY KEY, amount REAL)");
            }
        }
    },
    CORRUPT_INDEX {
        @Override
        public void write(Path file) throws Exception {
            filled(file);
            int pageSize;
            int root;
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                    Statement st = c.createStatement()) {
                pageSize = single(st, "PRAGMA page_size");
                root = single(st, "SELECT rootpage FROM sqlite_master WHERE name = 'rows_by_channel'");
            }
            byte[] garbage = new byte[pageSize];
            Arrays.fill(garbage, (byte) 0x5a);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.seek((long) (root - 1) * pageSize);
                raf.write(garbage);
            }
        }
    };

    /** Writes this shape of {@code local.db} to {@code file}. */
    public abstract void write(Path file) throws Exception;

    /** A store of many connections, closed (its WAL folded into the file). */
    private static void filled(Path file) {
        try (SqliteConnectionStore store = new SqliteConnectionStore(file)) {
            for (int i = 0; i < 2000; i++) {
                store.connect(
                        new ConnectionInfo(
                                "conn-" + i + "=",
                                1_000L,
                                "127.0.0.1",
                                null,
                                "user-" + i,
                                List.of(),
                                Long.MAX_VALUE / 2),
                        List.of("default", "news-" + (i % 50)));
            }
        }
    }

    private static int single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
