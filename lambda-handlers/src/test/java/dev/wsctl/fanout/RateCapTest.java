package dev.wsctl.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The token bucket on a fake clock: sleeping moves the clock, nothing really waits. */
class RateCapTest {
    private long now = 1_000_000_000L;
    private final List<Long> sleeps = new ArrayList<>();

    private RateCap cap(double perSecond, int burst) {
        return new RateCap(perSecond, burst, () -> now, nanos -> {
            sleeps.add(nanos);
            now += nanos;
        });
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void aFullBucketLetsTheBurstGoAtOnceThenPacesCallsAtTheRate() {
        RateCap cap = cap(1_000, 5);
        for (int i = 0; i < 5; i++) {
            cap.acquire();
        }
        assertThat(sleeps).isEmpty();

        cap.acquire();
        cap.acquire();
        cap.acquire();

        assertThat(sleeps).containsExactly(ms(1), ms(1), ms(1));
    }

    @Test
    void quietTimeRefillsTheBucketButNoFurtherThanTheBurst() {
        RateCap cap = cap(1_000, 3);
        for (int i = 0; i < 3; i++) {
            cap.acquire();
        }
        now += ms(60_000);
        for (int i = 0; i < 3; i++) {
            cap.acquire();
        }
        assertThat(sleeps).isEmpty();
        cap.acquire();
        assertThat(sleeps).containsExactly(ms(1));
    }

    @Test
    void reservationsQueueUpInOrderSoConcurrentCallersShareTheRate() {
        RateCap cap = cap(100, 1);
        cap.reserve();

        // three callers arrive at once: each is told to wait one interval longer than the one before
        assertThat(List.of(cap.reserve(), cap.reserve(), cap.reserve())).containsExactly(ms(10), ms(20), ms(30));
        now += ms(30);
        assertThat(cap.reserve()).isEqualTo(ms(10));
    }

    @Test
    void twoFanoutsOnOneCapTogetherStayUnderIt() {
        RateCap shared = cap(1_000, 10);
        for (int i = 0; i < 30; i++) {
            shared.acquire(); // one broadcast
            shared.acquire(); // another one at the same time
        }
        // 60 calls: 10 from the bucket, 50 at 1 ms each
        assertThat(sleeps.stream().mapToLong(Long::longValue).sum()).isEqualTo(ms(50));
        assertThat(now - 1_000_000_000L).isEqualTo(ms(50));
    }

    @Test
    void tryAcquireTakesOnlyWhatIsThere() {
        RateCap cap = cap(10, 2);
        assertThat(cap.tryAcquire()).isTrue();
        assertThat(cap.tryAcquire()).isTrue();
        assertThat(cap.tryAcquire()).isFalse();
        now += ms(100);
        assertThat(cap.tryAcquire()).isTrue();
        assertThat(cap.tryAcquire()).isFalse();
    }

    @Test
    void anInfiniteRateNeverWaits() {
        RateCap cap = cap(Double.POSITIVE_INFINITY, 1);
        for (int i = 0; i < 1_000; i++) {
            cap.acquire();
            assertThat(cap.tryAcquire()).isTrue();
        }
        assertThat(sleeps).isEmpty();
        assertThat(cap.unlimited()).isTrue();
        assertThat(cap).hasToString("no rate cap");
    }

    @Test
    void refusesANonsenseRateOrBurst() {
        assertThatThrownBy(() -> new RateCap(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateCap(Double.NaN, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateCap(100, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new RateCap(9_000, 2_000)).hasToString("9000 calls/s, burst 2000");
    }
}
