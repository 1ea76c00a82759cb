package dev.wsctl.awshttp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.wsctl.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A container credentials endpoint on 127.0.0.1, as Lambda gives SnapStart functions one
 * ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI} with {@code AWS_CONTAINER_AUTHORIZATION_TOKEN}: "Using SnapStart with AWS
 * SDKs", https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html#snapstart-credentials). What a request
 * and an answer look like is the SDKs' container credential provider's contract
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html): a GET of the full URI whose
 * {@code Authorization} header is the token, answered with {@code AccessKeyId}, {@code SecretAccessKey},
 * {@code Token} and {@code Expiration} (ISO 8601) in JSON. A request without the token is refused with 401.
 *
 * <p>Every answer is a new set of credentials (access key ids {@code ASIACONTAINER0001}, {@code …0002}, …) that expires
 * {@link #lifetime} after it was handed out, so that a client's refresh shows. Every request is recorded.
 */
public final class ContainerCredentialsEndpoint implements AutoCloseable {
    /** The path of the full URI (Lambda's is its own; clients take whatever the variable says). */
    static final String PATH = "/2018-06-01/credentials";

    private static final String ACCESS_KEY_PREFIX = "ASIACONTAINER";

    /**
     * One request: when it came, whether it carried the token, and the access key id handed out (null when refused).
     */
    public record Fetch(Instant at, boolean authorized, String accessKeyId) {}

    private final HttpServer server;
    private final String token = UUID.randomUUID().toString();
    private final List<Fetch> fetches = new CopyOnWriteArrayList<>();
    private final Duration lifetime;

    /**
     * @param lifetime how long each set of credentials lasts. The SDK's ContainerCredentialsProvider (2.57) treats
     *                 credentials as stale one minute before their expiry and prefetches them 15 minutes before it,
     *                 that time moved later by a random jitter, to two minutes before the expiry at the latest
     *                 (CachedSupplier); so with a lifetime of two minutes or less every use after the first fetches
     *                 again, one caller at a time, and with more than a minute none has to wait for it.
     */
    public ContainerCredentialsEndpoint(Duration lifetime) throws IOException {
        this.lifetime = lifetime;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "container-credentials");
            t.setDaemon(true);
            return t;
        }));
        server.createContext(PATH, this::handle);
        server.start();
    }

    /** The variables Lambda sets for a SnapStart function: the full URI and the authorization token. */
    public Map<String, String> environment() {
        return Map.of(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", uri().toString(), "AWS_CONTAINER_AUTHORIZATION_TOKEN", token);
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PATH);
    }

    public String token() {
        return token;
    }

    /** Every request so far, in order. */
    public List<Fetch> fetches() {
        return List.copyOf(fetches);
    }

    /** The requests that carried the token and were given credentials. */
    public List<Fetch> handedOut() {
        return fetches.stream().filter(Fetch::authorized).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Instant now = Instant.now();
            boolean authorized = "GET".equals(exchange.getRequestMethod())
                    && token.equals(exchange.getRequestHeaders().getFirst("Authorization"));
            if (!authorized) {
                fetches.add(new Fetch(now, false, null));
                respond(exchange, 401, "{\"message\":\"Authorization header does not match the token\"}");
                return;
            }
            String accessKeyId;
            synchronized (fetches) {
                accessKeyId =
                        String.format("%s%04d", ACCESS_KEY_PREFIX, handedOut().size() + 1);
                fetches.add(new Fetch(now, true, accessKeyId));
            }
            ObjectNode body = Json.object();
            body.put("AccessKeyId", accessKeyId);
            body.put("SecretAccessKey", "container-secret-" + accessKeyId);
            body.put("Token", "container-session-" + accessKeyId);
            body.put(
                    "Expiration",
                    now.plus(lifetime).truncatedTo(ChronoUnit.SECONDS).toString());
            respond(exchange, 200, body.toString());
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
