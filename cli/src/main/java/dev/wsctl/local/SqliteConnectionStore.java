package dev.wsctl.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wsctl.config.Jackson;
import dev.wsctl.protocol.Member;
import dev.wsctl.protocol.Members;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.Departure;
import dev.wsctl.store.Disconnected;
import dev.wsctl.store.LazyPages;
import dev.wsctl.store.Left;
import dev.wsctl.webhooks.WebhookEvent;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
 * the {@code by-channel} GSI; the meta row has {@code channel = '#connection'}. Grants are a JSON array. A presence
 * subscription row holds its member's {@code user}; table {@code members(channel, user, connections, info,
 * expires_at)} counts each member's subscriptions, changed in the subscription's own transaction.
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
              user TEXT,
              PRIMARY KEY(connection_id, channel)
            ) WITHOUT ROWID""";
    /** The {@code user} column of presence subscriptions, added to a file of a wsctl that had none. */
    private static final String ADD_USER_COLUMN = "ALTER TABLE rows ADD COLUMN user TEXT";

    private static final String SCHEMA_MEMBERS = """
            CREATE TABLE IF NOT EXISTS members(
              channel TEXT NOT NULL,
              user TEXT NOT NULL,
              connections INTEGER NOT NULL,
              info TEXT,
              expires_at INTEGER NOT NULL,
              PRIMARY KEY(channel, user)
            ) WITHOUT ROWID""";
    private static final String SCHEMA_INDEX =
            "CREATE INDEX IF NOT EXISTS rows_by_channel ON rows(channel, connection_id)";

    /** The columns of {@code rows} before presence, which opening the file brings up to {@link #COLUMNS}. */
    private static final List<String> COLUMNS_WITHOUT_USER =
            List.of("connection_id", "channel", "expires_at", "connected_at", "source_ip", "origin", "sub", "grants");

    private static final List<String> COLUMNS = java.util.stream.Stream.concat(
                    COLUMNS_WITHOUT_USER.stream(), java.util.stream.Stream.of("user"))
            .toList();
    private static final java.util.Set<String> OWN_OBJECTS = java.util.Set.of("rows", "rows_by_channel", "members");

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
    /** The lifecycle events written to the outbox with the rows they stand for; empty: webhooks off, none written. */
    private volatile Set<String> webhookEvents = Set.of();

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
                    st.execute(SCHEMA_MEMBERS);
                    if (!hasUserColumn(c)) {
                        st.execute(ADD_USER_COLUMN);
                    }
                    for (String table : SqliteWebhooks.SCHEMA) {
                        st.execute(table);
                    }
                }
                return null;
            });
            webhookEvents = read("read the webhook events", SqliteWebhooks::events);
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
                if (!OWN_OBJECTS.contains(name)
                        && !SqliteHistoryStore.OWN_OBJECTS.contains(name)
                        && !SqliteWebhooks.OWN_OBJECTS.contains(name)) {
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
        return columns.isEmpty() || columns.equals(COLUMNS) || columns.equals(COLUMNS_WITHOUT_USER)
                ? null
                : "its table rows has the columns " + String.join(", ", columns) + ", not wsctl's";
    }

    private static boolean hasUserColumn(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA table_info(rows)")) {
            while (rs.next()) {
                if ("user".equals(rs.getString("name"))) {
                    return true;
                }
            }
        }
        return false;
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
            emit(c, WebhookEvent.connected(info.connectionId(), info.sub()));
            List<String> vacant = vacant(c, distinct);
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
            occupied(c, vacant);
            return null;
        });
    }

    @Override
    public void subscribe(String connectionId, String channel, long expiresAt) {
        checkChannel(channel);
        write("subscribe " + connectionId + " to " + channel, c -> {
            List<String> vacant = vacant(c, List.of(channel));
            try (PreparedStatement put = c.prepareStatement(PUT_SUBSCRIPTION)) {
                put.setString(1, connectionId);
                put.setString(2, channel);
                put.setLong(3, expiresAt);
                put.executeUpdate();
            }
            occupied(c, vacant);
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
            List<String> vacant = vacant(c, List.of(channel));
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
            occupied(c, vacant);
            return null;
        });
    }

    /** One transaction: the subscription row if it is new, then the member's count moved by one. */
    @Override
    public boolean join(String connectionId, String channel, Member member, long expiresAt) {
        checkChannel(channel);
        return write("join " + connectionId + " to " + channel, c -> {
            List<String> vacant = vacant(c, List.of(channel));
            try (PreparedStatement put = c.prepareStatement(
                    "INSERT OR IGNORE INTO rows(connection_id, channel, expires_at, user) VALUES(?, ?, ?, ?)")) {
                put.setString(1, connectionId);
                put.setString(2, channel);
                put.setLong(3, expiresAt);
                put.setString(4, member.user());
                if (put.executeUpdate() == 0) {
                    return false; // already subscribed
                }
            }
            occupied(c, vacant);
            try (PreparedStatement count = c.prepareStatement("INSERT INTO members"
                    + "(channel, user, connections, info, expires_at) VALUES(?, ?, 1, ?, ?)"
                    + " ON CONFLICT(channel, user) DO UPDATE SET connections = connections + 1,"
                    + " info = excluded.info, expires_at = max(expires_at, excluded.expires_at)"
                    + " RETURNING connections")) {
                count.setString(1, channel);
                count.setString(2, member.user());
                setText(count, 3, member.info());
                count.setLong(4, expiresAt);
                boolean added;
                try (ResultSet rs = count.executeQuery()) {
                    added = rs.next() && rs.getLong(1) == 1;
                }
                if (added) {
                    emit(c, WebhookEvent.memberAdded(channel, member.user()));
                }
                return added;
            }
        });
    }

    @Override
    public Left leave(String connectionId, String channel) {
        checkChannel(channel);
        return write("unsubscribe " + connectionId + " from " + channel, c -> {
            String user;
            try (PreparedStatement delete =
                    c.prepareStatement("DELETE FROM rows WHERE connection_id = ? AND channel = ? RETURNING user")) {
                delete.setString(1, connectionId);
                delete.setString(2, channel);
                try (ResultSet rs = delete.executeQuery()) {
                    if (!rs.next()) {
                        return Left.NOT_SUBSCRIBED;
                    }
                    user = rs.getString(1);
                }
            }
            Optional<Departure> departure = user == null ? Optional.empty() : depart(c, channel, user);
            departure.ifPresent(d -> emitUnchecked(c, WebhookEvent.memberRemoved(d.channel(), d.user())));
            vacated(c, List.of(channel));
            return new Left(true, departure);
        });
    }

    /** Moves the member's count down by one; at 0 the member row goes and the departure is returned. */
    private static Optional<Departure> depart(Connection c, String channel, String user) throws SQLException {
        long left;
        try (PreparedStatement down = c.prepareStatement("UPDATE members SET connections = connections - 1"
                + " WHERE channel = ? AND user = ? RETURNING connections")) {
            down.setString(1, channel);
            down.setString(2, user);
            try (ResultSet rs = down.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty(); // no member row: the store was emptied meanwhile
                }
                left = rs.getLong(1);
            }
        }
        if (left > 0) {
            return Optional.empty();
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM members WHERE channel = ? AND user = ?")) {
            delete.setString(1, channel);
            delete.setString(2, user);
            delete.executeUpdate();
        }
        return Optional.of(new Departure(channel, user));
    }

    @Override
    public Disconnected disconnect(String connectionId) {
        return disconnectAll(List.of(connectionId));
    }

    /**
     * One transaction: each connection's member subscriptions read (and their members' counts moved), then one
     * batched DELETE over the primary key, executed 1000 ids at a time.
     */
    @Override
    public Disconnected disconnectAll(Collection<String> connectionIds) {
        Collection<String> distinct = new LinkedHashSet<>(connectionIds);
        if (distinct.isEmpty()) {
            return new Disconnected(0, List.of());
        }
        String what = distinct.size() == 1
                ? "disconnect " + distinct.iterator().next()
                : "disconnect " + distinct.size() + " connections";
        return write(what, c -> {
            List<Departure> departures = new ArrayList<>();
            // what the removal will stand for in the outbox: each connection's user, the channels it leaves
            List<WebhookEvent> disconnected = new ArrayList<>();
            Set<String> channels = new TreeSet<>();
            if (!webhookEvents.isEmpty()) {
                try (PreparedStatement rows =
                        c.prepareStatement("SELECT channel, sub FROM rows WHERE connection_id = ?")) {
                    for (String id : distinct) {
                        rows.setString(1, id);
                        try (ResultSet rs = rows.executeQuery()) {
                            while (rs.next()) {
                                if (CONNECTION_ROW.equals(rs.getString(1))) {
                                    disconnected.add(WebhookEvent.disconnected(id, rs.getString(2)));
                                } else {
                                    channels.add(rs.getString(1));
                                }
                            }
                        }
                    }
                }
            }
            try (PreparedStatement members =
                    c.prepareStatement("SELECT channel, user FROM rows WHERE connection_id = ? AND user IS NOT NULL")) {
                for (String id : distinct) {
                    members.setString(1, id);
                    List<String[]> memberships = new ArrayList<>();
                    try (ResultSet rs = members.executeQuery()) {
                        while (rs.next()) {
                            memberships.add(new String[] {rs.getString(1), rs.getString(2)});
                        }
                    }
                    for (String[] m : memberships) {
                        depart(c, m[0], m[1]).ifPresent(departures::add);
                    }
                }
            }
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
            for (Departure d : departures) {
                emit(c, WebhookEvent.memberRemoved(d.channel(), d.user()));
            }
            vacated(c, channels);
            for (WebhookEvent e : disconnected) {
                emit(c, e);
            }
            return new Disconnected(rows, departures);
        });
    }

    /** The first {@link #MEMBERS_LISTED} members in user order and the exact count, from one snapshot. */
    @Override
    public Members members(String channel) {
        checkChannel(channel);
        return read("read members of " + channel, c -> {
            exec(c, "BEGIN");
            try {
                long count;
                try (PreparedStatement q =
                        c.prepareStatement("SELECT COUNT(*) FROM members WHERE channel = ? AND connections > 0")) {
                    q.setString(1, channel);
                    try (ResultSet rs = q.executeQuery()) {
                        count = rs.next() ? rs.getLong(1) : 0;
                    }
                }
                List<Member> listed = new ArrayList<>();
                try (PreparedStatement q = c.prepareStatement("SELECT user, info FROM members"
                        + " WHERE channel = ? AND connections > 0 ORDER BY user LIMIT ?")) {
                    q.setString(1, channel);
                    q.setInt(2, MEMBERS_LISTED);
                    try (ResultSet rs = q.executeQuery()) {
                        while (rs.next()) {
                            listed.add(new Member(rs.getString(1), rs.getString(2)));
                        }
                    }
                }
                return new Members(count, listed, count > listed.size());
            } finally {
                exec(c, "COMMIT");
            }
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
            if (!webhookEvents.isEmpty()) {
                // they are gone: the application hears so, as from any other removal
                List<WebhookEvent> gone = new ArrayList<>();
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery(
                                "SELECT channel, user FROM members WHERE connections > 0 ORDER BY channel, user")) {
                    while (rs.next()) {
                        gone.add(WebhookEvent.memberRemoved(rs.getString(1), rs.getString(2)));
                    }
                }
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT DISTINCT channel FROM rows"
                                + " WHERE channel NOT LIKE '#%' ORDER BY channel")) {
                    while (rs.next()) {
                        gone.add(WebhookEvent.vacated(rs.getString(1)));
                    }
                }
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT connection_id, sub FROM rows WHERE channel = '"
                                + CONNECTION_ROW + "' ORDER BY connection_id")) {
                    while (rs.next()) {
                        gone.add(WebhookEvent.disconnected(rs.getString(1), rs.getString(2)));
                    }
                }
                for (WebhookEvent e : gone) {
                    emit(c, e);
                }
            }
            exec(c, "DELETE FROM rows");
            exec(c, "DELETE FROM members");
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
            try (PreparedStatement q =
                    c.prepareStatement("SELECT channel, COUNT(*) FROM rows WHERE channel NOT LIKE '#%'"
                            + " GROUP BY channel ORDER BY channel")) {
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

    // ---------------------------------------------------------------- webhooks

    /**
     * From now on, writes put the lifecycle events named {@code names} into the outbox with the rows they stand for
     * (docs/observability.md#lifecycle-webhooks); kept in the file, so that other processes writing it do the same.
     * Empty: none.
     */
    public void webhookEvents(Collection<String> names) {
        new SqliteWebhooks(this).events(names);
        webhookEvents = Set.copyOf(names);
    }

    /** The outbox and the failed bodies, in this file. */
    public SqliteWebhooks webhooks() {
        return new SqliteWebhooks(this);
    }

    private void emit(Connection c, WebhookEvent event) throws SQLException {
        if (webhookEvents.contains(event.name())) {
            SqliteWebhooks.add(c, event, System.currentTimeMillis());
        }
    }

    private void emitUnchecked(Connection c, WebhookEvent event) {
        try {
            emit(c, event);
        } catch (SQLException e) {
            throw new StoreException("SQLite store " + file + ": write a webhook event failed: " + e.getMessage(), e);
        }
    }

    private boolean occupancy() {
        Set<String> events = webhookEvents;
        return events.contains(WebhookEvent.CHANNEL_OCCUPIED) || events.contains(WebhookEvent.CHANNEL_VACATED);
    }

    /**
     * Of {@code channels}, those without a subscriber now, before the transaction subscribes to them; none when
     * occupancy is not posted. SQLite serializes writes, so a channel found empty here and subscribed to by this
     * transaction got its first subscriber from it.
     */
    private List<String> vacant(Connection c, Collection<String> channels) throws SQLException {
        List<String> vacant = new ArrayList<>();
        if (occupancy()) {
            for (String channel : channels) {
                if (!hasSubscribers(c, channel)) {
                    vacant.add(channel);
                }
            }
        }
        return vacant;
    }

    /** {@code channel_occupied} for each of {@code vacant}, which the transaction has just subscribed to. */
    private void occupied(Connection c, List<String> vacant) throws SQLException {
        for (String channel : vacant) {
            emit(c, WebhookEvent.occupied(channel));
        }
    }

    /** {@code channel_vacated} for each of {@code channels} (which had subscribers) that has none now. */
    private void vacated(Connection c, Collection<String> channels) throws SQLException {
        if (occupancy()) {
            for (String channel : channels) {
                if (!hasSubscribers(c, channel)) {
                    emit(c, WebhookEvent.vacated(channel));
                }
            }
        }
    }

    /** One probe of the {@code (channel, connection_id)} index, whatever the channel's size. */
    private static boolean hasSubscribers(Connection c, String channel) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM rows WHERE channel = ? LIMIT 1")) {
            q.setString(1, channel);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next();
            }
        }
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
        if (channel.startsWith("#")) {
            throw new IllegalArgumentException("channels starting with # are reserved for the store's own rows");
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
