package dev.wsctl.pubsub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.auth.Authorizer;
import dev.wsctl.auth.Grants;
import dev.wsctl.connections.ConnectionsEndpoint;
import dev.wsctl.fanout.Fanout;
import dev.wsctl.fanout.ShardedFanout;
import dev.wsctl.json.Json;
import dev.wsctl.metrics.Metrics;
import dev.wsctl.protocol.ChannelName;
import dev.wsctl.protocol.ClientError;
import dev.wsctl.protocol.Frames;
import dev.wsctl.protocol.Member;
import dev.wsctl.protocol.Members;
import dev.wsctl.protocol.Settings;
import dev.wsctl.protocol.WsEvent;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.Departure;
import dev.wsctl.store.Disconnected;
import dev.wsctl.store.HistoryStore;
import dev.wsctl.store.Left;
import dev.wsctl.store.Ttl;
import java.time.Clock;
import java.util.List;

/**
 * The pub/sub service behind the handlers: what each route does, independent of Lambda. Every
 * method answers with the frame for the sender (or null when there is none) or throws
 * {@link ClientError} for a request the client got wrong.
 */
public final class PubSub {
    private final Settings settings;
    private final ConnectionStore store;
    private final java.util.function.Supplier<ShardedFanout> build;
    private final Clock clock;
    /** The kept messages of history channels; null when no channel keeps history. */
    private final HistoryStore history;
    /** Where connects, disconnects and publishes are counted. */
    private final Metrics metrics;

    private volatile ShardedFanout fanout;

    /** @param fanout the send path's fan-out: sharded over workers above its shard size, or not */
    public PubSub(Settings settings, ConnectionStore store, ShardedFanout fanout, Clock clock) {
        this(settings, store, () -> fanout, clock);
        this.fanout = fanout;
    }

    /**
     * With the fan-out built on first use: functions that never publish ({@code $connect}, {@code $disconnect},
     * channels) then never pay for its clients at init.
     */
    public PubSub(
            Settings settings, ConnectionStore store, java.util.function.Supplier<ShardedFanout> fanout, Clock clock) {
        this(settings, store, null, fanout, clock);
    }

    /**
     * With message history: {@code history} keeps the messages of the channels {@link Settings#history()} names
     * (required when it names any; not called for other channels).
     */
    public PubSub(
            Settings settings,
            ConnectionStore store,
            HistoryStore history,
            java.util.function.Supplier<ShardedFanout> fanout,
            Clock clock) {
        this(settings, store, history, fanout, Metrics.NONE, clock);
    }

    /** As the constructor above, counting connects, disconnects and publishes in {@code metrics}. */
    public PubSub(
            Settings settings,
            ConnectionStore store,
            HistoryStore history,
            java.util.function.Supplier<ShardedFanout> fanout,
            Metrics metrics,
            Clock clock) {
        if (settings.history().enabled() && history == null) {
            throw new IllegalArgumentException("history channels are configured but there is no history store");
        }
        this.settings = settings;
        this.store = store;
        this.history = settings.history().enabled() ? history : null;
        this.build = fanout;
        this.metrics = metrics;
        this.clock = clock;
    }

    public Settings settings() {
        return settings;
    }

    public ConnectionStore store() {
        return store;
    }

    /** The fan-out engine (the one a sharded send's workers run too). */
    public Fanout fanout() {
        return sharded().fanout();
    }

    private ShardedFanout sharded() {
        ShardedFanout f = fanout;
        if (f == null) {
            synchronized (this) {
                f = fanout;
                if (f == null) {
                    f = build.get();
                    fanout = f;
                }
            }
        }
        return f;
    }

    /** {@code $connect}: the meta row, and the default channel unless that is off. */
    public void connect(WsEvent event) {
        long connectedAt = event.connectedAt() > 0 ? event.connectedAt() : clock.millis();
        ConnectionInfo info = new ConnectionInfo(
                event.connectionId(),
                connectedAt,
                event.sourceIp(),
                event.header("Origin"),
                sub(event),
                grants(event, Authorizer.CHANNELS).patterns(),
                Ttl.expiresAt(connectedAt));
        store.connect(info, settings.defaultChannel().map(List::of).orElse(List.of()));
        metrics.connected();
    }

