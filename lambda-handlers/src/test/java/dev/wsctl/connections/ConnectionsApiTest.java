package dev.wsctl.connections;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.awshttp.RecordingSocketFactory;
import dev.wsctl.awshttp.RefusingPort;
import dev.wsctl.awshttp.SelfSignedTls;
import dev.wsctl.fanout.Fanout;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** PostToConnection over the functions' HTTP transport: the contract, how connections are opened, priming, answers. */
class ConnectionsApiTest extends ConnectionsEndpointContract {

    @Override
    ConnectionsEndpoint open(URI callbackUrl, int maxConnections, AwsCredentialsProvider credentials, Clock clock) {
        return new ConnectionsApi(
                callbackUrl, maxConnections, Region.US_EAST_1, credentials, clock, ConnectionsApi.TIMEOUT, null);
    }

    private static List<CompletableFuture<ConnectionsEndpoint.Answer>> postAll(ConnectionsEndpoint api, int count) {
        List<CompletableFuture<ConnectionsEndpoint.Answer>> calls = new ArrayList<>();
        ConnectionsEndpoint.Payload payload = ConnectionsEndpoint.Payload.of("x".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < count; i++) {
            calls.add(api.post("c" + i, payload));
        }
        calls.forEach(CompletableFuture::join);
        return calls;
    }

    @Test
    void oneConnectionUntilTheFirstExchangesAreDone() throws Exception {
        for (int i = 0; i < 10; i++) {
            endpoint.live.add("c" + i);
        }
        endpoint.delayMillis = 300;
        ConnectionsApi api = (ConnectionsApi)
                client(endpoint.callbackUrl(), 4, AnonymousCredentialsProvider.create(), Clock.systemUTC());
        ConnectionsEndpoint.Payload payload = ConnectionsEndpoint.Payload.of("x".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 10; i++) {
            api.post("c" + i, payload);
        }
        // 200 ms into the first 300 ms exchange, posts waiting all along: what is tested
        Thread.sleep(200);
        // a cold JVM makes one TLS handshake, not one per waiting post
        assertThat(endpoint.inFlight).hasValue(1);
        assertThat(api.threads()).isEqualTo(1);
        assertThat(api.waiting()).isEqualTo(9);
    }

    @Test
    void connectionsAreAddedWhilePostsWaitLongerThanAConnectionTakesToOpen() {
        for (int i = 0; i < 40; i++) {
            endpoint.live.add("c" + i);
        }
        // every answer takes 30 ms, so 38 waiting posts would take more than a second on one connection
        endpoint.delayMillis = 30;
        ConnectionsApi api = (ConnectionsApi)
                client(endpoint.callbackUrl(), 4, AnonymousCredentialsProvider.create(), Clock.systemUTC());

        List<CompletableFuture<ConnectionsEndpoint.Answer>> calls = postAll(api, 40);

        assertThat(calls)
                .allSatisfy(c -> assertThat(c.join().outcome()).isEqualTo(ConnectionsEndpoint.Outcome.DELIVERED));
        assertThat(endpoint.maxInFlight.get()).as("connections in use at once").isBetween(2, 4);
        assertThat(api.threads()).isBetween(2, 4);
        assertThat(endpoint.received)
                .hasSize(40)
                .allSatisfy((id, bodies) -> assertThat(bodies).hasSize(1));
    }

    @Test
    void aSlowFirstConnectionDoesNotKeepALargeFanOutOnOneConnection() {
        for (int i = 0; i < 100; i++) {
            endpoint.live.add("c" + i);
        }
        ConnectionsApi api = (ConnectionsApi)
                client(endpoint.callbackUrl(), 8, AnonymousCredentialsProvider.create(), Clock.systemUTC());
        // a cold start's first connection: far slower than what the posts that wait would take on it
        endpoint.delayMillis = 1_000;
        assertThat(post(api, "c0", "x").outcome()).isEqualTo(ConnectionsEndpoint.Outcome.DELIVERED);
        endpoint.delayMillis = 2;

        List<CompletableFuture<ConnectionsEndpoint.Answer>> calls = postAll(api, 100);

        assertThat(calls)
                .allSatisfy(c -> assertThat(c.join().outcome()).isEqualTo(ConnectionsEndpoint.Outcome.DELIVERED));
        assertThat(api.threads()).as("connections opened for the backlog").isGreaterThan(1);
    }

    @Test
    void overHttpsPostsShareOneKeptAliveConnection(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(dir);
        RecordingSocketFactory sockets = new RecordingSocketFactory(tls.client().getSocketFactory());
        try (FakeConnectionsEndpoint https = new FakeConnectionsEndpoint(tls.server())) {
            https.live.add("abc=");
            ConnectionsApi api = new ConnectionsApi(
                    https.callbackUrl(),
                    4,
                    Region.US_EAST_1,
                    AnonymousCredentialsProvider.create(),
                    Clock.systemUTC(),
                    ConnectionsApi.TIMEOUT,
                    sockets);
            try {
                assertThat(post(api, "abc=", "hello").outcome()).isEqualTo(ConnectionsEndpoint.Outcome.DELIVERED);
                assertThat(post(api, "ghost", "hello").outcome()).isEqualTo(ConnectionsEndpoint.Outcome.GONE);
                assertThat(https.requests).hasSize(2);
                assertThat(sockets.sockets).as("one TLS connection, kept alive").hasSize(1);
            } finally {
                api.close();
            }
        }
    }

