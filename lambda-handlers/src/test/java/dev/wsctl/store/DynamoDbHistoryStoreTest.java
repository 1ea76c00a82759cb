package dev.wsctl.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * The history contract against dynalite, through the functions' own client ({@link DynamoDbJsonClient}), on a table
 * created from {@link HistoryTable}'s key schema.
 */
class DynamoDbHistoryStoreTest extends HistoryStoreContract {

    private static final String TABLE = HistoryTable.name("wsctl-test", "history");

    private static Dynalite dynalite;
    private static DynamoDbAsyncClient sdk;
    private static DynamoDbJsonClient client;

    @BeforeAll
    static void startDynalite() {
        dynalite = Dynalite.start();
        sdk = dynalite.newClient();
        Dynalite.createTable(sdk, HistoryTable.createTableRequest(TABLE, null));
        client = new DynamoDbJsonClient(
                dynalite.endpoint(),
                16,
                Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("dummy", "dummy")));
    }

    @AfterAll
    static void stopDynalite() {
        if (client != null) {
            client.close();
        }
        if (sdk != null) {
            sdk.close();
        }
        if (dynalite != null) {
            dynalite.close();
        }
    }

    @Override
    protected HistoryStore newStore(int size, Duration ttl, Clock clock) {
        return new DynamoDbHistoryStore(client, TABLE, size, ttl, clock);
    }

    @Override
    protected void deleteMessage(String channel, long offset) {
        sdk.deleteItem(r -> r.tableName(TABLE)
                        .key(Map.of(
                                HistoryTable.CHANNEL,
                                AttributeValue.fromS(channel),
                                HistoryTable.OFFSET,
                                AttributeValue.fromN(Long.toString(offset)))))
                .join();
    }

    @Test
    void theTableHasTheDesignedLayout() {
        TableDescription table =
                sdk.describeTable(r -> r.tableName(TABLE)).join().table();

        assertThat(table.keySchema())
                .extracting(k -> k.attributeName() + ":" + k.keyTypeAsString())
                .containsExactly("channel:HASH", "offset:RANGE");
        assertThat(table.attributeDefinitions())
                .extracting(a -> a.attributeName() + ":" + a.attributeTypeAsString())
                .containsExactlyInAnyOrder("channel:S", "offset:N");
        assertThat(table.billingModeSummary().billingModeAsString()).isEqualTo("PAY_PER_REQUEST");
        assertThat(HistoryTable.enableTtlRequest(TABLE)
                        .timeToLiveSpecification()
                        .attributeName())
                .isEqualTo(HistoryTable.EXPIRES_AT);
    }

    /** A publish costs one UpdateItem and one PutItem; a recovery one GetItem and one Query. */
    @Test
    void aPublishAndARecoveryCostWhatTheDesignSays() {
        String channel = newChannel("cost");
        CallCounter calls = new CallCounter();
        try (DynamoDbAsyncClient counted = dynalite.newClient(calls)) {
            HistoryStore counting = new DynamoDbHistoryStore(counted, TABLE, SIZE, TTL, clock);
            HistoryStore.Position first = counting.append(channel, p -> new byte[] {'1'});
            assertThat(calls.count("UpdateItem")).isEqualTo(1);
            assertThat(calls.count("PutItem")).isEqualTo(1);
            counting.append(channel, p -> new byte[] {'2'});
            counting.append(channel, p -> new byte[] {'3'});
            assertThat(calls.operations()).containsExactlyInAnyOrder("UpdateItem", "PutItem");
            assertThat(calls.count("UpdateItem")).isEqualTo(3);

            assertThat(counting.recover(channel, first).frames()).hasSize(2);
            assertThat(calls.count("GetItem")).isEqualTo(1);
            assertThat(calls.count("Query")).isEqualTo(1);
        }
    }

    /** The head was updated but its message not yet put: that message is on its way, not lost. */
    @Test
    void aMessageNotYetPutAfterTheHeadEndsTheReplayWithoutRefusingIt() {
        String channel = newChannel("inflight");
        HistoryStore.Position first = store.append(channel, p -> new byte[] {'1'});
        store.append(channel, p -> new byte[] {'2'});
        store.append(channel, p -> new byte[] {'3'});
        deleteMessage(channel, 3);

        HistoryStore.Recovery r = store.recover(channel, first);
        assertThat(r.recovered()).isTrue();
        assertThat(r.frames()).extracting(f -> new String(f)).containsExactly("2");
        assertThat(r.position()).isEqualTo(new HistoryStore.Position(2, first.epoch()));
    }
}
