package dev.wsctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/** Waiting out IAM's propagation: which failures are tried again, how often, and how long it waits between. */
class FunctionResourceRetryTest {

    private final List<Duration> slept = new ArrayList<>();

    private FunctionResource.Retry iamPropagation() {
        FunctionResource.Retry real = FunctionResource.Retry.iamPropagation();
        return new FunctionResource.Retry(real.attempts(), real.backoff(), slept::add);
    }

    @Test
    void aRoleThatIsNeverAssumableIsTriedTwelveTimesWaitingOneTwoFourEightThenFifteenSeconds() {
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> iamPropagation().run("create function f", e -> true, () -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("The role defined for the function cannot be assumed by Lambda.");
                }))
                .isInstanceOf(IllegalStateException.class);

        assertThat(calls).hasValue(12);
        assertThat(slept)
                .extracting(Duration::toSeconds)
                .containsExactly(1L, 2L, 4L, 8L, 15L, 15L, 15L, 15L, 15L, 15L, 15L);
        assertThat(slept.stream().mapToLong(Duration::toSeconds).sum())
                .as("about two minutes")
                .isEqualTo(120);
    }

    @Test
    void aCallThatSucceedsAfterTwoRefusalsWaitsTwiceAndAnswers() {
        AtomicInteger calls = new AtomicInteger();

        String answer = iamPropagation().run("create function f", e -> true, () -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("cannot be assumed");
            }
            return "created";
        });

        assertThat(answer).isEqualTo("created");
        assertThat(slept).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @Test
    void anotherErrorIsNotRetried() {
        FunctionResource.Retry retry = new FunctionResource.Retry(5, BackoffStrategy.retryImmediately(), slept::add);

        assertThatThrownBy(() -> retry.run("create function f", e -> e instanceof IllegalStateException, () -> {
                    throw new IllegalArgumentException("bad handler");
                }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(slept).isEmpty();
    }
}
