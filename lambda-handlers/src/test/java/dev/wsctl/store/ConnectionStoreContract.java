package dev.wsctl.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wsctl.protocol.ChannelName;
import dev.wsctl.protocol.Member;
import dev.wsctl.protocol.Members;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link ConnectionStore} must have. Subclasses provide {@link #newStore()}; it is
 * called before every test and the store is closed after it. A store may hold rows of other tests
 * (one DynamoDB table per class): tests use fresh random connection ids and channel names and only
 * assert about their own rows.
 */
public abstract class ConnectionStoreContract {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong COUNTER = new AtomicLong();
    /** All punctuation {@link ChannelName} allows. */
    protected static final String PUNCTUATION = "_-=@,.;:";

    protected ConnectionStore store;

    /** A store for one test. Rows of earlier tests may be in it. */
    protected abstract ConnectionStore newStore();

    /** A store on the same data that keeps channel occupancy (the channel_occupied / channel_vacated webhooks). */
    protected abstract ConnectionStore newOccupancyStore();

    /**
     * What {@code store} holds of the channel's occupancy: DynamoDB, the occupancy row's subscriber count; SQLite, the
     * channel's subscriber count when its last outbox transition is {@code channel_occupied}. Empty: unoccupied.
     */
    protected abstract java.util.OptionalLong occupancy(ConnectionStore store, String channel);

    /** The channel's occupancy transitions in order ("occupied", "vacated"), where the store records them; else null. */
    protected List<String> transitions(ConnectionStore store, String channel) {
        return null;
    }

    @Test
    @Timeout(120)
    void occupancyAppearsWithTheFirstSubscriberAndGoesWithTheLastUnderConcurrency() throws Exception {
        try (ConnectionStore occupied = newOccupancyStore()) {
            String channel = newChannel("occ");
            int threads = 8;
            int rounds = 6;
            assertThat(occupancy(occupied, channel)).isEmpty();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> runs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    runs.add(pool.submit(() -> {
                        String id = newConnectionId();
                        // the paths a subscription takes: connect's default channel, join, subscribe; leave, disconnect
                        occupied.connect(info(id), thread % 2 == 0 ? List.of(channel) : List.of());
                        for (int r = 0; r < rounds; r++) {
                            if (r > 0 || thread % 2 == 1) {
                                if (thread % 3 == 0) {
                                    occupied.join(id, channel, new Member("u" + thread, null), info(id).expiresAt());
                                } else {
                                    occupied.subscribe(id, channel, info(id).expiresAt());
                                }
                            }
                            if (r < rounds - 1) {
                                assertThat(occupied.leave(id, channel).subscribed())
                                        .isTrue();
                            }
                        }
                        occupied.disconnect(id);
                        return null;
                    }));
                }
                for (Future<?> run : runs) {
                    run.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(occupancy(occupied, channel)).as("after the last left").isEmpty();

            // subscribers that stay: the row counts them exactly; subscribeAll counts each new one once
            List<String> ids =
                    IntStream.range(0, 5).mapToObj(i -> newConnectionId()).toList();
            ids.forEach(id -> occupied.connect(info(id), List.of()));
            occupied.subscribeAll(channel, ids, info(ids.get(0)).expiresAt());
            occupied.subscribeAll(channel, ids, info(ids.get(0)).expiresAt());
            occupied.subscribe(ids.get(0), channel, info(ids.get(0)).expiresAt());
            assertThat(occupancy(occupied, channel)).hasValue(5);
            occupied.disconnectAll(ids.subList(0, 4));
            assertThat(occupancy(occupied, channel)).hasValue(1);
            occupied.leave(ids.get(4), channel);
            assertThat(occupancy(occupied, channel)).isEmpty();
            // listings never show the occupancy rows
            assertThat(occupied.channelCounts().keySet()).noneMatch(c -> c.startsWith("#"));

            List<String> transitions = transitions(occupied, channel);
            if (transitions != null) {
                assertThat(transitions).isNotEmpty();
                for (int i = 0; i < transitions.size(); i++) {
                    assertThat(transitions.get(i))
                            .as("transition %d of %s", i, transitions)
                            .isEqualTo(i % 2 == 0 ? "occupied" : "vacated");
                }
                assertThat(transitions).last().isEqualTo("vacated");
            }
        }
    }

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ------------------------------------------------------------------------------- helpers

    /** A fresh id shaped like API Gateway's: 16 characters of base64 (with '+', '/'), ending in '='. */
    protected static String newConnectionId() {
        byte[] bytes = new byte[11];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** A fresh channel name that passes {@link ChannelName#isValid}. */
    protected static String newChannel(String prefix) {
        String name = prefix + "-" + COUNTER.incrementAndGet() + "-" + Long.toHexString(RANDOM.nextLong() >>> 1);
        assertThat(ChannelName.isValid(name)).as(name).isTrue();
        return name;
    }

    protected static ConnectionInfo info(String id) {
        long connectedAt = System.currentTimeMillis();
        return new ConnectionInfo(
                id,
                connectedAt,
                "203.0.113.7",
                "https://app.example.com",
                "user-42",
                List.of("news", "private-user-42-*"),
                Ttl.expiresAt(connectedAt));
    }

    protected static List<String> subscribers(ConnectionStore s, String channel) {
        List<String> all = new ArrayList<>();
        for (List<String> page : s.subscriberPages(channel)) {
            assertThat(page).as("a page of %s", channel).isNotEmpty();
            all.addAll(page);
        }
        return all;
    }

    protected static long expiry() {
        return Ttl.expiresAt(System.currentTimeMillis());
    }

    // ------------------------------------------------------------------------------- connect

    @Test
    void connectWritesMetaRowAndInitialChannels() {
        String id = newConnectionId();
        String a = newChannel("a");
        String b = newChannel("b");
        ConnectionInfo info = info(id);

        store.connect(info, List.of(b, a, b));

        assertThat(store.connection(id)).contains(info);
        assertThat(store.channelsOf(id)).containsExactly(a, b);
        assertThat(store.isSubscribed(id, a)).isTrue();
        assertThat(store.isSubscribed(id, b)).isTrue();
        assertThat(subscribers(store, a)).containsExactly(id);
        assertThat(subscribers(store, b)).containsExactly(id);
        assertThat(subscribers(store, ConnectionStore.CONNECTION_ROW)).contains(id);
    }

    @Test
    void connectWithoutChannelsWritesOnlyTheMetaRow() {
        String id = newConnectionId();
        store.connect(info(id), List.of());

        assertThat(store.connection(id)).isPresent();
        assertThat(store.channelsOf(id)).isEmpty();
        assertThat(store.disconnect(id).rows()).isEqualTo(1);
    }

    @Test
    void connectionReturnsEveryField() {
        String full = newConnectionId();
        ConnectionInfo withAll = new ConnectionInfo(
                full,
                1_714_000_000_123L,
                "2001:db8::1",
                "https://a.example",
                "alice@example.com",
                List.of("news", "private-alice-*", "room:1"),
                1_714_007_800L);
        String bare = newConnectionId();
        ConnectionInfo withoutAuth =
                new ConnectionInfo(bare, 1_714_000_000_456L, "198.51.100.1", null, null, List.of(), 1_714_007_801L);

        store.connect(withAll, List.of());
        store.connect(withoutAuth, List.of());

        assertThat(store.connection(full)).contains(withAll);
        ConnectionInfo read = store.connection(bare).orElseThrow();
        assertThat(read).isEqualTo(withoutAuth);
        assertThat(read.origin()).isNull();
        assertThat(read.sub()).isNull();
        assertThat(read.grants()).isEmpty();
        assertThat(store.connection(newConnectionId())).isEmpty();
    }

    @Test
    void emptyOptionalAttributesReadBackAsNull() {
        String id = newConnectionId();
        store.connect(new ConnectionInfo(id, 1L, "10.0.0.1", "", "", null, 2L), List.of());

        ConnectionInfo read = store.connection(id).orElseThrow();
        assertThat(read.origin()).isNull();
        assertThat(read.sub()).isNull();
        assertThat(read.grants()).isEmpty();
    }

    @Test
    void expiresAtAndConnectedAtRoundTrip() {
        long connectedAt = 4_102_444_800_123L; // 2100-01-01, in milliseconds
        String id = newConnectionId();
        ConnectionInfo info =
                new ConnectionInfo(id, connectedAt, "10.1.2.3", null, null, List.of(), Ttl.expiresAt(connectedAt));

        store.connect(info, List.of(newChannel("ttl")));

        ConnectionInfo read = store.connection(id).orElseThrow();
        assertThat(read.connectedAt()).isEqualTo(connectedAt);
        assertThat(read.expiresAt()).isEqualTo(4_102_444_800L + 2 * 3600 + 600);
    }

    // ------------------------------------------------------------------------------- subscriptions

    @Test
    void subscribeIsIdempotent() {
        String id = newConnectionId();
        String channel = newChannel("idem");
        store.connect(info(id), List.of());

        store.subscribe(id, channel, expiry());
        store.subscribe(id, channel, expiry() + 60);

        assertThat(store.channelsOf(id)).containsExactly(channel);
        assertThat(subscribers(store, channel)).containsExactly(id);
        assertThat(store.disconnect(id).rows()).isEqualTo(2);
    }

    @Test
    void unsubscribeReportsWhetherThereWasASubscription() {
        String id = newConnectionId();
        String channel = newChannel("unsub");
        store.subscribe(id, channel, expiry());

        assertThat(store.unsubscribe(id, channel)).isTrue();
        assertThat(store.unsubscribe(id, channel)).isFalse();
        assertThat(store.unsubscribe(id, newChannel("never"))).isFalse();
        assertThat(store.isSubscribed(id, channel)).isFalse();
        assertThat(subscribers(store, channel)).isEmpty();
    }

    @Test
    void isSubscribed() {
        String id = newConnectionId();
        String channel = newChannel("is");
        String other = newChannel("other");
        store.connect(info(id), List.of(channel));

        assertThat(store.isSubscribed(id, channel)).isTrue();
        assertThat(store.isSubscribed(id, other)).isFalse();
        assertThat(store.isSubscribed(newConnectionId(), channel)).isFalse();
    }

    @Test
    void channelsOfIsInNameOrderWithoutTheMetaRow() {
        String id = newConnectionId();
        String base = newChannel("order");
        List<String> channels = List.of(
                base + ":z",
                base + "-b",
                base + "_a",
                base + "=1",
                base + "@x",
                base + ".9",
                base + ";;",
                base + ",c",
                "A" + base,
                "z" + base,
                "0" + base);
        store.connect(info(id), channels.subList(0, 4));
        for (String channel : channels.subList(4, channels.size())) {
            store.subscribe(id, channel, expiry());
        }

        List<String> expected = channels.stream().sorted().toList();
        assertThat(store.channelsOf(id))
                .containsExactlyElementsOf(expected)
                .doesNotContain(ConnectionStore.CONNECTION_ROW);
        assertThat(store.channelsOf(newConnectionId())).isEmpty();
    }

    @Test
    void subscribeAllAcceptsDuplicatesAndExistingSubscriptions() {
        String channel = newChannel("all");
        String a = newConnectionId();
        String b = newConnectionId();
        store.subscribe(a, channel, expiry());

        store.subscribeAll(channel, List.of(a, b, b, a), expiry());
        store.subscribeAll(channel, List.of(), expiry());

        assertThat(subscribers(store, channel))
                .containsExactlyElementsOf(List.of(a, b).stream().sorted().toList());
    }

    @Test
    void theMetaRowChannelIsNotASubscription() {
        String id = newConnectionId();
        store.connect(info(id), List.of());

        assertThatThrownBy(() -> store.subscribe(id, ConnectionStore.CONNECTION_ROW, expiry()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.subscribeAll(ConnectionStore.CONNECTION_ROW, List.of(id), expiry()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.connect(info(newConnectionId()), List.of(ConnectionStore.CONNECTION_ROW)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.unsubscribe(id, ConnectionStore.CONNECTION_ROW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.connection(id)).isPresent();
    }

    // ------------------------------------------------------------------------------- disconnect

    @Test
    void disconnectRemovesEveryRowAndCountsThem() {
        String id = newConnectionId();
        String a = newChannel("d-a");
        String b = newChannel("d-b");
        String c = newChannel("d-c");
        String neighbour = newConnectionId();
        store.connect(info(id), List.of(a, b));
        store.subscribe(id, c, expiry());
        store.connect(info(neighbour), List.of(a));

        assertThat(store.disconnect(id).rows()).isEqualTo(4);

        assertThat(store.connection(id)).isEmpty();
        assertThat(store.channelsOf(id)).isEmpty();
        assertThat(store.isSubscribed(id, a)).isFalse();
        assertThat(subscribers(store, a)).containsExactly(neighbour);
        assertThat(subscribers(store, b)).isEmpty();
        assertThat(subscribers(store, c)).isEmpty();
        assertThat(subscribers(store, ConnectionStore.CONNECTION_ROW))
                .doesNotContain(id)
                .contains(neighbour);
        assertThat(store.disconnect(id).rows()).isZero();
        assertThat(store.disconnect(newConnectionId()).rows()).isZero();
        assertThat(store.connection(neighbour)).isPresent();
    }

    @Test
    void disconnectOfAConnectionWithManySubscriptions() {
        String id = newConnectionId();
        store.connect(info(id), List.of());
        String base = newChannel("many");
        for (int i = 0; i < 60; i++) {
            store.subscribe(id, base + "-" + i, expiry());
        }

        assertThat(store.channelsOf(id)).hasSize(60);
        assertThat(store.disconnect(id).rows()).isEqualTo(61);
        assertThat(store.channelsOf(id)).isEmpty();
    }

    @Test
    void disconnectAllRemovesEveryRowOfEachConnectionAndNothingElse() {
        String a = newChannel("da-a");
        String b = newChannel("da-b");
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String id = newConnectionId();
            store.connect(info(id), i % 2 == 0 ? List.of(a) : List.of(a, b));
            gone.add(id);
        }
        String kept = newConnectionId();
        store.connect(info(kept), List.of(a, b));
        List<String> asked = new ArrayList<>(gone);
        asked.add(gone.get(7)); // twice
        asked.add(newConnectionId()); // never connected

        assertThat(store.disconnectAll(asked).rows()).isEqualTo(60 + 60 + 30); // meta rows, a, b

        for (String id : gone) {
            assertThat(store.connection(id)).as(id).isEmpty();
            assertThat(store.channelsOf(id)).as(id).isEmpty();
        }
        assertThat(subscribers(store, a)).containsExactly(kept);
        assertThat(subscribers(store, b)).containsExactly(kept);
        assertThat(subscribers(store, ConnectionStore.CONNECTION_ROW))
                .doesNotContainAnyElementsOf(gone)
                .contains(kept);
        assertThat(store.connection(kept)).isPresent();
        assertThat(store.channelsOf(kept)).containsExactlyInAnyOrder(a, b);
        assertThat(store.disconnectAll(List.of()).rows()).isZero();
        assertThat(store.disconnectAll(gone).rows()).isZero();
    }

    // ------------------------------------------------------------------------------- subscribers

    @Test
    void subscriberPagesListExactlyTheSubscribersInIdOrder() {
        String channel = newChannel("subs");
        String otherChannel = newChannel("elsewhere");
        List<String> ids =
                IntStream.range(0, 7).mapToObj(i -> newConnectionId()).toList();
        for (String id : ids) {
            store.connect(info(id), List.of(channel));
        }
        String outsider = newConnectionId();
        store.connect(info(outsider), List.of(otherChannel));
        List<String> sorted = ids.stream().sorted().toList();

        assertThat(subscribers(store, channel)).containsExactlyElementsOf(sorted);
        // an Iterable: each iteration reads afresh
        assertThat(subscribers(store, channel)).containsExactlyElementsOf(sorted);

        store.unsubscribe(sorted.get(1), channel);
        store.disconnect(sorted.get(4));

        List<String> expected = new ArrayList<>(sorted);
        expected.remove(sorted.get(4));
        expected.remove(sorted.get(1));
        assertThat(subscribers(store, channel)).containsExactlyElementsOf(expected);
        assertThat(subscribers(store, otherChannel)).containsExactly(outsider);
        assertThat(store.subscriberPages(newChannel("nobody"))).isEmpty();
    }

    @Test
    void subscriberPagesOfTheMetaRowChannelListEveryConnection() {
        List<String> ids =
                IntStream.range(0, 5).mapToObj(i -> newConnectionId()).toList();
        for (String id : ids) {
            store.connect(info(id), List.of(newChannel("meta")));
        }
        String subscribedButNeverConnected = newConnectionId();
        store.subscribe(subscribedButNeverConnected, newChannel("orphan"), expiry());

        List<String> all = subscribers(store, ConnectionStore.CONNECTION_ROW);
        assertThat(all).containsAll(ids).doesNotContain(subscribedButNeverConnected);
        assertThat(all).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void connectionsRespectsTheLimitAndIdOrder() {
        List<ConnectionInfo> infos =
                IntStream.range(0, 5).mapToObj(i -> info(newConnectionId())).toList();
        for (ConnectionInfo info : infos) {
            store.connect(info, List.of(newChannel("list")));
        }

        List<ConnectionInfo> three = store.connections(3);
        assertThat(three).hasSize(3);
        assertThat(three.stream().map(ConnectionInfo::connectionId).toList())
                .isSorted()
                .doesNotHaveDuplicates();

        List<ConnectionInfo> all = store.connections(100_000);
        assertThat(all).containsAll(infos);
        assertThat(all.stream().map(ConnectionInfo::connectionId).toList())
                .isSorted()
                .doesNotHaveDuplicates();
        assertThat(store.connections(0)).isEmpty();
    }

    @Test
    void channelCountsCountSubscribersPerChannelInNameOrderWithoutMetaRows() {
        String base = newChannel("counts");
        String a = base + "-a";
        String b = base + "-b";
        String emptied = base + "-c";
        List<String> ids =
                IntStream.range(0, 3).mapToObj(i -> newConnectionId()).toList();
        store.connect(info(ids.get(0)), List.of(a, b));
        store.connect(info(ids.get(1)), List.of(a, emptied));
        store.subscribe(ids.get(2), a, expiry()); // a subscription without a meta row still counts
        store.unsubscribe(ids.get(1), emptied);

        Map<String, Long> counts = store.channelCounts();

        assertThat(counts).doesNotContainKey(ConnectionStore.CONNECTION_ROW).doesNotContainKey(emptied);
        assertThat(counts).containsEntry(a, 3L).containsEntry(b, 1L);
        assertThat(List.copyOf(counts.keySet())).isSorted();
        store.disconnect(ids.get(0));
        assertThat(store.channelCounts()).containsEntry(a, 2L).doesNotContainKey(b);
    }

    // ------------------------------------------------------------------------------- names

    @Test
    void channelNamesWithEveryAllowedPunctuationWork() {
        String id = newConnectionId();
        String base = newChannel("p");
        List<String> channels = new ArrayList<>();
        channels.add(base + PUNCTUATION);
        channels.add(PUNCTUATION);
        for (char c : PUNCTUATION.toCharArray()) {
            channels.add(c + base + c);
        }
        String longest = (base + "x".repeat(ChannelName.MAX_LENGTH)).substring(0, ChannelName.MAX_LENGTH);
        channels.add(longest);
        channels.forEach(ch -> assertThat(ChannelName.isValid(ch)).as(ch).isTrue());
        store.connect(info(id), List.of(channels.get(0)));
        store.subscribeAll(channels.get(1), List.of(id), expiry());
        for (String channel : channels.subList(2, channels.size())) {
            store.subscribe(id, channel, expiry());
        }

        assertThat(store.channelsOf(id))
                .containsExactlyElementsOf(channels.stream().sorted().toList());
        for (String channel : channels) {
            assertThat(store.isSubscribed(id, channel)).as(channel).isTrue();
            assertThat(subscribers(store, channel)).as(channel).contains(id);
        }
        assertThat(store.unsubscribe(id, PUNCTUATION)).isTrue();
        assertThat(store.disconnect(id).rows()).isEqualTo(channels.size()); // meta row + the rest
    }

    @Test
    void connectionIdsShapedLikeApiGatewaysWork() {
        List<String> ids = List.of("L0SM9cOFvHcCIhw=", "a+b/c0SM9cOFvHc=", "Zz9+/Zz9+/Zz9+A=");
        String channel = newChannel("apigw");
        for (String id : ids) {
            store.disconnect(id); // the ids are fixed: leave no rows of an earlier run
            store.connect(info(id), List.of(channel));
        }

        for (String id : ids) {
            assertThat(store.connection(id)).map(ConnectionInfo::connectionId).contains(id);
            assertThat(store.channelsOf(id)).containsExactly(channel);
            assertThat(store.isSubscribed(id, channel)).isTrue();
        }
        assertThat(subscribers(store, channel))
                .containsExactlyElementsOf(ids.stream().sorted().toList());
        for (String id : ids) {
            assertThat(store.disconnect(id).rows()).isEqualTo(2);
        }
    }

    // ------------------------------------------------------------------------------- scale

    @Test
    void concurrentWritersDoNotLoseRows() throws Exception {
        String channel = newChannel("conc");
        List<String> ids =
                IntStream.range(0, 200).mapToObj(i -> newConnectionId()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (String id : ids) {
                futures.add(pool.submit(() -> {
                    store.connect(info(id), List.of());
                    store.subscribe(id, channel, expiry());
                    assertThat(store.isSubscribed(id, channel)).isTrue();
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(subscribers(store, channel))
                .containsExactlyElementsOf(ids.stream().sorted().toList());
    }

    @Test
    @Timeout(120)
    void aChannelWithFiftyThousandSubscribersIsReadCompletely() {
        int n = 50_000;
        String channel = newChannel("big");
        List<String> ids =
                IntStream.range(0, n).mapToObj(i -> newConnectionId()).toList();

        long t0 = System.nanoTime();
        store.subscribeAll(channel, ids, expiry());
        long t1 = System.nanoTime();
        int pages = 0;
        List<String> read = new ArrayList<>(n);
        for (List<String> page : store.subscriberPages(channel)) {
            assertThat(page).isNotEmpty();
            pages++;
            read.addAll(page);
        }
        long t2 = System.nanoTime();
        System.out.printf(
                "[%s] 50k subscribers: subscribeAll %d ms, read %d ms in %d pages%n",
                getClass().getSimpleName(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, pages);

        assertThat(read).hasSize(n);
        Set<String> distinct = new HashSet<>(read);
        assertThat(distinct).hasSize(n);
        assertThat(distinct).isEqualTo(Set.copyOf(ids));
        assertThat(read).isSorted();
        assertThat(pages).isGreaterThan(1);
        assertThat(store.isSubscribed(ids.get(n / 2), channel)).isTrue();
    }

    // ------------------------------------------------------------------------------- presence

    private static String newPresenceChannel(String prefix) {
        return newChannel("presence-" + prefix);
    }

    private static List<String> users(Members members) {
        return members.listed().stream().map(Member::user).toList();
    }

    @Test
    void twoConnectionsOfOneUserAreOneMemberAddedAndRemovedOnce() {
        String channel = newPresenceChannel("two");
        String a = newConnectionId();
        String b = newConnectionId();
        String bob = newConnectionId();
        Member alice = new Member("alice", "{\"name\":\"Alice\"}");

        assertThat(store.join(a, channel, alice, expiry()))
                .as("first connection: added")
                .isTrue();
        assertThat(store.join(a, channel, alice, expiry()))
                .as("the same connection again")
                .isFalse();
        assertThat(store.join(b, channel, alice, expiry()))
                .as("second connection: not added")
                .isFalse();
        assertThat(store.join(bob, channel, new Member("bob", null), expiry())).isTrue();

        Members members = store.members(channel);
        assertThat(members.count()).isEqualTo(2);
        assertThat(members.truncated()).isFalse();
        assertThat(members.listed()).containsExactly(alice, new Member("bob", null));
        assertThat(subscribers(store, channel))
                .containsExactlyElementsOf(Stream.of(a, b, bob).sorted().toList());
        assertThat(store.isSubscribed(a, channel)).isTrue();

        assertThat(store.leave(a, channel)).isEqualTo(new Left(true, Optional.empty()));
        assertThat(store.leave(a, channel)).isEqualTo(Left.NOT_SUBSCRIBED);
        assertThat(users(store.members(channel))).containsExactly("alice", "bob");
        assertThat(store.leave(b, channel)).isEqualTo(new Left(true, Optional.of(new Departure(channel, "alice"))));
        assertThat(store.leave(b, channel)).isEqualTo(Left.NOT_SUBSCRIBED);
        assertThat(store.members(channel)).isEqualTo(new Members(1, List.of(new Member("bob", null)), false));

        // back again: added again
        assertThat(store.join(b, channel, alice, expiry())).isTrue();
        assertThat(store.members(channel).count()).isEqualTo(2);
        assertThat(store.members(newPresenceChannel("nobody"))).isEqualTo(Members.none());
    }

    @Test
    void disconnectReportsTheDeparturesOfLastConnectionsOnly() {
        String room = newPresenceChannel("room");
        String hall = newPresenceChannel("hall");
        String plain = newChannel("plain");
        String a = newConnectionId();
        String b = newConnectionId();
        String c = newConnectionId();
        store.connect(info(a), List.of(plain));
        store.connect(info(b), List.of());
        store.connect(info(c), List.of());
        store.join(a, room, new Member("alice", null), expiry());
        store.join(a, hall, new Member("alice", null), expiry());
        store.join(b, room, new Member("alice", null), expiry());
        store.join(c, hall, new Member("carol", "{}"), expiry());

        Disconnected first = store.disconnect(a);
        assertThat(first.rows()).isEqualTo(4); // meta, plain, room, hall
        assertThat(first.departures()).containsExactly(new Departure(hall, "alice"));
        assertThat(users(store.members(room))).containsExactly("alice");
        assertThat(users(store.members(hall))).containsExactly("carol");

        Disconnected rest = store.disconnectAll(List.of(b, c, b, a));
        assertThat(rest.rows()).isEqualTo(4);
        assertThat(rest.departures())
                .containsExactlyInAnyOrder(new Departure(room, "alice"), new Departure(hall, "carol"));
        assertThat(store.members(room)).isEqualTo(Members.none());
        assertThat(store.members(hall)).isEqualTo(Members.none());
        assertThat(store.disconnectAll(List.of(a, b, c))).isEqualTo(new Disconnected(0, List.of()));
    }

    @Test
    void memberRowsAreNeverSubscribersChannelsOrConnections() {
        String channel = newPresenceChannel("hidden");
        String id = newConnectionId();
        store.connect(info(id), List.of());
        store.join(id, channel, new Member("dave", "{\"x\":1}"), expiry());

        assertThat(store.channelsOf(id)).containsExactly(channel);
        assertThat(subscribers(store, channel)).containsExactly(id);
        assertThat(store.channelCounts())
                .containsEntry(channel, 1L)
                .allSatisfy((name, count) -> assertThat(name).doesNotStartWith("#"));
        assertThat(store.connections(100_000))
                .extracting(ConnectionInfo::connectionId)
                .allSatisfy(c -> assertThat(c).doesNotStartWith("#"));
        assertThat(subscribers(store, ConnectionStore.CONNECTION_ROW))
                .allSatisfy(c -> assertThat(c).doesNotStartWith("#"));
        assertThatThrownBy(() -> store.join(id, "#dave", new Member("dave", null), expiry()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void moreThanAHundredMembersAreCountedExactlyAndTheFirstHundredListedInUserOrder() {
        String channel = newPresenceChannel("crowd");
        List<String> users = IntStream.range(0, 130)
                .mapToObj(i -> String.format("user-%03d", (i * 37) % 130))
                .toList();
        for (String user : users) {
            store.join(newConnectionId(), channel, new Member(user, null), expiry());
        }

        Members members = store.members(channel);
        assertThat(members.count()).isEqualTo(130);
        assertThat(members.truncated()).isTrue();
        assertThat(users(members))
                .containsExactlyElementsOf(users.stream().sorted().limit(100).toList());
    }

    /**
     * Threads join and leave the same user and channel many times, with connections of their own and one they
     * share: at the end the members and count are exact, and every "added" was matched by one "removed" but the
     * last when the user is still a member.
     */
    @Test
    @Timeout(120)
    void concurrentJoinsAndLeavesOfOneUserKeepTheMemberExact() throws Exception {
        String channel = newPresenceChannel("race");
        Member user = new Member("racer", null);
        String shared = newConnectionId();
        AtomicLong added = new AtomicLong();
        AtomicLong removed = new AtomicLong();
        int threads = 6;
        int rounds = 25;
        List<String> keptOpen = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    String own = newConnectionId();
                    for (int i = 0; i < rounds; i++) {
                        String id = i % 5 == 0 ? shared : own;
                        if (store.join(id, channel, user, expiry())) {
                            added.incrementAndGet();
                        }
                        Optional<Departure> left = i % 3 == 0
                                ? store.disconnect(id).departures().stream().findFirst()
                                : store.leave(id, channel).departure();
                        if (left.isPresent()) {
                            removed.incrementAndGet();
                        }
                    }
                    // odd threads stay joined
                    if (thread % 2 == 1 && store.join(own, channel, user, expiry())) {
                        added.incrementAndGet();
                    }
                    return thread % 2 == 1 ? own : null;
                }));
            }
            for (Future<String> f : futures) {
                String own = f.get();
                if (own != null) {
                    keptOpen.add(own);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(subscribers(store, channel))
                .containsExactlyElementsOf(keptOpen.stream().sorted().toList());
        assertThat(store.members(channel)).isEqualTo(new Members(1, List.of(user), false));
        assertThat(added.get()).isEqualTo(removed.get() + 1);

        Disconnected last = store.disconnectAll(keptOpen);
        assertThat(last.departures()).containsExactly(new Departure(channel, "racer"));
        assertThat(store.members(channel)).isEqualTo(Members.none());
    }

    /** For subclasses: every id in {@code channel}, as a set. */
    protected static Set<String> subscriberSet(ConnectionStore s, String channel) {
        return subscribers(s, channel).stream().collect(Collectors.toSet());
    }
}
