package dev.wsctl.local;

import static dev.wsctl.local.TestClient.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.connections.ConnectionsEndpoint;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiAsyncClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GetConnectionResponse;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.PayloadTooLargeException;

class LocalGatewayTest {

    private static final ObjectMapper JSON = Jackson.mapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** One Netty client for every SDK client of the class: shutting Netty down takes seconds. */
    private static SdkAsyncHttpClient netty;

    private static final String ID_SHAPE = "[A-Za-z0-9_-]{15}=";

    /** Every $connect event, accepted or not. */
    private final BlockingQueue<JsonNode> connectEvents = new LinkedBlockingQueue<>();
    /** Ids of the connections whose $connect accepted them. */
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    /** The same ids, for {@link #connect} to take in order. */
    private final BlockingQueue<String> acceptedQueue = new LinkedBlockingQueue<>();

    private final BlockingQueue<JsonNode> disconnects = new LinkedBlockingQueue<>();
    private final Map<String, AtomicInteger> disconnectCounts = new ConcurrentHashMap<>();

    private final List<LocalGateway> gateways = new ArrayList<>();
    private final List<TestClient> clients = new ArrayList<>();
    /** The connection id of each client, from its $connect (null without a $connect route). */
    private final Map<TestClient, String> ids = new HashMap<>();

    private final List<ApiGatewayManagementApiAsyncClient> sdkClients = new ArrayList<>();

    @BeforeAll
    static void startNetty() {
        netty = NettyNioAsyncHttpClient.builder().build();
    }

    @AfterAll
    static void stopNetty() {
        netty.close();
    }

    @AfterEach
    void tearDown() {
        clients.forEach(TestClient::abort);
        gateways.forEach(LocalGateway::close);
        sdkClients.forEach(ApiGatewayManagementApiAsyncClient::close);
        // close() has waited for every $disconnect: each accepted connection got exactly one
        for (String id : accepted) {
            int count = disconnectCounts.getOrDefault(id, new AtomicInteger()).get();
            assertThat(count).as("$disconnect events for %s", id).isEqualTo(1);
        }
        assertThat(disconnectCounts.keySet())
                .as("$disconnect only for accepted connections")
                .isSubsetOf(accepted);
    }

    // ---- events ----

    @Test
    void connectEventHasApiGatewayShape() throws Exception {
        LocalGateway gateway = start(standard());
        long before = System.currentTimeMillis();
        TestClient client = connect(gateway, "token=abc&tag=1&tag=2&flag", Map.of("X-Test", "yes"));
        long after = System.currentTimeMillis();

        JsonNode event = connectEvents.poll();
        assertThat(header(event.get("headers"), "X-Test").asText()).isEqualTo("yes");
        assertThat(header(event.get("headers"), "Host").asText()).isEqualTo("127.0.0.1:" + gateway.port());
        assertThat(header(event.get("multiValueHeaders"), "X-Test")).containsExactly(JSON.valueToTree("yes"));
        assertThat(event.get("queryStringParameters"))
                .isEqualTo(json("{\"token\":\"abc\",\"tag\":\"2\",\"flag\":\"\"}"));
        assertThat(event.get("multiValueQueryStringParameters"))
                .isEqualTo(json("{\"token\":[\"abc\"],\"tag\":[\"1\",\"2\"],\"flag\":[\"\"]}"));
        assertThat(event.get("isBase64Encoded").asBoolean(true)).isFalse();

        JsonNode ctx = event.get("requestContext");
        assertThat(ctx.get("routeKey").asText()).isEqualTo("$connect");
        assertThat(ctx.get("eventType").asText()).isEqualTo("CONNECT");
        assertThat(ctx.get("messageDirection").asText()).isEqualTo("IN");
        assertThat(ctx.get("stage").asText()).isEqualTo("test");
        assertThat(ctx.get("apiId").asText()).isEqualTo("testapi");
        assertThat(ctx.get("domainName").asText()).isEqualTo("127.0.0.1");
        assertThat(ctx.get("connectionId").asText()).matches(ID_SHAPE).isEqualTo(id(client));
        assertThat(ctx.get("requestId").asText()).matches(ID_SHAPE);
        assertThat(ctx.get("extendedRequestId").asText()).matches(ID_SHAPE);
        assertThat(ctx.get("requestTime").asText()).matches("\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000");
        assertThat(ctx.get("connectedAt").asLong()).isBetween(before, after);
        assertThat(ctx.get("requestTimeEpoch").asLong())
                .isBetween(ctx.get("connectedAt").asLong(), after);
        assertThat(ctx.get("identity").get("sourceIp").asText()).isEqualTo("127.0.0.1");
        assertThat(ctx.get("identity").get("userAgent").asText()).startsWith("Java-http-client");
        assertThat(ctx.has("messageId")).isFalse();
        // the documented way back to the @connections API
        assertThat(URI.create("http://" + ctx.get("domainName").asText() + ":" + gateway.port() + "/"
                        + ctx.get("stage").asText()))
                .isEqualTo(gateway.callbackUri());

        connect(gateway, null, Map.of());
        JsonNode noQuery = connectEvents.poll();
        assertThat(noQuery.has("queryStringParameters")).isFalse();
        assertThat(noQuery.has("multiValueQueryStringParameters")).isFalse();
    }

    @Test
    void messageEventHasApiGatewayShape() throws Exception {
        LocalGateway gateway = start(standard());
        TestClient client = connect(gateway);
        long connectedAt =
                connectEvents.poll().get("requestContext").get("connectedAt").asLong();

        String text = "{\"action\":\"joinchannel\",\"channel\":\"news\"}";
        client.send(text);
        JsonNode event = client.next();
        assertThat(event.has("headers")).isFalse();
        assertThat(event.get("body").asText()).isEqualTo(text);
        assertThat(event.get("isBase64Encoded").asBoolean(true)).isFalse();
        JsonNode ctx = event.get("requestContext");
        assertThat(ctx.get("routeKey").asText()).isEqualTo("joinchannel");
        assertThat(ctx.get("eventType").asText()).isEqualTo("MESSAGE");
        assertThat(ctx.get("messageId").asText()).matches(ID_SHAPE);
        assertThat(ctx.get("requestId").asText()).matches(ID_SHAPE);
        assertThat(ctx.get("extendedRequestId").asText()).matches(ID_SHAPE);
        assertThat(ctx.get("messageDirection").asText()).isEqualTo("IN");
        assertThat(ctx.get("connectionId").asText()).isEqualTo(id(client));
        assertThat(ctx.get("connectedAt").asLong()).isEqualTo(connectedAt);
        assertThat(ctx.get("requestTimeEpoch").asLong()).isGreaterThanOrEqualTo(connectedAt);
        assertThat(ctx.get("requestTime").asText()).isNotBlank();
        assertThat(ctx.get("stage").asText()).isEqualTo("test");
        assertThat(ctx.get("apiId").asText()).isEqualTo("testapi");
        assertThat(ctx.get("domainName").asText()).isEqualTo("127.0.0.1");
        assertThat(ctx.get("identity").get("sourceIp").asText()).isEqualTo("127.0.0.1");
        assertThat(ctx.get("identity").has("userAgent")).isTrue();
    }

