package dev.wsctl.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.Dynalite;
import dev.wsctl.store.DynamoDbConnectionStore;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * A small run of the store-reads benchmark ({@code scripts/bench store-reads}), so that it keeps working:
 * a broadcast reads exactly its channel's subscribers, however large the table.
 */
class StoreReadsTest {
    @RegisterExtension
    static final Dynalite DYNALITE = new Dynalite();

    @Test
    void aBroadcastReadsItsChannelAndNothingElseWhateverTheTableSize() {
        StoreReads.QueryCounter counter = new StoreReads.QueryCounter();
        try (DynamoDbAsyncClient client = StoreReads.countingClient(DYNALITE.endpoint(), counter)) {
            StoreReads.Reads small = loadAndRead(client, counter, "bench-small", 2_000);
            StoreReads.Reads large = loadAndRead(client, counter, "bench-large", 4_000);

            for (StoreReads.Reads read : new StoreReads.Reads[] {small, large}) {
                assertThat(read.items()).isEqualTo(100);
                assertThat(read.count()).isEqualTo(100);
                assertThat(read.scanned()).isEqualTo(100);
                assertThat(read.queries()).isEqualTo(1);
                assertThat(read.capacityReported()).isTrue();
                // a GSI query is eventually consistent and billed to the index
                assertThat(read.indexCapacity()).isEqualTo(read.capacity()).isPositive();
            }
            assertThat(large.capacity()).isEqualTo(small.capacity());
        }
    }

    @Test
    void theLayoutHasTheRowsAskedForAndOneLargeChannel() {
        try (DynamoDbAsyncClient client = DYNALITE.newClient()) {
            Dynalite.createTable(client, "bench-layout");
            StoreReads.Loaded loaded = StoreReads.load(client, "bench-layout", 2_002, 100, 4);
            try (ConnectionStore store = new DynamoDbConnectionStore(client, "bench-layout")) {
                Map<String, Long> counts = store.channelCounts();
                assertThat(loaded.rows()).isEqualTo(2_002);
                assertThat(loaded.connections()).isEqualTo(667);
                assertThat(counts).hasSize(loaded.channels()).containsEntry(StoreReads.HOT, 100L);
                assertThat(counts.values().stream().mapToLong(Long::longValue).sum() + loaded.connections())
                        .isEqualTo(2_002);
                assertThat(counts.entrySet())
                        .filteredOn(e -> !e.getKey().equals(StoreReads.HOT))
                        .allSatisfy(e -> assertThat(e.getValue()).isBetween(1L, 10L));
            }
        }
    }

    private static StoreReads.Reads loadAndRead(
            DynamoDbAsyncClient client, StoreReads.QueryCounter counter, String table, int rows) {
        Dynalite.createTable(client, table);
        StoreReads.load(client, table, rows, 100, 8);
        try (ConnectionStore store = new DynamoDbConnectionStore(client, table)) {
            return StoreReads.readChannel(store, counter, StoreReads.HOT);
        }
    }
}
