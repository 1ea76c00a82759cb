package dev.wsctl.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

/**
 * A {@code fanout} worker: runs the {@link Fanout} engine on one batch of a sharded fan-out, under the rate cap
 * {@code rateCaps} gives it, and logs the engine's report together with the batch in one line.
 */
public final class FanoutWorker {
    private final Fanout engine;
    private final Function<FanoutBatch, RateCap> rateCaps;
    private final Clock clock;

    public FanoutWorker(Fanout engine, Function<FanoutBatch, RateCap> rateCaps, Clock clock) {
        this.engine = engine;
        this.rateCaps = rateCaps;
        this.clock = clock;
    }

    /** A worker in a process of its own (a Lambda function): each batch runs under its own share of the cap. */
    public static FanoutWorker ofBatchShares(Fanout engine) {
        return new FanoutWorker(engine, FanoutBatch::rateCap, Clock.systemUTC());
    }

    /** Workers in one process (the local stack): every batch shares {@code cap}, which is then exact. */
    public static FanoutWorker sharing(Fanout engine, RateCap cap) {
        return new FanoutWorker(engine, batch -> cap, Clock.systemUTC());
    }

    public FanoutReport run(FanoutBatch batch) {
        RateCap cap = rateCaps.apply(batch);
        ObjectNode fields = Json.object();
        fields.put("batch", batch.batch());
        fields.put("batches", batch.batches());
        fields.put("rateCap", cap.toString());
        fields.put("lagMillis", Math.max(0, clock.millis() - batch.sentAt()));
        return engine.withRateCap(cap)
                .send(batch.channel(), List.of(batch.ids()), batch.payload(), batch.except(), settled -> {}, fields);
    }
}