    @Test
    void disconnectEventHasApiGatewayShapeAndClientCloseCode() throws Exception {
        LocalGateway gateway = start(standard());
        TestClient client = connect(gateway, "token=abc", Map.of("X-Test", "yes"));
        long connectedAt =
                connectEvents.poll().get("requestContext").get("connectedAt").asLong();

        client.sendClose(4000, "bye");
        JsonNode event = nextDisconnect();
        assertThat(header(event.get("headers"), "X-Test").asText()).isEqualTo("yes");
        assertThat(header(event.get("multiValueHeaders"), "Host")).hasSize(1);
        assertThat(event.get("isBase64Encoded").asBoolean(true)).isFalse();
        JsonNode ctx = event.get("requestContext");
        assertThat(ctx.get("routeKey").asText()).isEqualTo("$disconnect");
        assertThat(ctx.get("eventType").asText()).isEqualTo("DISCONNECT");
        assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(4000);
        assertThat(ctx.get("disconnectReason").asText()).isEqualTo("bye");
        assertThat(ctx.get("connectionId").asText()).isEqualTo(id(client));
        assertThat(ctx.get("connectedAt").asLong()).isEqualTo(connectedAt);
        assertThat(ctx.get("messageDirection").asText()).isEqualTo("IN");
        assertThat(ctx.get("requestId").asText()).matches(ID_SHAPE);
        assertThat(ctx.get("identity").get("sourceIp").asText()).isEqualTo("127.0.0.1");
        assertThat(gateway.connectionCount()).isZero();
    }

    @Test
    void binaryMessagesGoToDefaultBase64Encoded() throws Exception {
        LocalGateway gateway = start(standard());
        TestClient client = connect(gateway);
        byte[] bytes = {0, 1, 2, (byte) 0xff, '{', '}'};
        client.socket().sendBinary(ByteBuffer.wrap(bytes), true).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        JsonNode event = client.next();
        assertThat(event.get("requestContext").get("routeKey").asText()).isEqualTo("$default");
        assertThat(event.get("isBase64Encoded").asBoolean()).isTrue();
        assertThat(Base64.getDecoder().decode(event.get("body").asText())).isEqualTo(bytes);
    }

    // ---- routing ----

