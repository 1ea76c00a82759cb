package dev.wsctl.pubsub;

import static dev.wsctl.protocol.Settings.Publish.ANY;
import static dev.wsctl.protocol.Settings.Publish.MEMBERS;
import static dev.wsctl.protocol.Settings.Publish.NONE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.auth.Grants;
import dev.wsctl.protocol.Settings;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class PublishRuleTest {
    private static final Grants NO_CLAIM = Grants.none();
    private static final BooleanSupplier JOINED = () -> true;
    private static final BooleanSupplier NOT_JOINED = () -> false;

    private static boolean may(
            Settings.Publish policy, String channel, Grants publish, Grants channels, BooleanSupplier joined) {
        return PublishRule.refusal(policy, channel, publish, channels, joined) == null;
    }

    @Test
    void withoutAClaimThePolicyDecides() {
        assertThat(may(MEMBERS, "news", NO_CLAIM, NO_CLAIM, JOINED)).isTrue();
        assertThat(may(MEMBERS, "news", NO_CLAIM, NO_CLAIM, NOT_JOINED)).isFalse();
        assertThat(may(ANY, "news", NO_CLAIM, NO_CLAIM, NOT_JOINED)).isTrue();
        assertThat(may(ANY, "private-x", NO_CLAIM, NO_CLAIM, NOT_JOINED))
                .as("private, no grant")
                .isFalse();
        assertThat(may(ANY, "private-x", NO_CLAIM, Grants.of(List.of("private-*")), NOT_JOINED))
                .as("private, a channels grant")
                .isTrue();
        assertThat(may(NONE, "news", NO_CLAIM, NO_CLAIM, JOINED)).isFalse();
        assertThat(may(NONE, "private-x", NO_CLAIM, Grants.of(List.of("*")), JOINED))
                .as("a channels grant is not a publish grant")
                .isFalse();
    }

    @Test
    void theClaimGrantsItsChannelsUnderEveryPolicy() {
        Grants claim = Grants.of(List.of("alerts", "team-*", "private-ops"));
        for (Settings.Publish policy : Settings.Publish.values()) {
            for (String channel : List.of("alerts", "team-a", "private-ops")) {
                assertThat(may(policy, channel, claim, NO_CLAIM, NOT_JOINED))
                        .as("%s on %s", policy, channel)
                        .isTrue();
            }
            assertThat(may(policy, "private-other", claim, NO_CLAIM, NOT_JOINED))
                    .as("%s on a private channel outside the claim", policy)
                    .isFalse();
        }
    }

    @Test
    void theClaimNeverTakesAwayWhatThePolicyAllows() {
        Grants claim = Grants.of(List.of("alerts"));
        assertThat(may(MEMBERS, "news", claim, NO_CLAIM, JOINED))
                .as("joined, outside the claim")
                .isTrue();
        assertThat(may(ANY, "news", claim, NO_CLAIM, NOT_JOINED))
                .as("outside the claim")
                .isTrue();
        assertThat(may(ANY, "private-x", claim, Grants.of(List.of("private-x")), NOT_JOINED))
                .isTrue();
        assertThat(may(MEMBERS, "news", claim, NO_CLAIM, NOT_JOINED)).isFalse();
        assertThat(may(NONE, "news", claim, NO_CLAIM, JOINED)).isFalse();
    }

    @Test
    void membershipIsLookedUpOnlyWhenTheAnswerDependsOnIt() {
        AtomicInteger lookups = new AtomicInteger();
        BooleanSupplier counted = () -> {
            lookups.incrementAndGet();
            return true;
        };
        assertThat(may(MEMBERS, "alerts", Grants.of(List.of("alerts")), NO_CLAIM, counted))
                .isTrue();
        assertThat(may(ANY, "news", NO_CLAIM, NO_CLAIM, counted)).isTrue();
        assertThat(may(NONE, "news", NO_CLAIM, NO_CLAIM, counted)).isFalse();
        assertThat(lookups).hasValue(0);
        assertThat(may(MEMBERS, "news", NO_CLAIM, NO_CLAIM, counted)).isTrue();
        assertThat(lookups).hasValue(1);
    }

    @Test
    void aRefusalSaysWhatWouldAllowIt() {
        assertThat(PublishRule.refusal(MEMBERS, "news", NO_CLAIM, NO_CLAIM, NOT_JOINED))
                .contains("join news");
        assertThat(PublishRule.refusal(NONE, "news", NO_CLAIM, NO_CLAIM, JOINED))
                .contains("publish claim");
        assertThat(PublishRule.refusal(ANY, "private-x", NO_CLAIM, NO_CLAIM, NOT_JOINED))
                .contains("grant");
    }
}
