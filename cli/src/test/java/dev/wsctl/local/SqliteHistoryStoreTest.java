package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.store.HistoryStore;
import dev.wsctl.store.HistoryStoreContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The history contract over SQLite, in the connection store's file. */
class SqliteHistoryStoreTest extends HistoryStoreContract {

    @TempDir
    static Path dir;

    private SqliteConnectionStore connections;

    private static Path file() {
        return dir.resolve(".wsctl").resolve("local.db");
    }

    @Override
    protected HistoryStore newStore(int size, Duration ttl, Clock clock) {
        connections = new SqliteConnectionStore(file());
        return new SqliteHistoryStore(connections, size, ttl, clock);
    }

    @AfterEach
    void closeConnections() {
        connections.close();
    }

    @Override
    protected void deleteMessage(String channel, long offset) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
                PreparedStatement delete =
                        c.prepareStatement("DELETE FROM history WHERE channel = ? AND message_offset = ?")) {
            delete.setString(1, channel);
            delete.setLong(2, offset);
            assertThat(delete.executeUpdate()).isEqualTo(1);
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theConnectionStoreStillOpensTheFileWithTheHistoryTablesInIt() {
        store.append(newChannel("kept"), p -> new byte[] {'x'});
        connections.close();

        connections = new SqliteConnectionStore(file());
        connections.checkIntegrity();
    }

    @Test
    void onlyTheLastSizeMessagesOfAChannelStayInTheFile() throws Exception {
        String channel = newChannel("trimmed");
        for (int i = 0; i < SIZE * 3; i++) {
            store.append(channel, p -> new byte[] {'x'});
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT MIN(message_offset), COUNT(*) FROM history WHERE channel = '" + channel + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(SIZE * 2 + 1);
            assertThat(rs.getLong(2)).isEqualTo(SIZE);
        }
    }
}
