package dev.wsctl.runtime;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.async.AsyncExecuteRequest;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpResponseHandler;
import software.amazon.awssdk.http.async.SdkHttpContentPublisher;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostToConnection straight over the SDK's HTTP client: {@code POST {callbackUrl}/@connections/{id}} with
 * the payload as the body, signed with SigV4 ({@code execute-api}) by the SDK's own signer, or unsigned
 * when the credentials are anonymous (the local gateway checks no signatures).
 *
 * <p>This is the fan-out's hot path, so it skips the SDK service client's request pipeline (marshalling,
 * interceptors, endpoint rules, retries, metrics), which cost most of the CPU per call: the URL prefix
 * and the fixed headers are built once, the payload is one read-only buffer shared by every call, and
 * the resolved credentials are kept until the provider says they expire. The admin operations
 * (GetConnection, DeleteConnection) stay on the SDK client.
 */
public final class ConnectionsApi {

    /** What a PostToConnection came to, as the fan-out sees it. */
    public enum Outcome {
        /** 2xx */
        DELIVERED,
        /** 410: the connection is gone */
        GONE,
        /** 429, or an answer whose error type says LimitExceeded / Throttling: safe to retry later */
        THROTTLED,
        /** anything else: the call reached the endpoint, so it is not repeated */
        FAILED
    }

    /**
     * @param status the HTTP status
     * @param error  {@code "<status> <error type>: <body>"} for an answer that is not 2xx, else null
     */
    public record Answer(Outcome outcome, int status, String error) {
        static final Answer DELIVERED = new Answer(Outcome.DELIVERED, 200, null);
    }

    /** One payload, prepared once and posted to many connections. */
    public static final class Payload {
        private final byte[] bytes;
        private final ByteBuffer buffer;
        private final String length;
        private final ContentStreamProvider stream;

        private Payload(byte[] bytes) {
            this.bytes = bytes;
            this.buffer = ByteBuffer.wrap(bytes).asReadOnlyBuffer();
            this.length = Integer.toString(bytes.length);
            this.stream = () -> new ByteArrayInputStream(bytes);
        }

        public int size() {
            return bytes.length;
        }
    }

    static final String SERVICE = "execute-api";
    private static final Pattern EXECUTE_API_HOST =
            Pattern.compile("[^.]+\\.execute-api\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?");
    /** Credentials are resolved again this long before they expire. */
    private static final Duration REFRESH_BEFORE_EXPIRY = Duration.ofMinutes(5);
    private static final int MAX_ERROR_CHARS = 512;

    private final SdkAsyncHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final boolean anonymous;
    private final String region;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final Clock clock;
    /** {@code /{stage}/@connections/}, already URL-encoded */
    private final String pathPrefix;
    /** Method, scheme, host, port and the headers every call carries. */
    private final SdkHttpRequest template;
    private volatile AwsCredentialsIdentity identity;
    private volatile Instant refreshAt = Instant.MIN;

    /**
     * @param callbackUrl the stage's @connections base, {@code https://{api}.execute-api.{region}.amazonaws.com/{stage}}
     * @param region      signing region when the host does not name one (a custom domain, a local endpoint)
     * @param credentials {@link AnonymousCredentialsProvider} for unsigned requests
     */
    public ConnectionsApi(URI callbackUrl, SdkAsyncHttpClient http, Region region, AwsCredentialsProvider credentials) {
        this(callbackUrl, http, region, credentials, Clock.systemUTC());
    }

