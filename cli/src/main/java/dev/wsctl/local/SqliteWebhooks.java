package dev.wsctl.local;

import dev.wsctl.webhooks.DeadLetters;
import dev.wsctl.webhooks.WebhookEvent;
import java.nio.charset.StandardCharsets;
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
import java.util.Set;
import java.util.UUID;

/**
 * The local stack's webhook tables, in the connection store's file (docs/local-state.md): {@code webhook_outbox}, the
 * events not posted yet, which {@link SqliteConnectionStore} writes in the transaction that changes the rows and
 * {@link LocalWebhookDispatcher} posts and deletes; {@code webhook_failed}, the bodies given up on; and
 * {@code webhook_events}, the event names the running stack posts, so that every process writing the file (the
 * stack, {@code wsctl connections gc --local}) writes the same events.
 */
public final class SqliteWebhooks {
    static final Set<String> OWN_OBJECTS = Set.of("webhook_outbox", "webhook_failed", "webhook_events");

    static final List<String> SCHEMA =
            List.of("""
            CREATE TABLE IF NOT EXISTS webhook_outbox(
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL,
              channel TEXT,
              user TEXT,
              connection_id TEXT,
              created_ms INTEGER NOT NULL
            )""", """
            CREATE TABLE IF NOT EXISTS webhook_failed(
              id TEXT PRIMARY KEY,
              first_attempt_ms INTEGER NOT NULL,
              attempts INTEGER NOT NULL,
              status INTEGER NOT NULL,
              error TEXT,
              body TEXT NOT NULL
            ) WITHOUT ROWID""", "CREATE TABLE IF NOT EXISTS webhook_events(name TEXT PRIMARY KEY) WITHOUT ROWID");

    private final SqliteConnectionStore store;

    public SqliteWebhooks(SqliteConnectionStore store) {
        this.store = store;
    }

    /** An outbox row: its id (the order events were written in) and the event. */
    public record Pending(long id, WebhookEvent event) {}

    /** A body given up on. */
    public record Failed(String id, long firstAttemptMs, int attempts, int status, String error, String body) {}

    /** Replaces the names of the events this file's stack posts (none: webhooks off). */
    public void events(Collection<String> names) {
        store.write("set the webhook events", c -> {
            try (Statement st = c.createStatement()) {
                st.execute("DELETE FROM webhook_events");
            }
            try (PreparedStatement put = c.prepareStatement("INSERT INTO webhook_events(name) VALUES(?)")) {
                for (String name : new LinkedHashSet<>(names)) {
                    put.setString(1, name);
                    put.executeUpdate();
                }
            }
            return null;
        });
    }

    /** The names of the events this file's stack posts. */
    static Set<String> events(Connection c) throws SQLException {
        Set<String> names = new LinkedHashSet<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT name FROM webhook_events")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** Adds {@code event} to the outbox in the caller's transaction. */
    static void add(Connection c, WebhookEvent event, long nowMs) throws SQLException {
        try (PreparedStatement put = c.prepareStatement(
                "INSERT INTO webhook_outbox(name, channel, user, connection_id, created_ms) VALUES(?, ?, ?, ?, ?)")) {
            put.setString(1, event.name());
            text(put, 2, event.channel());
            text(put, 3, event.user());
            text(put, 4, event.connectionId());
            put.setLong(5, nowMs);
            put.executeUpdate();
        }
    }

    /** Up to {@code limit} of the oldest events not posted yet, oldest first. */
    public List<Pending> pending(int limit) {
        return store.read("read the webhook outbox", c -> {
            try (PreparedStatement q = c.prepareStatement(
                    "SELECT id, name, channel, user, connection_id FROM webhook_outbox ORDER BY id LIMIT ?")) {
                q.setInt(1, limit);
                List<Pending> pending = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        pending.add(new Pending(
                                rs.getLong(1),
                                new WebhookEvent(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5))));
                    }
                }
                return pending;
            }
        });
    }

    /** Forgets the outbox rows up to and including {@code lastId} (the events just posted). */
    public void posted(long lastId) {
        store.write("forget posted webhook events", c -> {
            deleteUpTo(c, lastId);
            return null;
        });
    }

    /** Moves the events up to {@code lastId} into {@code webhook_failed} as {@code letter}, in one transaction. */
    public void failed(long lastId, DeadLetters.DeadLetter letter) {
        store.write("keep a webhook body given up on", c -> {
            insertFailed(c, letter);
            deleteUpTo(c, lastId);
            return null;
        });
    }

    /** Adds a body given up on that no outbox row stands for. */
    public void failed(DeadLetters.DeadLetter letter) {
        store.write("keep a webhook body given up on", c -> {
            insertFailed(c, letter);
            return null;
        });
    }

    /** The bodies given up on, oldest first. */
    public List<Failed> failed() {
        return store.read("read the failed webhook bodies", c -> {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT id, first_attempt_ms, attempts, status, error, body"
                            + " FROM webhook_failed ORDER BY first_attempt_ms, id")) {
                List<Failed> failed = new ArrayList<>();
                while (rs.next()) {
                    failed.add(new Failed(
                            rs.getString(1),
                            rs.getLong(2),
                            rs.getInt(3),
                            rs.getInt(4),
                            rs.getString(5),
                            rs.getString(6)));
                }
                return failed;
            }
        });
    }

    /** Forgets a failed body; returns whether it was there. */
    public boolean remove(String id) {
        return store.write("remove a failed webhook body", c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM webhook_failed WHERE id = ?")) {
                delete.setString(1, id);
                return delete.executeUpdate() > 0;
            }
        });
    }

    private static void insertFailed(Connection c, DeadLetters.DeadLetter letter) throws SQLException {
        try (PreparedStatement put = c.prepareStatement("INSERT INTO webhook_failed"
                + "(id, first_attempt_ms, attempts, status, error, body) VALUES(?, ?, ?, ?, ?, ?)")) {
            put.setString(1, UUID.randomUUID().toString());
            put.setLong(2, letter.firstAttemptMs());
            put.setInt(3, letter.attempts());
            put.setInt(4, letter.status());
            text(put, 5, letter.error());
            put.setString(6, new String(letter.body(), StandardCharsets.UTF_8));
            put.executeUpdate();
        }
    }

    private static void deleteUpTo(Connection c, long lastId) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM webhook_outbox WHERE id <= ?")) {
            delete.setLong(1, lastId);
            delete.executeUpdate();
        }
    }

    private static void text(PreparedStatement st, int index, String value) throws SQLException {
        if (value == null) {
            st.setNull(index, Types.VARCHAR);
        } else {
            st.setString(index, value);
        }
    }
}
