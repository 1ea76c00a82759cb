package dev.wsctl.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wsctl.awshttp.RefusingPort;
import dev.wsctl.awshttp.SelfSignedTls;
import dev.wsctl.json.Json;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.retries.api.BackoffStrategy;

class WebhookDeliveryTest {
    static final String SECRET = "0123456789abcdef0123456789abcdef";
    /** Short waits and a short window, so that the tests take seconds. */
    static final BackoffStrategy FAST = BackoffStrategy.exponentialDelay(Duration.ofMillis(20), Duration.ofMillis(100));

    @TempDir
    static Path dir;

    static SelfSignedTls tls;

    final List<DeadLetters.DeadLetter> dead = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void certificate() {
        tls = SelfSignedTls.create(dir);
    }

    @AfterAll
    static void none() {}

    WebhookDelivery delivery(URI url, Duration window) {
        return new WebhookDelivery(
                new WebhookSender(url, tls.client().getSocketFactory(), Duration.ofMillis(500)),
                SECRET,
                new RetryPolicy(window, FAST),
                dead::add);
    }

    @Test
    void signatureIsHmacSha256OfTheBodyInHex() {
        // RFC 4231-style known answer: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")
        assertThat(WebhookBody.signature(
                        "key", "The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    }

    @Test
    void bodyHasTimeAndEventsWithOnlyTheirFields() throws Exception {
        byte[] body = WebhookBody.of(
                1764680000000L,
                List.of(WebhookEvent.memberAdded("presence-room", "alice"), WebhookEvent.connected("c1", null)));

        assertThat(Json.read(body))
                .isEqualTo(Json.read("{\"timeMs\":1764680000000,\"events\":[{\"name\":\"member_added\","
                        + "\"channel\":\"presence-room\",\"user\":\"alice\"},{\"name\":\"connected\","
                        + "\"connectionId\":\"c1\"}]}"));
    }

    @Test
    void retriesA5xxUntilTheEndpointTakesTheBody() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(SECRET, tls.server())) {
            receiver.failFirst(3, 503);
            WebhookDelivery delivery = delivery(receiver.url(), Duration.ofSeconds(30));
            byte[] body = delivery.body(List.of(WebhookEvent.occupied("news")));

            WebhookDelivery.Outcome outcome = delivery.deliver(body);

            assertThat(outcome.delivered()).isTrue();
            assertThat(outcome.attempts()).isEqualTo(4);
            assertThat(receiver.badSignatures).hasValue(0);
            assertThat(receiver.accepted).hasSize(1);
            assertThat(receiver.accepted.get(0)).isEqualTo(body);
            assertThat(receiver.posts).allMatch(p -> "application/json".equals(p.contentType()));
            assertThat(dead).isEmpty();
        }
    }

    @Test
    void a4xxGoesToTheDeadLettersAtOnce() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(SECRET, tls.server())) {
            receiver.answers = () -> 404;
            WebhookDelivery delivery = delivery(receiver.url(), Duration.ofSeconds(30));
            byte[] body = delivery.body(List.of(WebhookEvent.vacated("news")));

            WebhookDelivery.Outcome outcome = delivery.deliver(body);

            assertThat(outcome.delivered()).isFalse();
            assertThat(outcome.deadLettered()).isTrue();
            assertThat(outcome.attempts()).isEqualTo(1);
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).body()).isEqualTo(body);
            assertThat(dead.get(0).status()).isEqualTo(404);
            assertThat(dead.get(0).error()).contains("404");
            assertThat(dead.get(0).attempts()).isEqualTo(1);
        }
    }

    @Test
    void aRefusedConnectionIsRetriedForTheWholeWindowThenDeadLettered() {
        try (RefusingPort port = new RefusingPort()) {
            WebhookDelivery delivery =
                    delivery(URI.create("https://127.0.0.1:" + port.port() + "/hooks"), Duration.ofMillis(800));
            long start = System.nanoTime();

            WebhookDelivery.Outcome outcome = delivery.deliver(delivery.body(List.of(WebhookEvent.occupied("a"))));

            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(outcome.deadLettered()).isTrue();
            assertThat(outcome.attempts()).isGreaterThan(3);
            assertThat(millis).isGreaterThanOrEqualTo(800);
            assertThat(dead).singleElement().satisfies(d -> {
                assertThat(d.status()).isZero();
                assertThat(d.error()).contains("no connection to 127.0.0.1");
            });
        }
    }

    @Test
    void noAnswerInTimeIsRetried() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            WebhookDelivery delivery = delivery(
                    URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/hooks"), Duration.ofMillis(1200));

            WebhookDelivery.Outcome outcome = delivery.deliver(delivery.body(List.of(WebhookEvent.occupied("a"))));

            assertThat(outcome.deadLettered()).isTrue();
            assertThat(outcome.attempts()).isGreaterThanOrEqualTo(2);
            assertThat(outcome.last().error()).contains("no answer in time");
        }
    }

    @Test
    void checksTheHostNameOfAnHttpsEndpoint() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(SECRET, tls.server())) {
            // the certificate names 127.0.0.1 only
            URI byName = URI.create("https://localhost:" + receiver.url().getPort() + "/hooks?app=test");
            WebhookDelivery delivery = delivery(byName, Duration.ofMillis(100));

            WebhookSender.Attempt attempt = delivery.post(delivery.body(List.of(WebhookEvent.occupied("a"))));

            assertThat(attempt.verdict()).isNotEqualTo(WebhookSender.Verdict.DELIVERED);
            assertThat(attempt.status()).isZero();
            assertThat(receiver.accepted).isEmpty();
        }
    }

    @Test
    void aDeadLetterThatCannotBeWrittenIsThrown() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(SECRET, tls.server())) {
            receiver.answers = () -> 400;
            WebhookDelivery delivery = new WebhookDelivery(
                    new WebhookSender(receiver.url(), tls.client().getSocketFactory()),
                    SECRET,
                    new RetryPolicy(Duration.ofSeconds(1), FAST),
                    letter -> {
                        throw new IllegalStateException("queue gone");
                    });

            assertThatThrownBy(() -> delivery.deliver(delivery.body(List.of(WebhookEvent.occupied("a")))))
                    .hasMessage("queue gone");
        }
    }

    @Test
    void theStacksWindowIsAtLeastFiveMinutes() {
        assertThat(RetryPolicy.of(Duration.ofSeconds(300)).window()).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> RetryPolicy.of(Duration.ofSeconds(299))).hasMessageContaining("at least 300 seconds");
        // 1 s doubling, capped at 60 s, full jitter: every wait is under its cap
        RetryPolicy policy = RetryPolicy.of(Duration.ofSeconds(300));
        for (int i = 0; i < 200; i++) {
            assertThat(policy.delayBefore(2)).isLessThanOrEqualTo(Duration.ofSeconds(2));
            assertThat(policy.delayBefore(20)).isLessThanOrEqualTo(Duration.ofSeconds(60));
        }
    }
}
