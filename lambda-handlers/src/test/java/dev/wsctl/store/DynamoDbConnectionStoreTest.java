package dev.wsctl.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/** The store contract against dynalite, on a table created by {@link ConnectionTable}. */
class DynamoDbConnectionStoreTest extends ConnectionStoreContract {

    private static final String TABLE = ConnectionTable.name("wsctl-test", "contract");

    private static Dynalite dynalite;
    private static DynamoDbAsyncClient client;

    @BeforeAll
    static void startDynalite() {
        dynalite = Dynalite.start();
        client = dynalite.newClient();
        Dynalite.createTable(client, TABLE);
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

    /** The occupancy row, read back consistently with the SDK's own client. */
    @Override
    protected java.util.OptionalLong occupancy(ConnectionStore store, String channel) {
        return occupancyRow(client, TABLE, channel);
    }

    static java.util.OptionalLong occupancyRow(DynamoDbAsyncClient client, String table, String channel) {
        var item = client.getItem(r -> r.tableName(table)
                        .key(java.util.Map.of(
                                ConnectionTable.CONNECTION_ID,
                                software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(
                                        ConnectionStore.OCCUPANCY_PREFIX + channel),
                                ConnectionTable.CHANNEL,
                                software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(
                                        ConnectionStore.OCCUPANCY_ROW)))
                        .consistentRead(true))
                .join()
                .item();
        if (item == null || item.isEmpty()) {
            return java.util.OptionalLong.empty();
        }
        assertThat(item).containsKey(ConnectionTable.EXPIRES_AT);
        return java.util.OptionalLong.of(
                Long.parseLong(item.get(ConnectionTable.SUBSCRIBERS).n()));
    }

    @Test
    void theTableHasTheDesignedLayout() {
        TableDescription table =
                client.describeTable(r -> r.tableName(TABLE)).join().table();

        assertThat(table.keySchema())
                .extracting(k -> k.attributeName() + ":" + k.keyTypeAsString())
                .containsExactly("connectionId:HASH", "channel:RANGE");
        assertThat(table.globalSecondaryIndexes()).singleElement().satisfies(gsi -> {
            assertThat(gsi.indexName()).isEqualTo(ConnectionTable.BY_CHANNEL);
            assertThat(gsi.keySchema())
                    .extracting(k -> k.attributeName() + ":" + k.keyTypeAsString())
                    .containsExactly("channel:HASH", "connectionId:RANGE");
            assertThat(gsi.projection().projectionType()).isEqualTo(ProjectionType.KEYS_ONLY);
        });
        assertThat(table.billingModeSummary().billingModeAsString()).isEqualTo("PAY_PER_REQUEST");
    }

    @Test
    void createRequestCarriesTags() {
        CreateTableRequest request = ConnectionTable.createTableRequest("a-b-connections", Map.of("stage", "b"));
        assertThat(request.tags()).extracting(t -> t.key() + "=" + t.value()).containsExactly("stage=b");
        assertThat(ConnectionTable.name("a", "b")).isEqualTo("a-b-connections");
    }

    /** 200 connections of 3 rows: one Query each, then 600 deletes in BatchWriteItem calls of 25. */
    @Test
    void manyConnectionsAreRemovedInBatchWritesOfTwentyFiveRows() {
        String a = newChannel("batch-a");
        String b = newChannel("batch-b");
        String kept = newConnectionId();
        store.connect(info(kept), List.of(a, b));
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String id = newConnectionId();
            store.connect(info(id), List.of(a, b));
            gone.add(id);
        }
        CallCounter calls = new CallCounter();
        try (DynamoDbAsyncClient counted = dynalite.newClient(calls)) {
            assertThat(new DynamoDbConnectionStore(counted, TABLE)
                            .disconnectAll(gone)
                            .rows())
                    .isEqualTo(600);
        }

        assertThat(calls.operations()).containsExactlyInAnyOrder("Query", "BatchWriteItem");
        assertThat(calls.count("Query")).isEqualTo(200);
        assertThat(calls.count("BatchWriteItem")).isEqualTo(600 / 25);
        assertThat(subscribers(store, a)).containsExactly(kept);
        assertThat(subscribers(store, b)).containsExactly(kept);
        assertThat(store.connection(kept)).isPresent();
        for (String id : gone) {
            assertThat(store.channelsOf(id)).as(id).isEmpty();
            assertThat(store.connection(id)).as(id).isEmpty();
        }
    }

    @Test
    void errorsArriveAsTheSdkExceptionNotACompletionException() {
        try (ConnectionStore missing = new DynamoDbConnectionStore(client, "no-such-table")) {
            assertThatThrownBy(() -> missing.channelsOf("x")).isInstanceOf(ResourceNotFoundException.class);
            assertThatThrownBy(() -> missing.subscribeAll("c", List.of("a", "b"), 1))
                    .isInstanceOf(ResourceNotFoundException.class);
            assertThatThrownBy(() -> missing.subscriberPages("c").iterator().hasNext())
                    .isInstanceOf(ResourceNotFoundException.class);
            assertThatThrownBy(() -> missing.disconnectAll(List.of("a", "b")))
                    .isInstanceOf(ResourceNotFoundException.class);
        }
    }
}
