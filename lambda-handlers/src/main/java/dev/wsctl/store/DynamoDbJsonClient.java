package dev.wsctl.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.awshttp.SigV4;
import dev.wsctl.awshttp.UrlConnectionPool;
import dev.wsctl.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.ItemCollectionSizeLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.ThrottlingException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The DynamoDB operations of {@link DynamoDbConnectionStore} (GetItem, PutItem, DeleteItem, Query, Scan,
 * BatchGetItem, BatchWriteItem) as DynamoDB's JSON protocol over the functions' one HTTP transport,
 * {@link UrlConnectionPool} (the JDK's {@code HttpURLConnection}), signed by {@link SigV4}:
 * the store's client in the Lambda functions. The SDK's client costs a Lambda function ≈0.5 s to build
 * and ≈0.6 s more on its first call (its request pipeline, endpoint rules, interceptors), most of a cold
 * start; this one sends the same requests, built from the SDK's own request and response classes
 * ({@link SdkJson}), so the store is one class over the SDK's interface whichever client it is given.
 * Every other operation of the interface throws {@link UnsupportedOperationException}.
 *
 * <p>Retries as the SDK's DynamoDB client does by default: up to {@value #MAX_ATTEMPTS} attempts for
 * throttling, 5xx answers, a checksum mismatch and failed connections, after {@link #BACKOFF}. A DynamoDB error arrives as
 * the SDK's exception for its code ({@link ResourceNotFoundException}, {@link ConditionalCheckFailedException},
 * …, else {@link DynamoDbException}) with the code, message and status; a call that got no answer as
 * {@link SdkClientException}.
 */
public final class DynamoDbJsonClient implements DynamoDbAsyncClient {

    static final int MAX_ATTEMPTS = 9;
    /**
     * The SDK's DynamoDB client's backoff ({@code DynamoDbRetryPolicy}: full jitter from 25 ms), but capped at 2 s
     * instead of 20 s: the 8 retries then wait under 5.2 s in all, well inside a function's timeout.
     */
    static final BackoffStrategy BACKOFF =
            BackoffStrategy.exponentialDelay(Duration.ofMillis(25), Duration.ofSeconds(2));
    /** A call that hears nothing for this long fails (the SDK's HTTP client's read timeout). */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final String TARGET_PREFIX = "DynamoDB_20120810.";

    /** Of a body that is not DynamoDB's JSON error, this much goes into the exception's message. */
    private static final int MAX_MESSAGE_BYTES = 512;

    private final URI endpoint;
    private final SigV4 sigV4;
    private final SdkHttpRequest template;
    /** Sends the calls, at most {@code maxConnections} at once. */
    private final UrlConnectionPool http;

    /**
     * @param endpoint       DynamoDB's endpoint, {@code https://dynamodb.{region}.amazonaws.com} or a compatible
     *                       server's ({@link dev.wsctl.awshttp.AwsEndpoints#dynamoDb})
     * @param maxConnections calls in flight at most (one connection each); further calls wait for one
     */
    public DynamoDbJsonClient(URI endpoint, int maxConnections, Region region, AwsCredentialsProvider credentials) {
        this(endpoint, maxConnections, region, credentials, TIMEOUT);
    }

    DynamoDbJsonClient(
            URI endpoint, int maxConnections, Region region, AwsCredentialsProvider credentials, Duration timeout) {
        String scheme = endpoint.getScheme();
        if (endpoint.getHost() == null || !("https".equals(scheme) || "http".equals(scheme))) {
            throw new IllegalArgumentException("DynamoDB's endpoint must be http(s)://host[:port], not " + endpoint);
        }
        this.endpoint = endpoint;
        String path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
        // the body is hashed into the signature, as the SDK's DynamoDB client does
        this.sigV4 = new SigV4(credentials, SERVICE_NAME, region.id(), true, Clock.systemUTC());
        this.template = SigV4.template(endpoint, path)
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("User-Agent", "wsctl")
                .build();
        this.http = new UrlConnectionPool(endpoint, maxConnections, timeout, null, "wsctl-dynamodb");
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public CompletableFuture<GetItemResponse> getItem(GetItemRequest request) {
        return call("GetItem", request, GetItemResponse::builder);
    }

    @Override
    public CompletableFuture<PutItemResponse> putItem(PutItemRequest request) {
        return call("PutItem", request, PutItemResponse::builder);
    }

    @Override
    public CompletableFuture<DeleteItemResponse> deleteItem(DeleteItemRequest request) {
        return call("DeleteItem", request, DeleteItemResponse::builder);
    }

    @Override
    public CompletableFuture<UpdateItemResponse> updateItem(UpdateItemRequest request) {
        return call("UpdateItem", request, UpdateItemResponse::builder);
    }

    @Override
    public CompletableFuture<QueryResponse> query(QueryRequest request) {
        return call("Query", request, QueryResponse::builder);
    }

    @Override
    public CompletableFuture<ScanResponse> scan(ScanRequest request) {
        return call("Scan", request, ScanResponse::builder);
    }

    @Override
    public CompletableFuture<BatchGetItemResponse> batchGetItem(BatchGetItemRequest request) {
        return call("BatchGetItem", request, BatchGetItemResponse::builder);
    }

    @Override
    public CompletableFuture<BatchWriteItemResponse> batchWriteItem(BatchWriteItemRequest request) {
        return call("BatchWriteItem", request, BatchWriteItemResponse::builder);
    }

    /**
     * Runs this client's request and answer path in memory, for a SnapStart snapshot: a Query and a
     * BatchWriteItem written, an answer and an error read, one request signed with throwaway credentials
     * (the function's own are not resolved into the snapshot). No connection, no call.
     */
    public static void prime() {
        Map<String, AttributeValue> key =
                Map.of("connectionId", AttributeValue.fromS("priming"), "channel", AttributeValue.fromS("priming"));
        SdkJson.write(QueryRequest.builder()
                .tableName("priming")
                .indexName("priming")
                .keyConditionExpression("#ch = :ch")
                .projectionExpression("#id")
                .expressionAttributeNames(Map.of("#ch", "channel", "#id", "connectionId"))
                .expressionAttributeValues(Map.of(":ch", AttributeValue.fromS("priming")))
                .exclusiveStartKey(key)
                .build());
        SdkJson.write(BatchWriteItemRequest.builder()
                .requestItems(Map.of(
                        "priming",
                        List.of(
                                WriteRequest.builder()
                                        .putRequest(p -> p.item(key))
                                        .build(),
                                WriteRequest.builder()
                                        .deleteRequest(d -> d.key(key))
                                        .build())))
                .build());
        try {
            SdkJson.read(
                    Json.read("{\"Items\":[{\"connectionId\":{\"S\":\"priming\"}}],\"Count\":1,"
                            + "\"LastEvaluatedKey\":{\"channel\":{\"S\":\"priming\"}}}"),
                    QueryResponse::builder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        error(
                "Query",
                400,
                null,
                "{\"__type\":\"x#ResourceNotFoundException\",\"message\":\"priming\"}"
                        .getBytes(StandardCharsets.UTF_8));
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        new SigV4(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming")),
                        SERVICE_NAME,
                        "us-east-1",
                        true,
                        Clock.systemUTC())
                .sign(
                        SdkHttpRequest.builder()
                                .method(SdkHttpMethod.POST)
                                .protocol("https")
                                .host("localhost")
                                .encodedPath("/")
                                .putHeader("Content-Length", "2")
                                .build(),
                        () -> new ByteArrayInputStream(body));
    }

    private <T> CompletableFuture<T> call(String operation, SdkPojo request, Supplier<? extends SdkPojo> response) {
        byte[] body;
        try {
            body = Json.bytes(SdkJson.write(request));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(
                    SdkClientException.create(operation + ": the request could not be written: " + e.getMessage(), e));
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        attempt(operation, body, 1, answer);
        return answer.thenApply(json -> SdkJson.read(json, response));
    }

    /** One attempt: the request, its answer read in full, then done, retried or failed. */
    private void attempt(String operation, byte[] body, int attempt, CompletableFuture<JsonNode> done) {
        if (http.closed()) {
            done.completeExceptionally(SdkClientException.create(operation + ": the DynamoDB client is closed"));
            return;
        }
        SdkHttpRequest signed;
        try {
            signed = sigV4.sign(
                    template.toBuilder()
                            .putHeader("X-Amz-Target", TARGET_PREFIX + operation)
                            .putHeader("Content-Length", Integer.toString(body.length))
                            .build(),
                    () -> new ByteArrayInputStream(body));
        } catch (RuntimeException e) {
            done.completeExceptionally(e); // the credentials could not be resolved: no retry helps
            return;
        }
        http.post(signed, body).whenComplete((answer, failed) -> {
            if (failed != null) {
                retryOrFail(
                        operation,
                        body,
                        attempt,
                        done,
                        SdkClientException.create(
                                operation + " on DynamoDB at " + endpoint + " got no answer: " + failed, failed));
            } else {
                answered(operation, body, attempt, done, answer);
            }
        });
    }

    private void answered(
            String operation,
            byte[] body,
            int attempt,
            CompletableFuture<JsonNode> done,
            UrlConnectionPool.Response r) {
        RuntimeException error;
        if (!checksumMatches(r.crc32(), r.body())) {
            error = SdkClientException.create(operation + ": the answer's CRC32 does not match its x-amz-crc32 header");
        } else if (r.ok()) {
            try {
                done.complete(Json.read(r.body()));
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(
                        SdkClientException.create(operation + ": DynamoDB's answer is not JSON: " + e.getMessage(), e));
            }
            return;
        } else {
            DynamoDbException e = error(operation, r.status(), r.errorType(), r.body());
            if (!retryable(r.status(), e.awsErrorDetails().errorCode())) {
                done.completeExceptionally(e);
                return;
            }
            error = e;
        }
        retryOrFail(operation, body, attempt, done, error);
    }

    private void retryOrFail(
            String operation, byte[] body, int attempt, CompletableFuture<JsonNode> done, RuntimeException error) {
        if (attempt >= MAX_ATTEMPTS) {
            done.completeExceptionally(error);
            return;
        }
        CompletableFuture.delayedExecutor(BACKOFF.computeDelay(attempt + 1).toNanos(), TimeUnit.NANOSECONDS)
                .execute(() -> attempt(operation, body, attempt + 1, done));
    }

    /** Throttling and server errors are worth another attempt; a client error is not. */
    static boolean retryable(int status, String code) {
        return status >= 500
                || status == 429
                || "ProvisionedThroughputExceededException".equals(code)
                || "ThrottlingException".equals(code)
                || "RequestLimitExceeded".equals(code)
                || "TransactionInProgressException".equals(code);
    }

    /** DynamoDB sends the CRC32 of the body it sent in {@code x-amz-crc32}; the SDK checks it too. */
    private static boolean checksumMatches(String expected, byte[] body) {
        if (expected == null) {
            return true;
        }
        CRC32 crc = new CRC32();
        crc.update(body);
        try {
            return crc.getValue() == Long.parseLong(expected.trim());
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The SDK's exception for DynamoDB's error: {@code {"__type": "…#Code", "message": "…"}}. */
    static DynamoDbException error(String operation, int status, String errorType, byte[] body) {
        String code = null;
        String message = null;
        try {
            JsonNode json = body == null || body.length == 0 ? null : Json.read(body);
            if (json != null && json.isObject()) {
                code = text(json, "__type");
                message = text(json, "message");
                if (message == null) {
                    message = text(json, "Message");
                }
            }
        } catch (IOException | RuntimeException notJson) {
            message = new String(body, 0, Math.min(body.length, MAX_MESSAGE_BYTES), StandardCharsets.UTF_8);
        }
        if (code == null) {
            code = errorType;
        }
        if (code != null) {
            code = code.substring(code.indexOf('#') + 1);
            int colon = code.indexOf(':');
            code = colon < 0 ? code : code.substring(0, colon);
        } else {
            code = status >= 500 ? "InternalServerError" : "Unknown";
        }
        String text = operation + ": " + code + (message == null || message.isEmpty() ? "" : ": " + message)
                + " (Service: DynamoDb, Status Code: " + status + ")";
        AwsErrorDetails details = AwsErrorDetails.builder()
                .serviceName("DynamoDb")
                .errorCode(code)
                .errorMessage(message)
                .build();
        DynamoDbException.Builder builder = switch (code) {
            case "ResourceNotFoundException" -> ResourceNotFoundException.builder();
            case "ConditionalCheckFailedException" -> ConditionalCheckFailedException.builder();
            case "ProvisionedThroughputExceededException" -> ProvisionedThroughputExceededException.builder();
            case "RequestLimitExceeded" -> RequestLimitExceededException.builder();
            case "ThrottlingException" -> ThrottlingException.builder();
            case "ItemCollectionSizeLimitExceededException" -> ItemCollectionSizeLimitExceededException.builder();
            case "InternalServerError" -> InternalServerErrorException.builder();
            default -> DynamoDbException.builder();
        };
        return (DynamoDbException) builder.awsErrorDetails(details)
                .statusCode(status)
                .message(text)
                .build();
    }

    private static String text(JsonNode json, String name) {
        JsonNode node = json.get(name);
        return node == null || node.isNull() ? null : node.asText();
    }
}
