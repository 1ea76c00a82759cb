package dev.wsctl.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.store.HistoryStore.Message;
import dev.wsctl.store.HistoryStore.Position;
import dev.wsctl.store.HistoryStore.Recovery;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link HistoryStore} must have. Subclasses provide {@link #newStore}; a store may hold the
 * rows of other tests, so each test uses fresh channel names. Time is a clock the test moves.
 */
public abstract class HistoryStoreContract {

    protected static final int SIZE = 5;
    protected static final Duration TTL = Duration.ofMinutes(10);
    private static final AtomicLong COUNTER = new AtomicLong();

    protected final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    protected HistoryStore store;

    /** A store keeping {@code size} messages per channel for {@code ttl}, on {@code clock}. */
    protected abstract HistoryStore newStore(int size, Duration ttl, Clock clock);

    /** Removes one message row, as a lost write or TTL would. */
    protected abstract void deleteMessage(String channel, long offset);

    @BeforeEach
    void openStore() {
        store = newStore(SIZE, TTL, clock);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** A clock whose time the test sets. */
    protected static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    protected static String newChannel(String prefix) {
        return prefix + "-" + COUNTER.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
    }

    /** The frame a publish would store: it names the position it was given. */
    private static byte[] frame(Position p) {
        return ("{\"offset\":" + p.offset() + ",\"epoch\":\"" + p.epoch() + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> texts(List<byte[]> frames) {
        return frames.stream().map(f -> new String(f, StandardCharsets.UTF_8)).toList();
    }

    private List<Position> append(String channel, int n) {
        List<Position> positions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            positions.add(store.append(channel, HistoryStoreContract::frame));
        }
        return positions;
    }

    @Test
    void offsetsStartAtOneInOneEpochThatStaysWhileTheHistoryIsKept() {
        String channel = newChannel("news");
        List<Position> positions = append(channel, 3);

        assertThat(positions).extracting(Position::offset).containsExactly(1L, 2L, 3L);
        String epoch = positions.get(0).epoch();
        assertThat(epoch).isNotBlank();
        assertThat(positions).extracting(Position::epoch).containsOnly(epoch);
        clock.advance(TTL.minusSeconds(5));
        assertThat(store.append(channel, HistoryStoreContract::frame)).isEqualTo(new Position(4, epoch));
        assertThat(store.position(channel)).isEqualTo(new Position(4, epoch));
        assertThat(store.append(newChannel("other"), HistoryStoreContract::frame)
                        .epoch())
                .as("each channel has its own epoch")
                .isNotEqualTo(epoch);
    }

    @Test
    void aChannelWithoutHistoryGetsAnEpochAtOffsetZeroThatItsFirstMessageKeeps() {
        String channel = newChannel("fresh");
        Position start = store.position(channel);

        assertThat(start.offset()).isZero();
        assertThat(store.position(channel)).isEqualTo(start);
        assertThat(store.append(channel, HistoryStoreContract::frame)).isEqualTo(new Position(1, start.epoch()));
        Recovery r = store.recover(channel, start);
        assertThat(r.recovered()).isTrue();
        assertThat(texts(r.frames()))
                .containsExactly(new String(frame(new Position(1, start.epoch())), StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(120)
    void concurrentAppendsTakeEveryOffsetOnceWithoutGaps() throws Exception {
        String channel = newChannel("busy");
        int threads = 8;
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<List<Position>>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    List<Position> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(store.append(channel, HistoryStoreContract::frame));
                    }
                    return mine;
                }));
            }
            List<Long> offsets = new ArrayList<>();
            List<String> epochs = new ArrayList<>();
            for (Future<List<Position>> f : results) {
                for (Position p : f.get(100, TimeUnit.SECONDS)) {
                    offsets.add(p.offset());
                    epochs.add(p.epoch());
                }
            }
            assertThat(offsets)
                    .hasSize(threads * each)
                    .doesNotHaveDuplicates()
                    .allMatch(o -> o >= 1 && o <= threads * each);
            assertThat(epochs).containsOnly(epochs.get(0));
            assertThat(store.position(channel)).isEqualTo(new Position(threads * each, epochs.get(0)));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void recoveryGivesExactlyTheMessagesAfterSinceInOrder() {
        String channel = newChannel("chat");
        List<Position> p = append(channel, 4);
        String epoch = p.get(0).epoch();

        Recovery r = store.recover(channel, new Position(1, epoch));
        assertThat(r.recovered()).isTrue();
        assertThat(r.position()).isEqualTo(new Position(4, epoch));
        assertThat(texts(r.frames()))
                .containsExactly(
                        "{\"offset\":2,\"epoch\":\"" + epoch + "\"}",
                        "{\"offset\":3,\"epoch\":\"" + epoch + "\"}",
                        "{\"offset\":4,\"epoch\":\"" + epoch + "\"}");

        Recovery upToDate = store.recover(channel, new Position(4, epoch));
        assertThat(upToDate.recovered()).isTrue();
        assertThat(upToDate.frames()).isEmpty();
        assertThat(upToDate.position()).isEqualTo(new Position(4, epoch));
    }

    @Test
    void recoveryIsRefusedForAnotherEpochOrAnOffsetAheadOfTheHead() {
        String channel = newChannel("epochs");
        List<Position> p = append(channel, 2);
        Position head = p.get(1);

        Recovery other = store.recover(channel, new Position(1, "not-" + head.epoch()));
        assertThat(other.recovered()).isFalse();
        assertThat(other.frames()).isEmpty();
        assertThat(other.position()).isEqualTo(head);

        Recovery ahead = store.recover(channel, new Position(3, head.epoch()));
        assertThat(ahead.recovered()).isFalse();
        assertThat(ahead.position()).isEqualTo(head);
    }

    @Test
    void recoveryIsRefusedMoreThanSizeBehind() {
        String channel = newChannel("far");
        List<Position> p = append(channel, SIZE + 2);
        String epoch = p.get(0).epoch();

        assertThat(store.recover(channel, new Position(1, epoch)).recovered()).isFalse();
        Recovery justInside = store.recover(channel, new Position(2, epoch));
        assertThat(justInside.recovered()).isTrue();
        assertThat(justInside.frames()).hasSize(SIZE);
        assertThat(store.recover(channel, new Position(0, epoch)).recovered()).isFalse();
    }

    @Test
    void recoveryIsRefusedWhenAMessageOfTheRangeIsMissing() {
        String channel = newChannel("lost");
        List<Position> p = append(channel, 4);
        deleteMessage(channel, 2);

        Recovery r = store.recover(channel, new Position(1, p.get(0).epoch()));
        assertThat(r.recovered()).isFalse();
        assertThat(r.frames()).isEmpty();
        assertThat(r.position()).isEqualTo(p.get(3));
        assertThat(store.recover(channel, new Position(2, p.get(0).epoch())).recovered())
                .as("the range after the missing one is whole")
                .isTrue();
    }

    @Test
    void recoveryIsRefusedWhenAMessageOfTheRangeHasExpired() {
        String channel = newChannel("old");
        Position first = store.append(channel, HistoryStoreContract::frame);
        clock.advance(TTL.minusSeconds(30));
        store.append(channel, HistoryStoreContract::frame);
        clock.advance(Duration.ofSeconds(60)); // the first message has expired, the second has not

        Recovery r = store.recover(channel, new Position(0, first.epoch()));
        assertThat(r.recovered()).isFalse();
        assertThat(store.recover(channel, new Position(1, first.epoch())).recovered())
                .isTrue();
        assertThat(store.recent(channel, 10)).extracting(Message::offset).containsExactly(2L);
    }

    @Test
    void afterTheHeadExpiresTheChannelStartsANewEpoch() {
        String channel = newChannel("idle");
        List<Position> p = append(channel, 3);
        String old = p.get(0).epoch();
        clock.advance(TTL.plusSeconds(1));

        Recovery r = store.recover(channel, new Position(2, old));
        assertThat(r.recovered()).isFalse();
        assertThat(r.position().epoch()).isNotEqualTo(old);
        assertThat(r.position().offset()).isZero();
        Position next = store.append(channel, HistoryStoreContract::frame);
        assertThat(next).isEqualTo(new Position(1, r.position().epoch()));

        String other = newChannel("idle");
        String before = append(other, 2).get(0).epoch();
        clock.advance(TTL.plusSeconds(1));
        Position restarted = store.append(other, HistoryStoreContract::frame);
        assertThat(restarted.offset()).isEqualTo(1);
        assertThat(restarted.epoch()).isNotEqualTo(before);
        assertThat(store.recent(other, 10)).extracting(Message::offset).containsExactly(1L);
    }

    @Test
    void recentListsTheLatestKeptMessagesOldestFirst() {
        String channel = newChannel("recent");
        List<Position> p = append(channel, SIZE + 3);
        String epoch = p.get(0).epoch();

        List<Message> three = store.recent(channel, 3);
        assertThat(three).extracting(Message::offset).containsExactly(6L, 7L, 8L);
        assertThat(three).extracting(Message::epoch).containsOnly(epoch);
        assertThat(new String(three.get(0).frame(), StandardCharsets.UTF_8))
                .isEqualTo("{\"offset\":6,\"epoch\":\"" + epoch + "\"}");
        assertThat(three.get(0).expiresAt()).isEqualTo(clock.instant().plus(TTL).getEpochSecond());
        assertThat(store.recent(channel, 100)).extracting(Message::offset).containsExactly(4L, 5L, 6L, 7L, 8L);
        assertThat(store.recent(channel, 0)).isEmpty();
        assertThat(store.recent(newChannel("empty"), 10)).isEmpty();
    }
}
