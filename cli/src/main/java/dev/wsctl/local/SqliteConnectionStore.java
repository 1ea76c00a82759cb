package dev.wsctl.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wsctl.config.Jackson;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.LazyPages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;

/**
 * {@link ConnectionStore} over a SQLite file, for {@code wsctl local}.
 *
 * <p>One table mirrors the DynamoDB table: {@code rows(connection_id, channel, ...)} keyed by
 * {@code (connection_id, channel)}, with an index on {@code (channel, connection_id)} standing in for
 * the {@code by-channel} GSI; the meta row has {@code channel = '#connection'}. Grants are a JSON array.
 *
 * <p>Concurrency: the file is in WAL mode with a busy timeout, and every write is one short
 * {@code BEGIN IMMEDIATE ... COMMIT} transaction, so a second process (another {@code wsctl}) can read
 * and write the file while the local stack runs. Within this process, writes go through one
 * connection behind a lock and reads through a small pool of connections. Every SQLException
 * surfaces as a {@link StoreException}. {@link SqliteHistoryStore} keeps its tables in the same file, through the
 * same connections.
 */
public final class SqliteConnectionStore implements ConnectionStore {

    /** Connection ids per {@link #subscriberPages} page. */
    public static final int PAGE_SIZE = 1000;
    /** How long a statement waits for another connection's (or process's) lock. */
    public static final int BUSY_TIMEOUT_MS = 5000;

    private static final int READERS = 4;

    private static final ObjectMapper JSON = Jackson.mapper();
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {};

    private static final String SCHEMA_TABLE = """
            CREATE TABLE IF NOT EXISTS rows(
              connection_id TEXT NOT NULL,
              channel TEXT NOT NULL,
              expires_at INTEGER NOT NULL,
              connected_at INTEGER,
              source_ip TEXT,
              origin TEXT,
              sub TEXT,
              grants TEXT,
              PRIMARY KEY(connection_id, channel)
            ) WITHOUT ROWID""";
    private static final String SCHEMA_INDEX =
            "CREATE INDEX IF NOT EXISTS rows_by_channel ON rows(channel, connection_id)";

    private static final List<String> COLUMNS =
            List.of("connection_id", "channel", "expires_at", "connected_at", "source_ip", "origin", "sub", "grants");
    private static final java.util.Set<String> OWN_OBJECTS = java.util.Set.of("rows", "rows_by_channel");

    private static final String PUT_META = "INSERT OR REPLACE INTO rows"
            + "(connection_id, channel, expires_at, connected_at, source_ip, origin, sub, grants)"
            + " VALUES(?, '" + CONNECTION_ROW + "', ?, ?, ?, ?, ?, ?)";
    private static final String PUT_SUBSCRIPTION =
            "INSERT OR REPLACE INTO rows(connection_id, channel, expires_at) VALUES(?, ?, ?)";
    private static final String META_COLUMNS =
            "connection_id, connected_at, source_ip, origin, sub, grants, expires_at";

