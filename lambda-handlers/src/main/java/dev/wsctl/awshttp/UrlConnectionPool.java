package dev.wsctl.awshttp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * The functions' one HTTP transport: the store's DynamoDB calls ({@link dev.wsctl.store.DynamoDbJsonClient}), the
 * posts to {@code @connections} ({@link dev.wsctl.connections.ConnectionsApi}) and the Invoke calls to Lambda
 * ({@link dev.wsctl.fanout.LambdaDispatcher}): signed POSTs over the JDK's {@link HttpURLConnection} (keep-alive
 * connections, TLS: the JDK's own), one thread and one connection per request in flight. No retries here: the
 * caller decides what may be repeated, and a request that failed before it was written fails with {@link NotSent}.
 *
 * <p>It starts with one thread. Another is added when the requests that wait would take the threads there are
 * longer than a new connection takes to open (see {@link #grow()}), one at a time: a cold JVM's first TLS
 * handshake loads and runs the JDK's TLS code, and handshakes at once on a cold JVM cost more than a few requests
 * that wait for a connection which is already open. Threads end after a minute idle.
 *
 * <p>The JDK keeps at most {@code http.maxConnections} idle connections per host alive (5 unless set); a
 * connection returned beyond that is closed, and its thread's next request opens a new one (a TLS handshake
 * each). {@link #keepAlive(int)} raises that limit before the JDK first reads it.
 */
public final class UrlConnectionPool implements AutoCloseable {
    /** Connecting (TCP and TLS) gives up after this long. */
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /** Of a body that is not 2xx, this much goes into the answer. */
    static final int MAX_ERROR_BODY_BYTES = 512;
    /** Requests waiting per thread above which another connection is opened whatever an opening cost before. */
    static final int GROW_BACKLOG = 16;
    /** The JDK's system property for idle connections kept alive per host (read once, at its first use). */
    static final String MAX_KEEP_ALIVE = "http.maxConnections";

    /**
     * An answer: the status, the {@code x-amzn-ErrorType} header and the {@code x-amz-crc32} header (DynamoDB's
     * checksum of the body; either may be null), and the body, read in full.
     */
    public record Response(int status, String errorType, String crc32, byte[] body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** When the status is not 2xx, up to {@value #MAX_ERROR_BODY_BYTES} bytes of the body as text; else null. */
        public String errorBody() {
            return ok()
                    ? null
                    : new String(body, 0, Math.min(body.length, MAX_ERROR_BODY_BYTES), StandardCharsets.UTF_8);
        }
    }

    private final URI base;
    private final int maxConnections;
    private final int readTimeoutMillis;
    private final SSLSocketFactory tls;
    private final ThreadPoolExecutor calls;
    /** Threads that have not ended an exchange yet: they are opening their connection. */
    private final AtomicInteger opening = new AtomicInteger();

    private final ThreadLocal<Boolean> connected = ThreadLocal.withInitial(() -> false);
    /** How long the last thread took for its first exchange, which opened its connection (ns). */
    private volatile long openNanos;
    /** A moving average of the exchanges on connections already open (ns); 0 until there was one. */
    private volatile long exchangeNanos;

    /**
     * @param base           scheme, host and port of every request
     * @param maxConnections requests in flight at most (a thread and a connection each); further ones wait
     * @param readTimeout    a request that hears nothing for this long fails
     * @param tls            the TLS sockets to use, or null for the JDK's default (resolved by the first use)
     * @param threadName     the threads' names' prefix
     */
    public UrlConnectionPool(
            URI base, int maxConnections, Duration readTimeout, SSLSocketFactory tls, String threadName) {
        String scheme = base.getScheme();
        if (base.getHost() == null || !("https".equals(scheme) || "http".equals(scheme))) {
            throw new IllegalArgumentException("not an http(s)://host[:port] URL: " + base);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("at least one connection, not " + maxConnections);
        }
        keepAlive(maxConnections);
        this.base = base;
        this.maxConnections = maxConnections;
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
        this.tls = tls;
        AtomicInteger threads = new AtomicInteger();
        this.calls =
                new ThreadPoolExecutor(1, maxConnections, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
                    opening.incrementAndGet();
                    Thread t = new Thread(task, threadName + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.calls.allowCoreThreadTimeOut(true);
    }

    /**
     * Keeps up to {@code connections} idle connections per host alive ({@value #MAX_KEEP_ALIVE}), unless the
     * property is set already; effective only before the JDK's first HTTP connection of the process, which reads
     * it once (https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/net/doc-files/net-properties.html).
     */
    public static synchronized void keepAlive(int connections) {
        String set = System.getProperty(MAX_KEEP_ALIVE);
        if (set == null || parse(set) < connections) {
            System.setProperty(MAX_KEEP_ALIVE, Integer.toString(connections));
        }
    }

    private static int parse(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * POSTs {@code body} with the headers of {@code request} (signed or not; its path and query are the URL's) on a
     * thread of the pool. The future completes with the answer, or exceptionally when there was none: {@link NotSent}
     * when the request certainly did not arrive (no connection, closed pool), another error when it may have.
     */
    public CompletableFuture<Response> post(SdkHttpRequest request, byte[] body) {
        CompletableFuture<Response> answer = new CompletableFuture<>();
        try {
            calls.execute(() -> {
                long start = System.nanoTime();
                try {
                    answer.complete(exchange(request, body, CONNECT_TIMEOUT_MILLIS, readTimeoutMillis, false));
                } catch (Throwable e) {
                    answer.completeExceptionally(e);
                } finally {
                    timed(System.nanoTime() - start);
                }
            });
        } catch (RejectedExecutionException closed) {
            answer.completeExceptionally(new NotSent("closed", new IOException("the HTTP client is closed")));
            return answer;
        }
        grow();
        return answer;
    }

    /**
     * The same request on the caller's thread, waiting at most {@code timeout} to connect and then for the answer,
     * its connection closed after the answer rather than kept: for priming, which must leave no connection open.
     */
    public Response postAndClose(SdkHttpRequest request, byte[] body, Duration timeout) throws IOException {
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        return exchange(request, body, millis, millis, true);
    }

    /** One exchange ended on this thread after {@code nanos}: its first opened the thread's connection. */
    private void timed(long nanos) {
        if (!connected.get()) {
            connected.set(true);
            openNanos = nanos;
            opening.decrementAndGet();
        } else {
            long average = exchangeNanos;
            exchangeNanos = average == 0 ? nanos : average - average / 4 + nanos / 4;
        }
        grow();
    }

    /**
     * One more thread (and connection) when no connection is being opened and either the requests that wait would
     * take the threads there are longer than a new connection takes to open, or more than {@value #GROW_BACKLOG}
     * requests wait per thread: connections are added one at a time, each while the others go on. The second rule
     * is for a warm JVM whose one measured opening was a cold start's first TLS handshake (seconds on a busy
     * machine, against milliseconds warm), which alone would keep a large fan-out on one connection for good.
     */
    private synchronized void grow() {
        int threads = calls.getCorePoolSize();
        long perExchange = exchangeNanos;
        if (perExchange == 0 || opening.get() > 0 || threads >= maxConnections || calls.isShutdown()) {
            return;
        }
        int waiting = calls.getQueue().size();
        if (waiting * perExchange / threads > openNanos || waiting > GROW_BACKLOG * threads) {
            // a larger core size starts a thread for the requests that wait
            calls.setCorePoolSize(threads + 1);
        }
    }

    private Response exchange(
            SdkHttpRequest request, byte[] body, int connectTimeoutMillis, int readTimeoutMillis, boolean close)
            throws IOException {
        HttpURLConnection http = (HttpURLConnection) url(request.encodedPath()
                        + request.encodedQueryParameters().map(q -> "?" + q).orElse(""))
                .openConnection();
        http.setConnectTimeout(connectTimeoutMillis);
        http.setReadTimeout(readTimeoutMillis);
        http.setRequestMethod("POST");
        http.setDoOutput(true);
        http.setUseCaches(false);
        if (tls != null && http instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(tls);
        }
        // streamed with its length: nothing buffered, and never sent again by the JDK after a failure
        http.setFixedLengthStreamingMode(body.length);
        // Host and Content-Length are the connection's own, and have the values signed
        request.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")) {
                http.setRequestProperty(name, values.get(0));
            }
        });
        try {
            http.connect();
        } catch (IOException e) {
            throw new NotSent("no connection to " + base.getHost(), e);
        }
        try (OutputStream out = http.getOutputStream()) {
            out.write(body);
        }
        int status = http.getResponseCode();
        String errorType = http.getHeaderField("x-amzn-ErrorType");
        String crc32 = http.getHeaderField("x-amz-crc32");
        // read to the end, so that the connection is kept for the next request; or, to close it, disconnect
        // before the stream is closed: the JDK then closes the kept-alive connection rather than keep it ("Connection"
        // is a header that HttpURLConnection does not let a caller set)
        InputStream in = status >= 400 ? http.getErrorStream() : http.getInputStream();
        byte[] bytes;
        try {
            bytes = in == null ? new byte[0] : in.readAllBytes();
        } finally {
            if (close) {
                http.disconnect();
            } else if (in != null) {
                in.close();
            }
        }
        return new Response(status, errorType, crc32, bytes);
    }

    /** {@code path} with its query, if any, at the base's scheme, host and port. */
    private URL url(String path) throws MalformedURLException {
        return new URL(base.getScheme(), base.getHost(), base.getPort(), path);
    }

    /** Requests waiting for a thread. */
    public int waiting() {
        return calls.getQueue().size();
    }

    /** Threads that send (for tests). */
    public int threads() {
        return calls.getPoolSize();
    }

    /** Whether {@link #close()} was called: every request fails with {@link NotSent} from then on. */
    public boolean closed() {
        return calls.isShutdown();
    }

    @Override
    public void close() {
        calls.shutdown();
    }
}
