package dev.wsctl.ops;

import dev.wsctl.awshttp.Futures;
import dev.wsctl.connections.ConnectionsEndpoint;
import dev.wsctl.fanout.Fanout;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Members;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.Departure;
import dev.wsctl.store.Disconnected;
import dev.wsctl.store.HistoryStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.ApiGatewayManagementApiException;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GetConnectionResponse;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/**
 * What {@code wsctl connections} and {@code wsctl channels} do to a running stack: read its store,
 * ask its {@code @connections} API whether sockets are alive, and remove what is left of dead ones.
 * The same code for a deployed and a local stack.
 */
public final class ConnectionAdmin {

    /** A connection as the store knows it: its meta row (absent for orphan subscription rows) and channels. */
    public record Stored(String connectionId, Optional<ConnectionInfo> info, List<String> channels) {
        public boolean exists() {
            return info.isPresent() || !channels.isEmpty();
        }
    }

    /** What API Gateway says about an open socket. */
    public record Socket(Instant connectedAt, Instant lastActiveAt, String sourceIp) {}

    /** {@code socket} is empty when the gateway answered Gone. */
    public record Details(Stored rows, Optional<Socket> socket) {}

    /** @param gone whether the socket was already gone; @param rowsRemoved store rows deleted */
    public record Kick(String connectionId, boolean gone, boolean notified, int rowsRemoved) {}

    /** A sweep: connections checked, found live, removed as gone, and those whose check failed. */
    public record Sweep(long checked, long live, long removed, long failed, List<String> failures) {}

    /** A channel's subscriber count and the first subscribers (meta row absent when the row is an orphan). */
    public record Channel(String channel, long count, List<Stored> subscribers) {
        /** Subscribers counted but not listed. */
        public long more() {
            return count - subscribers.size();
        }
    }

    private final Target target;

    public ConnectionAdmin(Target target) {
        this.target = target;
    }

    /** Listed connections, and how many more the store holds beyond them. */
    public record Listing(List<Stored> connections, long more) {}

    /**
     * Up to {@code limit} connections, in id order: from the meta rows, or the subscribers of {@code channel}.
     * The ids past the limit are counted from the same keys-only pages (on DynamoDB, the by-channel index).
     */
    public Listing list(Optional<String> channel, int limit) {
        if (channel.isPresent()) {
            Channel subscribers = subscribers(channel.get(), limit, this::stored);
            return new Listing(subscribers.subscribers(), subscribers.more());
        }
        ConnectionStore store = target.store();
        List<Stored> result = new ArrayList<>();
        for (ConnectionInfo info : store.connections(limit)) {
            result.add(new Stored(info.connectionId(), Optional.of(info), store.channelsOf(info.connectionId())));
        }
        if (result.size() < limit) {
            return new Listing(result, 0);
        }
        return new Listing(result, Math.max(0, connectionCount() - result.size()));
    }

    /** Every connection the store has a meta row of, counted from keys-only pages (the by-channel index). */
    public long connectionCount() {
        long total = 0;
        for (List<String> page : target.store().subscriberPages(ConnectionStore.CONNECTION_ROW)) {
            total += page.size();
        }
        return total;
    }

    public Stored stored(String connectionId) {
        return new Stored(
                connectionId,
                target.store().connection(connectionId),
                target.store().channelsOf(connectionId));
    }

    /** The store rows and the live socket (GetConnection), either of which may be missing. */
    public Details show(String connectionId) {
        return new Details(stored(connectionId), socket(connectionId));
    }

    /** The socket, or empty when the gateway answers Gone. Other failures propagate. */
    public Optional<Socket> socket(String connectionId) {
        try {
            GetConnectionResponse r = Futures.join(target.api().getConnection(b -> b.connectionId(connectionId)));
            return Optional.of(new Socket(
                    r.connectedAt(),
                    r.lastActiveAt(),
                    r.identity() == null ? null : r.identity().sourceIp()));
        } catch (GoneException e) {
            return Optional.empty();
        }
    }

    /**
     * Sends {@code {"type":"kicked","reason":…}} first when {@code reason} is present, closes the socket
     * (DeleteConnection), then removes the rows; a socket that is already gone only loses its rows.
     */
    public Kick kick(String connectionId, Optional<String> reason) {
        boolean gone = false;
        boolean notified = false;
        if (reason.isPresent()) {
            String frame = Json.write(Json.object().put("type", "kicked").put("reason", reason.get()));
            // through the fan-out's client, which never repeats a post that may have arrived
            ConnectionsEndpoint.Answer answer;
            ConnectionsEndpoint.Payload payload =
                    ConnectionsEndpoint.Payload.of(frame.getBytes(StandardCharsets.UTF_8));
            try {
                answer = target.connections().post(connectionId, payload).join();
            } catch (CompletionException e) {
                throw SdkClientException.create("PostToConnection got no answer: " + e.getCause(), e.getCause());
            }
            switch (answer.outcome()) {
                case DELIVERED -> notified = true;
                case GONE -> gone = true;
                // as the SDK's client would have reported it, so that it is explained the same way
                default ->
                    throw ApiGatewayManagementApiException.builder()
                            .statusCode(answer.status())
                            .message("PostToConnection failed: " + answer.error())
                            .build();
            }
        }
        if (!gone) {
            try {
                Futures.join(target.api().deleteConnection(b -> b.connectionId(connectionId)));
            } catch (GoneException e) {
                gone = true;
            }
        }
        Disconnected removed = target.store().disconnect(connectionId);
        announce(removed.departures());
        return new Kick(connectionId, gone, notified, removed.rows());
    }

