package dev.wsctl.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import java.util.Optional;

/**
 * What {@code wsctl stats} reports of a stack over a window: connections now, messages published and delivered (in
 * all and per minute), connections found gone, throttled posts, failed deliveries, authorizer denials, and the
 * fan-out duration's median and 99th percentile.
 *
 * @param stack         what the figures are of ("stack chat-dev", "local stack ws://…")
 * @param source        {@code cloudwatch} or {@code local}
 * @param windowSeconds the window the counts cover
 * @param fanoutP50Millis empty when no fan-out ran in the window
 */
public record StackStats(
        String stack,
        String source,
        long windowSeconds,
        long connections,
        long published,
        long delivered,
        long gone,
        long throttled,
        long failed,
        long denied,
        Optional<Double> fanoutP50Millis,
        Optional<Double> fanoutP99Millis) {

    public double publishedPerMinute() {
        return perMinute(published);
    }

    public double deliveredPerMinute() {
        return perMinute(delivered);
    }

    private double perMinute(long count) {
        return windowSeconds == 0 ? 0 : round(count * 60.0 / windowSeconds);
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    /** The stable JSON of {@code wsctl stats -o json} (docs/operations.md). */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("stack", stack);
        o.put("source", source);
        o.put("windowSeconds", windowSeconds);
        o.put("connections", connections);
        o.put("published", published);
        o.put("publishedPerMinute", publishedPerMinute());
        o.put("delivered", delivered);
        o.put("deliveredPerMinute", deliveredPerMinute());
        o.put("gone", gone);
        o.put("throttled", throttled);
        o.put("failed", failed);
        o.put("denied", denied);
        if (fanoutP50Millis.isPresent()) {
            o.put("fanoutP50Millis", round(fanoutP50Millis.get()));
        } else {
            o.putNull("fanoutP50Millis");
        }
        if (fanoutP99Millis.isPresent()) {
            o.put("fanoutP99Millis", round(fanoutP99Millis.get()));
        } else {
            o.putNull("fanoutP99Millis");
        }
        return o;
    }
}
