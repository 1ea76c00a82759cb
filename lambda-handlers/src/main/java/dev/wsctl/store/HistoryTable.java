package dev.wsctl.store;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/**
 * The history table as data (docs/presence-and-history.md): its name, attributes, key schema, and the CreateTable
 * and UpdateTimeToLive requests that describe it. {@link DynamoDbHistoryStore} reads and writes this layout; the CLI
 * creates the table from these requests, as do the tests.
 *
 * <p>One partition per channel. Offset 0 is the channel's head ({@link #LATEST}, {@link #EPOCH}, {@link #EXPIRES_AT});
 * offsets 1… hold the messages ({@link #FRAME}, {@link #EPOCH}, {@link #EXPIRES_AT}).
 */
public final class HistoryTable {

    /** Partition key (S): the channel. */
    public static final String CHANNEL = "channel";
    /** Sort key (N): 0 for the head, the message's offset otherwise. */
    public static final String OFFSET = "offset";
    /** Head (N): the channel's latest offset. */
    public static final String LATEST = "latest";
    /** Head and messages (S): the channel's epoch; a message of another epoch than the head's is not kept. */
    public static final String EPOCH = "epoch";
    /** Messages (B): the delivery frame as it was posted. */
    public static final String FRAME = "frame";
    /** Epoch seconds; the table's TTL attribute. On every item, and checked on every read (TTL deletes lazily). */
    public static final String EXPIRES_AT = "expiresAt";

    /** The head's offset. */
    public static final long HEAD = 0;

    private HistoryTable() {}

    /** {@code {app}-{stage}-history}. */
    public static String name(String app, String stage) {
        return app + "-" + stage + "-history";
    }

    /** The CreateTable request: on-demand, key (channel S, offset N). */
    public static CreateTableRequest createTableRequest(String tableName, Map<String, String> tags) {
        CreateTableRequest.Builder b = CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        AttributeDefinition.builder()
                                .attributeName(CHANNEL)
                                .attributeType(ScalarAttributeType.S)
                                .build(),
                        AttributeDefinition.builder()
                                .attributeName(OFFSET)
                                .attributeType(ScalarAttributeType.N)
                                .build())
                .keySchema(
                        KeySchemaElement.builder()
                                .attributeName(CHANNEL)
                                .keyType(KeyType.HASH)
                                .build(),
                        KeySchemaElement.builder()
                                .attributeName(OFFSET)
                                .keyType(KeyType.RANGE)
                                .build());
        return Tables.tagged(b, tags).build();
    }

    /** The UpdateTimeToLive request that enables TTL on {@link #EXPIRES_AT}. */
    public static UpdateTimeToLiveRequest enableTtlRequest(String tableName) {
        return Tables.enableTtl(tableName, EXPIRES_AT);
    }
}
