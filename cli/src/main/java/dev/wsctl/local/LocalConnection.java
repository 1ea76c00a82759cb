package dev.wsctl.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One client socket: what API Gateway remembers about it (the upgrade request, timestamps, authorizer
 * context) and the Jetty endpoint that feeds its frames to the gateway.
 *
 * <p>Jetty calls the listener methods on its own threads; they only record and enqueue, never invoke an
 * integration, because integrations call back into the {@code @connections} API of this same server.
 *
 * <p>What waits in either direction is bounded ({@link Limits}): bytes queued for a client that does not read
 * them, and messages from a client waiting for their integration. Beyond a bound the socket is closed with
 * {@link #SLOW_CONSUMER} or {@link #TOO_MANY_MESSAGES}, and dropped if the client does not answer that close.
 *
 * <p>Public only because Jetty looks up the listener methods with a public lookup; nothing outside this
 * package can create or use one.
 */
public final class LocalConnection implements Session.Listener.AutoDemanding {

    record CloseCause(int code, String reason) {}

    /** More than {@link Limits#maxOutboundBytes()} would wait for the client: 1013 "Try Again Later" (RFC 6455 registry). */
    static final CloseCause SLOW_CONSUMER = new CloseCause(1013, "Slow consumer");
    /** More messages or bytes from the client than {@link Limits} lets wait for their integration: 1008 "Policy Violation". */
    static final CloseCause TOO_MANY_MESSAGES = new CloseCause(1008, "Too many messages waiting");

    final LocalGateway gateway;
    final String id;
    final long connectedAt;
    final Map<String, List<String>> headers;
    final Map<String, List<String>> query;
    final String sourceIp;
    final String userAgent;
    final String domainName;
    /** {@code requestContext.authorizer} of every event, once an authorizer allowed the connection. */
    volatile ObjectNode authorizer;
    /** The subprotocol that {@code $connect} chose by returning a Sec-WebSocket-Protocol header. */
    volatile String subprotocol;
    /** Set once the authorizer and {@code $connect} accepted the connection and the 101 response is on its way. */
    volatile boolean admitted;
    /** Completes once the {@code $disconnect} invocation has finished (or was skipped). */
    final CompletableFuture<Void> disconnected = new CompletableFuture<>();

    private final Limits limits;
    private final Object sendLock = new Object();
    /** UTF-8 bytes handed to Jetty and not yet written to the socket (or failed). */
    private final AtomicLong outboundBytes = new AtomicLong();
    /** Messages posted after the 101 response and before Jetty opened the socket; guarded by {@link #sendLock}. */
    private final List<String> beforeOpen = new ArrayList<>();
    /** Messages received and not yet handled by their integration, and their UTF-8 bytes. */
    private final AtomicInteger inboundMessages = new AtomicInteger();

    private final AtomicLong inboundBytes = new AtomicLong();
    /** Set once a bound was exceeded: nothing more is sent or accepted. */
    private final AtomicBoolean overLimit = new AtomicBoolean();

    private volatile long lastActiveAt;
    private volatile Session session;
    private volatile CloseCause serverCause;
    private volatile ScheduledFuture<?> expiry;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Tail of this connection's work queue: each task starts when the previous one has finished. */
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    LocalConnection(
            LocalGateway gateway,
            String id,
            long connectedAt,
            Map<String, List<String>> headers,
            Map<String, List<String>> query,
            String sourceIp,
            String userAgent,
            String domainName,
            Limits limits) {
        this.gateway = gateway;
        this.id = id;
        this.connectedAt = connectedAt;
        this.lastActiveAt = connectedAt;
        this.headers = headers;
        this.query = query;
        this.sourceIp = sourceIp;
        this.userAgent = userAgent;
        this.domainName = domainName;
        this.limits = limits;
    }

    long lastActiveAt() {
        return lastActiveAt;
    }

    void expireWith(ScheduledFuture<?> task) {
        expiry = task;
        if (closed.get()) task.cancel(false);
    }

    /** Runs {@code task} on {@code executor} after every task enqueued before it, in arrival order. */
    void serial(Executor executor, Runnable task) {
        synchronized (this) {
            tail = tail.handleAsync(
                    (ignored, failure) -> {
                        task.run();
                        return null;
                    },
                    executor);
        }
    }

    /**
     * Queues a text message without waiting for the socket; false when the connection is no longer open, is
     * being closed by the server, or when the message would take the bytes waiting for this client above
     * {@link Limits#maxOutboundBytes()} (the connection is then closed with {@link #SLOW_CONSUMER}).
     * Between the 101 response and Jetty opening the socket, messages wait and go out first once it opens: a
     * client that has its 101 can be posted to, as on API Gateway.
     * A message above the frame limit goes out in frames of at most that size, as API Gateway sends it
     * (Jetty refuses to send a bigger frame, since auto-fragmentation is off to enforce the limit inbound).
     */
    boolean send(String text) {
        // one sender at a time, so the fragments of a message are never interleaved with another message
        synchronized (sendLock) {
            Session s = session;
            if (!admitted || closed.get() || serverCause != null || (s != null && !s.isOpen())) return false;
            long bytes = utf8Length(text);
            if (outboundBytes.get() + bytes > limits.maxOutboundBytes()) {
                exceeded(SLOW_CONSUMER);
                return false;
            }
            outboundBytes.addAndGet(bytes);
            if (s == null) beforeOpen.add(text);
            else write(s, text, bytes);
        }
        return true;
    }

    /** Hands {@code text}, already counted in {@link #outboundBytes}, to Jetty; called holding {@link #sendLock}. */
    private void write(Session s, String text, long bytes) {
        int maxFrameBytes = limits.maxFrameBytes();
        if (bytes <= maxFrameBytes) {
            s.sendText(text, written(bytes));
            return;
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        for (int start = 0; start < utf8.length; ) {
            int end = Math.min(start + maxFrameBytes, utf8.length);
            while (end < utf8.length && (utf8[end] & 0xC0) == 0x80) end--; // never split a character
            s.sendPartialText(
                    new String(utf8, start, end - start, StandardCharsets.UTF_8),
                    end == utf8.length,
                    written(end - start));
            start = end;
        }
    }

    /** Bytes now waiting for this client: never above {@link Limits#maxOutboundBytes()}. */
    long outboundBytes() {
        return outboundBytes.get();
    }

    /** Jetty completes a frame's callback once the frame is written, or failed when the socket closes first. */
    private Callback written(long bytes) {
        Runnable release = () -> outboundBytes.addAndGet(-bytes);
        return Callback.from(release, failure -> release.run());
    }

    /**
     * Counts a received message in until {@link #handled(long)}; false when it would take this connection above
     * {@link Limits#maxInboundMessages()} or {@link Limits#maxInboundBytes()} (the connection is then closed with
     * {@link #TOO_MANY_MESSAGES}) or when a bound was already exceeded: the message is dropped.
     */
    boolean accept(long bytes) {
        if (overLimit.get()) return false;
        if (inboundMessages.incrementAndGet() > limits.maxInboundMessages()
                || inboundBytes.addAndGet(bytes) > limits.maxInboundBytes()) {
            exceeded(TOO_MANY_MESSAGES);
            return false; // the counts stay up: nothing more is accepted
        }
        return true;
    }

    /** The message counted in by {@link #accept(long)} has been handled. */
    void handled(long bytes) {
        inboundMessages.decrementAndGet();
        inboundBytes.addAndGet(-bytes);
    }

    private void exceeded(CloseCause cause) {
        if (overLimit.compareAndSet(false, true)) gateway.closeOverLimit(this, cause);
    }

    /** UTF-8 length of {@code text} without encoding it. */
    static long utf8Length(String text) {
        long bytes = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x800) bytes += Character.isSurrogate(c) ? 1 : 2; // a pair is 4 bytes for 2 chars; others 3 for 1
            else if (c >= 0x80) bytes += 1;
        }
        return bytes;
    }

    /** Starts a server-side close; the $disconnect event reports this code and reason. */
    void closeFromServer(int code, String reason) {
        if (serverCause == null) serverCause = new CloseCause(code, reason);
        Session s = session;
        if (s != null) // else the socket is closed as soon as it opens
        s.close(code, reason, Callback.NOOP);
    }

    /** Drops the TCP connection without a close handshake, for sockets that do not answer one. */
    void abort() {
        Session s = session;
        if (s != null) s.disconnect();
    }

    /**
     * The 101 response to an admitted upgrade could not be written (the client reset its socket while
     * {@code $connect} ran): Jetty never opens this connection, so its {@code $disconnect} runs now, as after
     * an abrupt close.
     */
    void upgradeFailed() {
        if (admitted && session == null && closed.compareAndSet(false, true))
            gateway.closed(this, new CloseCause(1006, ""));
    }

    @Override
    public void onWebSocketOpen(Session s) {
        synchronized (sendLock) {
            session = s;
            for (String text : beforeOpen) write(s, text, utf8Length(text));
            beforeOpen.clear();
        }
        CloseCause cause = serverCause;
        if (cause != null) // closed (DELETE, a bound, the gateway stopping) before it opened
        s.close(cause.code(), cause.reason(), Callback.NOOP);
        s.addIdleTimeoutListener(timeout -> {
            if (serverCause != null)
                return true; // our close went unanswered for a whole idle period: let Jetty drop the socket
            // rather than Jetty's own idle close ("Connection Idle Timeout"), API Gateway's "Going away"
            closeFromServer(1001, "Going away");
            return false;
        });
        gateway.opened(this);
    }

    @Override
    public void onWebSocketText(String text) {
        lastActiveAt = System.currentTimeMillis();
        gateway.received(this, text, false);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        lastActiveAt = System.currentTimeMillis();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        callback.succeed();
        gateway.received(this, Base64.getEncoder().encodeToString(bytes), true);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        // Jetty follows every error with onWebSocketClose, which is where $disconnect starts.
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        callback.succeed();
        if (!closed.compareAndSet(false, true)) return;
        ScheduledFuture<?> task = expiry;
        if (task != null) task.cancel(false);
        CloseCause cause = serverCause != null ? serverCause : new CloseCause(statusCode, reason);
        gateway.closed(this, cause);
    }
}
