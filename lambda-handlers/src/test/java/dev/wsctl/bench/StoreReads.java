package dev.wsctl.bench;

import static dev.wsctl.store.ConnectionTable.CHANNEL;
import static dev.wsctl.store.ConnectionTable.CONNECTED_AT;
import static dev.wsctl.store.ConnectionTable.CONNECTION_ID;
import static dev.wsctl.store.ConnectionTable.EXPIRES_AT;
import static dev.wsctl.store.ConnectionTable.ORIGIN;
import static dev.wsctl.store.ConnectionTable.SOURCE_IP;

import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.Dynalite;
import dev.wsctl.store.DynamoDbConnectionStore;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Capacity;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Benchmark 2, store reads per broadcast: what reading one channel's subscribers costs, and that it
 * does not grow with the table. It loads a connection table with {@code rows} rows (one meta row and
 * two subscriptions per connection, about ten subscribers per channel, and exactly one channel,
 * {@link #HOT}, of {@code channelSize}), then reads {@link #HOT} the way a broadcast does
 * ({@link DynamoDbConnectionStore#subscriberPages}) through a client whose {@link QueryCounter} asks
 * every Query for its consumed capacity and adds up what the responses say.
 *
 * <p>Run by {@code scripts/bench store-reads}; {@code StoreReadsTest} runs a small one. It lives in the
 * test sources because it needs {@link Dynalite}, and so that nothing of it reaches handlers.jar.
 */
public final class StoreReads {
    /** The one channel of {@code channelSize} subscribers. */
    public static final String HOT = "hot";
    /** Subscribers of every other channel. */
    static final int CHANNEL_MEMBERS = 10;
    /** Subscriptions per connection; the meta row makes three rows per connection. */
    static final int SUBSCRIPTIONS = 2;

    private static final int BATCH = 25;

    private StoreReads() {}

    /** What {@link #load} wrote. */
    public record Loaded(int rows, int connections, int channels, long millis) {}

    /**
     * One read of {@link #HOT}, as the Query responses describe it.
     *
     * @param queries          Query calls (pages)
     * @param items            ids handed to the caller
     * @param count            sum of the responses' {@code Count}
     * @param scanned          sum of {@code ScannedCount}: index entries the queries read
     * @param capacity         sum of {@code ConsumedCapacity.CapacityUnits}
     * @param indexCapacity    of which the {@code by-channel} index (from {@code INDEXES})
     * @param capacityReported whether every response carried ConsumedCapacity
     */
    public record Reads(
            int queries,
            long items,
            long count,
            long scanned,
            double capacity,
            double indexCapacity,
            boolean capacityReported,
            double millis) {}

    /**
     * Fills {@code table} (already created) with {@code rows} rows, BatchWriteItem of 25 with
     * {@code concurrency} batches in flight. Needs {@code rows / 3 >= channelSize}.
     */
    public static Loaded load(DynamoDbAsyncClient client, String table, int rows, int channelSize, int concurrency) {
        int connections = rows / (1 + SUBSCRIPTIONS);
        int extra = rows % (1 + SUBSCRIPTIONS); // the first `extra` connections get a third subscription
        if (connections < channelSize) {
            throw new IllegalArgumentException(rows + " rows make " + connections + " connections, fewer than a "
                    + channelSize + "-subscriber channel needs");
        }
        long start = System.nanoTime();
        long expiresAt = System.currentTimeMillis() / 1000 + 7800;
        Semaphore inFlight = new Semaphore(concurrency);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<WriteRequest> batch = new ArrayList<>(BATCH);
        Set<String> channels = new HashSet<>();
        int written = 0;
        for (int i = 0; i < connections; i++) {
            String id = connectionId(i);
            List<Map<String, AttributeValue>> items = new ArrayList<>(4);
            items.add(metaRow(id, i, expiresAt));
            int slots = SUBSCRIPTIONS + (i < extra ? 1 : 0);
            for (int slot = 0; slot < slots; slot++) {
                String channel = slot == 0 && i < channelSize ? HOT : channel(slot, i, connections);
                channels.add(channel);
                items.add(Map.of(CONNECTION_ID, s(id), CHANNEL, s(channel), EXPIRES_AT, n(expiresAt)));
            }
            for (Map<String, AttributeValue> item : items) {
                batch.add(WriteRequest.builder().putRequest(p -> p.item(item)).build());
                written++;
                if (batch.size() == BATCH) {
                    submit(client, table, List.copyOf(batch), inFlight, failure);
                    batch.clear();
                }
            }
        }
        if (!batch.isEmpty()) {
            submit(client, table, List.copyOf(batch), inFlight, failure);
        }
        inFlight.acquireUninterruptibly(concurrency);
        inFlight.release(concurrency);
        if (failure.get() != null) {
            throw new IllegalStateException("loading " + table + " failed: " + failure.get(), failure.get());
        }
        return new Loaded(written, connections, channels.size(), (System.nanoTime() - start) / 1_000_000);
    }

    /** Reads {@code channel}'s subscribers page by page, as the fan-out does, counting what the queries read. */
    public static Reads readChannel(ConnectionStore store, QueryCounter counter, String channel) {
        counter.reset();
        long start = System.nanoTime();
        long ids = 0;
        for (List<String> page : store.subscriberPages(channel)) {
            ids += page.size();
        }
        double millis = (System.nanoTime() - start) / 1e6;
        return new Reads(
                counter.queries.intValue(),
                ids,
                counter.count.sum(),
                counter.scanned.sum(),
                counter.capacity.sum(),
                counter.indexCapacity.sum(),
                counter.withCapacity.intValue() == counter.queries.intValue(),
                millis);
    }

    /**
     * Asks every Query for {@code ReturnConsumedCapacity.INDEXES} (the total, and its split between table
     * and indexes) and sums Count, ScannedCount and the consumed capacity of the responses. Only a client
     * built for measuring carries it; the runtime's clients never ask for capacity.
     */
    public static final class QueryCounter implements ExecutionInterceptor {
        final AtomicInteger queries = new AtomicInteger();
        final AtomicInteger withCapacity = new AtomicInteger();
        final LongAdder count = new LongAdder();
        final LongAdder scanned = new LongAdder();
        final DoubleAdder capacity = new DoubleAdder();
        final DoubleAdder indexCapacity = new DoubleAdder();

        @Override
        public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
            if (context.request() instanceof QueryRequest query) {
                return query.toBuilder()
                        .returnConsumedCapacity(ReturnConsumedCapacity.INDEXES)
                        .build();
            }
            return context.request();
        }

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            if (context.response() instanceof QueryResponse response) {
                queries.incrementAndGet();
                count.add(response.count() == null ? 0 : response.count());
                scanned.add(response.scannedCount() == null ? 0 : response.scannedCount());
                ConsumedCapacity consumed = response.consumedCapacity();
                if (consumed != null && consumed.capacityUnits() != null) {
                    withCapacity.incrementAndGet();
                    capacity.add(consumed.capacityUnits());
                    for (Capacity index : consumed.globalSecondaryIndexes().values()) {
                        indexCapacity.add(index.capacityUnits() == null ? 0 : index.capacityUnits());
                    }
                }
            }
        }

        void reset() {
            queries.set(0);
            withCapacity.set(0);
            count.reset();
            scanned.reset();
            capacity.reset();
            indexCapacity.reset();
        }
    }

    /** A client for {@code endpoint} with {@code counter} on it; close it yourself. */
    public static DynamoDbAsyncClient countingClient(URI endpoint, QueryCounter counter) {
        return DynamoDbAsyncClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(64))
                .overrideConfiguration(c -> c.addExecutionInterceptor(counter))
                .build();
    }

    /**
     * {@code scripts/bench store-reads [--channel-size N] [--reads N] [--concurrency N] ROWS...}: one fresh
     * dynalite per table size. Prints one line per read.
     */
    public static void main(String[] args) {
        int channelSize = 1000;
        int reads = 5;
        int concurrency = 8;
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--channel-size" -> channelSize = Integer.parseInt(args[++i]);
                case "--reads" -> reads = Integer.parseInt(args[++i]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
                default -> sizes.add(Integer.parseInt(args[i].replace("_", "").replace(",", "")));
            }
        }
        if (sizes.isEmpty()) {
            sizes = List.of(10_000, 100_000);
        }
        System.out.printf(
                "channel %s: %,d subscribers; %d reads per table; BatchWriteItem of %d, %d in flight%n",
                HOT, channelSize, reads, BATCH, concurrency);
        System.out.println("| rows | connections | channels | load s | rows/s | read | Query calls | items"
                + " | Count | ScannedCount | ConsumedCapacity (GSI) | ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (int rows : sizes) {
            QueryCounter counter = new QueryCounter();
            try (Dynalite dynalite = Dynalite.start();
                    DynamoDbAsyncClient client = countingClient(dynalite.endpoint(), counter);
                    ConnectionStore store = new DynamoDbConnectionStore(client, "bench-reads-connections")) {
                Dynalite.createTable(client, "bench-reads-connections");
                Loaded loaded = load(client, "bench-reads-connections", rows, channelSize, concurrency);
                for (int r = 1; r <= reads; r++) {
                    Reads read = readChannel(store, counter, HOT);
                    System.out.printf(
                            "| %,d | %,d | %,d | %.1f | %,.0f | %d | %d | %,d | %,d | %,d | %s (%s) | %.1f |%n",
                            loaded.rows(),
                            loaded.connections(),
                            loaded.channels(),
                            loaded.millis() / 1000.0,
                            loaded.rows() * 1000.0 / Math.max(1, loaded.millis()),
                            r,
                            read.queries(),
                            read.items(),
                            read.count(),
                            read.scanned(),
                            read.capacityReported() ? String.valueOf(read.capacity()) : "not reported",
                            read.capacityReported() ? String.valueOf(read.indexCapacity()) : "-",
                            read.millis());
                }
            }
        }
    }

    // ---------------------------------------------------------------- layout

    /**
     * Every channel but {@link #HOT} gets {@link #CHANNEL_MEMBERS} consecutive (slot, connection) pairs;
     * a connection's two slots are {@code connections} pairs apart, so they never share a channel.
     */
    static String channel(int slot, int connection, int connections) {
        return "c-" + ((long) slot * connections + connection) / CHANNEL_MEMBERS;
    }

    /** 16 characters like API Gateway's ids ({@code TQ0MFePzoAMCJ-w=}), fixed per index. */
    static String connectionId(int i) {
        long z = (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        byte[] bytes = ByteBuffer.allocate(11)
                .putLong(z ^ (z >>> 31))
                .put((byte) (i >>> 16))
                .put((byte) (i >>> 8))
                .put((byte) i)
                .array();
        return Base64.getUrlEncoder().encodeToString(bytes);
    }

    private static Map<String, AttributeValue> metaRow(String id, int i, long expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(CONNECTION_ID, s(id));
        item.put(CHANNEL, s(ConnectionStore.CONNECTION_ROW));
        item.put(CONNECTED_AT, n(expiresAt * 1000 - 7_800_000));
        item.put(EXPIRES_AT, n(expiresAt));
        item.put(SOURCE_IP, s("198.51.100." + (i % 250)));
        item.put(ORIGIN, s("https://app.example.com"));
        return item;
    }

    private static void submit(
            DynamoDbAsyncClient client,
            String table,
            List<WriteRequest> batch,
            Semaphore inFlight,
            AtomicReference<Throwable> failure) {
        inFlight.acquireUninterruptibly();
        write(client, table, batch, 1).whenComplete((ok, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
            inFlight.release();
        });
    }

    private static CompletableFuture<Void> write(
            DynamoDbAsyncClient client, String table, List<WriteRequest> batch, int attempt) {
        return client.batchWriteItem(r -> r.requestItems(Map.of(table, batch))).thenCompose(response -> {
            List<WriteRequest> left = response.hasUnprocessedItems()
                    ? response.unprocessedItems().getOrDefault(table, List.of())
                    : List.of();
            if (left.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            // dynalite does not throttle; a retry without backoff is enough for a benchmark
            if (attempt >= 10) {
                return CompletableFuture.failedFuture(new IllegalStateException(
                        left.size() + " items still unprocessed after " + attempt + " attempts"));
            }
            return write(client, table, left, attempt + 1);
        });
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