    @Test
    void routeSelectionFollowsRequestBodyActionWithDefaultFallback() throws Exception {
        LocalGateway gateway = start(standard());
        TestClient client = connect(gateway);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("{\"action\":\"joinchannel\",\"channel\":\"x\"}", "joinchannel");
        expected.put("  {\"channel\":\"x\", \"action\":\"joinchannel\"}", "joinchannel");
        expected.put("not json", "$default");
        expected.put("[{\"action\":\"joinchannel\"}]", "$default");
        expected.put("{\"action\":\"nope\"}", "$default");
        expected.put("{\"channel\":\"x\"}", "$default");
        expected.put("{\"action\":7}", "$default");
        expected.put("{\"action\":\"$disconnect\"}", "$default");
        expected.put("{\"action\":\"joinchannel\"", "$default");
        expected.put("\"joinchannel\"", "$default");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            client.send(e.getKey());
            JsonNode event = client.next();
            assertThat(event.get("requestContext").get("routeKey").asText())
                    .as(e.getKey())
                    .isEqualTo(e.getValue());
            assertThat(event.get("body").asText()).isEqualTo(e.getKey());
        }
    }

    @Test
    void withoutDefaultRouteUnmatchedMessagesAreForbidden() throws Exception {
        LocalGateway gateway = start(recorded(LocalGateway.builder()).route("joinchannel", echo()));
        TestClient client = connect(gateway);
        client.send("{\"action\":\"nope\"}");
        JsonNode forbidden = client.next();
        assertThat(forbidden.get("message").asText()).isEqualTo("Forbidden");
        assertThat(forbidden.get("connectionId").asText()).isEqualTo(id(client));
        assertThat(forbidden.get("requestId").asText()).matches(ID_SHAPE);
        client.send("hello");
        assertThat(client.next().get("message").asText()).isEqualTo("Forbidden");
        client.send("{\"action\":\"joinchannel\"}");
        assertThat(client.next().get("requestContext").get("routeKey").asText()).isEqualTo("joinchannel");
    }

    @Test
    void failingIntegrationAnswersInternalServerErrorAndResultsWithoutBodySendNothing() throws Exception {
        LocalGateway gateway = start(standard()
                .route("boom", event -> {
                    throw new IllegalStateException("integration failed on purpose");
                })
                .route("silent", event -> "{\"statusCode\":200}".getBytes(StandardCharsets.UTF_8)));
        TestClient client = connect(gateway);
        client.send("{\"action\":\"boom\"}");
        String raw = client.nextText();
        assertThat(raw)
                .startsWith("{\"message\": \"Internal server error\", \"connectionId\":\"" + id(client)
                        + "\", \"requestId\":\"");
        assertThat(JSON.readTree(raw).get("requestId").asText()).matches(ID_SHAPE);

        client.send("{\"action\":\"silent\"}");
        client.send("{\"action\":\"joinchannel\"}");
        // the silent route's answer would have arrived first: messages are handled in order
        assertThat(client.next().get("requestContext").get("routeKey").asText()).isEqualTo("joinchannel");
    }

    @Test
    void messagesOfOneConnectionAreHandledInArrivalOrder() throws Exception {
        LocalGateway gateway =
                start(recorded(LocalGateway.builder()).invokerThreads(8).route("$default", event -> {
                    // handlers that take different times: the order must hold anyway (what is tested)
                    Thread.sleep(ThreadLocalRandom.current().nextInt(3));
                    return result(200, JSON.readTree(event).get("body").asText());
                }));
        TestClient client = connect(gateway);
        for (int i = 0; i < 100; i++) client.send("m" + i);
        for (int i = 0; i < 100; i++) assertThat(client.nextText()).isEqualTo("m" + i);
    }

    @Test
    void integrationsMayCallTheManagementApiOfTheSameGateway() throws Exception {
        // Two invoker threads, five clients broadcasting at once through the @connections API: integrations
        // block on HTTP calls that Jetty must answer while they wait.
        ApiGatewayManagementApiAsyncClient[] sdk = new ApiGatewayManagementApiAsyncClient[1];
        LocalGateway[] self = new LocalGateway[1];
        LocalGateway gateway =
                start(recorded(LocalGateway.builder()).invokerThreads(2).route("broadcast", event -> {
                    String body = JSON.readTree(event).get("body").asText();
                    for (String id : self[0].connectionIds())
                        sdk[0].postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String(body)))
                                .join();
                    return null;
                }));
        self[0] = gateway;
        sdk[0] = sdk(gateway);
        List<TestClient> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) all.add(connect(gateway));
        for (int i = 0; i < all.size(); i++) all.get(i).send("{\"action\":\"broadcast\",\"from\":" + i + "}");
        for (TestClient c : all) {
            Set<String> received = new HashSet<>();
            for (int i = 0; i < all.size(); i++) received.add(c.nextText());
            assertThat(received).hasSize(all.size());
        }
    }

    // ---- $connect and the authorizer ----

    @Test
    void connectIntegrationRefusesUpgradeWithItsStatus() throws Exception {
        LocalGateway gateway = start(standard());
        assertThat(refusedStatus(gateway, "refuse=401")).isEqualTo(401);
        assertThat(refusedStatus(gateway, "refuse=403")).isEqualTo(403);
        assertThat(refusedStatus(gateway, "throw=1")).isEqualTo(500);
        assertThat(connectEvents).hasSize(3);
        assertThat(gateway.connectionCount()).isZero();
        assertThat(accepted).isEmpty();
    }

    @Test
    void handshakesTheUpgradeWouldRefuseNeverReachTheAuthorizerOrConnect() throws Exception {
        AtomicInteger authorizerCalls = new AtomicInteger();
        LocalGateway gateway = start(standard().authorizer(event -> {
            authorizerCalls.incrementAndGet();
            return ("{\"principalId\":\"p\",\"policyDocument\":{\"Statement\":[{\"Effect\":\"Allow\"}]}}")
                    .getBytes(StandardCharsets.UTF_8);
        }));
        String head = "GET /test %s\r\nHost: 127.0.0.1\r\n%s\r\n";
        String upgrade = "Upgrade: websocket\r\n";
        String connection = "Connection: Upgrade\r\n";
        String version = "Sec-WebSocket-Version: 13\r\n";
        String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("no Sec-WebSocket-Key", head.formatted("HTTP/1.1", upgrade + connection + version));
        refused.put("no Sec-WebSocket-Version", head.formatted("HTTP/1.1", upgrade + connection + key));
        refused.put(
                "Sec-WebSocket-Version 8",
                head.formatted("HTTP/1.1", upgrade + connection + "Sec-WebSocket-Version: 8\r\n" + key));
        refused.put("HTTP/1.0", head.formatted("HTTP/1.0", upgrade + connection + version + key));
        refused.put(
                "Upgrade: websocket2",
                head.formatted("HTTP/1.1", "Upgrade: websocket2\r\n" + connection + version + key));
        refused.put(
                "Upgrade: websocket, h2c",
                head.formatted("HTTP/1.1", "Upgrade: websocket, h2c\r\n" + connection + version + key));
        refused.put(
                "Connection: keep-alive",
                head.formatted("HTTP/1.1", upgrade + "Connection: keep-alive\r\n" + version + key));
        for (Map.Entry<String, String> shape : refused.entrySet())
            assertThat(RawClient.handshake(gateway, shape.getValue()))
                    .as(shape.getKey())
                    .matches("HTTP/1\\.[01] 4\\d\\d .*");
        assertThat(authorizerCalls).as("authorizer runs").hasValue(0);
        assertThat(connectEvents).as("$connect events").isEmpty();
        assertThat(gateway.connectionCount()).isZero();

        // the same request with every header right is upgraded, after the authorizer and $connect
        assertThat(RawClient.handshake(gateway, head.formatted("HTTP/1.1", upgrade + connection + version + key)))
                .startsWith("HTTP/1.1 101");
        assertThat(authorizerCalls).hasValue(1);
        assertThat(connectEvents).hasSize(1);
    }

    @Test
    void aClientResettingItsSocketWhileConnectRunsStillGetsItsDisconnect() throws Exception {
        CountDownLatch reset = new CountDownLatch(1);
        LocalGateway gateway = start(standard().route("$connect", event -> {
            byte[] result = onConnect(event);
            reset.await(); // the 101 is written after the client reset its socket
            return result;
        }));
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.port())) {
            socket.getOutputStream()
                    .write(("GET /test HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            assertThat(connectEvents.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                    .isNotNull();
            socket.setSoLinger(true, 0); // close() sends RST
        }
        // time for the RST to reach the server's socket: the case tested (were it late, the socket would open and
        // close: same events, so this waits for nothing the assertions need)
        Thread.sleep(200);
        reset.countDown();
        JsonNode ctx = nextDisconnect().get("requestContext");
        assertThat(ctx.get("connectionId").asText()).isEqualTo(acceptedQueue.poll());
        assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(1006);
        assertThat(gateway.connectionCount()).isZero();
    }

    @Test
    void connectChoosesTheSubprotocolThroughItsResponseHeaders() throws Exception {
        LocalGateway gateway = start(standard());
        TestClient client = connect(gateway, "protocol=wsctl.v1", Map.of(), "wsctl.v1", "other");
        assertThat(client.socket().getSubprotocol()).isEqualTo("wsctl.v1");
        assertThat(header(connectEvents.poll().get("headers"), "Sec-WebSocket-Protocol")
                        .asText())
                .isEqualTo("wsctl.v1, other");
    }

    @Test
    void withoutConnectRouteEveryUpgradeIsAccepted() throws Exception {
        LocalGateway gateway =
                start(LocalGateway.builder().port(0).stage("test").route("$default", echo()));
        TestClient client = connect(gateway);
        client.send("hi");
        assertThat(client.next().get("body").asText()).isEqualTo("hi");
        assertThat(gateway.connectionCount()).isEqualTo(1);
    }

    @Test
    void authorizerAllowsDeniesAndItsContextReachesEveryEvent() throws Exception {
        LocalGateway gateway = start(standard().authorizer(event -> {
            JsonNode e = JSON.readTree(event);
            assertThat(e.get("type").asText()).isEqualTo("REQUEST");
            assertThat(e.get("methodArn").asText()).endsWith(":testapi/test/$connect");
            assertThat(e.get("requestContext").get("connectionId").asText()).matches(ID_SHAPE);
            String token = e.path("queryStringParameters").path("token").asText("");
            if (token.equals("nobody")) throw new RuntimeException("Unauthorized");
            if (token.equals("broken")) throw new IllegalStateException("authorizer bug");
            String effect = token.equals("alice") ? "Allow" : "Deny";
            return ("{\"principalId\":\"" + token + "\",\"policyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":"
                            + "[{\"Action\":\"execute-api:Invoke\",\"Effect\":\"" + effect + "\",\"Resource\":\""
                            + e.get("methodArn").asText()
                            + "\"}]},\"context\":{\"sub\":\"" + token + "\",\"channels\":\"news,private-x\"}}")
                    .getBytes(StandardCharsets.UTF_8);
        }));
        assertThat(refusedStatus(gateway, "token=mallory")).isEqualTo(403);
        assertThat(refusedStatus(gateway, "token=nobody")).isEqualTo(401);
        assertThat(refusedStatus(gateway, "token=broken")).isEqualTo(500);
        assertThat(connectEvents)
                .as("$connect never runs for a refused authorizer")
                .isEmpty();

        TestClient client = connect(gateway, "token=alice", Map.of());
        JsonNode authorizer = connectEvents.poll().get("requestContext").get("authorizer");
        assertThat(authorizer.get("principalId").asText()).isEqualTo("alice");
        assertThat(authorizer.get("sub").asText()).isEqualTo("alice");
        assertThat(authorizer.get("channels").asText()).isEqualTo("news,private-x");
        client.send("hi");
        assertThat(client.next().get("requestContext").get("authorizer")).isEqualTo(authorizer);
        client.sendClose(WebSocket.NORMAL_CLOSURE, "");
        assertThat(nextDisconnect().get("requestContext").get("authorizer")).isEqualTo(authorizer);
    }

    @Test
    void otherPathsAndPlainRequestsAreRefused() throws Exception {
        LocalGateway gateway = start(standard());
        String base = "http://127.0.0.1:" + gateway.port();
        assertThat(httpStatus("GET", base + "/other")).isEqualTo(404);
        assertThat(httpStatus("GET", base + "/"))
                .as("no demo page unless asked for")
                .isEqualTo(404);
        assertThat(httpStatus("GET", base + "/test/extra")).isEqualTo(404);
        assertThat(httpStatus("GET", base + "/test")).isEqualTo(426);
        assertThat(httpStatus("PUT", base + "/test/@connections/abc")).isEqualTo(405);
        assertThat(httpStatus("GET", base + "/test/@connections/")).isEqualTo(404);
        assertThat(TestClient.refusedHandshake(URI.create("ws://127.0.0.1:" + gateway.port() + "/prod"))
                        .statusCode())
                .isEqualTo(404);
        assertThat(connectEvents).isEmpty();
    }

    @Test
    void servesTheDemoPageAtTheRootUnderAStrictPolicy() throws Exception {
        LocalGateway gateway = start(standard().demoPage(true));
        assertThat(gateway.demoPageUri()).isEqualTo(URI.create("http://127.0.0.1:" + gateway.port() + "/"));
        HttpResponse<String> page =
                HTTP.send(HttpRequest.newBuilder(gateway.demoPageUri()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        String html = page.body();
        assertThat(html).contains("<body data-app=\"wsctl-demo\">", "<meta name=\"wsctl-stage\" content=\"test\">");

        // only the page's own inline script and style, by hash; sockets, nothing else
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        String script = html.substring(html.indexOf("<script>") + 8, html.indexOf("</script>"));
        String style = html.substring(html.indexOf("<style>") + 7, html.indexOf("</style>"));
        assertThat(csp)
                .isEqualTo("default-src 'none'; script-src 'sha256-" + sha256(script) + "'; style-src 'sha256-"
                        + sha256(style)
                        + "'; connect-src ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        assertThat(html).doesNotContain("innerHTML", "eval(", "style=\"", "<script src", "<link");

        HttpResponse<String> index = HTTP.send(
                HttpRequest.newBuilder(URI.create(gateway.demoPageUri() + "index.html"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.body()).isEqualTo(html);
        HttpResponse<String> head = HTTP.send(
                HttpRequest.newBuilder(gateway.demoPageUri())
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(httpStatus("POST", gateway.demoPageUri().toString())).isEqualTo(405);

        // every other path answers as before
        String base = "http://127.0.0.1:" + gateway.port();
        assertThat(httpStatus("GET", base + "/other")).isEqualTo(404);
        assertThat(httpStatus("GET", base + "/index.htm")).isEqualTo(404);
        assertThat(httpStatus("GET", base + "/test")).isEqualTo(426);
        assertThat(httpStatus("GET", base + "/test/@connections/unknown")).isEqualTo(410);
        TestClient client = connect(gateway);
        client.send("hi");
        assertThat(client.next().get("requestContext").get("routeKey").asText()).isEqualTo("$default");
    }

    private static String sha256(String text) throws Exception {
        return Base64.getEncoder()
                .encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    // ---- $disconnect on every kind of close ----

    @Test
    void abruptAbortRunsDisconnect() throws Exception {
        LocalGateway gateway = start(standard());
        TestClient client = connect(gateway);
        client.abort();
        JsonNode ctx = nextDisconnect().get("requestContext");
        assertThat(ctx.get("connectionId").asText()).isEqualTo(id(client));
        assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(1006);
        assertThat(gateway.connectionCount()).isZero();
    }

    @Test
    void idleConnectionsAreClosedWithGoingAway() throws Exception {
        LocalGateway gateway = start(standard().limits(Limits.aws().withIdleTimeout(Duration.ofMillis(500))));
        TestClient client = connect(gateway);
        long start = System.nanoTime();
        // traffic keeps a connection open past the idle timeout
        for (int i = 0; i < 4; i++) {
            Thread.sleep(150); // time passing with traffic, less than the idle timeout each time: what is tested
            client.send("ping");
            client.nextText();
        }
        assertThat(client.isClosed()).isFalse();
        assertThat(client.awaitClose()).isEqualTo(1001);
        assertThat(client.closeReason()).isEqualTo("Going away");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1_000));
        JsonNode ctx = nextDisconnect().get("requestContext");
        assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(1001);
        assertThat(ctx.get("disconnectReason").asText()).isEqualTo("Going away");
    }

    @Test
    void clientIgnoringTheIdleCloseIsDroppedAfterAnotherIdlePeriod() throws Exception {
        LocalGateway gateway = start(standard().limits(Limits.aws().withIdleTimeout(Duration.ofMillis(200))));
        try (RawClient raw = new RawClient(gateway)) {
            assertThat(raw.readCloseCode()).isEqualTo(1001);
            raw.awaitEndOfStream(); // it never answers the close frame
        }
        JsonNode ctx = nextDisconnect().get("requestContext");
        assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(1001);
        assertThat(ctx.get("disconnectReason").asText()).isEqualTo("Going away");
    }

    @Test
    void connectionsAreClosedAfterMaxConnectionDuration() throws Exception {
        LocalGateway gateway = start(standard().limits(Limits.aws().withMaxConnectionDuration(Duration.ofMillis(400))));
        long start = System.nanoTime();
        TestClient client = connect(gateway);
        client.send("still here");
        client.nextText();
        assertThat(client.awaitClose()).isEqualTo(1001);
        assertThat(client.closeReason()).isEqualTo("Going away");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(380));
        JsonNode ctx = nextDisconnect().get("requestContext");
        assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(1001);
        assertThat(ctx.get("disconnectReason").asText()).isEqualTo("Going away");
    }

    @Test
    void closeClosesEverySocketAndWaitsForTheirDisconnects() throws Exception {
        LocalGateway gateway = start(standard().route("$disconnect", event -> {
            Thread.sleep(100); // a slow $disconnect still finishes before close() returns
            return recordDisconnect(event);
        }));
        List<TestClient> all = List.of(connect(gateway), connect(gateway), connect(gateway));
        URI uri = gateway.websocketUri();
        gateway.close();
        assertThat(disconnects).hasSize(3);
        for (JsonNode event : disconnects) {
            assertThat(event.get("requestContext").get("disconnectStatusCode").asInt())
                    .isEqualTo(1001);
            assertThat(event.get("requestContext").get("disconnectReason").asText())
                    .isEqualTo("Going away");
        }
        for (TestClient c : all) {
            assertThat(c.awaitClose()).isEqualTo(1001);
            assertThat(c.closeReason()).isEqualTo("Going away");
        }
        gateway.close(); // idempotent
        assertThatThrownBy(() -> TestClient.connect(uri))
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(ConnectException.class);
    }

    // ---- frame and message limits ----

    @Test
    void frameOverLimitClosesWith1009() throws Exception {
        LocalGateway gateway = start(standard());
        // java.net.http splits big messages into several frames, so this one speaks the frame format itself
        try (RawClient raw = new RawClient(gateway)) {
            raw.sendTextFrame(32 * 1024); // exactly at the limit: passes
            assertThat(raw.readMessage()).contains("\"routeKey\":\"$default\"");
            raw.sendTextFrame(40 * 1024);
            assertThat(raw.readCloseCode()).isEqualTo(1009);
        }
        JsonNode ctx = nextDisconnect().get("requestContext");
        assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(1009);
        assertThat(ctx.get("connectionId").asText()).isEqualTo(acceptedQueue.poll());
    }

    @Test
    void fragmentedMessageUnderLimitPassesAndOverLimitClosesWith1009() throws Exception {
        LocalGateway gateway = start(standard());
        TestClient client = connect(gateway);
        client.sendFragmented("y".repeat(100 * 1024), 4); // four frames of 25 KiB
        JsonNode event = client.next();
        assertThat(event.get("body").asText()).hasSize(100 * 1024);

        String bigPart = "z".repeat(28 * 1024);
        for (int i = 0; i < 5; i++) client.socket().sendText(bigPart, i == 4);
        assertThat(client.awaitClose()).isEqualTo(1009);
        assertThat(nextDisconnect()
                        .get("requestContext")
                        .get("disconnectStatusCode")
                        .asInt())
                .isEqualTo(1009);
    }

    // ---- bounded queues per socket ----

    @Test
    void aClientThatStopsReadingIsClosedAt1013OnceItsQueueIsFullAndOthersGetEverything() throws Exception {
        long bound = 256 * 1024;
        LocalGateway gateway = start(standard().limits(TestLimits.maxOutboundBytes(bound)));
        ApiGatewayManagementApiAsyncClient sdk = sdk(gateway);
        GatewayEndpoint endpoint = new GatewayEndpoint();
        endpoint.attach(gateway);
        try (RawClient stuck = RawClient.nonReading(gateway, 4096)) {
            String stuckId = acceptedQueue.poll();
            await().atMost(WAIT).until(() -> gateway.connection(stuckId) != null); // open once the 101 is out
            TestClient other = connect(gateway);
            String message = "x".repeat(16 * 1024);
            int delivered = 0;
            ConnectionsEndpoint.Answer answer = null;
            // at most 4,000 posts (64 MiB): far more than the bound and both TCP buffers hold
            for (int i = 0; i < 4_000; i++) {
                var payload = ConnectionsEndpoint.Payload.of(message.getBytes(StandardCharsets.UTF_8));
                var toOther = ConnectionsEndpoint.Payload.of(("m" + i).getBytes(StandardCharsets.UTF_8));
                answer = endpoint.post(stuckId, payload).join();
                assertThat(endpoint.post(id(other), toOther).join()).isEqualTo(ConnectionsEndpoint.Answer.DELIVERED);
                LocalConnection c = gateway.connection(stuckId);
                if (c != null) // null once closed
                assertThat(c.outboundBytes())
                            .as("bytes waiting for the stuck client")
                            .isLessThanOrEqualTo(bound);
                if (answer.outcome() != ConnectionsEndpoint.Outcome.DELIVERED) break;
                delivered++;
            }
            assertThat(answer.outcome())
                    .as("the post that would go over the bound")
                    .isEqualTo(ConnectionsEndpoint.Outcome.GONE);
            assertThat(answer.status()).isEqualTo(410);
            assertThat(delivered).isPositive();
            // gone from then on, through the HTTP API too
            assertGone(() -> sdk.postToConnection(r -> r.connectionId(stuckId).data(SdkBytes.fromUtf8String("late")))
                    .join());

            JsonNode ctx = nextDisconnect().get("requestContext");
            assertThat(ctx.get("connectionId").asText()).isEqualTo(stuckId);
            assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(1013);
            assertThat(ctx.get("disconnectReason").asText()).isEqualTo("Slow consumer");
            assertThat(gateway.connectionIds()).containsExactly(id(other));

            // the reading client got every message, in order, and still does
            for (int i = 0; i <= delivered; i++) assertThat(other.nextText()).isEqualTo("m" + i);
            other.send("still here");
            assertThat(other.next().get("body").asText()).isEqualTo("still here");
        }
    }

    @Test
    void aClientSendingFasterThanItsIntegrationRunsIsClosedAt1008BeyondTheMessageBound() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger handled = new AtomicInteger();
        LocalGateway gateway = start(recorded(LocalGateway.builder())
                .limits(TestLimits.maxInboundMessages(10))
                .route("$default", event -> {
                    release.await();
                    handled.incrementAndGet();
                    return null;
                }));
        TestClient flooder = connect(gateway);
        TestClient other = connect(gateway);
        for (int i = 0; i < 10; i++) flooder.send("m" + i); // one being handled and nine waiting: at the bound
        assertThat(flooder.drain(Duration.ofMillis(200))).isEmpty();
        assertThat(flooder.isClosed()).isFalse();
        flooder.send("one too many");
        assertThat(flooder.awaitClose()).isEqualTo(1008);
        assertThat(flooder.closeReason()).isEqualTo("Too many messages waiting");
        release.countDown();
        JsonNode ctx = nextDisconnect().get("requestContext");
        assertThat(ctx.get("connectionId").asText()).isEqualTo(id(flooder));
        assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(1008);
        assertThat(ctx.get("disconnectReason").asText()).isEqualTo("Too many messages waiting");
        assertThat(handled)
                .as("messages handled: those within the bound, not the one beyond")
                .hasValue(10);
        assertThat(gateway.connectionIds()).containsExactly(id(other));
    }

    @Test
    void inboundBytesWaitingAreBoundedToo() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> sizes = new ArrayList<>();
        LocalGateway gateway = start(recorded(LocalGateway.builder())
                .limits(TestLimits.maxInboundBytes(200 * 1024))
                .route("$default", event -> {
                    release.await();
                    synchronized (sizes) {
                        sizes.add(JSON.readTree(event).get("body").asText().length());
                    }
                    return null;
                }));
        TestClient client = connect(gateway);
        String message = "b".repeat(50 * 1024);
        for (int i = 0; i < 4; i++) client.sendFragmented(message, 2); // 200 KiB waiting: at the bound
        assertThat(client.drain(Duration.ofMillis(200))).isEmpty();
        assertThat(client.isClosed()).isFalse();
        client.send("y");
        assertThat(client.awaitClose()).isEqualTo(1008);
        release.countDown();
        assertThat(nextDisconnect()
                        .get("requestContext")
                        .get("disconnectStatusCode")
                        .asInt())
                .isEqualTo(1008);
        assertThat(sizes).containsExactly(50 * 1024, 50 * 1024, 50 * 1024, 50 * 1024);
    }

    @Test
    void closeRunsDisconnectForAClientThatStoppedReading() throws Exception {
        LocalGateway gateway = start(standard());
        GatewayEndpoint endpoint = new GatewayEndpoint();
        endpoint.attach(gateway);
        try (RawClient stuck = RawClient.nonReading(gateway, 4096)) {
            String stuckId = acceptedQueue.poll();
            await().atMost(WAIT).until(() -> gateway.connection(stuckId) != null); // open once the 101 is out
            String message = "s".repeat(64 * 1024);
            // until 1 MiB waits in the gateway's queue: the TCP buffers are full, nothing more leaves
            for (int i = 0; i < 1_000 && gateway.connection(stuckId).outboundBytes() < 1024 * 1024; i++) {
                var payload = ConnectionsEndpoint.Payload.of(message.getBytes(StandardCharsets.UTF_8));
                assertThat(endpoint.post(stuckId, payload).join()).isEqualTo(ConnectionsEndpoint.Answer.DELIVERED);
            }
            assertThat(gateway.connection(stuckId).outboundBytes()).isGreaterThanOrEqualTo(1024 * 1024);
            gateway.close();
            JsonNode ctx = nextDisconnect().get("requestContext");
            assertThat(ctx.get("connectionId").asText()).isEqualTo(stuckId);
            assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(1001);
        }
    }

    // ---- management API through the AWS SDK ----

    @Test
    void postToConnectionDeliversTextFrames() throws Exception {
        LocalGateway gateway = start(standard());
        ApiGatewayManagementApiAsyncClient sdk = sdk(gateway);
        TestClient client = connect(gateway);
        assertThat(id(client)).endsWith("="); // the SDK sends it as %3D

        sdk.postToConnection(r -> r.connectionId(id(client)).data(SdkBytes.fromUtf8String("{\"type\":\"hello\"}")))
                .join();
        assertThat(client.nextText()).isEqualTo("{\"type\":\"hello\"}");

        String exactlyMax = "é".repeat(64 * 1024); // 128 KiB of UTF-8: goes out in 32 KiB frames
        sdk.postToConnection(r -> r.connectionId(id(client)).data(SdkBytes.fromUtf8String(exactlyMax)))
                .join();
        assertThat(client.nextText()).isEqualTo(exactlyMax);

        // concurrent posts, big and small, arrive whole: fragments of one message are never interleaved
        String big = "€".repeat(30_000);
        List<CompletableFuture<?>> posts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String text = i % 2 == 0 ? big : "small-" + i;
            posts.add(sdk.postToConnection(r -> r.connectionId(id(client)).data(SdkBytes.fromUtf8String(text))));
        }
        CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        List<String> received = new ArrayList<>();
        for (int i = 0; i < 20; i++) received.add(client.nextText());
        assertThat(received).filteredOn(big::equals).hasSize(10);
        assertThat(received).filteredOn(m -> m.startsWith("small-")).hasSize(10);
    }

    @Test
    void postOver128KiBIsPayloadTooLarge() throws Exception {
        LocalGateway gateway = start(standard());
        ApiGatewayManagementApiAsyncClient sdk = sdk(gateway);
        TestClient client = connect(gateway);
        Throwable thrown = catchThrowable(() -> sdk.postToConnection(
                        r -> r.connectionId(id(client)).data(SdkBytes.fromByteArray(new byte[128 * 1024 + 1])))
                .join());
        assertThat(thrown).isInstanceOf(CompletionException.class).hasCauseInstanceOf(PayloadTooLargeException.class);
        assertThat(((PayloadTooLargeException) thrown.getCause()).statusCode()).isEqualTo(413);
        // the connection is unaffected
        sdk.postToConnection(r -> r.connectionId(id(client)).data(SdkBytes.fromUtf8String("after")))
                .join();
        assertThat(client.nextText()).isEqualTo("after");
    }

    @Test
    void theInProcessEndpointAnswersAsThePostOfTheManagementApi() throws Exception {
        LocalGateway gateway = start(standard());
        GatewayEndpoint endpoint = new GatewayEndpoint();
        endpoint.attach(gateway);
        TestClient client = connect(gateway);

        var hello =
                ConnectionsEndpoint.Payload.of("{\"type\":\"hello\",\"text\":\"é€\"}".getBytes(StandardCharsets.UTF_8));
        var exactlyMax = ConnectionsEndpoint.Payload.of("é".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8));
        var tooLarge = ConnectionsEndpoint.Payload.of(new byte[128 * 1024 + 1]);
        assertThat(endpoint.post(id(client), hello).join()).isEqualTo(ConnectionsEndpoint.Answer.DELIVERED);
        assertThat(client.nextText()).isEqualTo("{\"type\":\"hello\",\"text\":\"é€\"}");
        assertThat(endpoint.post(id(client), exactlyMax).join()).isEqualTo(ConnectionsEndpoint.Answer.DELIVERED);
        assertThat(client.nextText()).isEqualTo("é".repeat(64 * 1024));

        ConnectionsEndpoint.Answer refused = endpoint.post(id(client), tooLarge).join();
        assertThat(refused.outcome()).isEqualTo(ConnectionsEndpoint.Outcome.FAILED);
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.error()).contains("PayloadTooLargeException");

        ConnectionsEndpoint.Answer gone =
                endpoint.post("bm90LWFuLWlkAAA=", hello).join();
        assertThat(gone.outcome()).isEqualTo(ConnectionsEndpoint.Outcome.GONE);
        assertThat(gone.status()).isEqualTo(410);

        // once the socket is closed, the same id is gone too
        String closedId = id(client);
        client.close();
        assertThat(disconnects.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
        assertThat(endpoint.post(closedId, hello).join().outcome()).isEqualTo(ConnectionsEndpoint.Outcome.GONE);
    }

    @Test
    void getConnectionReportsTimesAndIdentity() throws Exception {
        LocalGateway gateway = start(standard());
        ApiGatewayManagementApiAsyncClient sdk = sdk(gateway);
        TestClient client = connect(gateway);
        JsonNode ctx = connectEvents.poll().get("requestContext");
        Instant connectedAt = Instant.ofEpochMilli(ctx.get("connectedAt").asLong());

        GetConnectionResponse fresh =
                sdk.getConnection(r -> r.connectionId(id(client))).join();
        assertThat(fresh.connectedAt()).isEqualTo(connectedAt);
        assertThat(fresh.lastActiveAt()).isEqualTo(connectedAt);
        assertThat(fresh.identity().sourceIp()).isEqualTo("127.0.0.1");
        assertThat(fresh.identity().userAgent())
                .isEqualTo(ctx.get("identity").get("userAgent").asText());

        // activity at a later millisecond than the connect
        await().atMost(WAIT).until(() -> System.currentTimeMillis() > connectedAt.toEpochMilli());
        client.send("activity");
        client.nextText();
        GetConnectionResponse later =
                sdk.getConnection(r -> r.connectionId(id(client))).join();
        assertThat(later.connectedAt()).isEqualTo(connectedAt);
        assertThat(later.lastActiveAt()).isAfter(connectedAt);
    }

    @Test
    void deleteConnectionClosesTheSocketAndRunsDisconnect() throws Exception {
        LocalGateway gateway = start(standard());
        ApiGatewayManagementApiAsyncClient sdk = sdk(gateway);
        TestClient client = connect(gateway);
        TestClient other = connect(gateway);
        sdk.deleteConnection(r -> r.connectionId(id(client))).join();
        assertThat(client.awaitClose()).isEqualTo(1000);
        JsonNode ctx = nextDisconnect().get("requestContext");
        assertThat(ctx.get("connectionId").asText()).isEqualTo(id(client));
        assertThat(ctx.get("disconnectStatusCode").asInt()).isEqualTo(1000);
        assertThat(gateway.connectionIds()).containsExactly(id(other));
        assertGone(() -> sdk.postToConnection(r -> r.connectionId(id(client)).data(SdkBytes.fromUtf8String("late")))
                .join());
    }

    @Test
    void unknownConnectionIsGoneForPostGetAndDelete() throws Exception {
        LocalGateway gateway = start(standard());
        ApiGatewayManagementApiAsyncClient sdk = sdk(gateway);
        String unknown = "AAAAAAAAAAAAAAAAAAAA=";
        assertGone(() -> sdk.postToConnection(r -> r.connectionId(unknown).data(SdkBytes.fromUtf8String("x")))
                .join());
        assertGone(() -> sdk.getConnection(r -> r.connectionId(unknown)).join());
        assertGone(() -> sdk.deleteConnection(r -> r.connectionId(unknown)).join());
    }

    @Test
    void managementApiTakesThousandsOfConcurrentPosts() throws Exception {
        LocalGateway gateway = start(standard());
        ApiGatewayManagementApiAsyncClient sdk = sdk(gateway);
        TestClient client = connect(gateway);
        sdk.postToConnection(r -> r.connectionId(id(client)).data(SdkBytes.fromUtf8String("warm-up")))
                .join();
        client.nextText();

        int count = 2_000;
        long start = System.nanoTime();
        CompletableFuture<?>[] posts = new CompletableFuture<?>[count];
        for (int i = 0; i < count; i++) {
            String text = "m" + i;
            posts[i] = sdk.postToConnection(r -> r.connectionId(id(client)).data(SdkBytes.fromUtf8String(text)));
        }
        CompletableFuture.allOf(posts).get(30, TimeUnit.SECONDS);
        Set<String> received = new HashSet<>();
        for (int i = 0; i < count; i++) received.add(client.nextText());
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        // bound by the SDK client warming up in this JVM rather than by the gateway
        System.out.printf(
                "LocalGatewayTest: %d @connections POSTs from one cold SDK client delivered in %d ms (%.0f/s)%n",
                count, millis, count * 1000.0 / Math.max(1, millis));
        assertThat(received).hasSize(count);
    }

    // ---- LambdaIntegration ----

    @Test
    void lambdaIntegrationRunsARequestStreamHandler() throws Exception {
        RequestStreamHandler handler = (in, out, context) -> {
            JsonNode event = JSON.readTree(in);
            context.getLogger()
                    .log("handling "
                            + event.get("requestContext").get("routeKey").asText());
            ObjectNode reply = JSON.createObjectNode()
                    .put("function", context.getFunctionName())
                    .put("requestId", context.getAwsRequestId())
                    .put("remaining", context.getRemainingTimeInMillis())
                    .put("body", event.get("body").asText());
            out.write(result(200, reply.toString()));
        };
        LocalGateway gateway =
                start(recorded(LocalGateway.builder()).route("$default", LambdaIntegration.of("echo", handler)));
        TestClient client = connect(gateway);
        client.send("via lambda");
        JsonNode reply = client.next();
        assertThat(reply.get("function").asText()).isEqualTo("echo");
        assertThat(reply.get("requestId").asText()).isNotBlank();
        assertThat(reply.get("remaining").asInt()).isBetween(1, 29_000);
        assertThat(reply.get("body").asText()).isEqualTo("via lambda");
    }

    // ---- fixtures ----

    /** $connect / $disconnect recorders, $default and joinchannel echo their event. */
    private LocalGateway.Builder standard() {
        return recorded(LocalGateway.builder()).route("$default", echo()).route("joinchannel", echo());
    }

    private LocalGateway.Builder recorded(LocalGateway.Builder builder) {
        return builder.host("127.0.0.1")
                .port(0)
                .stage("test")
                .apiId("testapi")
                .route("$connect", this::onConnect)
                .route("$disconnect", this::recordDisconnect);
    }

    /** Refuses with ?refuse=STATUS, throws with ?throw, accepts otherwise (with ?protocol=P choosing subprotocol P). */
    private byte[] onConnect(byte[] eventJson) throws Exception {
        JsonNode event = JSON.readTree(eventJson);
        connectEvents.add(event);
        JsonNode query = event.path("queryStringParameters");
        if (query.has("throw")) throw new IllegalStateException("$connect failed on purpose");
        if (query.has("refuse")) return result(query.get("refuse").asInt(), null);
        String id = event.get("requestContext").get("connectionId").asText();
        accepted.add(id);
        acceptedQueue.add(id);
        if (query.has("protocol"))
            return JSON.createObjectNode()
                    .put("statusCode", 200)
                    .set(
                            "headers",
                            JSON.createObjectNode()
                                    .put(
                                            "Sec-WebSocket-Protocol",
                                            query.get("protocol").asText()))
                    .toString()
                    .getBytes(StandardCharsets.UTF_8);
        return result(200, null);
    }

    private byte[] recordDisconnect(byte[] eventJson) throws Exception {
        JsonNode event = JSON.readTree(eventJson);
        disconnectCounts
                .computeIfAbsent(event.get("requestContext").get("connectionId").asText(), id -> new AtomicInteger())
                .incrementAndGet();
        disconnects.add(event);
        return result(200, null);
    }

    /** Answers the client with the whole event it received. */
    private static Integration echo() {
        return event -> result(200, new String(event, StandardCharsets.UTF_8));
    }

    private static byte[] result(int statusCode, String body) {
        ObjectNode result = JSON.createObjectNode().put("statusCode", statusCode);
        if (body != null) result.put("body", body);
        return result.toString().getBytes(StandardCharsets.UTF_8);
    }

    private LocalGateway start(LocalGateway.Builder builder) throws Exception {
        LocalGateway gateway = builder.build();
        gateways.add(gateway);
        return gateway.start();
    }

    private ApiGatewayManagementApiAsyncClient sdk(LocalGateway gateway) {
        ApiGatewayManagementApiAsyncClient client = ApiGatewayManagementApiAsyncClient.builder()
                .endpointOverride(gateway.callbackUri())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(netty)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        sdkClients.add(client);
        return client;
    }

    private TestClient connect(LocalGateway gateway) {
        return connect(gateway, null, Map.of());
    }

    private TestClient connect(
            LocalGateway gateway, String query, Map<String, String> headers, String... subprotocols) {
        URI uri = URI.create(gateway.websocketUri() + (query == null ? "" : "?" + query));
        TestClient client = TestClient.connect(uri, headers, subprotocols);
        clients.add(client);
        // $connect ran before the upgrade completed, so its record is there already (null without a $connect route)
        ids.put(client, acceptedQueue.poll());
        return client;
    }

    private String id(TestClient client) {
        return ids.get(client);
    }

    private static int refusedStatus(LocalGateway gateway, String query) {
        return TestClient.refusedHandshake(URI.create(gateway.websocketUri() + "?" + query))
                .statusCode();
    }

    private static int httpStatus(String method, String url) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .method(method, HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private JsonNode nextDisconnect() throws InterruptedException {
        JsonNode event = disconnects.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(event).as("a $disconnect event").isNotNull();
        return event;
    }

    private static void assertGone(Runnable call) {
        Throwable thrown = catchThrowable(call::run);
        assertThat(thrown).isInstanceOf(CompletionException.class).hasCauseInstanceOf(GoneException.class);
        assertThat(((GoneException) thrown.getCause()).statusCode()).isEqualTo(410);
    }

    private static JsonNode header(JsonNode headers, String name) {
        for (Map.Entry<String, JsonNode> e : headers.properties())
            if (e.getKey().equalsIgnoreCase(name)) return e.getValue();
        throw new AssertionError("no header " + name + " in " + headers);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
