package dev.wsctl.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.wsctl.awshttp.ContainerCredentialsEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * The store contract against dynalite with the store on {@link DynamoDbJsonClient} (the Lambda functions'
 * client), and the client's wire format, errors and retries against a scripted endpoint.
 */
class DynamoDbJsonClientTest extends ConnectionStoreContract {
    /** An ObjectMapper of the test's own: what the runtime wrote, read by Jackson's binder. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final String TABLE = ConnectionTable.name("wsctl-test", "json");
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("dummy", "dummy"));

    private static Dynalite dynalite;
    private static DynamoDbJsonClient client;

    @BeforeAll
    static void startDynalite() {
        dynalite = Dynalite.start();
        try (DynamoDbAsyncClient sdk = dynalite.newClient()) {
            Dynalite.createTable(sdk, TABLE);
        }
        client = new DynamoDbJsonClient(dynalite.endpoint(), 16, Region.US_EAST_1, CREDENTIALS);
    }

    @AfterAll
    static void stopDynalite() {
        if (client != null) {
            client.close();
        }
        if (dynalite != null) {
            dynalite.close();
        }
    }

    @Override
    protected ConnectionStore newStore() {
        return new DynamoDbConnectionStore(client, TABLE);
    }

    @Override
    protected ConnectionStore newOccupancyStore() {
        return new DynamoDbConnectionStore(client, TABLE, true);
    }

    @Override
    protected java.util.OptionalLong occupancy(ConnectionStore store, String channel) {
        return DynamoDbConnectionStoreTest.occupancyRow(client, TABLE, channel);
    }

    @Test
    void errorsArriveAsTheSdkExceptionForTheirCode() {
        try (ConnectionStore missing = new DynamoDbConnectionStore(client, "no-such-table")) {
            assertThatThrownBy(() -> missing.channelsOf("x"))
                    .isInstanceOf(ResourceNotFoundException.class)
                    .hasMessageContaining("Query: ResourceNotFoundException");
            assertThatThrownBy(() -> missing.subscribeAll("c", List.of("a", "b"), 1))
                    .isInstanceOf(ResourceNotFoundException.class);
            assertThatThrownBy(() -> missing.subscriberPages("c").iterator().hasNext())
                    .isInstanceOf(ResourceNotFoundException.class);
        }
        assertThatThrownBy(() -> client.getItem(r -> r.tableName(TABLE).key(Map.of("connectionId", s("x"))))
                        .join())
                .hasCauseInstanceOf(DynamoDbException.class)
                .satisfies(e -> {
                    DynamoDbException cause = (DynamoDbException) e.getCause();
                    assertThat(cause.statusCode()).isEqualTo(400);
                    assertThat(cause.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                });
    }

    @Test
    void operationsTheStoreDoesNotUseAreUnsupported() {
        assertThatThrownBy(() -> client.describeTable(r -> r.tableName(TABLE)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void requestsAreTheJsonProtocolsForm() {
        QueryRequest query = QueryRequest.builder()
                .tableName("t")
                .indexName("by-channel")
                .keyConditionExpression("#ch = :ch")
                .expressionAttributeNames(Map.of("#ch", "channel"))
                .expressionAttributeValues(Map.of(":ch", s("news")))
                .exclusiveStartKey(Map.of("k", AttributeValue.fromL(List.of(s("a"), AttributeValue.fromN("1")))))
                .consistentRead(false)
                .limit(5)
                .build();

        assertThat(SdkJson.write(query).toString())
                .isEqualTo("{\"TableName\":\"t\",\"IndexName\":\"by-channel\","
                        + "\"Limit\":5,\"ConsistentRead\":false,\"ExclusiveStartKey\":{\"k\":{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}},"
                        + "\"KeyConditionExpression\":\"#ch = :ch\",\"ExpressionAttributeNames\":{\"#ch\":\"channel\"},"
                        + "\"ExpressionAttributeValues\":{\":ch\":{\"S\":\"news\"}}}");
        assertThat(SdkJson.write(software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest.builder()
                                .tableName("t")
                                .returnValues(ReturnValue.ALL_OLD)
                                .build())
                        .toString())
                .isEqualTo("{\"TableName\":\"t\",\"ReturnValues\":\"ALL_OLD\"}");
    }

    @Test
    void answersAreReadIntoTheSdksResponses() throws IOException {
        GetItemResponse response = SdkJson.read(
                MAPPER.readTree(
                        "{\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"7\"},\"g\":{\"L\":[{\"S\":\"x\"}]},\"b\":{\"BOOL\":true},"
                                + "\"nothing\":{\"NULL\":true},\"bytes\":{\"B\":\"AQI=\"}},\"Unknown\":1}"),
                GetItemResponse::builder);

        assertThat(response.item())
                .containsEntry("id", s("a"))
                .containsEntry("n", AttributeValue.fromN("7"))
                .containsEntry("g", AttributeValue.fromL(List.of(s("x"))))
                .containsEntry("b", AttributeValue.fromBool(true))
                .containsEntry("nothing", AttributeValue.fromNul(true));
        assertThat(response.item().get("bytes").b().asByteArray()).containsExactly(1, 2);
    }

    @Test
    void throttlingServerErrorsAndBadChecksumsAreRetriedThenAnswered() throws IOException {
        List<String> answers = Collections.synchronizedList(new ArrayList<>(List.of(
                "400 com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "500 InternalServerError",
                "crc",
                "200")));
        try (Scripted server = new Scripted(answers)) {
            GetItemResponse response =
                    server.client.getItem(r -> r.tableName("t")).join();

            assertThat(response.item()).containsEntry("id", s("a"));
            assertThat(server.requests.get()).isEqualTo(4);
            assertThat(server.targets).containsOnly("DynamoDB_20120810.GetItem");
            assertThat(server.authorizations)
                    .allMatch(a -> a.startsWith("AWS4-HMAC-SHA256 Credential=dummy/")
                            && a.contains("/us-east-1/dynamodb/aws4_request"));
        }
    }

    /** The signature covers what went over the wire: the SDK's signer, given the headers that arrived, signs the same. */
    @Test
    void theSignatureIsTheSdksForTheHeadersThatArrived() throws IOException {
        var session = StaticCredentialsProvider.create(
                software.amazon.awssdk.auth.credentials.AwsSessionCredentials.create("AKID", "secret", "token"));
        try (Scripted server = new Scripted(new ArrayList<>(List.of("200")), session)) {
            server.client
                    .getItem(r -> r.tableName("t").key(Map.of("connectionId", s("é/+="))))
                    .join();

            Map<String, String> headers = server.received.get(0);
            String authorization = headers.get("Authorization");
            String signedHeaders = authorization.replaceAll(".*SignedHeaders=([^,]+),.*", "$1");
            assertThat(signedHeaders.split(";"))
                    .contains("host", "x-amz-date", "x-amz-security-token", "x-amz-target", "content-type");
            assertThat(headers.get("Host"))
                    .isEqualTo("127.0.0.1:" + server.server.getAddress().getPort());
            var request = software.amazon.awssdk.http.SdkHttpRequest.builder()
                    .method(software.amazon.awssdk.http.SdkHttpMethod.POST)
                    .protocol("http")
                    .host("127.0.0.1")
                    .port(server.server.getAddress().getPort())
                    .encodedPath("/");
            for (String name : signedHeaders.split(";")) {
                request.putHeader(name, headers.get(name));
            }
            java.time.Instant at = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                    .withZone(java.time.ZoneOffset.UTC)
                    .parse(headers.get("X-Amz-Date"), java.time.Instant::from);
            byte[] body = server.bodies.get(0);
            var signer = software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.create();
            String expected = signer.sign(r -> r.identity(session.resolveCredentials())
                            .request(request.build())
                            .payload(() -> new java.io.ByteArrayInputStream(body))
                            .putProperty(
                                    software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.SERVICE_SIGNING_NAME,
                                    "dynamodb")
                            .putProperty(
                                    software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.REGION_NAME,
                                    "us-east-1")
                            .putProperty(
                                    software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED,
                                    true)
                            .putProperty(
                                    software.amazon.awssdk.http.auth.spi.signer.HttpSigner.SIGNING_CLOCK,
                                    java.time.Clock.fixed(at, java.time.ZoneOffset.UTC)))
                    .request()
                    .firstMatchingHeader("Authorization")
                    .orElseThrow();

            assertThat(authorization).isEqualTo(expected);
            assertThat(new String(body, StandardCharsets.UTF_8))
                    .isEqualTo("{\"TableName\":\"t\",\"Key\":{\"connectionId\":{\"S\":\"é/+=\"}}}");
        }
    }

