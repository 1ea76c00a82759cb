package dev.wsctl.connections;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * An @connections endpoint on 127.0.0.1 that answers like API Gateway: 200 for live connections,
 * 410 GoneException for unknown ones, 429 LimitExceededException while a connection is throttled, 413
 * PayloadTooLargeException for a body above {@link #MAX_PAYLOAD_BYTES}.
 * It records what each connection received, every request's signing headers, and the highest number of
 * calls in flight.
 */
public final class FakeConnectionsEndpoint implements AutoCloseable {
    /**
     * API Gateway's WebSocket "message payload size" quota, 128 KB, which applies to @connections posts too
     * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html);
     * PostToConnection answers a larger one with PayloadTooLargeException
     * (https://docs.aws.amazon.com/botocore/latest/reference/services/apigatewaymanagementapi/client/exceptions/PayloadTooLargeException.html).
     */
    public static final int MAX_PAYLOAD_BYTES = 128 * 1024;

    private final HttpServer server;
    /** Connections that answer 200; every other id answers 410. */
    public final Set<String> live = ConcurrentHashMap.newKeySet();

    public final Map<String, AtomicInteger> throttleNext = new ConcurrentHashMap<>();
    /** Connections whose posts are delivered but answered 500, as when API Gateway fails after delivery. */
    public final Set<String> failAfterDelivery = ConcurrentHashMap.newKeySet();

    public final Map<String, List<byte[]>> received = new ConcurrentHashMap<>();
    public final Queue<Seen> requests = new ConcurrentLinkedQueue<>();
    final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();
    public final AtomicInteger calls = new AtomicInteger();
    public volatile long delayMillis;
    private final List<ConnectionsApi> clients = new CopyOnWriteArrayList<>();

    public FakeConnectionsEndpoint() throws IOException {
        this(0, null);
    }

    /** On {@code port} (0: a free one). */
    public FakeConnectionsEndpoint(int port) throws IOException {
        this(port, null);
    }

    /** Over HTTPS with {@code tls}'s key (as API Gateway is), or plain HTTP when {@code tls} is null. */
    public FakeConnectionsEndpoint(SSLContext tls) throws IOException {
        this(0, tls);
    }

    private FakeConnectionsEndpoint(int port, SSLContext tls) throws IOException {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        if (tls == null) {
            server = HttpServer.create(address, 512);
        } else {
            HttpsServer https = HttpsServer.create(address, 512);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.setExecutor(Executors.newFixedThreadPool(64));
        server.createContext("/test/@connections/", this::handle);
        server.start();
    }

    /** {@code http(s)://127.0.0.1:<port>/test}, the stage URL a function gets as its callback URL. */
    public URI callbackUrl() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/test");
    }

    /** One request as it arrived; header names in lower case, {@code null} for a header that was absent. */
    public record Seen(String method, String rawPath, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    static final String ACCESS_KEY = "AKIDTESTFANOUT";
    static final String SECRET_KEY = "test-secret-not-a-real-one";

    /** A client that signs with {@link #ACCESS_KEY} / {@link #SECRET_KEY}. */
    public ConnectionsApi client() {
        return client(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)));
    }

    ConnectionsApi anonymousClient() {
        return client(AnonymousCredentialsProvider.create());
    }

    /** Each client is closed with the endpoint. */
    public ConnectionsApi client(AwsCredentialsProvider credentials) {
        ConnectionsApi api = new ConnectionsApi(callbackUrl(), 256, Region.US_EAST_1, credentials);
        clients.add(api);
        return api;
    }

    /** The bodies {@code connectionId} was delivered, in order. */
    public List<byte[]> received(String connectionId) {
        return received.getOrDefault(connectionId, List.of());
    }

    private void handle(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        calls.incrementAndGet();
        boolean counted = true;
        try (exchange) {
            String raw = exchange.getRequestURI().getRawPath();
            String id = URLDecoder.decode(raw.substring(raw.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, String> headers = new java.util.TreeMap<>();
            exchange.getRequestHeaders()
                    .forEach((name, values) ->
                            headers.put(name.toLowerCase(java.util.Locale.ROOT), String.join(",", values)));
            requests.add(new Seen(exchange.getRequestMethod(), raw, headers, body));
            if (delayMillis > 0) {
                // a slow endpoint, which tests set up on purpose
                Thread.sleep(delayMillis);
            }
            int status = 200;
            String type = null;
            String answer = null;
            AtomicInteger throttles = throttleNext.get(id);
            if (body.length > MAX_PAYLOAD_BYTES) {
                status = 413;
                type = "PayloadTooLargeException";
                answer = "{\"message\":\"Request entity too large\"}";
            } else if (throttles != null && throttles.getAndDecrement() > 0) {
                status = 429;
                type = "LimitExceededException";
                answer = "{\"message\":\"Rate exceeded\"}";
            } else if (!live.contains(id)) {
                status = 410;
                type = "GoneException";
                answer = "{\"message\":null}";
            } else {
                received.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(body);
                if (failAfterDelivery.contains(id)) {
                    status = 500;
                    type = "InternalServerErrorException";
                    answer = "{\"message\":\"Internal server error\"}";
                }
            }
            // before answering: the client may start its next call as soon as it has the answer
            inFlight.decrementAndGet();
            counted = false;
            if (type == null) {
                exchange.sendResponseHeaders(status, -1);
            } else {
                reply(exchange, status, type, answer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (counted) {
                inFlight.decrementAndGet();
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("x-amzn-ErrorType", type);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        clients.forEach(ConnectionsApi::close);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
