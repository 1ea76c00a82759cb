package dev.wsctl.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * One client connection to a stack, as a person's app would open it: the JDK's WebSocket, text frames
 * queued as they arrive. What {@code wsctl listen} and {@code wsctl smoke} use; every failure is an
 * {@link IOException} whose message is one readable sentence, with any token in the URL redacted.
 */
public final class ClientSocket implements AutoCloseable {
    private volatile int closeCode = -1;

    /** What the queue holds after the server closed the connection or it broke. */
    private record Closed(String why) {}

    /** The stack answered the upgrade with an HTTP status instead of 101, e.g. 401 from its authorizer. */
    public static final class Refused extends IOException {
        private final int status;

        Refused(String url, int status, Throwable cause) {
            super("Could not connect to " + url + ": " + refusal(status), cause);
            this.status = status;
        }

        public int status() {
            return status;
        }

        /** "the stack refused the connection: 401 Unauthorized" */
        public String refusal() {
            return refusal(status);
        }

        private static String refusal(int status) {
            return "the stack refused the connection: " + status
                    + switch (status) {
                        case 401 -> " Unauthorized";
                        case 403 -> " Forbidden";
                        case 404 -> " Not Found";
                        case 429 -> " Too Many Requests";
                        case 500 -> " Internal Server Error";
                        case 503 -> " Service Unavailable";
                        default -> "";
                    };
        }
    }

    private final String shown;
    private final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();
    private WebSocket socket;

    private ClientSocket(URI url) {
        this.shown = ClientUrl.shown(url);
    }

    /** Connects to {@code url}, waiting up to {@code timeout} for the upgrade. */
    public static ClientSocket connect(URI url, Duration timeout) throws IOException {
        ClientSocket client = new ClientSocket(url);
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        try {
            client.socket = http.newWebSocketBuilder()
                    .connectTimeout(timeout)
                    .buildAsync(url, client.new Listener())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return client;
        } catch (TimeoutException e) {
            throw connectFailure(url, timeout, e);
        } catch (ExecutionException e) {
            throw connectFailure(url, timeout, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while connecting to " + client.shown, e);
        } catch (IllegalArgumentException e) {
            throw new IOException(
                    "Could not connect to " + client.shown + ": "
                            + String.valueOf(e.getMessage()).replace(url.toString(), client.shown),
                    e);
        }
    }

    /**
     * Why opening a WebSocket to {@code url} failed, in one sentence ({@link Refused} when the stack answered
     * with an HTTP status), for every client wsctl opens.
     *
     * @param timeout how long the opener waited, for a {@link TimeoutException}
     */
    public static IOException connectFailure(URI url, Duration timeout, Throwable cause) {
        String shown = ClientUrl.shown(url);
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof WebSocketHandshakeException h) {
                return new Refused(shown, h.getResponse().statusCode(), cause);
            }
        }
        if (cause instanceof TimeoutException) {
            return new IOException(
                    "Could not connect to " + shown + ": no answer within " + timeout.toMillis() + " ms", cause);
        }
        return new IOException("Could not connect to " + shown + ": " + reason(cause), cause);
    }

    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused (is the stack running?)";
            }
            if (t instanceof HttpTimeoutException) {
                return "timed out";
            }
            if (t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return "unknown host";
            }
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** The close code the server sent, once it has closed the connection; empty before, or when it broke. */
    public OptionalInt closeCode() {
        int code = closeCode;
        return code < 0 ? OptionalInt.empty() : OptionalInt.of(code);
    }

    /** The URL connected to, for messages: any token redacted. */
    public String shownUrl() {
        return shown;
    }

    public void send(String text) throws IOException {
        try {
            socket.sendText(text, true).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(
                    "Could not send to " + shown + ": " + reason(e.getCause() != null ? e.getCause() : e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while sending to " + shown, e);
        }
    }

    /**
     * The next text frame, waiting until {@code deadline} (System.nanoTime()); null when none came in time.
     *
     * @throws IOException when the connection closed
     */
    public String nextText(long deadline) throws IOException, InterruptedException {
        Object next = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (next instanceof Closed c) {
            frames.add(c); // every later read sees it too
            throw new IOException("The connection to " + shown + " closed: " + c.why());
        }
        return (String) next;
    }

    /** The next frame as JSON (a frame that is not JSON as a JSON string); null when none came before {@code deadline}. */
    public JsonNode next(long deadline) throws IOException, InterruptedException {
        String text = nextText(deadline);
        return text == null ? null : parse(text);
    }

    /** The first frame matching {@code wanted} before {@code deadline}, dropping the others; null when none came. */
    public JsonNode await(Predicate<JsonNode> wanted, long deadline) throws IOException, InterruptedException {
        for (JsonNode frame; (frame = next(deadline)) != null; ) {
            if (wanted.test(frame)) {
                return frame;
            }
        }
        return null;
    }

    /**
     * Sends {@code frame} and waits for its answer: the first frame of type {@code type} that {@code answers}
     * accepts; an error frame, or none before {@code deadline}, is an IOException that says so.
     */
    public JsonNode ask(ObjectNode frame, String type, Predicate<JsonNode> answers, long deadline)
            throws IOException, InterruptedException {
        send(Json.write(frame));
        JsonNode answer = await(
                f -> f.path("type").asText().equals("error")
                        || f.path("type").asText().equals(type) && answers.test(f),
                deadline);
        String asked = frame.path("action").asText()
                + (frame.has("channel") ? " " + frame.get("channel").asText() : "");
        if (answer == null) {
            throw new IOException("The stack at " + shown + " did not answer " + asked + " with " + type + " in time.");
        }
        if (answer.path("type").asText().equals("error")) {
            throw new IOException(
                    "The stack refused " + asked + ": " + answer.path("code").asText() + ": "
                            + answer.path("message").asText());
        }
        return answer;
    }

    /** An action frame: {@code {"action": action, "channel": channel}}. */
    public static ObjectNode action(String action, String channel) {
        ObjectNode frame = Json.object();
        frame.put("action", action);
        frame.put("channel", channel);
        return frame;
    }

    /** A frame's text as JSON; text that is not JSON becomes a JSON string, so every frame prints as one JSON value. */
    public static JsonNode parse(String text) {
        try {
            JsonNode node = Jackson.mapper().readTree(text);
            return node == null || node.isMissingNode() ? TextNode.valueOf(text) : node;
        } catch (IOException e) {
            return TextNode.valueOf(text);
        }
    }

    @Override
    public void close() {
        if (socket == null) {
            return;
        }
        try {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
            }
        } catch (Exception unfinished) {
            // dropped below either way
        } finally {
            socket.abort();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closeCode = statusCode;
            frames.add(
                    new Closed("code " + statusCode + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")")));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            frames.add(new Closed(reason(error)));
        }
    }
}