    private final Path file;
    private final String url;
    private final SQLiteConfig config;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Connection writer;
    private final Semaphore readerPermits = new Semaphore(READERS);
    private final ConcurrentLinkedQueue<Connection> idleReaders = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    /** Opens (creating if absent) the store in {@code file}; parent directories are created. */
    public SqliteConnectionStore(Path file) {
        this.file = file.toAbsolutePath();
        try {
            Path parent = this.file.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of " + this.file, e);
        }
        this.url = "jdbc:sqlite:" + this.file;
        this.config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        requireOwnSchema();
        this.writer = open("open");
        try {
            write("create the schema", c -> {
                try (Statement st = c.createStatement()) {
                    st.execute(SCHEMA_TABLE);
                    st.execute(SCHEMA_INDEX);
                }
                return null;
            });
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Refuses, before changing anything, a SQLite database of some other program: one with a table or index that
     * this store does not make, or a {@code rows} table with other columns. Deleting from such a {@code rows}
     * would destroy that program's data.
     */
    private void requireOwnSchema() {
        if (!Files.isRegularFile(file) || sizeOf(file) == 0) {
            return; // a new store
        }
        // read-only, and before the WAL mode of this.config, which would rewrite the file's header
        SQLiteConfig readOnly = new SQLiteConfig();
        readOnly.setReadOnly(true);
        readOnly.setBusyTimeout(BUSY_TIMEOUT_MS);
        String foreign;
        try (Connection c = readOnly.createConnection(url)) {
            foreign = foreignSchema(c);
        } catch (SQLException e) {
            throw failure("read the schema", e);
        }
        if (foreign != null) {
            throw new UnusableStoreException(file, foreign, null);
        }
    }

    private static String foreignSchema(Connection c) throws SQLException {
        List<String> others = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT type, name FROM sqlite_master ORDER BY name")) {
            while (rs.next()) {
                String name = rs.getString(2);
                if (!OWN_OBJECTS.contains(name) && !SqliteHistoryStore.OWN_OBJECTS.contains(name)) {
                    others.add(rs.getString(1) + " " + name);
                }
            }
        }
        if (!others.isEmpty()) {
            return "it holds what wsctl does not make: " + String.join(", ", others);
        }
        List<String> columns = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA table_info(rows)")) {
            while (rs.next()) {
                columns.add(rs.getString("name"));
            }
        }
        return columns.isEmpty() || columns.equals(COLUMNS)
                ? null
                : "its table rows has the columns " + String.join(", ", columns) + ", not wsctl's";
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // gone meanwhile: a new store
        }
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void connect(ConnectionInfo info, Collection<String> channels) {
        Collection<String> distinct = channels == null ? List.of() : new LinkedHashSet<>(channels);
        distinct.forEach(SqliteConnectionStore::checkChannel);
        write("connect " + info.connectionId(), c -> {
            try (PreparedStatement meta = c.prepareStatement(PUT_META)) {
                meta.setString(1, info.connectionId());
                meta.setLong(2, info.expiresAt());
                meta.setLong(3, info.connectedAt());
                setText(meta, 4, info.sourceIp());
                setText(meta, 5, info.origin());
                setText(meta, 6, info.sub());
                setText(meta, 7, info.grants().isEmpty() ? null : toJson(info.grants()));
                meta.executeUpdate();
            }
            if (!distinct.isEmpty()) {
                try (PreparedStatement put = c.prepareStatement(PUT_SUBSCRIPTION)) {
                    for (String channel : distinct) {
                        put.setString(1, info.connectionId());
                        put.setString(2, channel);
                        put.setLong(3, info.expiresAt());
                        put.addBatch();
                    }
                    put.executeBatch();
                }
            }
            return null;
        });
    }

    @Override
    public void subscribe(String connectionId, String channel, long expiresAt) {
        checkChannel(channel);
        write("subscribe " + connectionId + " to " + channel, c -> {
            try (PreparedStatement put = c.prepareStatement(PUT_SUBSCRIPTION)) {
                put.setString(1, connectionId);
                put.setString(2, channel);
                put.setLong(3, expiresAt);
                put.executeUpdate();
            }
            return null;
        });
    }

    /** All of it in one transaction. */
    @Override
    public void subscribeAll(String channel, Collection<String> connectionIds, long expiresAt) {
        checkChannel(channel);
        if (connectionIds.isEmpty()) {
            return;
        }
        write("subscribe " + connectionIds.size() + " connections to " + channel, c -> {
            try (PreparedStatement put = c.prepareStatement(PUT_SUBSCRIPTION)) {
                int pending = 0;
                for (String id : connectionIds) {
                    put.setString(1, id);
                    put.setString(2, channel);
                    put.setLong(3, expiresAt);
                    put.addBatch();
                    if (++pending == 1000) {
                        put.executeBatch();
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    put.executeBatch();
                }
            }
            return null;
        });
    }

    @Override
    public boolean unsubscribe(String connectionId, String channel) {
        checkChannel(channel);
        return write("unsubscribe " + connectionId + " from " + channel, c -> {
            try (PreparedStatement delete =
                    c.prepareStatement("DELETE FROM rows WHERE connection_id = ? AND channel = ?")) {
                delete.setString(1, connectionId);
                delete.setString(2, channel);
                return delete.executeUpdate() > 0;
            }
        });
    }

    @Override
    public int disconnect(String connectionId) {
        return disconnectAll(List.of(connectionId));
    }

    /** One transaction: one batched DELETE over the primary key, executed 1000 ids at a time. */
    @Override
    public int disconnectAll(Collection<String> connectionIds) {
        Collection<String> distinct = new LinkedHashSet<>(connectionIds);
        if (distinct.isEmpty()) {
            return 0;
        }
        String what = distinct.size() == 1
                ? "disconnect " + distinct.iterator().next()
                : "disconnect " + distinct.size() + " connections";
        return write(what, c -> {
            int rows = 0;
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM rows WHERE connection_id = ?")) {
                int pending = 0;
                for (String id : distinct) {
                    delete.setString(1, id);
                    delete.addBatch();
                    if (++pending == 1000) {
                        rows += sum(delete.executeBatch());
                        pending = 0;
                    }
                }
                if (pending > 0) {
                    rows += sum(delete.executeBatch());
                }
            }
            return rows;
        });
    }

