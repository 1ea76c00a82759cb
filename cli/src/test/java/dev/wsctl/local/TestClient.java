package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.Jackson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real WebSocket client (the JDK's) that queues every text message it receives. */
final class TestClient implements WebSocket.Listener, AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile String closeReason;
    private WebSocket socket;

    static TestClient connect(URI uri) {
        return connect(uri, Map.of());
    }

    static TestClient connect(URI uri, Map<String, String> headers) {
        return connect(uri, headers, new String[0]);
    }

    /** Connects offering {@code subprotocols} (none if empty), in order of preference. */
    static TestClient connect(URI uri, Map<String, String> headers, String... subprotocols) {
        TestClient client = new TestClient();
        client.socket = upgrade(uri, headers, subprotocols, client).join();
        return client;
    }

    /** The HTTP response to an upgrade the server refuses; fails if the upgrade is accepted or fails otherwise. */
    static HttpResponse<?> refusedHandshake(URI uri) {
        return refusedHandshake(uri, Map.of());
    }

    /** As {@link #refusedHandshake(URI)}, sending {@code headers} with the upgrade. */
    static HttpResponse<?> refusedHandshake(URI uri, Map<String, String> headers) {
        try {
            upgrade(uri, headers, new String[0], new TestClient()).join().abort();
        } catch (CompletionException e) {
            assertThat(e).as("upgrade to %s", uri).hasCauseInstanceOf(WebSocketHandshakeException.class);
            return ((WebSocketHandshakeException) e.getCause()).getResponse();
        }
        throw new AssertionError("upgrade to " + uri + " was accepted");
    }

    private static CompletableFuture<WebSocket> upgrade(
            URI uri, Map<String, String> headers, String[] subprotocols, TestClient listener) {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(WAIT);
        headers.forEach(builder::header);
        if (subprotocols.length > 0) {
            builder.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        return builder.buildAsync(uri, listener).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            frames.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason = reason;
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode.complete(-1);
    }

    void send(String text) {
        socket.sendText(text, true)
                .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
                .join();
    }

    /** Sends one message split into frames of {@code parts} pieces. */
    void sendFragmented(String text, int parts) {
        int size = (text.length() + parts - 1) / parts;
        for (int i = 0; i < text.length(); i += size) {
            boolean last = i + size >= text.length();
            socket.sendText(text.substring(i, Math.min(text.length(), i + size)), last)
                    .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
                    .join();
        }
    }

    /** Starts the close handshake with {@code code} and {@code reason}, waiting until the close frame is sent. */
    void sendClose(int code, String reason) {
        socket.sendClose(code, reason)
                .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
                .join();
    }

    /** The JDK socket itself, for what the methods here do not cover (binary frames, subprotocol, unawaited sends). */
    WebSocket socket() {
        return socket;
    }

    /** Sends a frame and returns the next one received, as JSON. */
    JsonNode request(String text) {
        send(text);
        return next();
    }

    JsonNode next() {
        String frame = nextText();
        try {
            return Jackson.mapper().readTree(frame);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + frame, e);
        }
    }

    /** The next text message, waiting up to {@link #WAIT} for it. */
    String nextText() {
        String frame = nextText(WAIT);
        if (frame == null) {
            throw new AssertionError("no frame within " + WAIT);
        }
        return frame;
    }

    String nextText(Duration wait) {
        try {
            return frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Everything that arrives within {@code quiet}; used to show that nothing (more) arrives. */
    List<String> drain(Duration quiet) {
        List<String> all = new ArrayList<>();
        for (String f; (f = nextText(quiet)) != null; ) {
            all.add(f);
        }
        return all;
    }

    /** The close code the server sent (or -1 on an error), waiting for it. */
    int awaitClose() {
        return closeCode.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** The reason of the server's close frame; null until it arrives. */
    String closeReason() {
        return closeReason;
    }

    boolean isClosed() {
        return closeCode.isDone();
    }

    /** Drops the TCP connection without a close handshake, like a killed client. */
    void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        try {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
            }
            closeCode.get(2, TimeUnit.SECONDS);
        } catch (Exception handshakeUnfinished) {
            // the socket is dropped below either way
        } finally {
            socket.abort();
        }
    }
}