    /** Gone connections a sweep removes together, in one {@link ConnectionStore#disconnectAll}. */
    static final int SWEEP_BATCH = 1000;

    /**
     * Asks the gateway about every stored connection (meta rows), {@code concurrency} at a time, and
     * removes the rows of those that are gone: {@code $disconnect} is best effort, so ghosts stay
     * behind when it does not run. Ids are read page by page while checks run; the gone ones are removed
     * {@value #SWEEP_BATCH} at a time between pages, and the rest at the end.
     */
    public Sweep sweep(int concurrency) throws InterruptedException {
        AtomicLong checked = new AtomicLong();
        AtomicLong live = new AtomicLong();
        AtomicLong removed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        BlockingQueue<String> gone = new LinkedBlockingQueue<>();
        Semaphore slots = new Semaphore(concurrency);
        ExecutorService workers = Executors.newFixedThreadPool(concurrency);
        try {
            for (List<String> page : target.store().subscriberPages(ConnectionStore.CONNECTION_ROW)) {
                for (String id : page) {
                    slots.acquire();
                    workers.execute(() -> {
                        try {
                            if (socket(id).isPresent()) {
                                live.incrementAndGet();
                            } else {
                                gone.add(id);
                            }
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                            if (failures.size() < 10) {
                                failures.add("could not check " + id + ": " + e.getMessage());
                            }
                        } finally {
                            checked.incrementAndGet();
                            slots.release();
                        }
                    });
                }
                removeGone(gone, false, removed, failed, failures);
            }
            slots.acquire(concurrency); // every check done
            removeGone(gone, true, removed, failed, failures);
        } finally {
            workers.shutdownNow();
            workers.awaitTermination(10, TimeUnit.SECONDS);
        }
        return new Sweep(checked.get(), live.get(), removed.get(), failed.get(), List.copyOf(failures));
    }

    /** Removes the queued gone connections in batches of {@value #SWEEP_BATCH}; a partial batch only if {@code all}. */
    private void removeGone(
            BlockingQueue<String> gone, boolean all, AtomicLong removed, AtomicLong failed, List<String> failures) {
        while (gone.size() >= SWEEP_BATCH || all && !gone.isEmpty()) {
            List<String> batch = new ArrayList<>(SWEEP_BATCH);
            gone.drainTo(batch, SWEEP_BATCH);
            Disconnected done;
            try {
                done = target.store().disconnectAll(batch);
                removed.addAndGet(batch.size());
            } catch (RuntimeException e) {
                failed.addAndGet(batch.size());
                if (failures.size() < 10) {
                    failures.add("could not remove " + batch.size() + " gone connections (" + batch.get(0) + ", ...): "
                            + e.getMessage());
                }
                continue;
            }
            try {
                announce(done.departures());
            } catch (RuntimeException e) {
                if (failures.size() < 10) {
                    failures.add("removed " + batch.size() + " gone connections but could not tell presence channels: "
                            + e.getMessage());
                }
            }
        }
    }

    /** PostToConnection calls in flight while announcing departures from presence channels. */
    static final int ANNOUNCE_CONCURRENCY = 16;

    /**
     * Tells each presence channel that a removal left that its member is gone ({@code member_removed}), through the
     * fan-out engine, as the stack's own functions do.
     */
    private void announce(List<Departure> departures) {
        if (!departures.isEmpty()) {
            new Fanout(
                            target.store(),
                            target.connections(),
                            Fanout.Options.withConcurrency(ANNOUNCE_CONCURRENCY),
                            JsonLog.discard())
                    .announce(departures);
        }
    }

    /** A presence channel's members: the exact count and the first {@link ConnectionStore#MEMBERS_LISTED}. */
    public Members members(String channel) {
        return target.store().members(channel);
    }

    /**
     * Up to {@code limit} of a history channel's kept messages, the latest ones, oldest first; empty when the
     * channel keeps no history (it is not named by the stack's history channels).
     */
    public Optional<List<HistoryStore.Message>> history(String channel, int limit) {
        return target.historyOf(channel).map(history -> history.recent(channel, limit));
    }

    /** Every channel with subscribers, and how many. */
    public Map<String, Long> channels() {
        return target.store().channelCounts();
    }

    /** The channel's subscriber count, and the first {@code limit} subscribers with their meta rows. */
    public Channel inspect(String channel, int limit) {
        return subscribers(channel, limit, id -> new Stored(id, target.store().connection(id), List.of()));
    }

    /** All of the channel's subscribers counted, the first {@code limit} read by {@code row}. */
    private Channel subscribers(String channel, int limit, Function<String, Stored> row) {
        long count = 0;
        List<Stored> subscribers = new ArrayList<>();
        for (List<String> page : target.store().subscriberPages(channel)) {
            count += page.size();
            for (String id : page) {
                if (subscribers.size() < limit) {
                    subscribers.add(row.apply(id));
                }
            }
        }
        return new Channel(channel, count, subscribers);
    }
}
