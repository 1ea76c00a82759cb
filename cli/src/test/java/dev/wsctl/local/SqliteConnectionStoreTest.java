package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.ConnectionStoreContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The store contract over SQLite, plus what {@code wsctl local} needs of the file. */
class SqliteConnectionStoreTest extends ConnectionStoreContract {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve(".wsctl").resolve("local.db");
    }

    @Override
    protected ConnectionStore newStore() {
        return new SqliteConnectionStore(file());
    }

    @Override
    protected ConnectionStore newOccupancyStore() {
        SqliteConnectionStore s = new SqliteConnectionStore(file());
        s.webhookEvents(List.of("channel_occupied", "channel_vacated"));
        return s;
    }

    /** The subscribers, while the outbox's last transition of the channel is channel_occupied. */
    @Override
    protected java.util.OptionalLong occupancy(ConnectionStore store, String channel) {
        List<String> transitions = transitions(store, channel);
        return transitions.isEmpty() || transitions.get(transitions.size() - 1).equals("vacated")
                ? java.util.OptionalLong.empty()
                : java.util.OptionalLong.of(store.channelCounts().getOrDefault(channel, 0L));
    }

    @Override
    protected List<String> transitions(ConnectionStore store, String channel) {
        return ((SqliteConnectionStore) store)
                .webhooks().pending(1_000_000).stream()
                        .map(SqliteWebhooks.Pending::event)
                        .filter(e -> channel.equals(e.channel()))
                        .map(e -> e.name().substring("channel_".length()))
                        .toList();
    }

    @Test
    void theFileIsInWalModeWithTheDesignedSchema() throws Exception {
        assertThat(file()).isRegularFile();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
            }
            try (ResultSet rs = st.executeQuery("SELECT sql FROM sqlite_master WHERE name = 'rows'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1))
                        .contains("PRIMARY KEY(connection_id, channel)")
                        .contains("WITHOUT ROWID");
            }
            try (ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN SELECT connection_id FROM rows"
                    + " WHERE channel = 'x' AND connection_id > '' ORDER BY connection_id LIMIT 1000")) {
                StringBuilder plan = new StringBuilder();
                while (rs.next()) {
                    plan.append(rs.getString(4)).append('\n');
                }
                assertThat(plan.toString()).contains("rows_by_channel").doesNotContain("TEMP B-TREE");
            }
        }
    }

    @Test
    void aSecondStoreOnTheSameFileSeesAndWrites() {
        String first = newConnectionId();
        String second = newConnectionId();
        String channel = newChannel("shared");
        store.connect(info(first), List.of(channel));

        try (SqliteConnectionStore other = new SqliteConnectionStore(file())) {
            assertThat(other.connection(first)).isPresent();
            assertThat(subscribers(other, channel)).containsExactly(first);

            other.connect(info(second), List.of(channel));
            other.subscribeAll(channel, List.of("x1", "x2"), expiry());
            assertThat(store.isSubscribed(second, channel)).isTrue();
            assertThat(subscriberSet(store, channel)).containsExactlyInAnyOrder(first, second, "x1", "x2");

            assertThat(store.disconnect(second).rows()).isEqualTo(2);
            assertThat(other.connection(second)).isEmpty();
        }
        assertThat(store.connection(first)).isPresent(); // closing the other store left this one working
    }

    @Test
    @Timeout(60)
    void twoStoresOnTheSameFileWriteConcurrently() throws Exception {
        String channel = newChannel("both");
        List<String> ids =
                IntStream.range(0, 400).mapToObj(i -> newConnectionId()).toList();
        try (SqliteConnectionStore other = new SqliteConnectionStore(file())) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < ids.size(); i++) {
                    ConnectionStore s = i % 2 == 0 ? store : other;
                    String id = ids.get(i);
                    futures.add(pool.submit(() -> {
                        s.connect(info(id), List.of(channel));
                        assertThat(subscriberSet(s, channel)).contains(id);
                    }));
                }
                futures.add(pool.submit(() -> other.subscribeAll(channel, List.of("bulk-1", "bulk-2"), expiry())));
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(subscribers(other, channel)).hasSize(ids.size() + 2);
            assertThat(subscribers(store, ConnectionStore.CONNECTION_ROW)).hasSize(ids.size());
        }
    }

    @Test
    @Timeout(60)
    void aSecondProcessReadsAndWritesWhileTheStoreIsOpen() throws Exception {
        String mine = newConnectionId();
        String channel = newChannel("proc");
        store.connect(info(mine), List.of(channel));

        String theirs = newConnectionId();
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        SecondProcess.class.getName(),
                        file().toString(),
                        channel,
                        mine,
                        theirs)
                .redirectErrorStream(true)
                .start();
        // keep writing from this process while the other one runs
        for (int i = 0; i < 200 && p.isAlive(); i++) {
            store.subscribe(mine, channel + "-" + i, expiry());
        }
        assertThat(p.waitFor(45, TimeUnit.SECONDS))
                .as("second process finished")
                .isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("saw " + mine);

        assertThat(store.connection(theirs)).isPresent();
        assertThat(subscriberSet(store, channel)).containsExactlyInAnyOrder(mine, theirs);
        assertThat(store.channelsOf(theirs)).hasSize(101);
    }

    /** The other {@code wsctl}: opens the same file, checks a row of the test's store, writes its own. */
    public static final class SecondProcess {
        public static void main(String[] args) {
            Path file = Path.of(args[0]);
            String channel = args[1];
            String mine = args[2];
            String theirs = args[3];
            try (SqliteConnectionStore s = new SqliteConnectionStore(file)) {
                if (!s.isSubscribed(mine, channel)) {
                    System.out.println("did not see " + mine);
                    System.exit(2);
                }
                System.out.println("saw " + mine);
                long connectedAt = System.currentTimeMillis();
                s.connect(
                        new ConnectionInfo(
                                theirs, connectedAt, "127.0.0.1", null, null, List.of(), connectedAt / 1000 + 7800),
                        List.of(channel));
                for (int i = 0; i < 100; i++) {
                    s.subscribe(theirs, channel + "-other-" + i, connectedAt / 1000 + 7800);
                }
            }
            System.exit(0);
        }
    }

    @Test
    void removeAllConnectionsEmptiesTheStoreAndCountsConnectionsNotRows() {
        String channel = newChannel("left");
        for (int i = 0; i < 3; i++) {
            store.connect(
                    new ConnectionInfo(newConnectionId(), 1_000L, "10.0.0.1", null, null, List.of(), 10_000L),
                    List.of(channel, channel + "-b"));
        }
        SqliteConnectionStore sqlite = (SqliteConnectionStore) store;
        assertThat(sqlite.removeAllConnections()).isEqualTo(3);
        assertThat(store.connections(10)).isEmpty();
        assertThat(subscribers(store, channel)).isEmpty();
        assertThat(sqlite.removeAllConnections()).isZero();
    }

    @Test
    void aFileThatIsNotADatabaseFailsWithAClearError() throws Exception {
        Path bad = dir.resolve("bad.db");
        Files.writeString(bad, "this is not a SQLite database, not at all, no. ".repeat(100));

        assertThatThrownBy(() -> new SqliteConnectionStore(bad))
                .isInstanceOf(SqliteConnectionStore.StoreException.class)
                .hasMessageContaining(bad.toString())
                .hasCauseInstanceOf(java.sql.SQLException.class);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(DamagedStores.class)
    void aDamagedOrForeignFileIsFoundByOpeningAndCheckingIt(DamagedStores shape) throws Exception {
        Path bad = dir.resolve(shape + ".db");
        shape.write(bad);

        assertThatThrownBy(() -> {
                    try (SqliteConnectionStore s = new SqliteConnectionStore(bad)) {
                        s.checkIntegrity();
                    }
                })
                .isInstanceOf(SqliteConnectionStore.UnusableStoreException.class)
                .hasMessageContaining(bad.toString())
                .satisfies(e -> assertThat(((SqliteConnectionStore.UnusableStoreException) e).finding())
                        .isNotBlank());
    }

    @Test
    void anotherProgramsDatabaseIsLeftAsItWas() throws Exception {
        Path foreign = dir.resolve("foreign.db");
        DamagedStores.FOREIGN_DATABASE.write(foreign);
        byte[] before = Files.readAllBytes(foreign);

        assertThatThrownBy(() -> new SqliteConnectionStore(foreign))
                .isInstanceOf(SqliteConnectionStore.UnusableStoreException.class)
                .hasMessageContaining("its table rows has the columns id, amount, not wsctl's");
        assertThat(java.util.Arrays.equals(Files.readAllBytes(foreign), before))
                .as("the file is unchanged")
                .isTrue();
    }

    @Test
    void aSoundStorePassesTheCheck() {
        store.connect(
                new ConnectionInfo(newConnectionId(), 1_000L, "10.0.0.1", null, null, List.of(), 10_000L),
                List.of(newChannel("ok")));
        ((SqliteConnectionStore) store).checkIntegrity();
    }

    @Test
    void aClosedStoreRefusesWork() {
        SqliteConnectionStore s = new SqliteConnectionStore(dir.resolve("closed.db"));
        s.close();
        s.close();

        assertThatThrownBy(() -> s.channelsOf("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s.subscribe("x", "y", 1)).isInstanceOf(IllegalStateException.class);
    }
}
