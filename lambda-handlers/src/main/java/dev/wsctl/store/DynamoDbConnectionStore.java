package dev.wsctl.store;

import static dev.wsctl.store.Attributes.n;
import static dev.wsctl.store.Attributes.number;
import static dev.wsctl.store.Attributes.s;
import static dev.wsctl.store.ConnectionTable.BY_CHANNEL;
import static dev.wsctl.store.ConnectionTable.CHANNEL;
import static dev.wsctl.store.ConnectionTable.CONNECTED_AT;
import static dev.wsctl.store.ConnectionTable.CONNECTION_ID;
import static dev.wsctl.store.ConnectionTable.EXPIRES_AT;
import static dev.wsctl.store.ConnectionTable.GRANTS;
import static dev.wsctl.store.ConnectionTable.INFO;
import static dev.wsctl.store.ConnectionTable.MEMBER_CONNECTIONS;
import static dev.wsctl.store.ConnectionTable.ORIGIN;
import static dev.wsctl.store.ConnectionTable.SOURCE_IP;
import static dev.wsctl.store.ConnectionTable.SUB;
import static dev.wsctl.store.ConnectionTable.SUBSCRIBERS;
import static dev.wsctl.store.ConnectionTable.USER;

import dev.wsctl.awshttp.Futures;
import dev.wsctl.protocol.Member;
import dev.wsctl.protocol.Members;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;
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
    private final boolean occupancy;

    public DynamoDbConnectionStore(DynamoDbAsyncClient client, String tableName) {
        this(client, tableName, false);
    }

    /**
     * @param occupancy whether to keep each channel's occupancy row ({@link ConnectionStore#OCCUPANCY_PREFIX}), for
     *                  the {@code channel_occupied} / {@code channel_vacated} webhooks: one UpdateItem more per new
     *                  subscription and two per removed one, and subscriptions removed one by one
     */
    public DynamoDbConnectionStore(DynamoDbAsyncClient client, String tableName, boolean occupancy) {
        this.client = java.util.Objects.requireNonNull(client, "client");
        this.table = java.util.Objects.requireNonNull(tableName, "tableName");
        this.occupancy = occupancy;
    }

    public String tableName() {
        return table;
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void connect(ConnectionInfo info, Collection<String> channels) {
        List<WriteRequest> writes = new ArrayList<>();
        writes.add(put(metaItem(info)));
        Collection<String> distinct = distinctChannels(channels);
        for (String channel : distinct) {
            writes.add(put(subscriptionItem(info.connectionId(), channel, info.expiresAt())));
        }
        batchWrite(writes);
        if (occupancy) {
            // a new connection's subscriptions are all new
            Futures.join(inParallel(List.copyOf(distinct), channel -> occupy(channel, 1)));
        }
    }

    @Override
    public void subscribe(String connectionId, String channel, long expiresAt) {
        checkChannel(channel);
        if (!occupancy) {
            Futures.join(
                    client.putItem(r -> r.tableName(table).item(subscriptionItem(connectionId, channel, expiresAt))));
        } else if (Futures.join(putNew(subscriptionItem(connectionId, channel, expiresAt)))) {
            Futures.join(occupy(channel, 1));
        }
    }

    /** A Put on condition that the row is new; completes with whether it was. */
    private CompletableFuture<Boolean> putNew(Map<String, AttributeValue> item) {
        return client.putItem(r -> r.tableName(table)
                        .item(item)
                        .conditionExpression("attribute_not_exists(#id)")
                        .expressionAttributeNames(Map.of("#id", CONNECTION_ID)))
                .handle((ok, failed) -> {
                    Throwable cause = failed instanceof CompletionException && failed.getCause() != null
                            ? failed.getCause()
                            : failed;
                    if (cause == null) {
                        return true;
                    }
                    if (cause instanceof ConditionalCheckFailedException) {
                        return false;
                    }
                    throw new CompletionException(cause);
                });
    }

    /**
     * {@code ADD subscribers :n} on the channel's occupancy row ({@code expiresAt} moved to outlive every connection
     * live now): the row appears when the channel gets its first subscriber.
     */
    private CompletableFuture<Void> occupy(String channel, int n) {
        return client.updateItem(r -> r.tableName(table)
                        .key(occupancyKey(channel))
                        .updateExpression("ADD #s :n SET #exp = :exp")
                        .expressionAttributeNames(Map.of("#s", SUBSCRIBERS, "#exp", EXPIRES_AT))
                        .expressionAttributeValues(
                                Map.of(":n", n(n), ":exp", n(Ttl.expiresAt(System.currentTimeMillis())))))
                .thenApply(updated -> null);
    }

    /** {@code ADD subscribers :-1}, and the row deleted when that reached 0 and nothing moved it since. */
    private CompletableFuture<Void> vacate(String channel) {
        return countDown(occupancyKey(channel), SUBSCRIBERS, Ttl.expiresAt(System.currentTimeMillis()))
                .thenApply(zero -> null);
    }

    @Override
    public void subscribeAll(String channel, Collection<String> connectionIds, long expiresAt) {
        checkChannel(channel);
        if (occupancy) {
            // each Put alone, to know which subscriptions are new, then the count moved by all of them at once
            AtomicInteger added = new AtomicInteger();
            Futures.join(inParallel(
                    List.copyOf(new LinkedHashSet<>(connectionIds)),
                    id -> putNew(subscriptionItem(id, channel, expiresAt)).thenAccept(isNew -> {
                        if (isNew) {
                            added.incrementAndGet();
                        }
                    })));
            if (added.get() > 0) {
                Futures.join(occupy(channel, added.get()));
            }
            return;
        }
        List<WriteRequest> writes = new ArrayList<>(connectionIds.size());
        for (String id : new LinkedHashSet<>(connectionIds)) {
            writes.add(put(subscriptionItem(id, channel, expiresAt)));
        }
        batchWrite(writes);
    }

    /**
     * A conditional Put of the subscription row (with the member's user and info), then {@code ADD connections :1}
     * on the member row: the user was added when the new value is 1. The condition keeps a second join of the
     * same connection from counting twice.
     */
    @Override
    public boolean join(String connectionId, String channel, Member member, long expiresAt) {
        checkChannel(channel);
        Map<String, AttributeValue> item = new HashMap<>(subscriptionItem(connectionId, channel, expiresAt));
        item.put(USER, s(member.user()));
        putIfPresent(item, INFO, member.info());
        try {
            Futures.join(client.putItem(r -> r.tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", CONNECTION_ID))));
        } catch (ConditionalCheckFailedException alreadySubscribed) {
            return false;
        }
        if (occupancy) {
            Futures.join(occupy(channel, 1));
        }
        Map<String, String> names = new HashMap<>(Map.of("#n", MEMBER_CONNECTIONS, "#exp", EXPIRES_AT, "#info", INFO));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":one", n(1), ":exp", n(memberExpiry(expiresAt))));
        String update = "ADD #n :one SET #exp = :exp";
        if (member.info() != null) {
            values.put(":info", s(member.info()));
            update += ", #info = :info";
        } else {
            update += " REMOVE #info";
        }
        String expression = update;
        UpdateItemResponse updated = Futures.join(client.updateItem(r -> r.tableName(table)
                .key(memberKey(channel, member.user()))
                .updateExpression(expression)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .returnValues(ReturnValue.UPDATED_NEW)));
        return number(updated.attributes().get(MEMBER_CONNECTIONS)) == 1;
    }

    @Override
    public Left leave(String connectionId, String channel) {
        checkChannel(channel);
        return Futures.join(leaveAsync(connectionId, channel));
    }

    /**
     * Deletes the subscription row ({@code ALL_OLD}); when it was a member's, {@code ADD connections :-1} on the
     * member row, and when that reaches 0 the departure, and a delete of the member row on condition that it is
     * still 0 (a join may have moved it meanwhile). Only the caller whose delete removed the row moves the count.
     */
    private CompletableFuture<Left> leaveAsync(String connectionId, String channel) {
        return client.deleteItem(
                        r -> r.tableName(table).key(key(connectionId, channel)).returnValues(ReturnValue.ALL_OLD))
                .thenCompose(deleted -> {
                    Map<String, AttributeValue> old = deleted.attributes();
                    if (old == null || old.isEmpty()) {
                        return CompletableFuture.completedFuture(Left.NOT_SUBSCRIBED);
                    }
                    CompletableFuture<Void> vacated =
                            occupancy ? vacate(channel) : CompletableFuture.completedFuture(null);
                    return vacated.thenCompose(v -> departed(channel, old));
                });
    }

    /** The departure a removed subscription row {@code old} (of a member, or not) makes. */
    private CompletableFuture<Left> departed(String channel, Map<String, AttributeValue> old) {
        AttributeValue user = old.get(USER);
        if (user == null || user.s() == null) {
            return CompletableFuture.completedFuture(new Left(true, Optional.empty()));
        }
        long expiresAt = memberExpiry(number(old.get(EXPIRES_AT)));
        return departAsync(channel, user.s(), expiresAt).thenApply(departure -> new Left(true, departure));
    }

    private CompletableFuture<Optional<Departure>> departAsync(String channel, String user, long expiresAt) {
        return countDown(memberKey(channel, user), MEMBER_CONNECTIONS, expiresAt)
                .thenApply(zero -> zero ? Optional.of(new Departure(channel, user)) : Optional.<Departure>empty());
    }

    /**
     * {@code ADD attribute :-1} on the row at {@code key}; when that reaches 0, a delete of the row on condition that
     * it is still 0 (an ADD may have moved it meanwhile: then the row stays). Completes with whether it reached 0.
     * Used for a member row's count and a channel's occupancy row alike.
     */
    private CompletableFuture<Boolean> countDown(Map<String, AttributeValue> key, String attribute, long expiresAt) {
        return client.updateItem(r -> r.tableName(table)
                        .key(key)
                        // a row that a concurrent removal deleted comes back here below 0 and gets a TTL
                        .updateExpression("ADD #n :minus SET #exp = if_not_exists(#exp, :exp)")
                        .expressionAttributeNames(Map.of("#n", attribute, "#exp", EXPIRES_AT))
                        .expressionAttributeValues(Map.of(":minus", n(-1), ":exp", n(expiresAt)))
                        .returnValues(ReturnValue.UPDATED_NEW))
                .thenCompose(updated -> {
                    if (number(updated.attributes().get(attribute)) != 0) {
                        return CompletableFuture.completedFuture(false);
                    }
                    return client.deleteItem(r -> r.tableName(table)
                                    .key(key)
                                    .conditionExpression("#n = :zero")
                                    .expressionAttributeNames(Map.of("#n", attribute))
                                    .expressionAttributeValues(Map.of(":zero", n(0))))
                            .handle((ok, failed) -> {
                                Throwable cause = failed instanceof CompletionException && failed.getCause() != null
                                        ? failed.getCause()
                                        : failed;
                                if (cause == null || cause instanceof ConditionalCheckFailedException) {
                                    return true; // it reached 0; an ADD that moved it since keeps the row
                                }
                                throw new CompletionException(cause);
                            });
                });
    }

    /**
     * A member row outlives every connection live when it is written: each closes within {@link Ttl#MAX_CONNECTION}
     * of now, and every join sets it again.
     */
    private static long memberExpiry(long expiresAt) {
        return Math.max(expiresAt, Ttl.expiresAt(System.currentTimeMillis()));
    }

    @Override
    public Disconnected disconnect(String connectionId) {
        return disconnectAll(List.of(connectionId));
    }

    /**
     * One Query per connection for the sort keys of its rows (a partition's rows cannot be listed any other way),
     * up to {@link #PARALLEL_BATCHES} in flight, then every row deleted by {@link #batchWrite}: 25 rows a call
     * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html), where removing
     * connections one by one takes a BatchWriteItem call for each.
     */
    @Override
    public Disconnected disconnectAll(Collection<String> connectionIds) {
        List<WriteRequest> deletes = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String[]> presence = java.util.Collections.synchronizedList(new ArrayList<>());
        Futures.join(inParallel(
                new ArrayList<>(new LinkedHashSet<>(connectionIds)),
                id -> allRowsOf(id).thenAccept(rows -> {
                    for (Map<String, AttributeValue> row : rows) {
                        String channel = row.get(CHANNEL).s();
                        if (row.containsKey(USER) || occupancy && !CONNECTION_ROW.equals(channel)) {
                            // a member's subscription (or any, with occupancy): deleted alone, to move its counts
                            // exactly once
                            presence.add(new String[] {id, channel});
                        } else {
                            deletes.add(WriteRequest.builder()
                                    .deleteRequest(d -> d.key(key(id, channel)))
                                    .build());
                        }
                    }
                })));
        batchWrite(deletes);
        List<Departure> departures = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger left = new AtomicInteger();
        Futures.join(inParallel(
                List.copyOf(presence),
                row -> leaveAsync(row[0], row[1]).thenAccept(l -> {
                    if (l.subscribed()) {
                        left.incrementAndGet();
                    }
                    l.departure().ifPresent(departures::add);
                })));
        return new Disconnected(deletes.size() + left.get(), departures);
    }

    // ---------------------------------------------------------------- presence

    /**
     * A Query of the channel's member rows with a positive count (consistent), until one past {@link
     * #MEMBERS_LISTED}; when there are more, the same Query with {@code Select: COUNT} for the exact count.
     */
    @Override
    public Members members(String channel) {
        checkChannel(channel);
        QueryRequest.Builder request = QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression("#id = :id")
                .filterExpression("#n > :zero")
                .expressionAttributeNames(
                        Map.of("#id", CONNECTION_ID, "#n", MEMBER_CONNECTIONS, "#ch", CHANNEL, "#info", INFO))
                .expressionAttributeValues(Map.of(":id", s(MEMBERS_PREFIX + channel), ":zero", n(0)))
                .consistentRead(true);
        List<Member> listed = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = Futures.join(client.query(request.projectionExpression("#ch, #info")
                    .exclusiveStartKey(start)
                    .build()));
            for (Map<String, AttributeValue> item : page.items()) {
                if (listed.size() <= MEMBERS_LISTED) {
                    // the sort key is '#' and the user
                    listed.add(new Member(item.get(CHANNEL).s().substring(1), string(item.get(INFO))));
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && listed.size() <= MEMBERS_LISTED);
        if (listed.size() <= MEMBERS_LISTED) {
            return new Members(listed.size(), listed, false);
        }
        long count = 0;
        start = null;
        request.projectionExpression(null)
                .select(Select.COUNT)
                .expressionAttributeNames(Map.of("#id", CONNECTION_ID, "#n", MEMBER_CONNECTIONS));
        do {
            QueryResponse page =
                    Futures.join(client.query(request.exclusiveStartKey(start).build()));
            count += page.count();
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return new Members(count, listed.subList(0, MEMBERS_LISTED), true);
    }

    // ---------------------------------------------------------------- reads

    @Override
    public boolean isSubscribed(String connectionId, String channel) {
        Map<String, AttributeValue> item = Futures.join(client.getItem(r -> r.tableName(table)
                        .key(key(connectionId, channel))
                        .projectionExpression("#id")
                        .expressionAttributeNames(Map.of("#id", CONNECTION_ID))
                        .consistentRead(true)))
                .item();
        return item != null && !item.isEmpty();
    }

    @Override
    public Optional<ConnectionInfo> connection(String connectionId) {
        Map<String, AttributeValue> item = Futures.join(client.getItem(r -> r.tableName(table)
                        .key(key(connectionId, CONNECTION_ROW))
                        .consistentRead(true)))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toInfo(item));
    }

    @Override
    public List<String> channelsOf(String connectionId) {
        List<String> channels = Futures.join(allChannelsOf(connectionId));
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
            QueryResponse page = Futures.join(client.query(
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
                    Futures.join(client.scan(request.exclusiveStartKey(start).build()));
            for (Map<String, AttributeValue> item : page.items()) {
                String channel = item.get(CHANNEL).s();
                if (!channel.startsWith("#")) { // meta rows and member rows
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
        return allRowsOf(connectionId).thenApply(rows -> {
            List<String> channels = new ArrayList<>(rows.size());
            rows.forEach(row -> channels.add(row.get(CHANNEL).s()));
            return channels;
        });
    }

    /** The sort key and member's user of each row of the connection, in order; as {@link #allChannelsOf}. */
    private CompletableFuture<List<Map<String, AttributeValue>>> allRowsOf(String connectionId) {
        QueryRequest request = QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression("#id = :id")
                .projectionExpression("#ch, #u")
                .expressionAttributeNames(Map.of("#ch", CHANNEL, "#id", CONNECTION_ID, "#u", USER))
                .expressionAttributeValues(Map.of(":id", s(connectionId)))
                .consistentRead(true)
                .build();
        List<Map<String, AttributeValue>> rows = new ArrayList<>();
        return client.queryPaginator(request).items().subscribe(rows::add).thenApply(done -> rows);
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
            QueryResponse page = Futures.join(pending);
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
        Futures.join(inParallel(chunks(writes, BATCH_WRITE_MAX), chunk -> writeChunk(chunk, 1)));
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
        Futures.join(inParallel(chunks(keys, BATCH_GET_MAX), chunk -> getChunk(chunk, 1, items)));
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
        if (channel.startsWith("#")) {
            throw new IllegalArgumentException("channels starting with # are reserved for the store's own rows");
        }
    }

    private static WriteRequest put(Map<String, AttributeValue> item) {
        return WriteRequest.builder().putRequest(p -> p.item(item)).build();
    }

    private static Map<String, AttributeValue> key(String connectionId, String channel) {
        return Map.of(CONNECTION_ID, s(connectionId), CHANNEL, s(channel));
    }

    /** A channel's occupancy row. */
    private static Map<String, AttributeValue> occupancyKey(String channel) {
        return key(OCCUPANCY_PREFIX + channel, OCCUPANCY_ROW);
    }

    /** A member row: the channel's member partition, sort key {@code #user}. */
    private static Map<String, AttributeValue> memberKey(String channel, String user) {
        return key(MEMBERS_PREFIX + channel, "#" + user);
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
                    AttributeValue.fromL(
                            info.grants().stream().map(Attributes::s).toList()));
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
}
