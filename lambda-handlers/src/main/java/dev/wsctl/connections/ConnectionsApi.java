package dev.wsctl.connections;

import dev.wsctl.awshttp.NotSent;
import dev.wsctl.awshttp.SigV4;
import dev.wsctl.awshttp.UrlConnectionPool;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocketFactory;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;

/**
 * PostToConnection without the SDK's service client: {@code POST {callbackUrl}/@connections/{id}} with the
 * payload as the body (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html),
 * signed with SigV4 ({@code execute-api}) by the SDK's own signer, or unsigned when the credentials are anonymous
 * (the local gateway checks no signatures), over the functions' one HTTP transport ({@link UrlConnectionPool}).
 * The SDK's service client and its HTTP client cost most of a cold start and most of the CPU per call on their
 * pipelines (see BENCHMARKS.md, fan-out engine). The admin operations (GetConnection, DeleteConnection) stay on the
 * SDK client in the CLI. No retries here: the fan-out decides what may be repeated.
 */
public final class ConnectionsApi implements ConnectionsEndpoint {
    static final String SERVICE = "execute-api";
    /** A call that hears nothing for this long fails (as the SDK's 30-second read timeout did). */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern EXECUTE_API_HOST = Pattern.compile("[^.]+\\.execute-api\\.([a-z0-9-]+)\\..+");
    private static final byte[] PRIMING_BODY = "{}".getBytes(StandardCharsets.UTF_8);

    private final UrlConnectionPool http;
    private final SigV4 sigV4;
    /** {@code /{stage}/@connections/}, already URL-encoded */
    private final String pathPrefix;
    /** Method, scheme, host, port and the headers every post carries, for the signer. */
    private final SdkHttpRequest template;

    /**
     * @param callbackUrl    the stage's @connections base, {@code https://{api}.execute-api.{region}.amazonaws.com/{stage}}
     * @param maxConnections posts in flight at most (a connection each); further posts wait
     * @param region         signing region when the host does not name one (a custom domain, a local endpoint)
     * @param credentials    {@link AnonymousCredentialsProvider} for unsigned requests
     */
    public ConnectionsApi(URI callbackUrl, int maxConnections, Region region, AwsCredentialsProvider credentials) {
        this(callbackUrl, maxConnections, region, credentials, Clock.systemUTC(), TIMEOUT, null);
    }

    /** @param tls the TLS sockets to use, or null for the JDK's default */
    ConnectionsApi(
            URI callbackUrl,
            int maxConnections,
            Region region,
            AwsCredentialsProvider credentials,
            Clock clock,
            Duration timeout,
            SSLSocketFactory tls) {
        String scheme = callbackUrl.getScheme();
        if (callbackUrl.getHost() == null || !("https".equals(scheme) || "http".equals(scheme))) {
            throw new IllegalArgumentException(
                    "The @connections URL must be http(s)://host[:port]/stage, not " + callbackUrl);
        }
        this.http = new UrlConnectionPool(callbackUrl, maxConnections, timeout, tls, "wsctl-post");
        this.sigV4 =
                new SigV4(credentials, SERVICE, regionOf(callbackUrl, region).id(), false, clock);
        String base = callbackUrl.getRawPath() == null ? "" : callbackUrl.getRawPath();
        this.pathPrefix = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/@connections/";
        this.template = SigV4.template(callbackUrl, pathPrefix)
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "wsctl-fanout")
                .build();
    }

    /** The region in an {@code execute-api} host name, else {@code fallback}. */
    static Region regionOf(URI callbackUrl, Region fallback) {
        Matcher m = EXECUTE_API_HOST.matcher(callbackUrl.getHost());
        return m.matches() ? Region.of(m.group(1)) : fallback;
    }

    @Override
    public CompletableFuture<Answer> post(String connectionId, Payload payload) {
        SdkHttpRequest request;
        try {
            request = request(connectionId, payload.bytes(), true);
        } catch (RuntimeException e) {
            // e.g. no credentials: nothing was sent
            return CompletableFuture.failedFuture(new NotSent("not signed", e));
        }
        return http.post(request, payload.bytes()).thenApply(r -> Answer.of(r.status(), r.errorType(), r.errorBody()));
    }

    private SdkHttpRequest request(String connectionId, byte[] body, boolean sign) {
        SdkHttpRequest request = template.toBuilder()
                .encodedPath(pathPrefix + SigV4.encodeSegment(connectionId))
                .putHeader("Content-Length", Integer.toString(body.length))
                .build();
        return sign ? sigV4.sign(request, () -> new ByteArrayInputStream(body)) : request;
    }

    /**
     * Priming for a SnapStart snapshot (or provisioned concurrency): one unsigned POST to the connection id
     * {@code priming}, which API Gateway refuses (403, no signature; an endpoint that checks none answers 410),
     * on the caller's thread, so that the TLS handshake and the request and answer path are loaded and have run
     * before the snapshot, as the SnapStart guide suggests
     * (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-best-practices.html); no credentials are used. Its
     * connection is closed after the answer, so that none is in the snapshot (a restored environment opens new
     * ones). Waits at most {@code timeout} to connect and then for the answer; a failure is no error, since
     * priming only saves time.
     *
     * @return the status heard, or -1 when there was no answer
     */
    public int prime(Duration timeout) {
        try {
            return http.postAndClose(request("priming", PRIMING_BODY, false), PRIMING_BODY, timeout)
                    .status();
        } catch (IOException | RuntimeException noAnswer) {
            // the first send after a restore pays for what was not primed
            return -1;
        }
    }

    /** Posts waiting for a connection (for tests). */
    int waiting() {
        return http.waiting();
    }

    /** Threads that post, one connection each (for tests). */
    int threads() {
        return http.threads();
    }

    @Override
    public void close() {
        http.close();
    }
}
