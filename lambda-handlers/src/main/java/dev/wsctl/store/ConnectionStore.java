package dev.wsctl.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who is connected and who listens on which channel.
 *
 * <p>Layout (the DynamoDB table; the SQLite store mirrors it): one row per subscription keyed by
 * {@code (connectionId, channel)}, plus one meta row per connection under the reserved channel
 * {@link #CONNECTION_ROW}. Every row carries {@code expiresAt}. Reading a channel's subscribers goes
 * through the {@code by-channel} index, page by page, never a scan.
 *
 * <p>Both implementations pass the same contract test suite.
 */
public interface ConnectionStore extends AutoCloseable {

    /** The channel value of a connection's meta row. Client channel names cannot contain '#'. */
    String CONNECTION_ROW = "#connection";

    /** Writes the connection's meta row and its subscriptions to {@code channels}. */
    void connect(ConnectionInfo info, Collection<String> channels);

    /** Subscribes one connection to one channel; subscribing twice is not an error. */
    void subscribe(String connectionId, String channel, long expiresAt);

    /** Subscribes many connections to one channel in as few writes as the store allows. */
    void subscribeAll(String channel, Collection<String> connectionIds, long expiresAt);

    /** Removes one subscription. Returns whether there was one. */
    boolean unsubscribe(String connectionId, String channel);

    boolean isSubscribed(String connectionId, String channel);

    /** Removes every row of the connection (meta row and subscriptions). Returns how many rows went. */
    int disconnect(String connectionId);

    /**
     * Removes every row of each of {@code connectionIds} (duplicates count once) in as few calls as the store
     * allows, for the many connections a fan-out or a sweep finds gone. Returns how many rows went.
     */
    int disconnectAll(Collection<String> connectionIds);

    /** The connection's meta row, if it has one. */
    Optional<ConnectionInfo> connection(String connectionId);

    /** The channels the connection is subscribed to, in name order (the meta row not included). */
    List<String> channelsOf(String connectionId);

    /**
     * The connection ids subscribed to {@code channel}, in id order, one store page at a time. Pages
     * are read lazily as the iterator advances, so a caller can start work on the first page while
     * the rest of a large channel has not been read yet. {@link #CONNECTION_ROW} lists every
     * connection.
     */
    Iterable<List<String>> subscriberPages(String channel);

    /** Up to {@code limit} connections' meta rows, in id order. */
    List<ConnectionInfo> connections(int limit);

    /**
     * Every channel with at least one subscriber and its subscriber count, in name order; the
     * {@link #CONNECTION_ROW} meta rows are not a channel. For admin listings ({@code wsctl channels
     * list}), not for the message path: the DynamoDB store reads the whole {@code by-channel} index
     * (see {@link DynamoDbConnectionStore#channelCounts()}).
     */
    Map<String, Long> channelCounts();

    @Override
    void close();
}