    /**
     * Each request takes its credentials from the provider: none while the client is built, and whatever the
     * provider holds then (here the SDK's container provider, whose credentials expire in 90 s, so that it fetches
     * new ones for the second request: see ContainerCredentialsEndpoint).
     */
    @Test
    void eachRequestIsSignedWithWhatTheProviderHoldsThen() throws IOException {
        try (ContainerCredentialsEndpoint credentials =
                new ContainerCredentialsEndpoint(java.time.Duration.ofSeconds(90))) {
            System.setProperty(
                    "aws.containerCredentialsFullUri", credentials.uri().toString());
            System.setProperty("aws.containerAuthorizationToken", credentials.token());
            try (Scripted server = new Scripted(
                    new ArrayList<>(List.of("200", "200")),
                    software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider.builder()
                            .build())) {
                assertThat(credentials.fetches()).isEmpty();

                server.client.getItem(r -> r.tableName("t")).join();
                server.client.getItem(r -> r.tableName("t")).join();

                assertThat(server.authorizations).hasSize(2);
                assertThat(server.authorizations.get(0)).contains("Credential=ASIACONTAINER0001/");
                assertThat(server.authorizations.get(1)).contains("Credential=ASIACONTAINER0002/");
                assertThat(server.received.get(1).get("X-Amz-Security-Token"))
                        .isEqualTo("container-session-ASIACONTAINER0002");
            } finally {
                System.clearProperty("aws.containerCredentialsFullUri");
                System.clearProperty("aws.containerAuthorizationToken");
            }
        }
    }

