package dev.wsctl.store;

import static dev.wsctl.awshttp.Futures.join;
import static dev.wsctl.store.ConnectionTable.BY_CHANNEL;
import static dev.wsctl.store.ConnectionTable.CHANNEL;
import static dev.wsctl.store.ConnectionTable.CONNECTED_AT;
import static dev.wsctl.store.ConnectionTable.CONNECTION_ID;
import static dev.wsctl.store.ConnectionTable.EXPIRES_AT;
import static dev.wsctl.store.ConnectionTable.GRANTS;
import static dev.wsctl.store.ConnectionTable.ORIGIN;
import static dev.wsctl.store.ConnectionTable.SOURCE_IP;
import static dev.wsctl.store.ConnectionTable.SUB;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * {@link ConnectionStore} over the DynamoDB table described by {@link ConnectionTable}.
 *
 * <p>Reads of a channel's subscribers are Queries on the {@code by-channel} GSI (never a Scan), one
 * DynamoDB page (up to 1 MB) per {@link #subscriberPages} page, with the next page requested as soon
 * as the previous one is handed out. Batch writes go in chunks of 25, several chunks in flight at
 * once, and unprocessed items are retried after {@link #UNPROCESSED_BACKOFF}.
 *
 * <p>Thread safe. {@link #close()} does not close the client: whoever built it owns it.
 */
public final class DynamoDbConnectionStore implements ConnectionStore {

    private static final int BATCH_WRITE_MAX = 25;
    private static final int BATCH_GET_MAX = 100;
    /** BatchWriteItem / BatchGetItem requests in flight at once for one call. */
    private static final int PARALLEL_BATCHES = 16;
    /** Attempts for one batch before unprocessed items are reported as a failure (up to ~19 s of backoff). */
    private static final int MAX_BATCH_ATTEMPTS = 16;
    /**
     * Unprocessed items are what DynamoDB could not take in time (throttling, mostly); it asks that they be sent
     * again after an exponential backoff
     * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html): full jitter from
     * 25 ms, capped at 2 s, like the client's own retries ({@link DynamoDbJsonClient#BACKOFF}), so that batches
     * throttled together spread out.
     */
    private static final BackoffStrategy UNPROCESSED_BACKOFF =
            BackoffStrategy.exponentialDelay(Duration.ofMillis(25), Duration.ofSeconds(2));

    private final DynamoDbAsyncClient client;
    private final String table;

    public DynamoDbConnectionStore(DynamoDbAsyncClient client, String tableName) {
        this.client = java.util.Objects.requireNonNull(client, "client");
        this.table = java.util.Objects.requireNonNull(tableName, "tableName");
    }

    public String tableName() {
        return table;
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void connect(ConnectionInfo info, Collection<String> channels) {
        List<WriteRequest> writes = new ArrayList<>();
        writes.add(put(metaItem(info)));
        for (String channel : distinctChannels(channels)) {
            writes.add(put(subscriptionItem(info.connectionId(), channel, info.expiresAt())));
        }
        batchWrite(writes);
    }

    @Override
    public void subscribe(String connectionId, String channel, long expiresAt) {
        checkChannel(channel);
        join(client.putItem(r -> r.tableName(table).item(subscriptionItem(connectionId, channel, expiresAt))));
    }

    @Override
    public void subscribeAll(String channel, Collection<String> connectionIds, long expiresAt) {
        checkChannel(channel);
        List<WriteRequest> writes = new ArrayList<>(connectionIds.size());
        for (String id : new LinkedHashSet<>(connectionIds)) {
            writes.add(put(subscriptionItem(id, channel, expiresAt)));
        }
        batchWrite(writes);
    }

    @Override
    public boolean unsubscribe(String connectionId, String channel) {
        checkChannel(channel);
        Map<String, AttributeValue> old = join(client.deleteItem(
                        r -> r.tableName(table).key(key(connectionId, channel)).returnValues(ReturnValue.ALL_OLD)))
                .attributes();
        return old != null && !old.isEmpty();
    }

    @Override
    public int disconnect(String connectionId) {
        return disconnectAll(List.of(connectionId));
    }

    /**
     * One Query per connection for the sort keys of its rows (a partition's rows cannot be listed any other way),
     * up to {@link #PARALLEL_BATCHES} in flight, then every row deleted by {@link #batchWrite}: 25 rows a call
     * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html), where removing
     * connections one by one takes a BatchWriteItem call for each.
     */
    @Override
    public int disconnectAll(Collection<String> connectionIds) {
        List<WriteRequest> deletes = java.util.Collections.synchronizedList(new ArrayList<>());
        join(inParallel(
                new ArrayList<>(new LinkedHashSet<>(connectionIds)),
                id -> allChannelsOf(id).thenAccept(channels -> {
                    for (String channel : channels) {
                        deletes.add(WriteRequest.builder()
                                .deleteRequest(d -> d.key(key(id, channel)))
                                .build());
                    }
                })));
        batchWrite(deletes);
        return deletes.size();
    }

    // ---------------------------------------------------------------- reads

    @Override
    public boolean isSubscribed(String connectionId, String channel) {
        Map<String, AttributeValue> item = join(client.getItem(r -> r.tableName(table)
                        .key(key(connectionId, channel))
                        .projectionExpression("#id")
                        .expressionAttributeNames(Map.of("#id", CONNECTION_ID))
                        .consistentRead(true)))
                .item();
        return item != null && !item.isEmpty();
    }

    @Override
    public Optional<ConnectionInfo> connection(String connectionId) {
        Map<String, AttributeValue> item = join(client.getItem(r -> r.tableName(table)
                        .key(key(connectionId, CONNECTION_ROW))
                        .consistentRead(true)))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toInfo(item));
    }

    @Override
    public List<String> channelsOf(String connectionId) {
        List<String> channels = join(allChannelsOf(connectionId));
        channels.remove(CONNECTION_ROW);
        return channels;
    }

    @Override
    public Iterable<List<String>> subscriberPages(String channel) {
        QueryRequest request = QueryRequest.builder()
                .tableName(table)
                .indexName(BY_CHANNEL)
                .keyConditionExpression("#ch = :ch")
                .projectionExpression("#id")
                .expressionAttributeNames(Map.of("#ch", CHANNEL, "#id", CONNECTION_ID))
                .expressionAttributeValues(Map.of(":ch", s(channel)))
                .build();
        return () -> new PageIterator(request);
    }

    @Override
    public List<ConnectionInfo> connections(int limit) {
        if (limit <= 0) {
            return List.of();
        }
        // the GSI in pages of at most the ids still wanted: no prefetch, nothing read past the limit
        QueryRequest.Builder request = QueryRequest.builder()
                .tableName(table)
                .indexName(BY_CHANNEL)
                .keyConditionExpression("#ch = :ch")
                .projectionExpression("#id")
                .expressionAttributeNames(Map.of("#ch", CHANNEL, "#id", CONNECTION_ID))
                .expressionAttributeValues(Map.of(":ch", s(CONNECTION_ROW)));
        List<String> ids = new ArrayList<>(Math.min(limit, 1024));
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = join(client.query(
                    request.limit(limit - ids.size()).exclusiveStartKey(start).build()));
            for (Map<String, AttributeValue> item : page.items()) {
                ids.add(item.get(CONNECTION_ID).s());
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && ids.size() < limit);
        Map<String, ConnectionInfo> byId = new HashMap<>();
        for (Map<String, AttributeValue> item : batchGet(ids)) {
            ConnectionInfo info = toInfo(item);
            byId.put(info.connectionId(), info);
        }
        List<ConnectionInfo> result = new ArrayList<>(ids.size());
        for (String id : ids) {
            ConnectionInfo info = byId.get(id); // null when it disconnected between Query and BatchGet
            if (info != null) {
                result.add(info);
            }
        }
        return result;
    }

    /**
     * A paginated Scan of the keys-only {@code by-channel} index, projecting only {@code channel}.
     * This one admin listing scans, because DynamoDB cannot list the distinct partition keys of an
     * index any other way; its cost grows with the number of rows. Broadcasts and every other read
     * here Query and never scan.
     */
    @Override
    public Map<String, Long> channelCounts() {
        ScanRequest.Builder request = ScanRequest.builder()
                .tableName(table)
                .indexName(BY_CHANNEL)
                .projectionExpression("#ch")
                .expressionAttributeNames(Map.of("#ch", CHANNEL));
        Map<String, Long> counts = new TreeMap<>();
        Map<String, AttributeValue> start = null;
        do {
            ScanResponse page =
                    join(client.scan(request.exclusiveStartKey(start).build()));
            for (Map<String, AttributeValue> item : page.items()) {
                String channel = item.get(CHANNEL).s();
                if (!CONNECTION_ROW.equals(channel)) {
                    counts.merge(channel, 1L, Long::sum);
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return counts;
    }

    @Override
    public void close() {
        // the client belongs to the caller
    }

    // ---------------------------------------------------------------- queries

    /**
     * Every sort key of the connection (meta row included), in order; a consistent Query, paged by the SDK's
     * paginator.
     */
    private CompletableFuture<List<String>> allChannelsOf(String connectionId) {
        QueryRequest request = QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression("#id = :id")
                .projectionExpression("#ch")
                .expressionAttributeNames(Map.of("#ch", CHANNEL, "#id", CONNECTION_ID))
                .expressionAttributeValues(Map.of(":id", s(connectionId)))
                .consistentRead(true)
                .build();
        List<String> channels = new ArrayList<>();
        return client.queryPaginator(request)
                .items()
                .subscribe(item -> channels.add(item.get(CHANNEL).s()))
                .thenApply(done -> channels);
    }

    /**
     * Lazy pages of a GSI Query. Each {@code next()} hands out one DynamoDB page and starts the request
     * for the following one, so the caller works on page n while page n+1 is on its way. Empty pages
     * (possible in DynamoDB) are skipped.
     */
    private final class PageIterator extends LazyPages<String> {
        private final QueryRequest request;
        private CompletableFuture<QueryResponse> pending;

        PageIterator(QueryRequest request) {
            this.request = request;
            this.pending = client.query(request);
        }

        @Override
        protected List<String> fetchNext() {
            if (pending == null) {
                return null;
            }
            QueryResponse page = join(pending);
            Map<String, AttributeValue> last = page.hasLastEvaluatedKey() ? page.lastEvaluatedKey() : Map.of();
            pending = last.isEmpty()
                    ? null
                    : client.query(request.toBuilder().exclusiveStartKey(last).build());
            List<String> ids = new ArrayList<>(page.items().size());
            for (Map<String, AttributeValue> item : page.items()) {
                ids.add(item.get(CONNECTION_ID).s());
            }
            return ids;
        }
    }

    // ---------------------------------------------------------------- batches

    /**
     * Writes {@code writes} in BatchWriteItem chunks of 25, up to {@link #PARALLEL_BATCHES} chunks in
     * flight, retrying unprocessed items after {@link #UNPROCESSED_BACKOFF}. A chunk must not hold
     * two requests for the same key (callers de-duplicate).
     */
    private void batchWrite(List<WriteRequest> writes) {
        if (writes.isEmpty()) {
            return;
        }
        join(inParallel(chunks(writes, BATCH_WRITE_MAX), chunk -> writeChunk(chunk, 1)));
    }

    private CompletableFuture<Void> writeChunk(List<WriteRequest> chunk, int attempt) {
        return client.batchWriteItem(r -> r.requestItems(Map.of(table, chunk))).thenCompose(response -> {
            List<WriteRequest> unprocessed = response.hasUnprocessedItems()
                    ? response.unprocessedItems().getOrDefault(table, List.of())
                    : List.of();
            if (unprocessed.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            if (attempt >= MAX_BATCH_ATTEMPTS) {
                return CompletableFuture.failedFuture(
                        new IllegalStateException(unprocessed.size() + " items of a BatchWriteItem on " + table
                                + " were still unprocessed after " + attempt + " attempts"));
            }
            return later(attempt).thenCompose(x -> writeChunk(unprocessed, attempt + 1));
        });
    }

    /** The items for {@code ids}' meta rows, BatchGetItem in chunks of 100, in parallel, retrying. */
    private List<Map<String, AttributeValue>> batchGet(List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<Map<String, AttributeValue>> keys = new ArrayList<>(ids.size());
        for (String id : new LinkedHashSet<>(ids)) {
            keys.add(key(id, CONNECTION_ROW));
        }
        List<Map<String, AttributeValue>> items = java.util.Collections.synchronizedList(new ArrayList<>());
        join(inParallel(chunks(keys, BATCH_GET_MAX), chunk -> getChunk(chunk, 1, items)));
        return items;
    }

    private CompletableFuture<Void> getChunk(
            List<Map<String, AttributeValue>> keys, int attempt, List<Map<String, AttributeValue>> out) {
        KeysAndAttributes request =
                KeysAndAttributes.builder().keys(keys).consistentRead(true).build();
        return client.batchGetItem(r -> r.requestItems(Map.of(table, request))).thenCompose(response -> {
            if (response.hasResponses()) {
                out.addAll(response.responses().getOrDefault(table, List.of()));
            }
            KeysAndAttributes unprocessed =
                    response.hasUnprocessedKeys() ? response.unprocessedKeys().get(table) : null;
            if (unprocessed == null
                    || !unprocessed.hasKeys()
                    || unprocessed.keys().isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            if (attempt >= MAX_BATCH_ATTEMPTS) {
                return CompletableFuture.failedFuture(
                        new IllegalStateException(unprocessed.keys().size() + " keys of a BatchGetItem on " + table
                                + " were still unprocessed after " + attempt + " attempts"));
            }
            return later(attempt).thenCompose(x -> getChunk(unprocessed.keys(), attempt + 1, out));
        });
    }

    /**
     * Runs {@code task} on each of {@code items}, at most {@link #PARALLEL_BATCHES} at once: that many workers
     * take the next item off the list as their last one completes. Completes when every task has.
     */
    private static <T> CompletableFuture<Void> inParallel(List<T> items, Function<T, CompletableFuture<Void>> task) {
        AtomicInteger next = new AtomicInteger();
        CompletableFuture<?>[] running = new CompletableFuture<?>[Math.min(PARALLEL_BATCHES, items.size())];
        for (int i = 0; i < running.length; i++) {
            running[i] = worker(items, next, task);
        }
        return CompletableFuture.allOf(running);
    }

    private static <T> CompletableFuture<Void> worker(
            List<T> items, AtomicInteger next, Function<T, CompletableFuture<Void>> task) {
        int index = next.getAndIncrement();
        if (index >= items.size()) {
            return CompletableFuture.completedFuture(null);
        }
        return task.apply(items.get(index)).thenCompose(done -> worker(items, next, task));
    }

    /** Completes after the backoff that follows attempt {@code attempt} (1-based). */
    private static CompletableFuture<Void> later(int attempt) {
        long delay = UNPROCESSED_BACKOFF.computeDelay(attempt + 1).toNanos();
        return CompletableFuture.runAsync(() -> {}, CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS));
    }

    private static <T> List<List<T>> chunks(List<T> list, int size) {
        List<List<T>> chunks = new ArrayList<>((list.size() + size - 1) / size);
        for (int i = 0; i < list.size(); i += size) {
            chunks.add(list.subList(i, Math.min(list.size(), i + size)));
        }
        return chunks;
    }

    // ---------------------------------------------------------------- items

    private static Collection<String> distinctChannels(Collection<String> channels) {
        if (channels == null || channels.isEmpty()) {
            return List.of();
        }
        LinkedHashSet<String> distinct = new LinkedHashSet<>(channels);
        distinct.forEach(DynamoDbConnectionStore::checkChannel);
        return distinct;
    }

    private static void checkChannel(String channel) {
        if (channel == null || channel.isEmpty()) {
            throw new IllegalArgumentException("channel must be a non-empty string");
        }
        if (CONNECTION_ROW.equals(channel)) {
            throw new IllegalArgumentException(CONNECTION_ROW + " is reserved for the connection's meta row");
        }
    }

    private static WriteRequest put(Map<String, AttributeValue> item) {
        return WriteRequest.builder().putRequest(p -> p.item(item)).build();
    }

    private static Map<String, AttributeValue> key(String connectionId, String channel) {
        return Map.of(CONNECTION_ID, s(connectionId), CHANNEL, s(channel));
    }

    private static Map<String, AttributeValue> subscriptionItem(String connectionId, String channel, long expiresAt) {
        return Map.of(CONNECTION_ID, s(connectionId), CHANNEL, s(channel), EXPIRES_AT, n(expiresAt));
    }

    private static Map<String, AttributeValue> metaItem(ConnectionInfo info) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(CONNECTION_ID, s(info.connectionId()));
        item.put(CHANNEL, s(CONNECTION_ROW));
        item.put(CONNECTED_AT, n(info.connectedAt()));
        item.put(EXPIRES_AT, n(info.expiresAt()));
        putIfPresent(item, SOURCE_IP, info.sourceIp());
        putIfPresent(item, ORIGIN, info.origin());
        putIfPresent(item, SUB, info.sub());
        if (!info.grants().isEmpty()) {
            item.put(
                    GRANTS,
                    AttributeValue.fromL(info.grants().stream()
                            .map(DynamoDbConnectionStore::s)
                            .toList()));
        }
        return item;
    }

    private static void putIfPresent(Map<String, AttributeValue> item, String name, String value) {
        if (value != null && !value.isEmpty()) {
            item.put(name, s(value));
        }
    }

    private static ConnectionInfo toInfo(Map<String, AttributeValue> item) {
        List<String> grants = List.of();
        AttributeValue g = item.get(GRANTS);
        if (g != null) {
            if (g.hasL()) {
                grants = g.l().stream().map(AttributeValue::s).toList();
            } else if (g.hasSs()) {
                grants = g.ss();
            }
        }
        return new ConnectionInfo(
                item.get(CONNECTION_ID).s(),
                number(item.get(CONNECTED_AT)),
                string(item.get(SOURCE_IP)),
                string(item.get(ORIGIN)),
                string(item.get(SUB)),
                grants,
                number(item.get(EXPIRES_AT)));
    }

    private static String string(AttributeValue v) {
        return v == null ? null : v.s();
    }

    private static long number(AttributeValue v) {
        return v == null || v.n() == null ? 0L : Long.parseLong(v.n());
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
