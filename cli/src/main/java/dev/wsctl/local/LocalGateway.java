package dev.wsctl.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.connections.ConnectionsEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

/**
 * A local stand-in for an API Gateway WebSocket API with Lambda proxy integrations, on one port:
 *
 * <ul>
 *   <li>{@code ws://host:port/{stage}}: WebSocket clients. The {@code $connect} integration (and the
 *       authorizer, if any) runs before the upgrade completes and can refuse it; messages are routed by
 *       {@code $request.body.action} with {@code $default} as fallback; {@code $disconnect} runs once per
 *       connection, however it ends.</li>
 *   <li>{@code http://host:port/{stage}/@connections/{id}}: the management API, for the AWS SDK's
 *       ApiGatewayManagementApi client with {@code endpointOverride(callbackUri())}.</li>
 *   <li>{@code http://host:port/} and {@code /index.html}: the demo page, when the builder asked for it
 *       ({@link Builder#demoPage(boolean)}); API Gateway has nothing there.</li>
 *   <li>{@code http://host:port/metrics}: the stack's metrics in Prometheus text format, when the builder has them
 *       ({@link Builder#metrics}).</li>
 * </ul>
 *
 * <p>{@code requestContext.domainName} is the host of the client's Host header without its port (as on AWS,
 * where it never has one), so the callback endpoint is {@code "http://" + domainName + ":" + port() + "/" + stage},
 * which is {@link #callbackUri()} for clients that connected through {@link #websocketUri()}.
 *
 * <p>Integrations run on a bounded pool of invoker threads, never on Jetty's: a handler that calls
 * {@code @connections} on this server needs a free Jetty thread to answer it. Each connection's messages
 * are handled one after the other in arrival order, and its {@code $disconnect} after all of them. What waits
 * for a connection, in either direction, is bounded by {@link Limits} (docs/local-gateway.md).
 */
public final class LocalGateway implements AutoCloseable {

    static final String CONNECT = "$connect";
    static final String DISCONNECT = "$disconnect";
    static final String DEFAULT = "$default";
    /** Where {@link Builder#metrics} are served (a stage of that name is served first, at the same path). */
    public static final String METRICS_PATH = "/metrics";

    /** How long {@link #close()} lets clients answer the close handshake before dropping their sockets. */
    private static final Duration CLOSE_HANDSHAKE_WAIT = Duration.ofSeconds(2);
    /** How long {@link #close()} then waits for the remaining {@code $disconnect} invocations. */
    private static final Duration DISCONNECT_WAIT = Duration.ofSeconds(10);

    private final String host;
    private final String stage;
    private final Limits limits;
    private final Map<String, Integration> routes;
    private final Integration authorizer;
    private final GatewayEvents events;
    private final DemoPage demoPage;
    private final LocalMetrics metrics;

    private final ConcurrentHashMap<String, LocalConnection> connections = new ConcurrentHashMap<>();
    private final ExecutorService invoker;
    /** The invoker, or the calling thread once the invoker is shut down, so a late $disconnect still runs. */
    private final Executor invokeExecutor;

    private final ScheduledThreadPoolExecutor scheduler;

    private final Server server;
    private final ServerConnector connector;
    private final ServerWebSocketContainer container;
    private final ManagementApi management;

    private volatile boolean closing;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalGateway(Builder b) {
        this.host = b.host;
        this.stage = b.stage;
        this.limits = b.limits;
        this.routes = Map.copyOf(b.routes);
        this.authorizer = b.authorizer;
        this.events = new GatewayEvents(b.stage, b.apiId);
        this.demoPage = b.demoPage ? DemoPage.forStage(b.stage) : null;
        this.metrics = b.metrics;

        this.invoker = Executors.newFixedThreadPool(b.invokerThreads, daemonThreads("wsctl-invoker-"));
        this.invokeExecutor = task -> {
            try {
                invoker.execute(task);
            } catch (RejectedExecutionException e) {
                task.run();
            }
        };
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("wsctl-gateway-timer-"));
        scheduler.setRemoveOnCancelPolicy(true);

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("wsctl-gateway");
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(b.host);
        connector.setPort(b.port);
        server.addConnector(connector);

