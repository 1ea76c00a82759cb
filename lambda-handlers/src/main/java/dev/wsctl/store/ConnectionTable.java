package dev.wsctl.store;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/**
 * The connection table as data: its name, attributes, key schema, the {@code by-channel} index, and the
 * CreateTable and UpdateTimeToLive requests that describe it. The store reads and writes this layout; the CLI
 * creates the table from these requests ({@code wsctl deploy}, {@code wsctl template}), as do the tests.
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

    /** A presence subscription row, and a member row: the member's user (S). */
    public static final String USER = "user";
    /** A presence subscription row, and a member row: the member's info, JSON text (S), absent when none. */
    public static final String INFO = "info";
    /**
     * A member row ({@code connectionId = #members:{channel}}, {@code channel = #{user}}): how many of the user's
     * connections are subscribed to the channel (N), moved by atomic {@code ADD}.
     */
    public static final String MEMBER_CONNECTIONS = "connections";

    /**
     * An occupancy row ({@code connectionId = #occupancy:{channel}}, {@code channel = #count}): how many connections
     * are subscribed to the channel (N), moved by atomic {@code ADD}.
     */
    public static final String SUBSCRIBERS = "subscribers";

    /** The GSI: channel (HASH), connectionId (RANGE), keys only. */
    public static final String BY_CHANNEL = "by-channel";

    private ConnectionTable() {}

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
                        AttributeDefinition.builder()
                                .attributeName(CONNECTION_ID)
                                .attributeType(ScalarAttributeType.S)
                                .build(),
                        AttributeDefinition.builder()
                                .attributeName(CHANNEL)
                                .attributeType(ScalarAttributeType.S)
                                .build())
                .keySchema(
                        KeySchemaElement.builder()
                                .attributeName(CONNECTION_ID)
                                .keyType(KeyType.HASH)
                                .build(),
                        KeySchemaElement.builder()
                                .attributeName(CHANNEL)
                                .keyType(KeyType.RANGE)
                                .build())
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                        .indexName(BY_CHANNEL)
                        .keySchema(
                                KeySchemaElement.builder()
                                        .attributeName(CHANNEL)
                                        .keyType(KeyType.HASH)
                                        .build(),
                                KeySchemaElement.builder()
                                        .attributeName(CONNECTION_ID)
                                        .keyType(KeyType.RANGE)
                                        .build())
                        .projection(Projection.builder()
                                .projectionType(ProjectionType.KEYS_ONLY)
                                .build())
                        .build());
        return Tables.tagged(b, tags).build();
    }

    /** The UpdateTimeToLive request that enables TTL on {@link #EXPIRES_AT}. */
    public static UpdateTimeToLiveRequest enableTtlRequest(String tableName) {
        return Tables.enableTtl(tableName, EXPIRES_AT);
    }
}
