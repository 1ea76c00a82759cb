package dev.wsctl.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.metrics.Metrics;
import dev.wsctl.protocol.Settings;
import dev.wsctl.store.ConnectionStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The send path's fan-out: a channel of up to {@code shardSize} recipients (the sender left out) is sent
 * directly, by this process's {@link Fanout} engine; a larger one is split into batches ({@link FanoutBatch#split}) that a
 * {@link FanoutDispatcher} hands to {@code fanout} workers, each running the same engine on its batch under its
 * share of the rate cap, so that one message to 100k connections runs at the account's @connections rate, not
 * at one function's. Without a dispatcher (no worker deployed) everything is sent directly.
 *
 * <p>A sharded send reads the whole channel first (the batches' rate shares depend on their number: for 100k
 * connections a few pages of the keys-only index) and returns once every batch was handed off or refused,
 * not when they are delivered.
 */
public final class ShardedFanout {

    /**
     * What a send did, for the sender's ack.
     *
     * @param recipients delivered, when sent directly; handed to workers, when sharded
     * @param shards     batches handed to workers (0 when sent directly)
     * @param sharded    whether the message was split into batches for workers
     */
    public record Result(long recipients, int shards, boolean sharded) {}

    private final Fanout fanout;
    private final ConnectionStore store;
    private final Settings.Sharding sharding;
    private final FanoutDispatcher dispatcher;
    private final JsonLog log;
    private final Clock clock;
    private final Metrics metrics;

    /** @param dispatcher null where no worker runs: every fan-out is then sent directly */
    public ShardedFanout(
            Fanout fanout,
            ConnectionStore store,
            Settings.Sharding sharding,
            FanoutDispatcher dispatcher,
            JsonLog log,
            Clock clock) {
        this(fanout, store, sharding, dispatcher, log, Metrics.NONE, clock);
    }

    /** As the constructor above, counting the batches each sharded send hands off in {@code metrics}. */
    public ShardedFanout(
            Fanout fanout,
            ConnectionStore store,
            Settings.Sharding sharding,
            FanoutDispatcher dispatcher,
            JsonLog log,
            Metrics metrics,
            Clock clock) {
        this.metrics = metrics;
        this.fanout = fanout;
        this.store = store;
        this.sharding = sharding;
        this.dispatcher = dispatcher;
        this.log = log;
        this.clock = clock;
    }

    public Fanout fanout() {
        return fanout;
    }

    /** Sends {@code payload} to every subscriber of {@code channel} but {@code exceptConnectionId}. */
    public Result toChannel(String channel, byte[] payload, String exceptConnectionId) {
        if (dispatcher == null) {
            return new Result(
                    fanout.toChannel(channel, payload, exceptConnectionId).delivered(), 0, false);
        }
        long start = System.nanoTime();
        Iterator<List<String>> pages = store.subscriberPages(channel).iterator();
        List<String> ids = new ArrayList<>();
        while (ids.size() <= sharding.shardSize() && pages.hasNext()) {
            add(ids, pages.next(), exceptConnectionId);
        }
        if (ids.size() <= sharding.shardSize()) {
            return sendDirectly(channel, ids, payload, exceptConnectionId);
        }
        pages.forEachRemaining(page -> add(ids, page, exceptConnectionId));
        List<FanoutBatch> batches;
        try {
            batches = FanoutBatch.split(
                    channel,
                    payload,
                    ids,
                    exceptConnectionId,
                    sharding.maxRate(),
                    sharding.burst(),
                    sharding.shardSize(),
                    clock.millis());
        } catch (IllegalArgumentException tooLarge) {
            ObjectNode line = line(channel, ids.size(), 0);
            line.put("error", tooLarge.getMessage() + "; sent by this function instead");
            log.write(line);
            return sendDirectly(channel, ids, payload, exceptConnectionId);
        }
        List<CompletableFuture<FanoutDispatcher.Handoff>> handoffs = new ArrayList<>(batches.size());
        for (FanoutBatch batch : batches) {
            CompletableFuture<FanoutDispatcher.Handoff> handoff;
            try {
                handoff = dispatcher.dispatch(batch);
            } catch (RuntimeException e) {
                handoff = CompletableFuture.completedFuture(FanoutDispatcher.Handoff.failed(0, e.toString()));
            }
            handoffs.add(handoff.exceptionally(e -> FanoutDispatcher.Handoff.failed(0, e.toString())));
        }
        long handedOff = 0;
        int accepted = 0;
        String firstError = null;
        for (int i = 0; i < batches.size(); i++) {
            FanoutDispatcher.Handoff handoff = handoffs.get(i).join();
            if (handoff.accepted()) {
                accepted++;
                handedOff += batches.get(i).ids().size();
            } else if (firstError == null) {
                firstError = "batch " + batches.get(i).batch() + ": " + handoff.error();
            }
        }
        ObjectNode line = line(channel, ids.size(), batches.size());
        line.put("handedOff", handedOff);
        line.put("accepted", accepted);
        line.put("refused", batches.size() - accepted);
        line.put("rateShare", batches.get(0).maxRate());
        line.put("burstShare", batches.get(0).burst());
        line.put("millis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        if (firstError != null) {
            line.put("firstError", firstError);
        }
        log.write(line);
        metrics.sharded(accepted);
        return new Result(handedOff, accepted, true);
    }

    /** {@code ids} sent by this process's engine, not handed to workers. */
    private Result sendDirectly(String channel, List<String> ids, byte[] payload, String exceptConnectionId) {
        return new Result(
                fanout.send(channel, List.of(ids), payload, exceptConnectionId).delivered(), 0, false);
    }

    private static void add(List<String> ids, List<String> page, String except) {
        for (String id : page) {
            if (!id.equals(except)) {
                ids.add(id);
            }
        }
    }

    private static ObjectNode line(String channel, long recipients, int batches) {
        ObjectNode line = Json.object();
        line.put("event", "shard");
        line.put("channel", channel);
        line.put("recipients", recipients);
        line.put("batches", batches);
        return line;
    }
}