    /**
     * {@code $disconnect}: every row of the connection; {@code member_removed} to the presence channels it was its
     * user's last connection in. Returns how many rows went.
     */
    public int disconnect(WsEvent event) {
        Disconnected gone = store.disconnect(event.connectionId());
        metrics.disconnected();
        announce(gone.departures());
        return gone.rows();
    }

    /** {@code joinchannel}, {@code leavechannel} and {@code presence}. */
    public String channels(WsEvent event) {
        JsonNode frame = frame(event);
        String action = frame.path("action").asText();
        String channel = channel(frame.get("channel"));
        switch (action) {
            case "joinchannel" -> {
                boolean presence = ChannelName.isPresence(channel);
                // presence-* needs a grant only with auth: without it anyone may join, as the connection
                boolean needsGrant = ChannelName.isPrivate(channel) || presence && sub(event) != null;
                if (needsGrant && !grants(event, Authorizer.CHANNELS).allows(channel)) {
                    throw new ClientError(
                            Frames.FORBIDDEN,
                            "joining " + channel + " needs a grant for it in your token's channels claim");
                }
                HistoryStore.Position since = since(frame.get("since"));
                String connectionId = event.connectionId();
                long expiresAt = Ttl.expiresAt(connectedAt(event));
                Members members = null;
                if (presence) {
                    String sub = sub(event);
                    Member member = sub == null ? new Member(connectionId, null) : new Member(sub, info(event));
                    if (store.join(connectionId, channel, member, expiresAt)) {
                        fanout().toChannel(channel, Frames.memberAdded(channel, member), connectionId);
                    }
                    members = store.members(channel);
                } else {
                    store.subscribe(connectionId, channel, expiresAt);
                }
                if (!keepsHistory(channel)) {
                    return Frames.joined(channel, connectionId, members, 0, null, since == null ? null : false);
                }
                if (since == null) {
                    HistoryStore.Position head = history.position(channel);
                    return Frames.joined(channel, connectionId, members, head.offset(), head.epoch(), null);
                }
                return recover(connectionId, channel, since, members);
            }
            case "leavechannel" -> {
                Left left = store.leave(event.connectionId(), channel);
                if (!left.subscribed()) {
                    throw new ClientError(Frames.NOT_SUBSCRIBED, "not subscribed to channel " + channel);
                }
                left.departure().ifPresent(d -> announce(List.of(d)));
                return Frames.left(channel);
            }
            case "presence" -> {
                if (!ChannelName.isPresence(channel)) {
                    throw new ClientError(
                            Frames.INVALID_CHANNEL,
                            "only " + ChannelName.PRESENCE_PREFIX + "* channels have members; " + channel
                                    + " is not one");
                }
                if (!store.isSubscribed(event.connectionId(), channel)) {
                    throw new ClientError(Frames.FORBIDDEN, "only subscribers of " + channel + " may read its members");
                }
                return Frames.presence(channel, store.members(channel));
            }
            default -> throw unknownAction(action);
        }
    }

    /**
     * Sends {@code member_removed} for each departure to the channel's subscribers, through the fan-out engine, which
     * also announces the departures of connections it finds gone meanwhile. Builds no fan-out when there is none.
     */
    private void announce(List<Departure> departures) {
        if (!departures.isEmpty()) {
            fanout().announce(departures);
        }
    }

    /** The member's info: the authorizer's {@code info}, JSON text of an object; null when the token had none. */
    private static String info(WsEvent event) {
        JsonNode info = event.authorizer().get(Authorizer.INFO);
        return info == null || !info.isTextual() || info.asText().isEmpty() ? null : info.asText();
    }