    @Test
    void primingSendsOneUnsignedRequestAndKeepsNoConnection(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(dir);
        RecordingSocketFactory sockets = new RecordingSocketFactory(tls.client().getSocketFactory());
        try (FakeConnectionsEndpoint https = new FakeConnectionsEndpoint(tls.server())) {
            ConnectionsApi api = new ConnectionsApi(
                    https.callbackUrl(),
                    4,
                    Region.US_EAST_1,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(
                            FakeConnectionsEndpoint.ACCESS_KEY, FakeConnectionsEndpoint.SECRET_KEY)),
                    Clock.systemUTC(),
                    ConnectionsApi.TIMEOUT,
                    sockets);
            try {
                assertThat(api.prime(Duration.ofSeconds(5))).isEqualTo(410); // the fake's answer for an unknown id

                assertThat(https.requests).singleElement().satisfies(request -> {
                    assertThat(request.rawPath()).isEqualTo("/test/@connections/priming");
                    assertThat(request.header("authorization")).isNull();
                    assertThat(request.headers().keySet()).noneMatch(h -> h.startsWith("x-amz-"));
                });
                assertThat(sockets.sockets)
                        .singleElement()
                        .satisfies(s -> assertThat(s.isClosed())
                                .as("no connection left for a snapshot")
                                .isTrue());

                // the client goes on as before, signed, on a new connection
                https.live.add("abc=");
                assertThat(post(api, "abc=", "hello").outcome()).isEqualTo(ConnectionsEndpoint.Outcome.DELIVERED);
                assertThat(https.requests.stream()
                                .skip(1)
                                .findFirst()
                                .orElseThrow()
                                .header("authorization"))
                        .startsWith("AWS4-HMAC-SHA256");
                assertThat(sockets.sockets).hasSize(2);
            } finally {
                api.close();
            }
        }
    }

    @Test
    void primingWithoutAnEndpointGivesUpQuietly() throws Exception {
        try (RefusingPort refusing = new RefusingPort()) {
            ConnectionsApi api = (ConnectionsApi) client(
                    URI.create("http://127.0.0.1:" + refusing.port() + "/dev"),
                    4,
                    AnonymousCredentialsProvider.create(),
                    Clock.systemUTC());
            assertThat(api.prime(Duration.ofSeconds(5))).isEqualTo(-1);
        }
    }

    @Test
    void aLimitExceededErrorTypeIsThrottlingWhateverTheStatus() {
        assertThat(ConnectionsEndpoint.Answer.of(403, "LimitExceededException", "{}")
                        .outcome())
                .isEqualTo(ConnectionsEndpoint.Outcome.THROTTLED);
        assertThat(ConnectionsEndpoint.Answer.of(400, "ThrottlingException:http://internal", null)
                        .outcome())
                .isEqualTo(ConnectionsEndpoint.Outcome.THROTTLED);
        assertThat(ConnectionsEndpoint.Answer.of(403, "ForbiddenException", "{\"message\":\"Forbidden\"}"))
                .isEqualTo(new ConnectionsEndpoint.Answer(
                        ConnectionsEndpoint.Outcome.FAILED,
                        403,
                        "403 ForbiddenException: {\"message\":\"Forbidden\"}"));
        assertThat(ConnectionsEndpoint.Answer.of(204, null, null).outcome())
                .isEqualTo(ConnectionsEndpoint.Outcome.DELIVERED);
    }

    @Test
    void theSigningRegionComesFromAnExecuteApiHost() {
        assertThat(ConnectionsApi.regionOf(
                        URI.create("https://abc123.execute-api.eu-west-2.amazonaws.com/dev"), Region.US_EAST_1))
                .isEqualTo(Region.EU_WEST_2);
        assertThat(ConnectionsApi.regionOf(
                        URI.create("https://abc123.execute-api.cn-north-1.amazonaws.com.cn/dev"), Region.US_EAST_1))
                .isEqualTo(Region.CN_NORTH_1);
        assertThat(ConnectionsApi.regionOf(
                        URI.create("https://abc123.execute-api.us-gov-west-1.amazonaws.com/dev"), Region.US_EAST_1))
                .isEqualTo(Region.US_GOV_WEST_1);
        assertThat(ConnectionsApi.regionOf(URI.create("https://ws.example.com/dev"), Region.AP_SOUTH_1))
                .isEqualTo(Region.AP_SOUTH_1);
    }

    @Test
    void aCertificateThatIsNotTrustedFailsThePostAsNotSent(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(dir);
        try (FakeConnectionsEndpoint https = new FakeConnectionsEndpoint(tls.server())) {
            https.live.add("abc=");
            // the JDK's own CA list, which does not hold the endpoint's certificate
            ConnectionsApi api =
                    new ConnectionsApi(https.callbackUrl(), 4, Region.US_EAST_1, AnonymousCredentialsProvider.create());
            try {
                CompletableFuture<ConnectionsEndpoint.Answer> call =
                        api.post("abc=", ConnectionsEndpoint.Payload.of(new byte[] {'x'}));
                org.assertj.core.api.Assertions.assertThatThrownBy(call::join)
                        .hasStackTraceContaining("SSLHandshakeException")
                        .satisfies(e -> assertThat(Fanout.isUnsent(e.getCause()))
                                .as(e.toString())
                                .isTrue());
                assertThat(https.requests).isEmpty();
            } finally {
                api.close();
            }
        }
    }
}
