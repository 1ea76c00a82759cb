package dev.wsctl.runtime;

import static dev.wsctl.runtime.Futures.join;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.retry.backoff.FixedDelayBackoffStrategy;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/**
 * The connection table as data: its name, attributes, key schema, the {@code by-channel} index, and
 * the code that creates it. Used by {@code wsctl deploy} and by the tests (against dynalite), so both
 * create the same table.
 *
 * <p>TTL: {@link #create(DynamoDbAsyncClient, String, Map)} also enables TTL on {@link #EXPIRES_AT}.
 * dynalite (the DynamoDB-protocol server the tests use) has no {@code UpdateTimeToLive}; tests call
 * {@link #create(DynamoDbAsyncClient, String, Map, boolean)} with {@code enableTtl = false}. Should
 * a server answer {@code UpdateTimeToLive} with {@code UnknownOperationException} anyway,
 * {@link #enableTtl} does not throw but reports {@link TtlStatus#UNSUPPORTED}.
 */
public final class ConnectionTable {

    /** Partition key: API Gateway's connection id. */
    public static final String CONNECTION_ID = "connectionId";
    /** Sort key: the channel, or {@link ConnectionStore#CONNECTION_ROW} for the meta row. */
    public static final String CHANNEL = "channel";
    /** Epoch seconds; the table's TTL attribute. On every row. */
    public static final String EXPIRES_AT = "expiresAt";
    /** Meta row: epoch milliseconds (N). */
    public static final String CONNECTED_AT = "connectedAt";
    /** Meta row: the client's address (S). */
    public static final String SOURCE_IP = "sourceIp";
    /** Meta row: the upgrade request's Origin header (S), absent when there was none. */
    public static final String ORIGIN = "origin";
    /** Meta row: the authenticated user (S), absent without auth. */
    public static final String SUB = "sub";
    /** Meta row: the token's channel grants (L of S), absent when empty. */
    public static final String GRANTS = "grants";

    /** The GSI: channel (HASH), connectionId (RANGE), keys only. */
    public static final String BY_CHANNEL = "by-channel";

    /** How often the create path polls DescribeTable while the table is CREATING. */
    private static final Duration POLL = Duration.ofSeconds(2);
    private static final int MAX_POLLS = 150; // 5 minutes

    private ConnectionTable() {
    }

    /** {@code {app}-{stage}-connections}. */
    public static String name(String app, String stage) {
        return app + "-" + stage + "-connections";
    }

    /** The CreateTable request: on-demand, key (connectionId, channel), GSI by-channel (keys only). */
    public static CreateTableRequest createTableRequest(String tableName, Map<String, String> tags) {
        CreateTableRequest.Builder b = CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        AttributeDefinition.builder().attributeName(CONNECTION_ID)
                                .attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName(CHANNEL)
                                .attributeType(ScalarAttributeType.S).build())
                .keySchema(
                        KeySchemaElement.builder().attributeName(CONNECTION_ID).keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName(CHANNEL).keyType(KeyType.RANGE).build())
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                        .indexName(BY_CHANNEL)
                        .keySchema(
                                KeySchemaElement.builder().attributeName(CHANNEL).keyType(KeyType.HASH).build(),
                                KeySchemaElement.builder().attributeName(CONNECTION_ID).keyType(KeyType.RANGE).build())
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                        .build());
        if (tags != null && !tags.isEmpty()) {
            List<Tag> list = tags.entrySet().stream()
                    .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                    .toList();
            b.tags(list);
        }
        return b.build();
    }

    /** The UpdateTimeToLive request that enables TTL on {@link #EXPIRES_AT}. */
    public static UpdateTimeToLiveRequest enableTtlRequest(String tableName) {
        return UpdateTimeToLiveRequest.builder()
                .tableName(tableName)
                .timeToLiveSpecification(s -> s.attributeName(EXPIRES_AT).enabled(true))
                .build();
    }

    /** What {@link #create} did. */
    public record Result(boolean created, TtlStatus ttl) {
    }

    /** What {@link #enableTtl} found or did. */
    public enum TtlStatus {
        /** UpdateTimeToLive was sent and accepted. */
        ENABLED,
        /** TTL was already enabled (or being enabled) on {@link #EXPIRES_AT}. */
        ALREADY_ENABLED,
        /** The server does not implement UpdateTimeToLive (dynalite): rows will not expire. */
        UNSUPPORTED,
        /** Not attempted ({@code enableTtl = false}). */
        SKIPPED
    }

    /** Creates the table (if absent), waits until it is ACTIVE, and enables TTL. */
    public static Result create(DynamoDbAsyncClient client, String tableName, Map<String, String> tags) {
        return create(client, tableName, tags, true);
    }

    /**
     * Creates the table unless it exists ({@code ResourceInUseException} is fine), waits with the
     * SDK's {@code TableExists} waiter until it is ACTIVE, then enables TTL when {@code enableTtl}.
     * Pass {@code enableTtl = false} against dynalite, which lacks UpdateTimeToLive.
     */
    public static Result create(DynamoDbAsyncClient client, String tableName, Map<String, String> tags,
                                boolean enableTtl) {
        boolean created;
        try {
            join(client.createTable(createTableRequest(tableName, tags)));
            created = true;
        } catch (ResourceInUseException exists) {
            created = false;
        }
        WaiterOverrideConfiguration polling = WaiterOverrideConfiguration.builder()
                .backoffStrategy(FixedDelayBackoffStrategy.create(POLL))
                .maxAttempts(MAX_POLLS)
                .build();
        join(client.waiter().waitUntilTableExists(
                DescribeTableRequest.builder().tableName(tableName).build(), polling));
        TtlStatus ttl = enableTtl ? enableTtl(client, tableName) : TtlStatus.SKIPPED;
        return new Result(created, ttl);
    }

    /**
     * Enables TTL on {@link #EXPIRES_AT} unless it already is. Returns {@link TtlStatus#UNSUPPORTED}
     * instead of throwing when the server does not know the operation (dynalite).
     */
    public static TtlStatus enableTtl(DynamoDbAsyncClient client, String tableName) {
        try {
            TimeToLiveDescription current = join(client.describeTimeToLive(r -> r.tableName(tableName)))
                    .timeToLiveDescription();
            if (current != null && EXPIRES_AT.equals(current.attributeName())
                    && (current.timeToLiveStatus() == TimeToLiveStatus.ENABLED
                    || current.timeToLiveStatus() == TimeToLiveStatus.ENABLING)) {
                return TtlStatus.ALREADY_ENABLED;
            }
            join(client.updateTimeToLive(enableTtlRequest(tableName)));
            return TtlStatus.ENABLED;
        } catch (DynamoDbException e) {
            if (isUnknownOperation(e)) {
                return TtlStatus.UNSUPPORTED;
            }
            throw e;
        }
    }

    private static boolean isUnknownOperation(DynamoDbException e) {
        return e.awsErrorDetails() != null && "UnknownOperationException".equals(e.awsErrorDetails().errorCode());
    }
}
