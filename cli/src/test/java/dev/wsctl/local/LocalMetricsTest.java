package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.auth.TestAuthSettings;
import dev.wsctl.auth.TokenVerifier;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} of a running local stack, scraped over HTTP while real WebSocket clients connect, are refused,
 * publish, receive and leave, and read by an independent parser ({@link PrometheusText}): the numbers are the ones
 * the clients caused.
 */
class LocalMetricsTest {
    private static final byte[] SECRET = AuthSettings.newSecret();
    private static final String ORIGIN = "https://app.example.com";
    private static final Map<String, String> STACK = Map.of("app", "wsctl", "stage", "local");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private final List<TestClient> clients = new ArrayList<>();
    private LocalStack stack;

    @AfterEach
    void stop() {
        clients.forEach(TestClient::close);
        if (stack != null) {
            stack.close();
        }
    }

    private URI withToken(String sub) {
        String token = TokenVerifier.mint(SECRET, sub, List.of(), List.of(), Duration.ofMinutes(5));
        return URI.create(stack.websocketUri() + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    private TestClient client(String sub) {
        TestClient c = TestClient.connect(withToken(sub), Map.of("Origin", ORIGIN));
        clients.add(c);
        return c;
    }

    private HttpResponse<byte[]> get() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(stack.metricsUri()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private PrometheusText scrape() throws Exception {
        HttpResponse<byte[]> response = get();
        assertThat(response.statusCode()).isEqualTo(200);
        return PrometheusText.parse(response.body());
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> labels = new java.util.HashMap<>(STACK);
        labels.put(key, value);
        return labels;
    }

    @Test
    void theCountersAreWhatTheClientsCaused() throws Exception {
        stack = LocalStack.start(TestStackConfig.at(dir.resolve("local.db"))
                .auth(TestAuthSettings.hs256(SECRET, List.of(ORIGIN), OriginPolicy.MissingOrigin.ALLOW))
                .build());
        HttpResponse<byte[]> empty = get();
        assertThat(empty.headers().firstValue("Content-Type").orElseThrow())
                .isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        PrometheusText before = scrape();
        assertThat(before.value("wsctl_connections", STACK)).isZero();
        assertThat(before.value("wsctl_connects_total", STACK)).isZero();

        TestClient alice = client("alice");
        TestClient bob = client("bob");
        TestClient carol = client("carol");
        assertThat(TestClient.refusedHandshake(stack.websocketUri()).statusCode())
                .as("no token")
                .isEqualTo(401);
        assertThat(TestClient.refusedHandshake(withToken("mallory"), Map.of("Origin", "https://evil.example.org"))
                        .statusCode())
                .as("foreign origin")
                .isEqualTo(403);
        assertThat(TestClient.refusedHandshake(withToken("mallory"), Map.of("Origin", "https://evil.example.org"))
                        .statusCode())
                .isEqualTo(403);
        JsonNode ack = alice.request("{\"action\":\"sendmessage\",\"message\":\"hi\",\"id\":\"m1\"}");
        assertThat(ack.get("recipients").asInt()).isEqualTo(2);
        assertThat(bob.next().get("message").asText()).isEqualTo("hi");
        assertThat(carol.next().get("message").asText()).isEqualTo("hi");

        PrometheusText during = scrape();
        assertThat(during.type("wsctl_connects_total")).isEqualTo("COUNTER");
        assertThat(during.value("wsctl_connects_total", STACK)).isEqualTo(3);
        assertThat(during.type("wsctl_connections")).isEqualTo("GAUGE");
        assertThat(during.value("wsctl_connections", STACK)).isEqualTo(3);
        assertThat(during.value("wsctl_denied_total", with("reason", "missing_token")))
                .isEqualTo(1);
        assertThat(during.value("wsctl_denied_total", with("reason", "origin_not_allowed")))
                .isEqualTo(2);
        assertThat(during.value("wsctl_published_total", STACK)).isEqualTo(1);
        assertThat(during.value("wsctl_delivered_total", STACK)).isEqualTo(2);
        assertThat(during.value("wsctl_gone_total", STACK)).isZero();
        assertThat(during.value("wsctl_failed_total", STACK)).isZero();
        assertThat(during.value("wsctl_throttled_total", STACK)).isZero();
        assertThat(during.value("wsctl_shards_total", STACK)).isZero();
        assertThat(during.value("wsctl_disconnects_total", STACK)).isZero();
        assertThat(during.type("wsctl_fanout_duration_seconds")).isEqualTo("HISTOGRAM");
        JsonNode buckets = during.buckets("wsctl_fanout_duration_seconds");
        assertThat(buckets.get("+Inf").asText()).as("one fan-out").isEqualTo("1");
        assertThat(buckets.get("60.0").asText()).isEqualTo("1");
        assertThat(buckets.size()).isEqualTo(LocalMetrics.FANOUT_SECONDS.length + 1);

        bob.close();
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> scrape().value("wsctl_disconnects_total", STACK) == 1);
        PrometheusText after = scrape();
        assertThat(after.value("wsctl_connections", STACK)).isEqualTo(2);
        assertThat(after.value("wsctl_connects_total", STACK)).isEqualTo(3);
    }
}
