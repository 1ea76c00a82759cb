package dev.wsctl.cli;

import com.sun.net.httpserver.HttpExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.ProtocolType;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operations reach a deployed stack's {@code @connections} API through the endpoint override, not through AWS's
 * host name: {@code wsctl broadcast} and {@code wsctl connections show} through {@link Wsctl#run}, with the real SDK
 * clients, against moto's server (the control plane and DynamoDB) behind a recording proxy on 127.0.0.1 that
 * answers {@code /{stage}/@connections/{id}} itself, as the API Gateway Management API reference describes it
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html):
 * moto serves no {@code @connections} of its own under a stage.
 */
class EndpointOverrideTest {
    private static final String CONNECTION = "conn-1";
    private static Moto moto;
    private static Map<String, String> savedProperties;

    private EmulatorProxy proxy;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startMoto() throws Exception {
        moto = Moto.start();
        // the SDK's default chain reads these; a dummy key for the emulator, never a real one
        savedProperties = SystemProperties.set(Map.of("aws.accessKeyId", "testing", "aws.secretAccessKey", "testing"));
        Region region = Region.US_EAST_1;
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
        try (ApiGatewayV2Client api = ApiGatewayV2Client.builder().httpClientBuilder(ApacheHttpClient.builder())
                .endpointOverride(moto.endpoint()).region(region).credentialsProvider(credentials).build();
             DynamoDbClient dynamoDb = DynamoDbClient.builder().httpClientBuilder(ApacheHttpClient.builder())
                     .endpointOverride(moto.endpoint()).region(region).credentialsProvider(credentials).build()) {
            api.createApi(r -> r.name("chat-dev").protocolType(ProtocolType.WEBSOCKET)
                    .routeSelectionExpression("$request.body.action"));
            dynamoDb.createTable(r -> r.tableName("chat-dev-connections").billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(a -> a.attributeName("connectionId").attributeType(ScalarAttributeType.S),
                            a -> a.attributeName("channel").attributeType(ScalarAttributeType.S))
                    .keySchema(k -> k.attributeName("connectionId").keyType(KeyType.HASH),
                            k -> k.attributeName("channel").keyType(KeyType.RANGE))
                    .globalSecondaryIndexes(g -> g.indexName("by-channel")
                            .keySchema(k -> k.attributeName("channel").keyType(KeyType.HASH),
                                    k -> k.attributeName("connectionId").keyType(KeyType.RANGE))
                            .projection(p -> p.projectionType(ProjectionType.KEYS_ONLY))));
            long now = System.currentTimeMillis();
            for (String channel : List.of("#connection", "news")) {
                dynamoDb.putItem(r -> r.tableName("chat-dev-connections").item(Map.of(
                        "connectionId", AttributeValue.fromS(CONNECTION), "channel", AttributeValue.fromS(channel),
                        "connectedAt", AttributeValue.fromN(Long.toString(now)),
                        "expiresAt", AttributeValue.fromN(Long.toString(now / 1000 + 3600)))));
            }
        }
    }

    @AfterAll
    static void stopMoto() {
        if (savedProperties != null) {
            SystemProperties.restore(savedProperties);
        }
        if (moto != null) {
            moto.close();
        }
    }

    @BeforeEach
    void startProxy() throws IOException {
        proxy = new EmulatorProxy(moto.endpoint(), (exchange, body) -> {
            String path = exchange.getRequestURI().getPath();
            seen.add(exchange.getRequestMethod() + " " + path);
            if (path.contains("/@connections/")) {
                connections(exchange);
                return true;
            }
            return false;
        });
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    private URI proxyUri() {
        return proxy.uri();
    }

    @Test
    void broadcastPostsUnderTheEndpointOverride() {
        CliRun r = CliRun.wsctl(Context.system(), "broadcast", "--channel", "news", "--message", "hi",
                "--app", "chat", "--stage", "dev", "--region", "us-east-1", "--endpoint-url", proxyUri().toString(),
                "-o", "json");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"delivered\":1");
        assertThat(seen).contains("POST /dev/@connections/" + CONNECTION);
    }

    @Test
    void connectionsShowReadsTheConnectionUnderTheEnvironmentsEndpoint() {
        Context context = new Context(Map.of("AWS_ENDPOINT_URL", proxyUri().toString()),
                Context.system().aws(), Context.system().roleRetry());

        CliRun r = CliRun.wsctl(context, "connections", "show", CONNECTION, "--app", "chat", "--stage", "dev",
                "--region", "us-east-1", "-o", "json");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains(CONNECTION).contains("news");
        assertThat(seen).contains("GET /dev/@connections/" + CONNECTION);
    }

    /** GetConnection's answer, and PostToConnection's and DeleteConnection's empty ones. */
    private static void connections(HttpExchange exchange) throws IOException {
        switch (exchange.getRequestMethod()) {
            case "GET" -> {
                byte[] json = ("{\"connectedAt\":\"2026-01-01T00:00:00Z\",\"lastActiveAt\":\"2026-01-01T00:01:00Z\","
                        + "\"identity\":{\"sourceIp\":\"192.0.2.1\",\"userAgent\":\"test\"}}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, json.length);
                exchange.getResponseBody().write(json);
            }
            case "POST" -> exchange.sendResponseHeaders(200, -1);
            default -> exchange.sendResponseHeaders(204, -1);
        }
    }
}
