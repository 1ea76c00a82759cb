package dev.wsctl.runtime;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * PostToConnection over the JDK's {@link HttpURLConnection} (keep-alive connections, TLS: the JDK's own), the
 * same requests as {@link ConnectionsApi} sends over Netty, for the first posts of a function that started cold
 * on demand. A cold JVM has Netty's event loops, allocator and TLS handler to load before its first post, and
 * the store's client has loaded the JDK's HTTP client already; a send to a small channel is done before Netty
 * would be ready. {@link HandoverEndpoint} moves the posts to {@link ConnectionsApi} later.
 *
 * <p>Posts run on at most {@code maxConnections} threads, one connection each (the JDK keeps up to five idle
 * connections per host alive), starting with one. Another is added when the posts that wait would take longer
 * to send on the open connections than a new one takes to open (see {@link #grow()}): a cold JVM's first TLS
 * handshake loads and runs the JDK's TLS code, and handshakes at once on a cold JVM cost more than a few posts
 * that wait for a connection which is already open. No retries here: the fan-out decides what may be repeated,
 * and a request that failed before it was written fails with {@link NotSent}.
 */
public final class JdkConnectionsApi implements ConnectionsEndpoint {
    /** Connecting (TCP and TLS) gives up after this long. */
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /** Of a body that is not 2xx, this much goes into the answer's error. */
    private static final int MAX_BODY_BYTES = Http1Pool.MAX_BODY_CHARS;

    private final ConnectionsTarget target;
    private final int maxConnections;
    private final int readTimeoutMillis;
    private final ThreadPoolExecutor calls;
    private final SSLSocketFactory tls;
    /** Threads that have not ended an exchange yet: they are opening their connection. */
    private final AtomicInteger opening = new AtomicInteger();
    private final ThreadLocal<Boolean> connected = ThreadLocal.withInitial(() -> false);
    /** How long the last thread took for its first exchange, which opened its connection (ns). */
    private volatile long openNanos;
    /** A moving average of the exchanges on connections already open (ns); 0 until there was one. */
    private volatile long exchangeNanos;
    private final EarlyHandshake early;

    /**
     * @param callbackUrl    the stage's @connections base, {@code https://{api}.execute-api.{region}.amazonaws.com/{stage}}
     * @param maxConnections posts in flight at most (a thread and a connection each); further posts wait
     * @param region         signing region when the host does not name one (a custom domain, a local endpoint)
     */
    public JdkConnectionsApi(URI callbackUrl, int maxConnections, Region region, AwsCredentialsProvider credentials) {
        this(callbackUrl, maxConnections, region, credentials, Clock.systemUTC(), ConnectionsApi.TIMEOUT, null);
    }

    /** @param tls the TLS sockets to use, or null for the JDK's default (resolved by the first use, not here) */
    JdkConnectionsApi(URI callbackUrl, int maxConnections, Region region, AwsCredentialsProvider credentials,
                      Clock clock, Duration timeout, SSLSocketFactory tls) {
        this.target = new ConnectionsTarget(callbackUrl, region, credentials, clock);
        this.tls = tls;
        this.early = new EarlyHandshake(callbackUrl, tls, CONNECT_TIMEOUT_MILLIS);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("at least one connection, not " + maxConnections);
        }
        this.maxConnections = maxConnections;
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        AtomicInteger threads = new AtomicInteger();
        // one thread to start with, more as grow() adds them; threads end after a minute idle
        this.calls = new ThreadPoolExecutor(1, maxConnections, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    opening.incrementAndGet();
                    Thread t = new Thread(task, "wsctl-post-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.calls.allowCoreThreadTimeOut(true);
    }

    /**
     * Posts {@code payload} to one connection. The future completes with the endpoint's answer, or
     * exceptionally when there was none: {@link NotSent} when the request certainly did not arrive (no
     * connection, closed client), another error when it may have.
     */
    @Override
    public CompletableFuture<ConnectionsApi.Answer> post(String connectionId, ConnectionsApi.Payload payload) {
        CompletableFuture<ConnectionsApi.Answer> answer = new CompletableFuture<>();
        try {
            calls.execute(() -> {
                long start = System.nanoTime();
                try {
                    answer.complete(exchange(connectionId, payload));
                } catch (Throwable e) {
                    answer.completeExceptionally(e);
                } finally {
                    timed(System.nanoTime() - start);
                }
            });
        } catch (RejectedExecutionException closed) {
            answer.completeExceptionally(new NotSent("closed", new IOException("the @connections client is closed")));
            return answer;
        }
        grow();
        return answer;
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
     * One more thread (and connection) when the posts that wait would take the threads there are longer than
     * a new connection takes to open, and no connection is being opened: connections are added one at a time,
     * each while the others go on posting. A new connection costs a TLS handshake (on a cold JVM a slow one),
     * and the post it takes waits for it; to a nearby endpoint that answers in a millisecond one connection
     * sends a small fan-out sooner.
     */
    private synchronized void grow() {
        int threads = calls.getCorePoolSize();
        long perExchange = exchangeNanos;
        if (perExchange == 0 || opening.get() > 0 || threads >= maxConnections || calls.isShutdown()) {
            return;
        }
        long drain = calls.getQueue().size() * perExchange / threads;
        if (drain > openNanos) {
            // a larger core size starts a thread for the posts that wait
            calls.setCorePoolSize(threads + 1);
        }
    }

    private ConnectionsApi.Answer exchange(String connectionId, ConnectionsApi.Payload payload) throws IOException {
        early.beforeRequest();
        String path = target.path(connectionId);
        SdkHttpRequest request = target.request(path, payload.length(), payload.stream());
        URI base = target.callbackUrl();
        HttpURLConnection http = (HttpURLConnection) url(base, path).openConnection();
        http.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
        http.setReadTimeout(readTimeoutMillis);
        http.setRequestMethod("POST");
        http.setDoOutput(true);
        http.setUseCaches(false);
        if (tls != null && http instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(tls);
        }
        // streamed with its length: nothing buffered, and never sent again by the JDK after a failure
        http.setFixedLengthStreamingMode(payload.size());
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
            out.write(payload.bytes());
        }
        int status = http.getResponseCode();
        String errorType = http.getHeaderField("x-amzn-ErrorType");
        String body = null;
        // read to the end, so that the connection is kept for the next post
        try (InputStream in = status >= 400 ? http.getErrorStream() : http.getInputStream()) {
            byte[] bytes = in == null ? new byte[0] : in.readAllBytes();
            if (status < 200 || status >= 300) {
                body = new String(bytes, 0, Math.min(bytes.length, MAX_BODY_BYTES), StandardCharsets.UTF_8);
            }
        }
        return ConnectionsApi.classify(status, errorType, body);
    }

    private static URL url(URI base, String path) throws MalformedURLException {
        return new URL(base.getScheme(), base.getHost(), base.getPort(), path);
    }

    /**
     * Over HTTPS, one TLS handshake with the endpoint ahead of the first post ({@link EarlyHandshake}), which
     * waits for it if it is under way; once only, and not once a post was made. Run it on a thread of its own.
     */
    public void preconnect() {
        early.run();
    }

    /** Posts waiting for a thread. */
    int waiting() {
        return calls.getQueue().size();
    }

    /** Threads that post (for tests). */
    int threads() {
        return calls.getPoolSize();
    }

    @Override
    public void close() {
        calls.shutdown();
    }
}