    /**
     * {@code sendmessage}: fan out to the channel's subscribers but the sender; an ack when asked for, with the
     * connections delivered to, or (a sharded fan-out) the connections and batches handed to workers.
     */
    public String send(WsEvent event) {
        JsonNode frame = frame(event);
        if (!"sendmessage".equals(frame.path("action").asText())) {
            throw unknownAction(frame.path("action").asText());
        }
        JsonNode channelNode = frame.get("channel");
        String channel = channelNode == null || channelNode.isNull() ? Settings.DEFAULT_CHANNEL : channel(channelNode);
        JsonNode message = frame.get("message");
        if (message == null) {
            throw ClientError.badRequest("message is required");
        }
        checkPublish(event, channel);
        JsonNode id = frame.get("id");
        if (id != null && !(id.isTextual() || id.isNumber() || id.isNull())) {
            throw ClientError.badRequest("id must be a string or a number");
        }
        int size = messageBytes(message);
        if (size > settings.maxMessageBytes()) {
            throw new ClientError(
                    Frames.TOO_LARGE, "message is " + size + " bytes; the limit is " + settings.maxMessageBytes());
        }
        boolean kept = keepsHistory(channel);
        String sender = sub(event);
        long sentAt = clock.millis();
        byte[] payload = kept
                ? largestKeptDelivery(channel, message, sender, sentAt)
                : Frames.delivery(settings.delivery(), channel, message, sender, sentAt);
        if (payload.length > ConnectionsEndpoint.MAX_PAYLOAD_BYTES) {
            // the envelope (channel, sender, sentAt) makes it larger than the message: @connections would refuse it
            throw new ClientError(
                    Frames.TOO_LARGE,
                    "message is " + size + " bytes and its delivery " + payload.length
                            + " bytes; @connections delivers at most " + ConnectionsEndpoint.MAX_PAYLOAD_BYTES);
        }
        HistoryStore.Position position = null;
        if (kept) {
            Kept k = keep(history, channel, message, sender, sentAt);
            position = k.position();
            payload = k.delivery();
        }
        metrics.published();
        ShardedFanout.Result sent = sharded().toChannel(channel, payload, event.connectionId());
        if (id == null || id.isNull()) {
            return null;
        }
        if (position != null) {
            return sent.sharded()
                    ? Frames.ack(id, sent.recipients(), sent.shards(), position.offset(), position.epoch())
                    : Frames.ack(id, sent.recipients(), position.offset(), position.epoch());
        }
        return sent.sharded() ? Frames.ack(id, sent.recipients(), sent.shards()) : Frames.ack(id, sent.recipients());
    }

    /** A message appended to a channel's history: the position it was given, and its delivery frame. */
    public record Kept(HistoryStore.Position position, byte[] delivery) {}

    /**
     * The delivery frame of a message on a history channel as large as it can get once its offset and epoch are
     * known: what to check against @connections' limit before {@link #keep}.
     */
    public static byte[] largestKeptDelivery(String channel, JsonNode message, String sender, long sentAt) {
        return Frames.delivery(channel, message, sender, sentAt, Long.MAX_VALUE, HistoryStore.newEpoch());
    }

    /**
     * Appends a message published on a history channel to {@code history}, before its fan-out (a connection that
     * recovers after this point finds it in the history), and returns the delivery frame carrying its offset and
     * epoch, to post to the channel's subscribers. A client's {@code sendmessage} and {@code wsctl broadcast} both
     * publish through it.
     */
    public static Kept keep(HistoryStore history, String channel, JsonNode message, String sender, long sentAt) {
        byte[][] delivery = new byte[1][];
        HistoryStore.Position position = history.append(channel, p -> {
            delivery[0] = Frames.delivery(channel, message, sender, sentAt, p.offset(), p.epoch());
            return delivery[0];
        });
        return new Kept(position, delivery[0]);
    }

    /** Does {@code channel} keep history? No store is asked. */
    private boolean keepsHistory(String channel) {
        return history != null && settings.history().covers(channel);
    }

    /**
     * The {@code since} of a {@code joinchannel}: null when absent, else an object with a string {@code epoch} and
     * a whole {@code offset} of 0 or more.
     */
    private static HistoryStore.Position since(JsonNode since) {
        if (since == null || since.isNull()) {
            return null;
        }
        JsonNode epoch = since.get("epoch");
        JsonNode offset = since.get("offset");
        if (!since.isObject()
                || epoch == null
                || !epoch.isTextual()
                || offset == null
                || !offset.canConvertToLong()
                || !offset.isIntegralNumber()
                || offset.longValue() < 0) {
            throw ClientError.badRequest(
                    "since must be an object with a string \"epoch\" and an \"offset\" that is a whole number of 0 or more");
        }
        return new HistoryStore.Position(offset.longValue(), epoch.textValue());
    }

