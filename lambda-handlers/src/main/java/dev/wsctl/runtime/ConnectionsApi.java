package dev.wsctl.runtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * PostToConnection without the SDK's service client: {@code POST {callbackUrl}/@connections/{id}} with the
 * payload as the body, signed with SigV4 ({@code execute-api}) by the SDK's own signer with the SDK client's
 * settings, or unsigned when the credentials are anonymous (the local gateway checks no signatures).
 *
 * <p>This is the fan-out's hot path. The SDK's service client and its HTTP client spent most of the CPU
 * per call on their pipelines (marshalling, interceptors, endpoint rules, reactive streams, per-request
 * handlers), so the calls go over a minimal HTTP/1.1 client ({@link Http1Pool}) on the same Netty event
 * loops: the request line's prefix and the fixed headers are encoded once, the payload is one buffer
 * shared by every call, and the credentials come from the provider, which keeps them (see {@link SigV4}). The
 * admin operations (GetConnection, DeleteConnection) stay on the SDK client. No retries here: the
 * fan-out decides what may be repeated. {@link JdkConnectionsApi} sends the same requests over the JDK's own
 * HTTP client, which a cold JVM loads in a fraction of Netty's time, for a send function's first posts.
 */
public final class ConnectionsApi implements ConnectionsEndpoint {

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
        public static final Answer DELIVERED = new Answer(Outcome.DELIVERED, 200, null);
    }

    /**
     * One payload, prepared once and posted to many connections; close it once no call is in flight (it
     * may hold native memory).
     */
    public static final class Payload implements AutoCloseable {
        private final byte[] bytes;
        private final String length;
        private final byte[] lengthAndEnd;
        private final ContentStreamProvider stream;
        /** Netty's copy, made by the first post over Netty: a post over the JDK's client needs none */
        private ByteBuf direct;
        /** shared by every call over Netty; each writes its own view of it, and no call can free it */
        private volatile ByteBuf body;
        private volatile String text;

        private Payload(byte[] bytes) {
            this.bytes = bytes;
            this.length = Integer.toString(bytes.length);
            this.lengthAndEnd = ("Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            this.stream = () -> new ByteArrayInputStream(bytes);
        }

        public int size() {
            return bytes.length;
        }

        /** The bytes themselves (not a copy: not to be changed). */
        byte[] bytes() {
            return bytes;
        }

        String length() {
            return length;
        }

        ContentStreamProvider stream() {
            return stream;
        }

        /** The payload for Netty: direct, so that a plain socket writes it as it is (a heap buffer is copied on every write). */
        ByteBuf body() {
            ByteBuf b = body;
            if (b == null) {
                synchronized (this) {
                    b = body;
                    if (b == null) {
                        direct = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
                        b = Unpooled.unreleasableBuffer(direct);
                        body = b;
                    }
                }
            }
            return b;
        }

        /** The payload as text (UTF-8), decoded once for every in-process delivery. */
        public String text() {
            String t = text;
            if (t == null) {
                t = new String(bytes, StandardCharsets.UTF_8);
                text = t;
            }
            return t;
        }

        @Override
        public synchronized void close() {
            if (direct != null && direct.refCnt() > 0) {
                direct.release();
            }
        }
    }

    /** A call that hears nothing for this long fails (as the SDK's 30-second read timeout did). */
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final byte[] POST = "POST ".getBytes(StandardCharsets.US_ASCII);

    private final Http1Pool http;
    private final ConnectionsTarget target;
    /** The fixed headers, encoded, for unsigned calls: {@code " HTTP/1.1\r\nHost: …\r\n…"} */
    private final byte[] fixedHeaders;

    /**
     * @param callbackUrl    the stage's @connections base, {@code https://{api}.execute-api.{region}.amazonaws.com/{stage}}
     * @param loops          the event loops to run on (the SDK clients' own, shared); the caller shuts them down
     * @param maxConnections connections to the endpoint at most: as many as the calls in flight
     * @param region         signing region when the host does not name one (a custom domain, a local endpoint)
     * @param credentials    {@link AnonymousCredentialsProvider} for unsigned requests
     */
    public ConnectionsApi(URI callbackUrl, SdkEventLoopGroup loops, int maxConnections, Region region,
                          AwsCredentialsProvider credentials) {
        this(callbackUrl, loops, maxConnections, region, credentials, Clock.systemUTC(), TIMEOUT);
    }

    ConnectionsApi(URI callbackUrl, SdkEventLoopGroup loops, int maxConnections, Region region,
                   AwsCredentialsProvider credentials, Clock clock, Duration timeout) {
        this.target = new ConnectionsTarget(callbackUrl, region, credentials, clock);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("at least one connection, not " + maxConnections);
        }
        this.http = new Http1Pool(callbackUrl, loops, maxConnections, timeout);
        StringBuilder fixed = new StringBuilder(" HTTP/1.1\r\n");
        target.template().forEachHeader((name, values) ->
                fixed.append(name).append(": ").append(values.get(0)).append("\r\n"));
        this.fixedHeaders = fixed.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public static Payload payload(byte[] bytes) {
        return new Payload(bytes);
    }

    /**
     * Posts {@code payload} to one connection. The future completes with the endpoint's answer, or
     * exceptionally when there was none: {@link NotSent} (or a {@link java.net.ConnectException}
     * inside it) when the request certainly did not arrive, another error when it may have.
     */
    @Override
    public CompletableFuture<Answer> post(String connectionId, Payload payload) {
        String path = target.path(connectionId);
        return send(target.signs() ? signedHead(path, payload) : unsignedHead(path, payload), payload);
    }

    private CompletableFuture<Answer> send(ByteBuf head, Payload payload) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        http.send(head, payload.body().duplicate(), new Http1Pool.Call() {
            @Override
            public void answered(int status, String errorType, String body) {
                answer.complete(classify(status, errorType, body));
            }

            @Override
            public void failed(Throwable error) {
                answer.completeExceptionally(error);
            }
        });
        return answer;
    }

    /** The request line and the fixed headers, unsigned. */
    private ByteBuf unsignedHead(String path, Payload payload) {
        ByteBuf head = ByteBufAllocator.DEFAULT.ioBuffer(POST.length + path.length() + fixedHeaders.length
                + payload.lengthAndEnd.length);
        head.writeBytes(POST);
        head.writeCharSequence(path, StandardCharsets.US_ASCII);
        return head.writeBytes(fixedHeaders).writeBytes(payload.lengthAndEnd);
    }

    /** The request line and every header of the request as the SDK's signer signed it. */
    private ByteBuf signedHead(String path, Payload payload) {
        return SigV4.head(target.request(path, payload.length(), payload.stream()));
    }

    /**
     * Priming for a SnapStart snapshot (or provisioned concurrency): one unsigned POST to the connection id
     * {@code priming}, which API Gateway refuses (403, no signature; an endpoint that checks none answers
     * 410), so that the TLS handshake and the request and answer path are loaded and have run before the
     * snapshot, as AWS's SnapStart guide suggests; no credentials are used. Then every connection is closed,
     * so that none is in the snapshot (a restored environment opens new ones). Waits at most {@code timeout}
     * for each step; a failure is no error, since priming only saves time.
     *
     * @return the status heard, or -1 when there was no answer
     */
    public int prime(Duration timeout) {
        int status = -1;
        Payload payload = payload("{}".getBytes(StandardCharsets.UTF_8));
        try {
            status = send(unsignedHead(target.path("priming"), payload), payload)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).status();
        } catch (Exception noAnswer) {
            // the first send after a restore pays for what was not primed
        } finally {
            http.disconnectAll(timeout);
            payload.close(); // no call is in flight any more
        }
        return status;
    }

    /** Connections open or being opened (for tests). */
    int openConnections() {
        return http.openConnections();
    }

    @Override
    public void close() {
        http.close();
    }

    /** The answer of a call that got {@code status}, the {@code x-amzn-ErrorType} (may be null) and {@code body}. */
    public static Answer classify(int status, String errorType, String body) {
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
}
