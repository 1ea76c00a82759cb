package dev.wsctl.connections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wsctl.awshttp.RefusingPort;
import dev.wsctl.fanout.Fanout;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;

/**
 * What an HTTP client of the @connections API ({@link ConnectionsApi}) does, against an endpoint that answers like
 * API Gateway: the requests, their signatures, and the answers for the fan-out.
 */
abstract class ConnectionsEndpointContract {
    private static final java.util.regex.Pattern AUTHORIZATION = java.util.regex.Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=" + FakeConnectionsEndpoint.ACCESS_KEY
                    + "/(\\d{8})/us-east-1/execute-api/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})");

    protected FakeConnectionsEndpoint endpoint;
    private final List<ConnectionsEndpoint> clients = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A client of {@code callbackUrl} with at most {@code maxConnections} connections; closed after the test. */
    abstract ConnectionsEndpoint open(
            URI callbackUrl, int maxConnections, AwsCredentialsProvider credentials, Clock clock);

    @BeforeEach
    void start() throws Exception {
        endpoint = new FakeConnectionsEndpoint();
    }

    @AfterEach
    void stop() {
        clients.forEach(ConnectionsEndpoint::close);
        endpoint.close();
    }

    /** A client of the endpoint (at most 16 connections). */
    ConnectionsEndpoint client(AwsCredentialsProvider credentials) {
        return client(endpoint.callbackUrl(), 16, credentials, Clock.systemUTC());
    }

    ConnectionsEndpoint client(URI callbackUrl, int maxConnections, AwsCredentialsProvider credentials, Clock clock) {
        ConnectionsEndpoint client = open(callbackUrl, maxConnections, credentials, clock);
        clients.add(client);
        return client;
    }

    /** A client that signs with the endpoint's test key. */
    ConnectionsEndpoint signing() {
        return client(StaticCredentialsProvider.create(
                AwsBasicCredentials.create(FakeConnectionsEndpoint.ACCESS_KEY, FakeConnectionsEndpoint.SECRET_KEY)));
    }

    ConnectionsEndpoint anonymous() {
        return client(AnonymousCredentialsProvider.create());
    }

    static ConnectionsEndpoint.Answer post(ConnectionsEndpoint api, String id, String body) {
        ConnectionsEndpoint.Payload payload = ConnectionsEndpoint.Payload.of(body.getBytes(StandardCharsets.UTF_8));
        return api.post(id, payload).join();
    }

    @Test
    void requestsWaitingForABusyConnectionGetTheirOwnAnswers() {
        endpoint.live.add("live=");
        ConnectionsEndpoint one =
                client(endpoint.callbackUrl(), 1, AnonymousCredentialsProvider.create(), Clock.systemUTC());
        ConnectionsEndpoint.Payload payload = ConnectionsEndpoint.Payload.of(new byte[] {'x'});
        // more calls than connections: each waits for the one before it on the same connection
        List<CompletableFuture<ConnectionsEndpoint.Answer>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(one.post(i % 2 == 0 ? "live=" : "gone=", payload));
        }
        for (int i = 0; i < 20; i++) {
            ConnectionsEndpoint.Answer answer = calls.get(i).join();
            assertThat(answer.outcome())
                    .as("call %d: %s", i, answer.error())
                    .isEqualTo(i % 2 == 0 ? ConnectionsEndpoint.Outcome.DELIVERED : ConnectionsEndpoint.Outcome.GONE);
            assertThat(answer.status()).isEqualTo(i % 2 == 0 ? 200 : 410);
        }
    }

    @Test
    void signedRequestsCarryASigV4SignatureOverExactlyWhatWasSent() throws Exception {
        endpoint.live.add("abc=");
        ConnectionsEndpoint api = signing();

        assertThat(post(api, "abc=", "{\"n\":1}").outcome()).isEqualTo(ConnectionsEndpoint.Outcome.DELIVERED);
        assertThat(post(api, "abc=", "{\"n\":2}").outcome()).isEqualTo(ConnectionsEndpoint.Outcome.DELIVERED);

        List<FakeConnectionsEndpoint.Seen> seen = List.copyOf(endpoint.requests);
        assertThat(seen).hasSize(2);
        String[] signatures = new String[2];
        for (int i = 0; i < 2; i++) {
            FakeConnectionsEndpoint.Seen request = seen.get(i);
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.rawPath()).isEqualTo("/test/@connections/abc%3D");
            var m = AUTHORIZATION.matcher(request.header("authorization"));
            assertThat(m.matches())
                    .as(request.header("authorization").replaceAll("Signature=\\w+", "Signature=…"))
                    .isTrue();
            assertThat(m.group(2).split(";")).contains("host", "x-amz-date", "x-amz-content-sha256", "content-type");
            assertThat(request.header("x-amz-date")).startsWith(m.group(1)).matches("\\d{8}T\\d{6}Z");
            // over plain HTTP the payload is signed, as the SDK's client does it
            assertThat(request.header("x-amz-content-sha256")).isEqualTo(sha256(request.body()));
            assertThat(m.group(3)).isEqualTo(expectedSignature(request, m.group(2)));
            signatures[i] = m.group(3);
        }
        assertThat(signatures[0]).as("the signature covers the body").isNotEqualTo(signatures[1]);
    }

    @Test
    void aSessionTokenIsSentAndSigned() {
        endpoint.live.add("abc=");
        ConnectionsEndpoint api = client(() -> AwsSessionCredentials.create(
                FakeConnectionsEndpoint.ACCESS_KEY, FakeConnectionsEndpoint.SECRET_KEY, "session-token-1"));

        post(api, "abc=", "x");

        FakeConnectionsEndpoint.Seen request = endpoint.requests.peek();
        assertThat(request.header("x-amz-security-token")).isEqualTo("session-token-1");
        var m = AUTHORIZATION.matcher(request.header("authorization"));
        assertThat(m.matches()).isTrue();
        assertThat(m.group(2).split(";")).contains("x-amz-security-token");
    }

    @Test
    void anonymousCredentialsSendUnsignedRequests() {
        endpoint.live.add("abc=");

        assertThat(post(anonymous(), "abc=", "hello").outcome()).isEqualTo(ConnectionsEndpoint.Outcome.DELIVERED);

        FakeConnectionsEndpoint.Seen request = endpoint.requests.peek();
        assertThat(request.header("authorization")).isNull();
        assertThat(request.headers().keySet()).noneMatch(h -> h.startsWith("x-amz-"));
        assertThat(request.header("content-length")).isEqualTo("5");
        assertThat(new String(request.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(endpoint.received.get("abc="))
                .singleElement()
                .satisfies(
                        b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("hello"));
    }

    @Test
    void connectionIdsAreEscapedAsOnePathSegment() {
        String id = "a=b/c+d e~é";
        endpoint.live.add(id);

        assertThat(post(anonymous(), id, "x").outcome()).isEqualTo(ConnectionsEndpoint.Outcome.DELIVERED);

        assertThat(endpoint.requests.peek().rawPath()).isEqualTo("/test/@connections/a%3Db%2Fc%2Bd%20e~%C3%A9");
        assertThat(endpoint.received).containsOnlyKeys(id);
    }

    @Test
    void answersMapToOutcomes() {
        endpoint.live.add("live");
        endpoint.live.add("broken");
        endpoint.failAfterDelivery.add("broken");
        endpoint.live.add("busy");
        endpoint.throttleNext.put("busy", new AtomicInteger(1));
        ConnectionsEndpoint api = anonymous();

        assertThat(post(api, "live", "x"))
                .isEqualTo(new ConnectionsEndpoint.Answer(ConnectionsEndpoint.Outcome.DELIVERED, 200, null));
        assertThat(post(api, "ghost", "x"))
                .extracting(ConnectionsEndpoint.Answer::outcome, ConnectionsEndpoint.Answer::status)
                .containsExactly(ConnectionsEndpoint.Outcome.GONE, 410);
        assertThat(post(api, "busy", "x"))
                .extracting(ConnectionsEndpoint.Answer::outcome, ConnectionsEndpoint.Answer::status)
                .containsExactly(ConnectionsEndpoint.Outcome.THROTTLED, 429);
        ConnectionsEndpoint.Answer failed = post(api, "broken", "x");
        assertThat(failed.outcome()).isEqualTo(ConnectionsEndpoint.Outcome.FAILED);
        assertThat(failed.error())
                .isEqualTo("500 InternalServerErrorException: {\"message\":\"Internal server error\"}");
    }

    @Test
    void aRefusedConnectionFailsAsNotSent() throws Exception {
        try (RefusingPort refusing = new RefusingPort()) {
            int port = refusing.port();
            ConnectionsEndpoint api = client(
                    URI.create("http://127.0.0.1:" + port + "/dev"),
                    4,
                    AnonymousCredentialsProvider.create(),
                    Clock.systemUTC());
            ConnectionsEndpoint.Payload payload = ConnectionsEndpoint.Payload.of(new byte[] {'x'});
            CompletableFuture<ConnectionsEndpoint.Answer> call = api.post("abc", payload);
            assertThatThrownBy(call::join)
                    .isInstanceOf(CompletionException.class)
                    .satisfies(e -> assertThat(Fanout.isUnsent(e.getCause()))
                            .as(e.toString())
                            .isTrue());
        }
    }

    @Test
    void aPostAfterCloseFailsAsNotSent() {
        ConnectionsEndpoint api = anonymous();
        api.close();
        ConnectionsEndpoint.Payload payload = ConnectionsEndpoint.Payload.of(new byte[] {'x'});
        CompletableFuture<ConnectionsEndpoint.Answer> call = api.post("abc", payload);
        assertThatThrownBy(call::join)
                .isInstanceOf(CompletionException.class)
                .satisfies(e -> assertThat(Fanout.isUnsent(e.getCause()))
                        .as(e.toString())
                        .isTrue());
        assertThat(endpoint.requests).isEmpty();
    }

    /**
     * The provider is asked for every request and nothing before the first (a SnapStart snapshot of a built client
     * holds no credentials); keeping and refreshing them is the provider's job (the SDK's container provider caches
     * them until shortly before they expire).
     */
    @Test
    void credentialsAreResolvedThroughTheProviderForEveryRequestAndNotBefore() {
        endpoint.live.add("abc=");
        AtomicInteger resolved = new AtomicInteger();
        Instant start = Instant.parse("2026-11-28T10:00:00Z");
        Clock clock = Clock.fixed(start, ZoneOffset.UTC);
        AwsCredentialsProvider provider = () -> {
            resolved.incrementAndGet();
            return AwsSessionCredentials.builder()
                    .accessKeyId(FakeConnectionsEndpoint.ACCESS_KEY)
                    .secretAccessKey(FakeConnectionsEndpoint.SECRET_KEY)
                    .sessionToken("t" + resolved.get())
                    .expirationTime(start.plus(Duration.ofHours(1)))
                    .build();
        };
        ConnectionsEndpoint api = client(endpoint.callbackUrl(), 4, provider, clock);
        assertThat(resolved).as("nothing resolved by building the client").hasValue(0);

        for (int i = 0; i < 3; i++) {
            post(api, "abc=", "x");
        }

        assertThat(resolved).hasValue(3);
        assertThat(endpoint.requests)
                .extracting(r -> r.header("x-amz-security-token"))
                .containsExactly("t1", "t2", "t3");
        assertThat(endpoint.requests)
                .extracting(r -> r.header("x-amz-date"))
                .as("signed at the client's clock")
                .containsOnly("20261128T100000Z");
    }

    /** What the SDK's signer makes of the request as it arrived, at the time it says it was signed. */
    private static String expectedSignature(FakeConnectionsEndpoint.Seen request, String signedHeaders) {
        Instant signedAt = LocalDateTime.parse(
                        request.header("x-amz-date"), DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"))
                .toInstant(ZoneOffset.UTC);
        String[] hostPort = request.header("host").split(":");
        SdkHttpRequest.Builder rebuilt = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .protocol("http")
                .host(hostPort[0])
                .port(Integer.parseInt(hostPort[1]))
                .encodedPath(request.rawPath());
        for (String name : signedHeaders.split(";")) {
            rebuilt.putHeader(name, request.header(name));
        }
        AwsCredentials credentials =
                AwsBasicCredentials.create(FakeConnectionsEndpoint.ACCESS_KEY, FakeConnectionsEndpoint.SECRET_KEY);
        SdkHttpRequest signed = AwsV4HttpSigner.create()
                .sign(SignRequest.builder(credentials)
                        .request(rebuilt.build())
                        .payload(() -> new ByteArrayInputStream(request.body()))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC))
                        .build())
                .request();
        String authorization = signed.firstMatchingHeader("Authorization").orElseThrow();
        return authorization.substring(authorization.indexOf("Signature=") + "Signature=".length());
    }

    private static String sha256(byte[] body) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    }
}