    ConnectionsApi(URI callbackUrl, SdkAsyncHttpClient http, Region region, AwsCredentialsProvider credentials,
                   Clock clock) {
        String scheme = callbackUrl.getScheme();
        if (callbackUrl.getHost() == null || !("https".equals(scheme) || "http".equals(scheme))) {
            throw new IllegalArgumentException("The @connections URL must be http(s)://host[:port]/stage, not " + callbackUrl);
        }
        this.http = http;
        this.credentials = credentials;
        this.anonymous = credentials instanceof AnonymousCredentialsProvider;
        this.region = regionOf(callbackUrl, region).id();
        this.clock = clock;
        String base = callbackUrl.getRawPath() == null ? "" : callbackUrl.getRawPath();
        this.pathPrefix = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/@connections/";
        int port = callbackUrl.getPort();
        this.template = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .protocol(scheme)
                .host(callbackUrl.getHost())
                .port(port)
                .encodedPath(pathPrefix)
                // what the SDK's client sends; the signer would add Host on every call otherwise
                .putHeader("Host", port == -1 ? callbackUrl.getHost() : callbackUrl.getHost() + ":" + port)
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "wsctl-fanout")
                .build();
    }

    /** The region in an {@code execute-api} host name, else {@code fallback}. */
    static Region regionOf(URI callbackUrl, Region fallback) {
        Matcher m = EXECUTE_API_HOST.matcher(callbackUrl.getHost());
        return m.matches() ? Region.of(m.group(1)) : fallback;
    }

    public static Payload payload(byte[] bytes) {
        return new Payload(bytes);
    }

    /**
     * Posts {@code payload} to one connection. The future completes with the endpoint's answer, or
     * exceptionally when there was none (the connection failed, was refused, timed out).
     */
    public CompletableFuture<Answer> post(String connectionId, Payload payload) {
        SdkHttpRequest request = template.toBuilder()
                .encodedPath(pathPrefix + encodeSegment(connectionId))
                .putHeader("Content-Length", payload.length)
                .build();
        if (!anonymous) {
            request = signer.sign(SignRequest.builder(identity())
                    .request(request)
                    .payload(payload.stream)
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    .build()).request();
        }
        ResponseReader reader = new ResponseReader();
        CompletableFuture<Void> call = http.execute(AsyncExecuteRequest.builder()
                .request(request)
                .requestContentPublisher(new BodyPublisher(payload))
                .responseHandler(reader)
                .build());
        return call.thenApply(done -> reader.answer());
    }

    /**
     * The resolved credentials, kept until shortly before the expiry the provider gave them (never
     * again resolved when it gave none: such credentials do not expire while the process runs).
     */
    private AwsCredentialsIdentity identity() {
        AwsCredentialsIdentity current = identity;
        if (current != null && clock.instant().isBefore(refreshAt)) {
            return current;
        }
        synchronized (this) {
            if (identity == null || !clock.instant().isBefore(refreshAt)) {
                AwsCredentialsIdentity fresh = credentials.resolveCredentials();
                Optional<Instant> expires = fresh.expirationTime();
                refreshAt = expires.map(e -> e.minus(REFRESH_BEFORE_EXPIRY)).orElse(Instant.MAX);
                identity = fresh;
            }
            return identity;
        }
    }

    /** A path segment as API Gateway expects it: everything but RFC 3986's unreserved characters escaped. */
    static String encodeSegment(String s) {
        int i = 0;
        while (i < s.length() && unreserved(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 8).append(s, 0, i);
        for (byte b : s.substring(i).getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (unreserved(c)) {
                out.append(c);
            } else {
                out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
        }
        return out.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static boolean unreserved(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '_' || c == '.' || c == '~';
    }

    static Answer classify(int status, String errorType, String body) {
        if (status >= 200 && status < 300) {
            return Answer.DELIVERED;
        }
        String type = errorType == null ? "" : errorType;
        // the header may carry a namespace or a suffix: "LimitExceededException:http://…"
        boolean throttled = status == 429 || type.contains("LimitExceeded") || type.contains("Throttl")
                || type.contains("TooManyRequests");
        Outcome outcome = status == 410 ? Outcome.GONE : throttled ? Outcome.THROTTLED : Outcome.FAILED;
        String text = status + (type.isEmpty() ? "" : " " + type) + (body == null || body.isEmpty() ? "" : ": " + body);
        return new Answer(outcome, status, text);
    }

    /** The payload as a one-element stream; every call gets its own view of the shared buffer. */
    private static final class BodyPublisher implements SdkHttpContentPublisher {
        private final Payload payload;

        BodyPublisher(Payload payload) {
            this.payload = payload;
        }

        @Override
        public Optional<Long> contentLength() {
            return Optional.of((long) payload.bytes.length);
        }

        @Override
        public void subscribe(Subscriber<? super ByteBuffer> subscriber) {
            subscriber.onSubscribe(new Subscription() {
                private boolean done;

                @Override
                public void request(long n) {
                    if (done) {
                        return;
                    }
                    done = true;
                    if (n <= 0) {
                        subscriber.onError(new IllegalArgumentException("request(" + n + ")"));
                        return;
                    }
                    if (payload.bytes.length > 0) {
                        subscriber.onNext(payload.buffer.duplicate());
                    }
                    subscriber.onComplete();
                }

                @Override
                public void cancel() {
                    done = true;
                }
            });
        }
    }

    /** Reads the status, and the body only when it explains an error. */
    private static final class ResponseReader implements SdkAsyncHttpResponseHandler, Subscriber<ByteBuffer> {
        private int status;
        private String errorType;
        private StringBuilder body;

        @Override
        public void onHeaders(SdkHttpResponse response) {
            status = response.statusCode();
            if (!response.isSuccessful()) {
                errorType = response.firstMatchingHeader("x-amzn-ErrorType").orElse(null);
                body = new StringBuilder();
            }
        }

        @Override
        public void onStream(org.reactivestreams.Publisher<ByteBuffer> stream) {
            stream.subscribe(this);
        }

        /** For the response and for its body: the call's future fails with the same error. */
        @Override
        public void onError(Throwable error) {
        }

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(ByteBuffer chunk) {
            if (body != null && body.length() < MAX_ERROR_CHARS) {
                byte[] bytes = new byte[Math.min(chunk.remaining(), MAX_ERROR_CHARS - body.length())];
                chunk.get(bytes);
                body.append(new String(bytes, StandardCharsets.UTF_8));
            }
        }

        @Override
        public void onComplete() {
        }

        Answer answer() {
            return classify(status, errorType, body == null ? null : body.toString().strip());
        }
    }
}
