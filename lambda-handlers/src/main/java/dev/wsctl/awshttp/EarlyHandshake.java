package dev.wsctl.awshttp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One TLS handshake with an HTTPS endpoint ahead of a client's first request, on a connection of its own that
 * is closed without a request: the JDK's TLS context and handshake code are loaded and have run (and the
 * session can be resumed) by the time the client's first request opens its connection: the store's DynamoDB client
 * ({@link dev.wsctl.store.DynamoDbJsonClient#preconnect()}). A function that started cold on demand runs it on a thread of its own
 * while init and its first event go on; the client's first request
 * waits for a handshake under way rather than make a second cold one beside it on a
 * busy CPU ({@link #beforeRequest()}). Once only, and not once a request has begun; over plain HTTP nothing. A
 * failure is no error: the request reports what is wrong.
 */
public final class EarlyHandshake {
    private final URI endpoint;
    /** null: the JDK's default, resolved here rather than by the client's constructor */
    private final SSLSocketFactory tls;

    private final int timeoutMillis;
    private final AtomicBoolean started = new AtomicBoolean();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Set by the client's first request: a handshake ahead of it is pointless from then on. */
    private volatile boolean requested;

    public EarlyHandshake(URI endpoint, SSLSocketFactory tls, int timeoutMillis) {
        this.endpoint = endpoint;
        this.tls = tls;
        this.timeoutMillis = timeoutMillis;
    }

    /** Makes the handshake, unless it was made, a request has begun, or the endpoint is plain HTTP. */
    public void run() {
        if (requested || !"https".equals(endpoint.getScheme()) || !started.compareAndSet(false, true)) {
            return;
        }
        int port = endpoint.getPort() == -1 ? 443 : endpoint.getPort();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(endpoint.getHost(), port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            SSLSocketFactory factory = tls != null ? tls : HttpsURLConnection.getDefaultSSLSocketFactory();
            try (SSLSocket layered = (SSLSocket) factory.createSocket(socket, endpoint.getHost(), port, true)) {
                SSLParameters parameters = layered.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                layered.setSSLParameters(parameters);
                layered.startHandshake();
            }
        } catch (IOException | RuntimeException e) {
            // only time was to be saved
        } finally {
            done.complete(null);
        }
    }

    /**
     * Called by the client before each request: the first waits (at most the timeout) for a handshake under
     * way; any other returns at once.
     */
    public void beforeRequest() {
        if (requested) {
            return;
        }
        requested = true;
        if (!started.get() || done.isDone()) {
            return;
        }
        try {
            done.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // the request connects on its own
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