    /**
     * A join with {@code since} on a history channel (the connection already subscribed): the messages after it
     * posted to the connection in offset order, then {@code joined} saying whether they all were.
     */
    private String recover(String connectionId, String channel, HistoryStore.Position since, Members members) {
        HistoryStore.Recovery recovery = history.recover(channel, since);
        boolean recovered = recovery.recovered()
                && fanout().replay(connectionId, recovery.frames())
                        == recovery.frames().size();
        HistoryStore.Position at = recovery.position();
        return Frames.joined(channel, connectionId, members, at.offset(), at.epoch(), recovered);
    }

    /** May this connection publish on {@code channel}? See {@link PublishRule}. */
    private void checkPublish(WsEvent event, String channel) {
        String refusal = PublishRule.refusal(
                settings.publish(),
                channel,
                grants(event, Authorizer.PUBLISH),
                grants(event, Authorizer.CHANNELS),
                () -> store.isSubscribed(event.connectionId(), channel));
        if (refusal != null) {
            throw new ClientError(Frames.FORBIDDEN, refusal);
        }
    }

    /** A grant list from the authorizer context; empty without auth. */
    private static Grants grants(WsEvent event, String key) {
        JsonNode value = event.authorizer().get(key);
        return value == null || !value.isTextual() ? Grants.none() : Grants.decode(value.asText());
    }

    /**
     * {@code $default} (and {@code ping}): pong, or the error that says what was wrong. Static: it reads
     * no settings, no store and no @connections client, so the {@code default} function builds none.
     */
    public static String defaultRoute(WsEvent event) {
        JsonNode frame = frame(event);
        String action = frame.path("action").asText();
        if (action.equals("ping")) {
            return Frames.pong();
        }
        throw unknownAction(action);
    }

    /** The client's frame: a JSON object with a string {@code action}. */
    static JsonNode frame(WsEvent event) {
        if (event.base64Encoded()) {
            throw ClientError.badRequest("frames must be JSON text, not binary");
        }
        JsonNode frame;
        try {
            frame = event.body() == null ? null : Json.read(event.body());
        } catch (JsonProcessingException e) {
            throw ClientError.badRequest("frame is not valid JSON");
        }
        if (frame == null || !frame.isObject()) {
            throw ClientError.badRequest("frame must be a JSON object with an \"action\"");
        }
        JsonNode action = frame.get("action");
        if (action == null || !action.isTextual() || action.asText().isEmpty()) {
            throw ClientError.badRequest("\"action\" must be a non-empty string");
        }
        return frame;
    }

    private static String channel(JsonNode node) {
        if (node == null || !node.isTextual()) {
            throw new ClientError(Frames.INVALID_CHANNEL, "channel must be a non-empty string");
        }
        String problem = ChannelName.problem(node.asText());
        if (problem != null) {
            throw new ClientError(Frames.INVALID_CHANNEL, problem);
        }
        return node.asText();
    }

    private static ClientError unknownAction(String action) {
        return new ClientError(
                Frames.UNKNOWN_ACTION,
                "unknown action '" + truncate(action)
                        + "'; use joinchannel, leavechannel, presence, sendmessage or ping");
    }

    private static String truncate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }

    /** A message's size as sent: its JSON in UTF-8, quotes of a string included. */
    private static int messageBytes(JsonNode message) {
        return Json.bytes(message).length;
    }

    private long connectedAt(WsEvent event) {
        return event.connectedAt() > 0 ? event.connectedAt() : clock.millis();
    }

    /** The authorizer's user, or null on a stack without auth. */
    private static String sub(WsEvent event) {
        JsonNode sub = event.authorizer().get(Authorizer.SUB);
        return sub == null || sub.isNull() || sub.asText().isEmpty() ? null : sub.asText();
    }
}