    @Test
    void aClientErrorIsNotRetried() throws IOException {
        try (Scripted server = new Scripted(new ArrayList<>(
                List.of("400 com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "200")))) {
            assertThatThrownBy(
                            () -> server.client.getItem(r -> r.tableName("t")).join())
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(
                            software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException.class)
                    .hasMessageContaining("GetItem: ConditionalCheckFailedException: scripted")
                    .hasMessageContaining("Status Code: 400");
            assertThat(server.requests.get()).isEqualTo(1);
        }
    }

    @Test
    void noAnswerEndsInAClientExceptionAfterTheRetries() throws Exception {
        // an endpoint that closes every connection before answering
        try (java.net.ServerSocket hangUp =
                new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            AtomicInteger accepted = new AtomicInteger();
            Thread acceptor = new Thread(() -> {
                while (!hangUp.isClosed()) {
                    try (java.net.Socket socket = hangUp.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            URI endpoint = URI.create("http://127.0.0.1:" + hangUp.getLocalPort());
            try (DynamoDbJsonClient hungUp = new DynamoDbJsonClient(endpoint, 1, Region.US_EAST_1, CREDENTIALS)) {
                assertThatThrownBy(() -> hungUp.getItem(r -> r.tableName("t")).join())
                        .hasCauseInstanceOf(SdkClientException.class)
                        .hasMessageContaining("GetItem on DynamoDB at " + endpoint + " got no answer");
            }
            assertThat(accepted.get()).isEqualTo(DynamoDbJsonClient.MAX_ATTEMPTS);
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    /** An endpoint that answers from a script: {@code "200"}, {@code "crc"} (200 with a wrong x-amz-crc32), or {@code "<status> <__type>"}. */
    private static final class Scripted implements AutoCloseable {
        final HttpServer server;
        final DynamoDbJsonClient client;
        final AtomicInteger requests = new AtomicInteger();
        final List<String> targets = Collections.synchronizedList(new ArrayList<>());
        final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
        final List<Map<String, String>> received = Collections.synchronizedList(new ArrayList<>());
        final List<byte[]> bodies = Collections.synchronizedList(new ArrayList<>());

        Scripted(List<String> script) throws IOException {
            this(script, CREDENTIALS);
        }

        Scripted(List<String> script, software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials)
                throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                requests.incrementAndGet();
                bodies.add(exchange.getRequestBody().readAllBytes());
                targets.add(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
                authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
                Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, values.get(0)));
                received.add(headers);
                String step = script.isEmpty() ? "200" : script.remove(0);
                int status;
                byte[] body;
                if (step.equals("200") || step.equals("crc")) {
                    status = 200;
                    body = "{\"Item\":{\"id\":{\"S\":\"a\"}}}".getBytes(StandardCharsets.UTF_8);
                } else {
                    status = Integer.parseInt(step.substring(0, 3));
                    body = ("{\"__type\":\"" + step.substring(4) + "\",\"message\":\"scripted\"}")
                            .getBytes(StandardCharsets.UTF_8);
                }
                CRC32 crc = new CRC32();
                crc.update(body);
                exchange.getResponseHeaders()
                        .add("x-amz-crc32", Long.toString(step.equals("crc") ? crc.getValue() + 1 : crc.getValue()));
                exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
                exchange.sendResponseHeaders(status, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            client = new DynamoDbJsonClient(
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort()), 2, Region.US_EAST_1, credentials);
        }

        @Override
        public void close() {
            client.close();
            server.stop(0);
        }
    }
}
