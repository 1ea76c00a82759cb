package dev.wsctl.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** PostToConnection over the JDK's HTTP client: what both clients do, and how this one opens its connections. */
class JdkConnectionsApiTest extends ConnectionsEndpointContract {

    @Override
    ConnectionsEndpoint open(URI callbackUrl, int maxConnections, AwsCredentialsProvider credentials, Clock clock) {
        return new JdkConnectionsApi(callbackUrl, maxConnections, Region.US_EAST_1, credentials, clock,
                ConnectionsApi.TIMEOUT, null);
    }

    private static List<CompletableFuture<ConnectionsApi.Answer>> postAll(ConnectionsEndpoint api, int count) {
        List<CompletableFuture<ConnectionsApi.Answer>> calls = new ArrayList<>();
        try (ConnectionsApi.Payload payload = ConnectionsApi.payload("x".getBytes(StandardCharsets.UTF_8))) {
            for (int i = 0; i < count; i++) {
                calls.add(api.post("c" + i, payload));
            }
            calls.forEach(CompletableFuture::join);
        }
        return calls;
    }

    @Test
    void oneConnectionUntilTheFirstExchangesAreDone() throws Exception {
        for (int i = 0; i < 10; i++) {
            endpoint.live.add("c" + i);
        }
        endpoint.delayMillis = 300;
        JdkConnectionsApi api = (JdkConnectionsApi) client(endpoint.callbackUrl(), 4,
                AnonymousCredentialsProvider.create(), Clock.systemUTC());
        try (ConnectionsApi.Payload payload = ConnectionsApi.payload("x".getBytes(StandardCharsets.UTF_8))) {
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
    }

    @Test
    void connectionsAreAddedWhilePostsWaitLongerThanAConnectionTakesToOpen() {
        for (int i = 0; i < 40; i++) {
            endpoint.live.add("c" + i);
        }
        // every answer takes 30 ms, so 38 waiting posts would take more than a second on one connection
        endpoint.delayMillis = 30;
        JdkConnectionsApi api = (JdkConnectionsApi) client(endpoint.callbackUrl(), 4,
                AnonymousCredentialsProvider.create(), Clock.systemUTC());

        List<CompletableFuture<ConnectionsApi.Answer>> calls = postAll(api, 40);

        assertThat(calls).allSatisfy(c -> assertThat(c.join().outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED));
        assertThat(endpoint.maxInFlight.get()).as("connections in use at once").isBetween(2, 4);
        assertThat(api.threads()).isBetween(2, 4);
        assertThat(endpoint.received).hasSize(40).allSatisfy((id, bodies) -> assertThat(bodies).hasSize(1));
    }

    @Test
    void overHttpsTheFirstHandshakeIsMadeAheadOfThePostsWithoutARequest(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(dir);
        RecordingSocketFactory sockets = new RecordingSocketFactory(tls.client().getSocketFactory());
        try (FakeConnectionsEndpoint https = new FakeConnectionsEndpoint(tls.server())) {
            https.live.add("abc=");
            JdkConnectionsApi api = new JdkConnectionsApi(https.callbackUrl(), 4, Region.US_EAST_1,
                    AnonymousCredentialsProvider.create(), Clock.systemUTC(), ConnectionsApi.TIMEOUT, sockets);
            try {
                api.preconnect();
                assertThat(https.requests).as("no request").isEmpty();
                assertThat(sockets.sockets).singleElement().satisfies(s -> {
                    assertThat(s.getSession().getProtocol()).as("a handshake was made").startsWith("TLS");
                    assertThat(s.isClosed()).isTrue();
                });

                assertThat(post(api, "abc=", "hello").outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED);
                assertThat(post(api, "ghost", "hello").outcome()).isEqualTo(ConnectionsApi.Outcome.GONE);
                assertThat(https.requests).hasSize(2);
                assertThat(sockets.sockets).as("the posts' one connection, kept alive").hasSize(2);

                api.preconnect();
                assertThat(sockets.sockets).as("no second early handshake").hasSize(2);
            } finally {
                api.close();
            }
        }
    }

    @Test
    void aCertificateThatIsNotTrustedFailsThePostAsNotSent(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(dir);
        try (FakeConnectionsEndpoint https = new FakeConnectionsEndpoint(tls.server())) {
            https.live.add("abc=");
            // the JDK's own CA list, which does not hold the endpoint's certificate
            JdkConnectionsApi api = new JdkConnectionsApi(https.callbackUrl(), 4, Region.US_EAST_1,
                    AnonymousCredentialsProvider.create());
            try {
                api.preconnect(); // fails quietly
                try (ConnectionsApi.Payload payload = ConnectionsApi.payload(new byte[] {'x'})) {
                    CompletableFuture<ConnectionsApi.Answer> call = api.post("abc=", payload);
                    org.assertj.core.api.Assertions.assertThatThrownBy(call::join)
                            .hasStackTraceContaining("SSLHandshakeException")
                            .satisfies(e -> assertThat(Fanout.isUnsent(e.getCause())).as(e.toString()).isTrue());
                }
                assertThat(https.requests).isEmpty();
            } finally {
                api.close();
            }
        }
    }
}
