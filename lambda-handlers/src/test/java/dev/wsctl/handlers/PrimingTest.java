package dev.wsctl.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.auth.TestAuthSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * When init primes, and that the in-memory priming runs. The store client's priming runs in
 * {@code LambdaContractTest} (cli) too, on handlers.jar through Lambda's runtime client, under SnapStart.
 */
class PrimingTest {
    @Test
    void primesOnlyWhenInitIsOffTheEventsPath() {
        assertThat(Priming.atInit(Map.of(Priming.INITIALIZATION_TYPE, "snap-start")))
                .isTrue();
        assertThat(Priming.atInit(Map.of(Priming.INITIALIZATION_TYPE, "provisioned-concurrency")))
                .isTrue();
        assertThat(Priming.atInit(Map.of(Priming.INITIALIZATION_TYPE, "on-demand")))
                .isFalse();
        assertThat(Priming.atInit(Map.of())).isFalse();
    }

    @Test
    void theEventAndTokenPathsRunInMemory() {
        byte[] secret = new byte[32];
        Arrays.fill(secret, (byte) 3);

        assertThatCode(Priming::events).doesNotThrowAnyException();
        assertThatCode(Priming::storeClient).doesNotThrowAnyException();
        assertThatCode(() ->
                        Priming.authorizer(TestAuthSettings.hs256(secret, List.of(), OriginPolicy.MissingOrigin.ALLOW)))
                .doesNotThrowAnyException();
        assertThatCode(() -> Priming.authorizer(AuthSettings.none())).doesNotThrowAnyException();
    }
}