    private static int sum(int[] counts) {
        int total = 0;
        for (int count : counts) {
            total += Math.max(count, 0);
        }
        return total;
    }

    /**
     * Removes every row and returns how many connections had rows: what the owner of the store does at start,
     * when no connection in it can be live (their sockets went with the process that held them).
     */
    public int removeAllConnections() {
        return write("remove every connection", c -> {
            int connections;
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT COUNT(DISTINCT connection_id) FROM rows")) {
                connections = rs.next() ? rs.getInt(1) : 0;
            }
            exec(c, "DELETE FROM rows");
            return connections;
        });
    }

    /**
     * Reads the whole file as SQLite's {@code PRAGMA integrity_check} does (every page, and every index against
     * its table: {@code quick_check} skips the latter, https://www.sqlite.org/pragma.html#pragma_integrity_check),
     * and throws {@link UnusableStoreException} with SQLite's first finding unless it answers {@code ok}.
     */
    public void checkIntegrity() {
        String finding = read("check integrity", c -> {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("PRAGMA integrity_check(1)")) {
                return rs.next() ? rs.getString(1) : "no answer";
            }
        });
        if (!"ok".equals(finding)) {
            throw new UnusableStoreException(file, finding, null);
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public boolean isSubscribed(String connectionId, String channel) {
        return read("read subscription " + connectionId + " / " + channel, c -> {
            try (PreparedStatement q =
                    c.prepareStatement("SELECT 1 FROM rows WHERE connection_id = ? AND channel = ?")) {
                q.setString(1, connectionId);
                q.setString(2, channel);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public Optional<ConnectionInfo> connection(String connectionId) {
        return read("read connection " + connectionId, c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + META_COLUMNS
                    + " FROM rows WHERE connection_id = ? AND channel = '" + CONNECTION_ROW + "'")) {
                q.setString(1, connectionId);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? Optional.of(toInfo(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<String> channelsOf(String connectionId) {
        return read("read channels of " + connectionId, c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT channel FROM rows WHERE connection_id = ?"
                    + " AND channel <> '" + CONNECTION_ROW + "' ORDER BY channel")) {
                q.setString(1, connectionId);
                List<String> channels = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        channels.add(rs.getString(1));
                    }
                }
                return channels;
            }
        });
    }

    /** Keyset pagination over the (channel, connection_id) index, {@link #PAGE_SIZE} ids a page. */
    @Override
    public Iterable<List<String>> subscriberPages(String channel) {
        return () -> new LazyPages<>() {
            private String after = "";
            private boolean exhausted;

            @Override
            protected List<String> fetchNext() {
                if (exhausted) {
                    return null;
                }
                List<String> page = page(channel, after);
                exhausted = page.size() < PAGE_SIZE;
                if (!page.isEmpty()) {
                    after = page.get(page.size() - 1);
                }
                return page;
            }
        };
    }

    private List<String> page(String channel, String after) {
        return read("read subscribers of " + channel, c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT connection_id FROM rows"
                    + " WHERE channel = ? AND connection_id > ? ORDER BY connection_id LIMIT ?")) {
                q.setString(1, channel);
                q.setString(2, after);
                q.setInt(3, PAGE_SIZE);
                List<String> ids = new ArrayList<>(PAGE_SIZE);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
                return ids;
            }
        });
    }

    @Override
    public List<ConnectionInfo> connections(int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return read("list connections", c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + META_COLUMNS + " FROM rows WHERE channel = '"
                    + CONNECTION_ROW + "' ORDER BY connection_id LIMIT ?")) {
                q.setInt(1, limit);
                List<ConnectionInfo> infos = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        infos.add(toInfo(rs));
                    }
                }
                return infos;
            }
        });
    }

    /** One GROUP BY over the {@code (channel, connection_id)} index. */
    @Override
    public Map<String, Long> channelCounts() {
        return read("count subscribers per channel", c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT channel, COUNT(*) FROM rows WHERE channel <> '"
                    + CONNECTION_ROW + "' GROUP BY channel ORDER BY channel")) {
                Map<String, Long> counts = new TreeMap<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        counts.put(rs.getString(1), rs.getLong(2));
                    }
                }
                return counts;
            }
        });
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        writeLock.lock();
        try {
            closeQuietly(writer);
        } finally {
            writeLock.unlock();
        }
        Connection idle;
        while ((idle = idleReaders.poll()) != null) {
            closeQuietly(idle);
        }
    }

    /** A SQLite error, with what the store was doing and the file. */
    public static class StoreException extends RuntimeException {
        StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The file is not a SQLite database ({@code SQLITE_NOTADB}), a damaged one ({@code SQLITE_CORRUPT}, or a finding
     * of {@link #checkIntegrity()}), or another program's.
     */
    public static final class UnusableStoreException extends StoreException {
        private final Path file;
        private final String finding;

        UnusableStoreException(Path file, String finding, Throwable cause) {
            super("SQLite store " + file + " is damaged or not a wsctl store: " + oneLine(finding), cause);
            this.file = file;
            this.finding = oneLine(finding);
        }

        public Path file() {
            return file;
        }

        /** What SQLite said, on one line. */
        public String finding() {
            return finding;
        }

        private static String oneLine(String finding) {
            return String.valueOf(finding)
                    .replace("*** in database main ***", "")
                    .strip()
                    .replaceAll("\\s+", " ");
        }
    }

    // ---------------------------------------------------------------- plumbing

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in one {@code BEGIN IMMEDIATE} transaction on the write connection. */
    <T> T write(String what, Work<T> work) {
        writeLock.lock();
        try {
            ensureOpen();
            exec(writer, "BEGIN IMMEDIATE");
            T result;
            try {
                result = work.run(writer);
                exec(writer, "COMMIT");
            } catch (SQLException | RuntimeException | Error e) {
                rollback(e);
                throw e;
            }
            return result;
        } catch (SQLException e) {
            throw failure(what, e);
        } finally {
            writeLock.unlock();
        }
    }

    /** Ends the failed transaction; a ROLLBACK failure is attached to {@code cause}, which is thrown. */
    private void rollback(Throwable cause) {
        try {
            exec(writer, "ROLLBACK");
        } catch (SQLException e) {
            if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
                cause.addSuppressed(e);
            }
        }
    }

    /** Runs {@code work} on a pooled read connection (autocommit: each statement sees committed data). */
    <T> T read(String what, Work<T> work) {
        ensureOpen();
        readerPermits.acquireUninterruptibly();
        Connection c = null;
        try {
            c = idleReaders.poll();
            if (c == null) {
                c = open(what);
            }
            return work.run(c);
        } catch (SQLException e) {
            throw failure(what, e);
        } finally {
            if (c != null) {
                if (closed) {
                    closeQuietly(c);
                } else {
                    idleReaders.offer(c);
                }
            }
            readerPermits.release();
        }
    }

    private Connection open(String what) {
        try {
            return config.createConnection(url);
        } catch (SQLException e) {
            throw failure(what + ": cannot open", e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the connection store on " + file + " is closed");
        }
    }

    private StoreException failure(String what, SQLException e) {
        int primary = e.getErrorCode() & 0xff; // extended result codes keep the primary one in the low byte
        if (primary == SQLiteErrorCode.SQLITE_CORRUPT.code || primary == SQLiteErrorCode.SQLITE_NOTADB.code) {
            return new UnusableStoreException(file, e.getMessage(), e);
        }
        return new StoreException("SQLite store " + file + ": " + what + " failed: " + e.getMessage(), e);
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing: nothing more to do with it
        }
    }

    private static void checkChannel(String channel) {
        if (channel == null || channel.isEmpty()) {
            throw new IllegalArgumentException("channel must be a non-empty string");
        }
        if (CONNECTION_ROW.equals(channel)) {
            throw new IllegalArgumentException(CONNECTION_ROW + " is reserved for the connection's meta row");
        }
    }

    private static void setText(PreparedStatement st, int index, String value) throws SQLException {
        if (value == null || value.isEmpty()) {
            st.setNull(index, Types.VARCHAR);
        } else {
            st.setString(index, value);
        }
    }

    private static ConnectionInfo toInfo(ResultSet rs) throws SQLException {
        String grants = rs.getString(6);
        return new ConnectionInfo(
                rs.getString(1),
                rs.getLong(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                grants == null ? List.of() : fromJson(grants),
                rs.getLong(7));
    }

    private static String toJson(List<String> grants) {
        try {
            return JSON.writeValueAsString(grants);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write grants as JSON", e);
        }
    }

    private static List<String> fromJson(String grants) throws SQLException {
        try {
            return JSON.readValue(grants, STRING_LIST);
        } catch (JsonProcessingException e) {
            throw new SQLException("grants column is not a JSON array of strings: " + grants, e);
        }
    }
}
