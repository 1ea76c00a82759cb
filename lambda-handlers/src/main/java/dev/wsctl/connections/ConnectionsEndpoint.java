package dev.wsctl.connections;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Where the fan-out engine posts a message for one connection: API Gateway's {@code @connections} API over
 * HTTP ({@link ConnectionsApi}), or, in {@code wsctl local}, the local gateway's sockets in the same process.
 * Either answers each post as the {@code @connections} API does: delivered, gone (410), throttled, or failed.
 */
public interface ConnectionsEndpoint extends AutoCloseable {

    /**
     * The largest body a PostToConnection may carry: API Gateway's WebSocket "message payload size" quota, 128 KB,
     * which applies to @connections as it does to what clients send
     * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html).
     * A larger one is answered 413 PayloadTooLargeException and delivered to nobody.
     */
    int MAX_PAYLOAD_BYTES = 128 * 1024;

    /** What a PostToConnection came to, as the fan-out sees it. */
    enum Outcome {
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
    record Answer(Outcome outcome, int status, String error) {
        public static final Answer DELIVERED = new Answer(Outcome.DELIVERED, 200, null);

        /**
         * The answer of a post that got {@code status}, the {@code x-amzn-ErrorType} header (may be null) and
         * {@code body}: API Gateway answers 410 GoneException for a connection that is gone, and 429
         * LimitExceededException when the account's rate is exceeded
         * (https://docs.aws.amazon.com/apigateway/latest/api/API_PostToConnection.html).
         */
        public static Answer of(int status, String errorType, String body) {
            if (status >= 200 && status < 300) {
                return DELIVERED;
            }
            String type = errorType == null ? "" : errorType;
            // the header may carry a namespace or a suffix: "LimitExceededException:http://…"
            boolean throttled = status == 429
                    || type.contains("LimitExceeded")
                    || type.contains("Throttl")
                    || type.contains("TooManyRequests");
            Outcome outcome = status == 410 ? Outcome.GONE : throttled ? Outcome.THROTTLED : Outcome.FAILED;
            String text =
                    status + (type.isEmpty() ? "" : " " + type) + (body == null || body.isEmpty() ? "" : ": " + body);
            return new Answer(outcome, status, text);
        }
    }

    /** One message, prepared once and posted to many connections. */
    final class Payload {
        private final byte[] bytes;
        private volatile String text;

        private Payload(byte[] bytes) {
            this.bytes = bytes;
        }

        /** The payload {@code bytes} (not copied: not to be changed afterwards). */
        public static Payload of(byte[] bytes) {
            return new Payload(bytes);
        }

        public int size() {
            return bytes.length;
        }

        /** The bytes themselves (not a copy: not to be changed). */
        public byte[] bytes() {
            return bytes;
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
    }

    /**
     * Posts {@code payload} to one connection. The future completes with the endpoint's answer, or
     * exceptionally when there was none: {@link dev.wsctl.awshttp.NotSent} (or a {@link java.net.ConnectException} inside it) when
     * the post certainly did not arrive, another error when it may have.
     */
    CompletableFuture<Answer> post(String connectionId, Payload payload);

    @Override
    void close();
}
