package dev.wsctl.local;

import dev.wsctl.store.HistoryStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * {@link HistoryStore} over the SQLite file of a {@link SqliteConnectionStore}, for {@code wsctl local}: the same
 * rules as the DynamoDB store in two tables, {@code history_heads(channel, latest, epoch, expires_at)} and {@code
 * history(channel, message_offset, epoch, frame, expires_at)}. An append is one transaction (head and message
 * together), so offsets have no gaps and no message is ever on its way. Rows older than the last {@code size} of a
 * channel, and those of a past epoch, are deleted as the channel's appends go; expired ones when the store opens.
 */
public final class SqliteHistoryStore implements HistoryStore {

    /** The tables and indexes this store makes in the connection store's file. */
    static final Set<String> OWN_OBJECTS = Set.of("history", "history_heads");

    private static final String SCHEMA_HEADS = """
            CREATE TABLE IF NOT EXISTS history_heads(
              channel TEXT PRIMARY KEY,
              latest INTEGER NOT NULL,
              epoch TEXT NOT NULL,
              expires_at INTEGER NOT NULL
            ) WITHOUT ROWID""";
    private static final String SCHEMA_MESSAGES = """
            CREATE TABLE IF NOT EXISTS history(
              channel TEXT NOT NULL,
              message_offset INTEGER NOT NULL,
              epoch TEXT NOT NULL,
              frame BLOB NOT NULL,
              expires_at INTEGER NOT NULL,
              PRIMARY KEY(channel, message_offset)
            ) WITHOUT ROWID""";

    private final SqliteConnectionStore db;
    private final int size;
    private final Duration ttl;
    private final Clock clock;

    /**
     * Keeps history in {@code db}'s file (creating its tables), whose owner closes it.
     *
     * @param size messages kept per channel
     * @param ttl  how long each message (and the head, from the last append) is kept
     */
    public SqliteHistoryStore(SqliteConnectionStore db, int size, Duration ttl, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.size = size;
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        long now = nowSeconds();
        db.write("create the history tables", c -> {
            try (Statement st = c.createStatement()) {
                st.execute(SCHEMA_HEADS);
                st.execute(SCHEMA_MESSAGES);
            }
            try (PreparedStatement heads = c.prepareStatement("DELETE FROM history_heads WHERE expires_at <= ?");
                    PreparedStatement messages = c.prepareStatement("DELETE FROM history WHERE expires_at <= ?")) {
                heads.setLong(1, now);
                heads.executeUpdate();
                messages.setLong(1, now);
                messages.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Position append(String channel, Function<Position, byte[]> frame) {
        long now = nowSeconds();
        long expiresAt = now + ttl.toSeconds();
        return db.write("append to the history of " + channel, c -> {
            Position head = liveHead(c, channel, now);
            Position taken = new Position(head.offset() + 1, head.epoch());
            putHead(c, channel, taken, expiresAt);
            try (PreparedStatement put = c.prepareStatement("INSERT OR REPLACE INTO history"
                            + "(channel, message_offset, epoch, frame, expires_at) VALUES(?, ?, ?, ?, ?)");
                    PreparedStatement trim =
                            c.prepareStatement("DELETE FROM history WHERE channel = ? AND message_offset <= ?")) {
                put.setString(1, channel);
                put.setLong(2, taken.offset());
                put.setString(3, taken.epoch());
                put.setBytes(4, frame.apply(taken));
                put.setLong(5, expiresAt);
                put.executeUpdate();
                trim.setString(1, channel);
                trim.setLong(2, taken.offset() - size);
                trim.executeUpdate();
            }
            return taken;
        });
    }

    @Override
    public Position position(String channel) {
        long now = nowSeconds();
        return db.write("read the history head of " + channel, c -> liveHead(c, channel, now));
    }

    /** In one transaction, so that the head and the messages read agree. */
    @Override
    public Recovery recover(String channel, Position since) {
        long now = nowSeconds();
        return db.write("recover the history of " + channel, c -> {
            Position head = liveHead(c, channel, now);
            try {
                return HistoryStore.recovery(head, since, size, now, (from, to) -> {
                    try {
                        return messages(c, channel, from, to);
                    } catch (SQLException e) {
                        throw new ReadFailed(e);
                    }
                });
            } catch (ReadFailed e) {
                throw e.sqlException;
            }
        });
    }

    @Override
    public List<Message> recent(String channel, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        long now = nowSeconds();
        return db.read("read the history of " + channel, c -> {
            Position head = head(c, channel, now);
            if (head == null) {
                return List.of();
            }
            long from = Math.max(1, head.offset() - Math.min(limit, size) + 1);
            List<Message> kept = new ArrayList<>();
            for (Message m : messages(c, channel, from, head.offset())) {
                if (m.epoch().equals(head.epoch()) && m.expiresAt() > now) {
                    kept.add(m);
                }
            }
            return kept;
        });
    }

    /** The file belongs to the connection store. */
    @Override
    public void close() {}

    // ---------------------------------------------------------------- plumbing

    /** The live head, or null when there is none or it has expired. */
    private static Position head(Connection c, String channel, long now) throws SQLException {
        try (PreparedStatement q =
                c.prepareStatement("SELECT latest, epoch FROM history_heads WHERE channel = ? AND expires_at > ?")) {
            q.setString(1, channel);
            q.setLong(2, now);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? new Position(rs.getLong(1), rs.getString(2)) : null;
            }
        }
    }

    /** The live head, or (inside a write) a new epoch at offset 0, with the rows of the past one deleted. */
    private Position liveHead(Connection c, String channel, long now) throws SQLException {
        Position head = head(c, channel, now);
        if (head != null) {
            return head;
        }
        Position fresh = new Position(0, HistoryStore.newEpoch());
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM history WHERE channel = ?")) {
            delete.setString(1, channel);
            delete.executeUpdate();
        }
        putHead(c, channel, fresh, now + ttl.toSeconds());
        return fresh;
    }

    private static void putHead(Connection c, String channel, Position head, long expiresAt) throws SQLException {
        try (PreparedStatement put = c.prepareStatement(
                "INSERT OR REPLACE INTO history_heads(channel, latest, epoch, expires_at) VALUES(?, ?, ?, ?)")) {
            put.setString(1, channel);
            put.setLong(2, head.offset());
            put.setString(3, head.epoch());
            put.setLong(4, expiresAt);
            put.executeUpdate();
        }
    }

    private static List<Message> messages(Connection c, String channel, long from, long to) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT message_offset, epoch, frame, expires_at FROM history"
                + " WHERE channel = ? AND message_offset BETWEEN ? AND ? ORDER BY message_offset")) {
            q.setString(1, channel);
            q.setLong(2, from);
            q.setLong(3, to);
            List<Message> messages = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    messages.add(new Message(rs.getLong(1), rs.getString(2), rs.getBytes(3), rs.getLong(4)));
                }
            }
            return messages;
        }
    }

    /** Carries a read's SQLException through {@link HistoryStore#recovery}'s function, which cannot throw it. */
    private static final class ReadFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient SQLException sqlException;

        ReadFailed(SQLException e) {
            super(e);
            this.sqlException = e;
        }
    }

    private long nowSeconds() {
        return clock.millis() / 1000;
    }
}