        this.container = ServerWebSocketContainer.ensure(server);
        container.setMaxFrameSize(limits.maxFrameBytes());
        // With auto-fragmentation on, Jetty would split an oversized frame instead of refusing it with 1009.
        container.setAutoFragment(false);
        container.setMaxTextMessageSize(limits.maxMessageBytes());
        container.setMaxBinaryMessageSize(limits.maxMessageBytes());
        container.setIdleTimeout(limits.idleTimeout());

        this.management = new ManagementApi(connections::get, limits.maxMessageBytes());
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return dispatch(request, response, callback);
            }
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    public LocalGateway start() throws Exception {
        if (closed.get()) throw new IllegalStateException("gateway is closed");
        try {
            server.start();
        } catch (Exception e) {
            close(); // e.g. the port is taken: release the threads already created
            throw e;
        }
        return this;
    }

    /** The port actually bound (useful after {@code port(0)}). */
    public int port() {
        int port = connector.getLocalPort();
        if (port <= 0) throw new IllegalStateException("gateway is not started");
        return port;
    }

    /** The address and port bound, e.g. {@code 127.0.0.1} for host {@code localhost}, or the wildcard address. */
    public InetSocketAddress boundAddress() {
        if (!(connector.getTransport() instanceof ServerSocketChannel channel))
            throw new IllegalStateException("gateway is not started");
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("gateway is not listening", e);
        }
    }

    public String stage() {
        return stage;
    }

    public Limits limits() {
        return limits;
    }

    /** {@code ws://host:port/stage}: where clients connect. */
    public URI websocketUri() {
        return URI.create("ws://" + uriHost() + ":" + port() + "/" + stage);
    }

    /** {@code http://host:port/stage}: the endpoint of the {@code @connections} API. */
    public URI callbackUri() {
        return URI.create("http://" + uriHost() + ":" + port() + "/" + stage);
    }

    /** {@code http://host:port/}: the demo page, when there is one. */
    public URI demoPageUri() {
        return URI.create("http://" + uriHost() + ":" + port() + "/");
    }

    /** PostToConnection from this process: see {@link GatewayEndpoint}. */
    ConnectionsEndpoint.Answer post(String connectionId, ConnectionsEndpoint.Payload payload) {
        return management.post(connectionId, payload);
    }

    /** A snapshot of the ids of the open connections. */
    public Set<String> connectionIds() {
        return Set.copyOf(connections.keySet());
    }

    public int connectionCount() {
        return connections.size();
    }

    /** The open connection with this id, or null. */
    LocalConnection connection(String connectionId) {
        return connections.get(connectionId);
    }

    /**
     * Closes every socket with 1001 "Going away", waits (bounded) for their {@code $disconnect} invocations,
     * then stops the server and the invoker threads. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        closing = true;
        Exception failure = null;
        try {
            if (server.isStarted()) {
                List<LocalConnection> open = List.copyOf(connections.values());
                open.forEach(c -> c.closeFromServer(1001, "Going away"));
                if (!await(open, CLOSE_HANDSHAKE_WAIT)) {
                    open.forEach(LocalConnection::abort);
                    await(open, DISCONNECT_WAIT);
                }
            }
            server.stop();
        } catch (Exception e) {
            failure = e;
        } finally {
            invoker.shutdown();
            try {
                // sockets that Jetty closed while stopping queued their $disconnect just now
                invoker.awaitTermination(DISCONNECT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            invoker.shutdownNow();
            scheduler.shutdownNow();
        }
        if (failure != null) throw new IllegalStateException("stopping the local gateway failed", failure);
    }

    private static boolean await(List<LocalConnection> connections, Duration timeout) throws InterruptedException {
        try {
            CompletableFuture.allOf(
                            connections.stream().map(c -> c.disconnected).toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true; // never completed exceptionally; nothing left to wait for
        }
    }

    // ---- HTTP: upgrade, management API, demo page, 404 ----

    private boolean dispatch(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getDecodedPath();
        String stagePath = "/" + stage;
        if (path.equals(stagePath)) return upgrade(request, response, callback);
        String prefix = stagePath + "/@connections/";
        if (path.startsWith(prefix) && path.length() > prefix.length() && path.indexOf('/', prefix.length()) < 0) {
            management.handle(request, response, callback, path.substring(prefix.length()));
            return true;
        }
        if (demoPage != null && (path.equals("/") || path.equals("/index.html"))) {
            demoPage.handle(request, response, callback);
            return true;
        }
        if (metrics != null && path.equals(METRICS_PATH)) {
            metrics.handle(request, response, callback);
            return true;
        }
        reply(response, callback, HttpStatus.NOT_FOUND_404);
        return true;
    }

    private boolean upgrade(Request request, Response response, Callback callback) {
        String upgrade = request.getHeaders().get(HttpHeader.UPGRADE);
        if (!"GET".equals(request.getMethod())
                || upgrade == null
                || !upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
            response.getHeaders().put(HttpHeader.UPGRADE, "websocket");
            reply(response, callback, HttpStatus.UPGRADE_REQUIRED_426);
            return true;
        }
        if (closing) {
            reply(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
            return true;
        }
        LocalConnection connection = newConnection(request);
        try {
            invoker.execute(() -> admit(connection, request, response, callback));
        } catch (RejectedExecutionException e) {
            reply(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
        }
        return true;
    }

    private LocalConnection newConnection(Request request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HttpField field : request.getHeaders())
            headers.computeIfAbsent(field.getName(), name -> new ArrayList<>(1)).add(field.getValue());
        return new LocalConnection(
                this,
                GatewayEvents.newConnectionId(),
                System.currentTimeMillis(),
                headers,
                parseQuery(request.getHttpURI().getQuery()),
                Request.getRemoteAddr(request),
                request.getHeaders().get(HttpHeader.USER_AGENT),
                domainName(request),
                limits);
    }

    /**
     * On an invoker thread, while the client waits: Jetty validates the handshake (RFC 6455 section 4.2.1: GET,
     * HTTP/1.1, {@code Upgrade: websocket}, {@code Connection: Upgrade}, {@code Sec-WebSocket-Version: 13},
     * {@code Sec-WebSocket-Key}) and only then calls the creator, which runs the authorizer and {@code $connect}.
     * So {@code $connect} never runs for a request that will not be upgraded, and no connection is recorded
     * that no {@code $disconnect} would ever remove. (Running {@code $disconnect} after a refused upgrade
     * instead would show the handlers a connection that never existed.) A client that resets its socket while
     * {@code $connect} runs makes the 101 response fail after {@code $connect} accepted it: that connection never
     * opens, so its {@code $disconnect} runs then.
     */
    private void admit(LocalConnection c, Request request, Response response, Callback callback) {
        Callback done = Callback.from(callback, failure -> {
            if (failure != null) c.upgradeFailed();
        });
        boolean upgraded;
        try {
            upgraded = container.upgrade(
                    (upgradeRequest, upgradeResponse, upgradeCallback) -> {
                        int status = authorize(c);
                        if (HttpStatus.isSuccess(status)) status = connect(c);
                        if (HttpStatus.isSuccess(status) && closing) status = HttpStatus.SERVICE_UNAVAILABLE_503;
                        if (!HttpStatus.isSuccess(status)) {
                            // a creator that returns no endpoint answers the request itself
                            reply(upgradeResponse, upgradeCallback, status);
                            return null;
                        }
                        // API Gateway negotiates no extensions (no permessage-deflate), so frame limits apply to raw
                        // payloads.
                        upgradeResponse.setExtensions(List.of());
                        String protocol = c.subprotocol;
                        if (protocol != null && upgradeRequest.hasSubProtocol(protocol))
                            upgradeResponse.setAcceptedSubProtocol(protocol);
                        c.admitted = true;
                        // from here on @connections reaches it: the client may act on its 101 before Jetty opens the
                        // socket
                        connections.put(c.id, c);
                        return c;
                    },
                    request,
                    response,
                    done);
        } catch (RuntimeException e) {
            done.failed(e); // e.g. no Sec-WebSocket-Key: Jetty's BadMessageException answers 400
            return;
        }
        if (!upgraded) reply(response, done, HttpStatus.BAD_REQUEST_400);
    }

    /**
     * Runs the REQUEST authorizer. Like API Gateway: an exception whose message is "Unauthorized" is a 401,
     * any other failure a 500; a policy with a Deny statement, or without an Allow, is a 403. The policy's
     * resources are not matched against the method ARN.
     */
    private int authorize(LocalConnection c) {
        if (authorizer == null) return HttpStatus.OK_200;
        JsonNode result;
        try {
            result = GatewayEvents.JSON.readTree(authorizer.invoke(events.authorizer(c, GatewayEvents.newRequestId())));
        } catch (Throwable e) {
            if ("Unauthorized".equals(e.getMessage())) return HttpStatus.UNAUTHORIZED_401;
            log("authorizer", e);
            return HttpStatus.INTERNAL_SERVER_ERROR_500;
        }
        if (result == null || !result.isObject()) return HttpStatus.INTERNAL_SERVER_ERROR_500;
        JsonNode statements = result.path("policyDocument").path("Statement");
        boolean allowed = false;
        for (JsonNode statement : statements.isArray() ? statements : List.of(statements)) {
            String effect = statement.path("Effect").asText("");
            if (effect.equalsIgnoreCase("Deny")) return HttpStatus.FORBIDDEN_403;
            allowed |= effect.equalsIgnoreCase("Allow");
        }
        if (!allowed) return HttpStatus.FORBIDDEN_403;
        ObjectNode context = GatewayEvents.JSON.createObjectNode();
        context.set("principalId", result.path("principalId").isMissingNode() ? null : result.get("principalId"));
        if (result.path("context").isObject()) context.setAll((ObjectNode) result.get("context"));
        context.put("integrationLatency", 0);
        c.authorizer = context;
        return HttpStatus.OK_200;
    }

    /** Runs $connect; its result's statusCode decides (a result without one counts as 200). */
    private int connect(LocalConnection c) {
        Integration integration = routes.get(CONNECT);
        if (integration == null) return HttpStatus.OK_200;
        JsonNode result;
        try {
            byte[] bytes = integration.invoke(events.connect(c, GatewayEvents.newRequestId()));
            result = bytes == null || bytes.length == 0 ? null : GatewayEvents.JSON.readTree(bytes);
        } catch (IOException e) {
            log(CONNECT, e);
            return HttpStatus.BAD_GATEWAY_502; // not JSON: API Gateway's "malformed Lambda proxy response"
        } catch (Throwable e) {
            log(CONNECT, e);
            return HttpStatus.INTERNAL_SERVER_ERROR_500;
        }
        if (result == null || result.isNull()) return HttpStatus.OK_200;
        if (!result.isObject()) return HttpStatus.BAD_GATEWAY_502;
        c.subprotocol = header(result.get("headers"), "Sec-WebSocket-Protocol");
        JsonNode statusCode = result.get("statusCode");
        if (statusCode == null || statusCode.isNull()) return HttpStatus.OK_200;
        int status = statusCode.isIntegralNumber()
                ? statusCode.asInt()
                : statusCode.isTextual() && statusCode.asText().matches("\\d{3}")
                        ? Integer.parseInt(statusCode.asText())
                        : -1;
        return status >= 100 && status <= 599 ? status : HttpStatus.BAD_GATEWAY_502;
    }

    private static String header(JsonNode headers, String name) {
        if (headers == null || !headers.isObject()) return null;
        for (Map.Entry<String, JsonNode> e : headers.properties()) {
            if (e.getKey().equalsIgnoreCase(name) && e.getValue().isTextual())
                return e.getValue().asText();
        }
        return null;
    }

    private static void reply(Response response, Callback callback, int status) {
        byte[] body = ("{\"message\":\"" + HttpStatus.getMessage(status) + "\"}").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    // ---- WebSocket lifecycle, called by LocalConnection on Jetty threads ----

    void opened(LocalConnection c) {
        long delay = c.connectedAt + limits.maxConnectionDuration().toMillis() - System.currentTimeMillis();
        try {
            c.expireWith(scheduler.schedule(
                    () -> c.closeFromServer(1001, "Going away"), Math.max(0, delay), TimeUnit.MILLISECONDS));
        } catch (RejectedExecutionException e) {
            // closing: the socket is closed below
        }
        if (closing) c.closeFromServer(1001, "Going away");
    }

    void received(LocalConnection c, String body, boolean base64) {
        long bytes = LocalConnection.utf8Length(body);
        if (!c.accept(bytes)) return; // over the inbound bound: the connection is being closed
        c.serial(invokeExecutor, () -> {
            try {
                deliver(c, body, base64);
            } finally {
                c.handled(bytes);
            }
        });
    }

    /**
     * A bound of {@link Limits} was exceeded: closes with {@code cause}, and drops the socket if the client has
     * not answered within {@link #CLOSE_HANDSHAKE_WAIT} (a client that does not read never sees the close frame,
     * which waits behind everything queued for it). Either way its {@code $disconnect} reports {@code cause}.
     */
    void closeOverLimit(LocalConnection c, LocalConnection.CloseCause cause) {
        c.closeFromServer(cause.code(), cause.reason());
        try {
            scheduler.schedule(c::abort, CLOSE_HANDSHAKE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            c.abort(); // the gateway is closing
        }
    }

    void closed(LocalConnection c, LocalConnection.CloseCause cause) {
        connections.remove(c.id, c);
        Integration integration = routes.get(DISCONNECT);
        c.serial(invokeExecutor, () -> {
            try {
                if (integration != null)
                    integration.invoke(
                            events.disconnect(c, cause.code(), cause.reason(), GatewayEvents.newRequestId()));
            } catch (Throwable e) {
                log(DISCONNECT, e);
            } finally {
                c.disconnected.complete(null);
            }
        });
    }

    /** On an invoker thread, in the connection's order: route, invoke, answer like API Gateway. */
    private void deliver(LocalConnection c, String body, boolean base64) {
        String requestId = GatewayEvents.newRequestId();
        String routeKey = selectRoute(body, base64);
        if (routeKey == null) {
            c.send(gatewayError("Forbidden", c.id, requestId));
            return;
        }
        try {
            byte[] event = events.message(c, routeKey, body, base64, requestId, GatewayEvents.newRequestId());
            String reply = replyBody(routes.get(routeKey).invoke(event));
            if (reply != null) c.send(reply);
        } catch (Throwable e) {
            log(routeKey, e);
            c.send(gatewayError("Internal server error", c.id, requestId));
        }
    }

    /** {@code $request.body.action}: a route named by a JSON object's string "action", else $default, else none. */
    private String selectRoute(String body, boolean binary) {
        if (!binary) {
            String action = action(body);
            if (action != null && !action.equals(CONNECT) && !action.equals(DISCONNECT) && routes.containsKey(action))
                return action;
        }
        return routes.containsKey(DEFAULT) ? DEFAULT : null;
    }

    private static String action(String body) {
        int i = 0;
        while (i < body.length() && Character.isWhitespace(body.charAt(i))) i++;
        if (i == body.length() || body.charAt(i) != '{') return null; // not a JSON object: skip the parse
        try {
            JsonNode action = GatewayEvents.JSON.readTree(body).get("action");
            return action != null && action.isTextual() ? action.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A two-way route answers the client with the result's body, when it has one. */
    private static String replyBody(byte[] result) throws IOException {
        if (result == null || result.length == 0) return null;
        JsonNode body = GatewayEvents.JSON.readTree(result).get("body");
        if (body == null || body.isNull()) return null;
        return body.isTextual() ? body.asText() : body.toString();
    }

    /** API Gateway's own error frames, spacing included. */
    private static String gatewayError(String message, String connectionId, String requestId) {
        return "{\"message\": \"" + message + "\", \"connectionId\":\"" + connectionId + "\", \"requestId\":\""
                + requestId + "\"}";
    }

    // ---- helpers ----

    /** The Host header's host without port, as API Gateway's domainName; IPv6 literals keep their brackets. */
    private String domainName(Request request) {
        String hostHeader = request.getHeaders().get(HttpHeader.HOST);
        if (hostHeader == null || hostHeader.isBlank()) return uriHost();
        if (hostHeader.startsWith("[")) {
            int end = hostHeader.indexOf(']');
            return end > 0 ? hostHeader.substring(0, end + 1) : hostHeader;
        }
        int colon = hostHeader.indexOf(':');
        return colon >= 0 ? hostHeader.substring(0, colon) : hostHeader;
    }

    private String uriHost() {
        if (host == null || host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) return "127.0.0.1";
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** Query parameters in order, decoded; a name without '=' has the value "". */
    static Map<String, List<String>> parseQuery(String rawQuery) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) return params;
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
        }
        return params;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // a stray '%': keep it as sent
        }
    }

    private static void log(String route, Throwable e) {
        System.err.println("wsctl local: integration for " + route + " failed: " + e);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private String stage = "local";
        private String apiId = "local";
        private Limits limits = Limits.aws();
        private final Map<String, Integration> routes = new LinkedHashMap<>();
        private Integration authorizer;
        private int invokerThreads = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
        private boolean demoPage;
        private LocalMetrics metrics;

        private Builder() {}

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** 0 picks a free port; see {@link LocalGateway#port()}. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder stage(String stage) {
            if (stage == null || stage.isEmpty() || stage.contains("/"))
                throw new IllegalArgumentException("stage must be one non-empty path segment: " + stage);
            this.stage = stage;
            return this;
        }

        public Builder apiId(String apiId) {
            this.apiId = Objects.requireNonNull(apiId);
            return this;
        }

        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits);
            return this;
        }

        /** Route keys: {@code $connect}, {@code $disconnect}, {@code $default}, or an action name. */
        public Builder route(String routeKey, Integration integration) {
            if (routeKey == null || routeKey.isBlank())
                throw new IllegalArgumentException("route key must not be blank");
            routes.put(routeKey, Objects.requireNonNull(integration));
            return this;
        }

        /**
         * A Lambda REQUEST authorizer on {@code $connect}: gets the REQUEST authorizer event, returns
         * {@code {"principalId", "policyDocument": {"Statement": [{"Effect": "Allow"|"Deny", ...}]}, "context"}}.
         * Its principalId and context reach every later event as {@code requestContext.authorizer}.
         */
        public Builder authorizer(Integration authorizer) {
            this.authorizer = authorizer;
            return this;
        }

        /** Serve the demo page ({@code examples/demo.html}) at {@code GET /}, set up to connect to this gateway. */
        public Builder demoPage(boolean serve) {
            this.demoPage = serve;
            return this;
        }

        /** Serve {@code metrics} at {@code GET /metrics}, in Prometheus text format; API Gateway has nothing there. */
        public Builder metrics(LocalMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        public Builder invokerThreads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("invokerThreads must be at least 1");
            this.invokerThreads = threads;
            return this;
        }

        public LocalGateway build() {
            return new LocalGateway(this);
        }
    }
}
