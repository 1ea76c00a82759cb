package dev.wsctl.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.wsctl.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;

/**
 * An application's webhook endpoint on 127.0.0.1, over HTTPS with a test certificate or plain HTTP: it checks each
 * POST's {@code X-Wsctl-Signature} with its own HMAC (javax.crypto, written from the documented scheme, not with
 * wsctl's code), answers 401 to a bad one, and otherwise the status its {@link #answers} gives (200 unless set),
 * recording every correctly signed body it answered 2xx as {@link #accepted} and every request as {@link #posts}.
 */
public final class WebhookReceiver implements AutoCloseable {
    private final HttpServer server;
    private final String secret;
    private final String scheme;
    /** The status of the next answer to a correctly signed post. */
    public volatile IntSupplier answers = () -> 200;
    /** Bodies answered 2xx, in arrival order. */
    public final List<byte[]> accepted = new CopyOnWriteArrayList<>();
    /** Every post: its body, and whether its signature was right. */
    public final List<Post> posts = new CopyOnWriteArrayList<>();

    public final AtomicInteger badSignatures = new AtomicInteger();

    public record Post(byte[] body, boolean signedRight, String contentType) {}

    public WebhookReceiver(String secret, SSLContext tls) throws IOException {
        this.secret = secret;
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
        if (tls == null) {
            server = HttpServer.create(address, 64);
            scheme = "http";
        } else {
            HttpsServer https = HttpsServer.create(address, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
            scheme = "https";
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    /** The answers, in turn: the first {@code failures} posts get {@code status}, every later one 200. */
    public void failFirst(int failures, int status) {
        AtomicInteger n = new AtomicInteger();
        answers = () -> n.getAndIncrement() < failures ? status : 200;
    }

    public URI url() {
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/hooks?app=test");
    }

    /** The events of every accepted body, in order. */
    public List<JsonNode> acceptedEvents() {
        List<JsonNode> events = new ArrayList<>();
        for (byte[] body : accepted) {
            try {
                Json.read(body).path("events").forEach(events::add);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return events;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        String header = exchange.getRequestHeaders().getFirst("X-Wsctl-Signature");
        boolean right = header != null
                && MessageDigest.isEqual(
                        header.getBytes(StandardCharsets.US_ASCII),
                        ("sha256=" + hmac(body)).getBytes(StandardCharsets.US_ASCII))
                && "/hooks".equals(exchange.getRequestURI().getPath())
                && "app=test".equals(exchange.getRequestURI().getRawQuery());
        posts.add(new Post(body, right, exchange.getRequestHeaders().getFirst("Content-Type")));
        int status;
        String answer;
        if (!right) {
            badSignatures.incrementAndGet();
            status = 401;
            answer = "bad signature";
        } else {
            status = answers.getAsInt();
            answer = status / 100 == 2 ? "thanks" : "not now (" + status + ")";
            if (status / 100 == 2) {
                accepted.add(body);
            }
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String hmac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
