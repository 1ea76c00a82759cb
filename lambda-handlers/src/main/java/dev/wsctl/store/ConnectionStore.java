package dev.wsctl.store;

import dev.wsctl.protocol.Member;
import dev.wsctl.protocol.Members;
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
 * <p>Presence channels: {@link #join} subscribes a connection as a {@link Member}; each member has an atomic count
 * of its subscriptions in the channel (DynamoDB: a member row under {@link #MEMBERS_PREFIX}{@code channel} with
 * sort key {@code #user}; SQLite: a {@code members} table), so that a user's first join and last leave are each
 * reported exactly once, whatever runs concurrently. Member rows never appear as subscribers or channels.
 *
 * <p>Both implementations pass the same contract test suite.
 */
public interface ConnectionStore extends AutoCloseable {

    /** The channel value of a connection's meta row. Client channel names cannot contain '#'. */
    String CONNECTION_ROW = "#connection";

    /** The partition of a presence channel's member rows: this, then the channel. */
    String MEMBERS_PREFIX = "#members:";

    /**
     * The partition of a channel's occupancy row: this, then the channel; its sort key is {@link #OCCUPANCY_ROW}.
     * Kept only with occupancy on (docs/observability.md#lifecycle-webhooks): it exists exactly while the channel
     * has a subscriber.
     */
    String OCCUPANCY_PREFIX = "#occupancy:";

    /** The sort key of an occupancy row. */
    String OCCUPANCY_ROW = "#count";

    /** Members listed by {@link #members} at most; the count is always exact. */
    int MEMBERS_LISTED = 100;

    /** Writes the connection's meta row and its subscriptions to {@code channels}. */
    void connect(ConnectionInfo info, Collection<String> channels);

    /** Subscribes one connection to one channel; subscribing twice is not an error. */
    void subscribe(String connectionId, String channel, long expiresAt);

    /** Subscribes many connections to one channel in as few writes as the store allows. */
    void subscribeAll(String channel, Collection<String> connectionIds, long expiresAt);

    /**
     * Subscribes one connection to a presence channel as {@code member} (its info replaces the member's). Returns
     * true when this made the user a member: the user had no other subscription to the channel. Joining with a
     * connection that is already subscribed changes nothing and returns false.
     */
    boolean join(String connectionId, String channel, Member member, long expiresAt);

    /** Removes one subscription, and reports the departure when it was its member's last connection. */
    Left leave(String connectionId, String channel);

    /** Removes one subscription. Returns whether there was one. */
    default boolean unsubscribe(String connectionId, String channel) {
        return leave(connectionId, channel).subscribed();
    }

    /** The members of a presence channel: the exact count, the first {@link #MEMBERS_LISTED} in user order. */
    Members members(String channel);

    boolean isSubscribed(String connectionId, String channel);

    /**
     * Removes every row of the connection (meta row and subscriptions). Returns how many rows went, and the
     * departures from presence channels that this removal (and no concurrent one) caused.
     */
    Disconnected disconnect(String connectionId);

    /**
     * Removes every row of each of {@code connectionIds} (duplicates count once) in as few calls as the store
     * allows, for the many connections a fan-out or a sweep finds gone. Returns how many rows went, and the
     * departures from presence channels, as {@link #disconnect}.
     */
    Disconnected disconnectAll(Collection<String> connectionIds);

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
     * {@link #CONNECTION_ROW} meta rows and member rows (every sort key starting with '#') are not channels. For admin listings ({@code wsctl channels
     * list}), not for the message path: the DynamoDB store reads the whole {@code by-channel} index
     * (see {@link DynamoDbConnectionStore#channelCounts()}).
     */
    Map<String, Long> channelCounts();

    @Override
    void close();
}
