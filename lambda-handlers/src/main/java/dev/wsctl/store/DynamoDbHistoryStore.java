package dev.wsctl.store;

import static dev.wsctl.awshttp.Futures.join;
import static dev.wsctl.store.Attributes.n;
import static dev.wsctl.store.Attributes.number;
import static dev.wsctl.store.Attributes.s;
import static dev.wsctl.store.HistoryTable.CHANNEL;
import static dev.wsctl.store.HistoryTable.EPOCH;
import static dev.wsctl.store.HistoryTable.EXPIRES_AT;
import static dev.wsctl.store.HistoryTable.FRAME;
import static dev.wsctl.store.HistoryTable.HEAD;
import static dev.wsctl.store.HistoryTable.LATEST;
import static dev.wsctl.store.HistoryTable.OFFSET;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * {@link HistoryStore} over the DynamoDB table described by {@link HistoryTable}.
 *
 * <p>An append is one UpdateItem of the head ({@code ADD latest :1}, the epoch set when the head is new, the head's
 * expiry moved on; conditioned on the head not having expired) and one PutItem of the message. Only when the head
 * has expired (the channel idle for longer than the ttl, whether or not TTL has deleted it yet) does it take more: a
 * conditional PutItem of a new head, then the UpdateItem again. A recovery is one consistent GetItem of the head and
 * one consistent Query of at most {@code size} items ({@code offset BETWEEN since+1 AND latest}).
 *
 * <p>The head is updated before the message is put, so a recovery may find the last offsets of the head not yet
 * written: those messages are on their way and their fan-out, which reads the subscribers after the put, reaches the
 * recovering connection (subscribed before the recovery read the head). Such a missing tail is left out of the
 * replay, and the recovery's position is the last offset it gave. A missing offset followed by a kept one is a gap,
 * and refuses the recovery.
 *
 * <p>Thread safe. {@link #close()} does not close the client: whoever built it owns it.
 */
public final class DynamoDbHistoryStore implements HistoryStore {

    /** Attempts at an append or a head read that meet a head being replaced by another caller at the same time. */
    private static final int MAX_HEAD_ATTEMPTS = 5;

    private final DynamoDbAsyncClient client;
    private final String table;
    private final int size;
    private final Duration ttl;
    private final Clock clock;

    /**
     * @param size messages kept per channel
     * @param ttl  how long each message (and the head, from the last append) is kept
     */
    public DynamoDbHistoryStore(DynamoDbAsyncClient client, String tableName, int size, Duration ttl, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(tableName, "tableName");
        this.size = size;
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public String tableName() {
        return table;
    }

    @Override
    public Position append(String channel, Function<Position, byte[]> frame) {
        long now = nowSeconds();
        long expiresAt = now + ttl.toSeconds();
        Position position = null;
        for (int attempt = 1; position == null; attempt++) {
            try {
                Map<String, AttributeValue> head = join(client.updateItem(r -> r.tableName(table)
                                .key(headKey(channel))
                                .updateExpression(
                                        "ADD #latest :one SET #epoch = if_not_exists(#epoch, :epoch), #exp = :exp")
                                .conditionExpression("attribute_not_exists(#epoch) OR #exp > :now")
                                .expressionAttributeNames(
                                        Map.of("#latest", LATEST, "#epoch", EPOCH, "#exp", EXPIRES_AT))
                                .expressionAttributeValues(Map.of(
                                        ":one",
                                        n(1),
                                        ":epoch",
                                        s(HistoryStore.newEpoch()),
                                        ":exp",
                                        n(expiresAt),
                                        ":now",
                                        n(now)))
                                .returnValues(ReturnValue.ALL_NEW)))
                        .attributes();
                position =
                        new Position(number(head.get(LATEST)), head.get(EPOCH).s());
            } catch (ConditionalCheckFailedException expired) {
                if (attempt >= MAX_HEAD_ATTEMPTS) {
                    throw expired;
                }
                replaceExpiredHead(channel, now, expiresAt);
            }
        }
        byte[] bytes = frame.apply(position);
        Position taken = position;
        join(client.putItem(r -> r.tableName(table)
                .item(Map.of(
                        CHANNEL, s(channel),
                        OFFSET, n(taken.offset()),
                        EPOCH, s(taken.epoch()),
                        FRAME, AttributeValue.fromB(SdkBytes.fromByteArray(bytes)),
                        EXPIRES_AT, n(expiresAt)))));
        return position;
    }

    @Override
    public Position position(String channel) {
        return liveHead(channel);
    }

    @Override
    public Recovery recover(String channel, Position since) {
        Position head = liveHead(channel);
        return HistoryStore.recovery(
                head,
                since,
                size,
                nowSeconds(),
                (from, to) -> range(channel, from, to).stream()
                        .map(DynamoDbHistoryStore::message)
                        .toList());
    }

    @Override
    public List<Message> recent(String channel, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        Map<String, AttributeValue> head = head(channel);
        long now = nowSeconds();
        if (head == null || number(head.get(EXPIRES_AT)) <= now) {
            return List.of();
        }
        long latest = number(head.get(LATEST));
        String epoch = head.get(EPOCH).s();
        long from = Math.max(1, latest - Math.min(limit, size) + 1);
        List<Message> messages = new ArrayList<>();
        for (Map<String, AttributeValue> item : range(channel, from, latest)) {
            Message m = message(item);
            if (epoch.equals(m.epoch()) && m.expiresAt() > now) {
                messages.add(m);
            }
        }
        return messages;
    }

    @Override
    public void close() {
        // the client belongs to the caller
    }

    // ---------------------------------------------------------------- head

    /** The head, or a new epoch at offset 0 when there is none or it has expired. */
    private Position liveHead(String channel) {
        for (int attempt = 1; ; attempt++) {
            Map<String, AttributeValue> head = head(channel);
            long now = nowSeconds();
            if (head != null && number(head.get(EXPIRES_AT)) > now) {
                return new Position(number(head.get(LATEST)), head.get(EPOCH).s());
            }
            String epoch = HistoryStore.newEpoch();
            try {
                putHead(channel, epoch, now, now + ttl.toSeconds());
                return new Position(0, epoch);
            } catch (ConditionalCheckFailedException replaced) {
                if (attempt >= MAX_HEAD_ATTEMPTS) {
                    throw replaced;
                }
                // another caller started the epoch first: read theirs
            }
        }
    }

    private Map<String, AttributeValue> head(String channel) {
        Map<String, AttributeValue> item = join(client.getItem(
                        r -> r.tableName(table).key(headKey(channel)).consistentRead(true)))
                .item();
        return item == null || item.isEmpty() ? null : item;
    }

    /** Starts a new epoch, unless another caller has renewed or replaced the expired head meanwhile. */
    private void replaceExpiredHead(String channel, long now, long expiresAt) {
        try {
            putHead(channel, HistoryStore.newEpoch(), now, expiresAt);
        } catch (ConditionalCheckFailedException renewed) {
            // someone else did: the next UpdateItem takes its next offset
        }
    }

    /** A new head at offset 0, on the condition that there is none or it has expired. */
    private void putHead(String channel, String epoch, long now, long expiresAt) {
        join(client.putItem(r -> r.tableName(table)
                .item(Map.of(
                        CHANNEL, s(channel),
                        OFFSET, n(HEAD),
                        LATEST, n(0),
                        EPOCH, s(epoch),
                        EXPIRES_AT, n(expiresAt)))
                .conditionExpression("attribute_not_exists(#epoch) OR #exp <= :now")
                .expressionAttributeNames(Map.of("#epoch", EPOCH, "#exp", EXPIRES_AT))
                .expressionAttributeValues(Map.of(":now", n(now)))));
    }

    // ---------------------------------------------------------------- reads

    /** The items of offsets {@code from}…{@code to}, in offset order: a consistent Query, every page. */
    private List<Map<String, AttributeValue>> range(String channel, long from, long to) {
        QueryRequest.Builder request = QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression("#ch = :ch AND #o BETWEEN :from AND :to")
                .expressionAttributeNames(Map.of("#ch", CHANNEL, "#o", OFFSET))
                .expressionAttributeValues(Map.of(":ch", s(channel), ":from", n(from), ":to", n(to)))
                .consistentRead(true);
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page =
                    join(client.query(request.exclusiveStartKey(start).build()));
            items.addAll(page.items());
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return items;
    }

    private static Message message(Map<String, AttributeValue> item) {
        return new Message(
                number(item.get(OFFSET)),
                item.get(EPOCH).s(),
                item.get(FRAME).b().asByteArray(),
                number(item.get(EXPIRES_AT)));
    }

    private long nowSeconds() {
        return clock.millis() / 1000;
    }

    private static Map<String, AttributeValue> headKey(String channel) {
        return Map.of(CHANNEL, s(channel), OFFSET, n(HEAD));
    }
}
