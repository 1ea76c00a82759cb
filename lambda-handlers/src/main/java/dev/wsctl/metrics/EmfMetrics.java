package dev.wsctl.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Metrics as CloudWatch Embedded Metric Format lines, one per event, written through {@link JsonLog} (so each carries
 * the invocation's {@code requestId} and {@code coldStart}), on standard output where Lambda sends them to the
 * function's log group and CloudWatch Logs extracts the metrics: no CloudWatch client, no call.
 *
 * <p>Each line is an EMF document ("Specification: Embedded metric format",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * {@code _aws.Timestamp} in epoch milliseconds, one MetricDirective in {@code _aws.CloudWatchMetrics} with namespace
 * {@value Metric#NAMESPACE}, the dimension set {@code [app, stage]} (and {@code [app, stage, reason]} for {@code
 * Denied}) and the line's metrics with their units; the dimensions and metric values are members of the root, as the
 * specification's target members must be. {@code event: "metrics"} tells these lines from the others in Logs
 * Insights.
 */
public final class EmfMetrics implements Metrics {
    /** The variables deploy sets on every function: the stack's app and stage, the metrics' dimensions. */
    public static final String ENV_APP = "WSCTL_APP";

    public static final String ENV_STAGE = "WSCTL_STAGE";

    private final JsonLog log;
    private final String app;
    private final String stage;
    private final LongSupplier clock;

    public EmfMetrics(JsonLog log, String app, String stage, LongSupplier clock) {
        this.log = log;
        this.app = app;
        this.stage = stage;
        this.clock = clock;
    }

    /**
     * A function's metrics, dimensioned by {@value #ENV_APP} and {@value #ENV_STAGE}. Without them (handlers.jar run
     * by hand, outside a deployed stack) there is no stack to name, so nothing is recorded; one log line says so, as
     * the fan-out's {@code sharding} line says why it is off.
     */
    public static Metrics fromEnvironment(Map<String, String> env, JsonLog log) {
        String app = env.get(ENV_APP);
        String stage = env.get(ENV_STAGE);
        if (app == null || app.isBlank() || stage == null || stage.isBlank()) {
            ObjectNode line = Json.object();
            line.put("event", "metrics");
            line.put("enabled", false);
            line.put("reason", ENV_APP + " and " + ENV_STAGE + " are not both set: no EMF metrics are written");
            log.write(line);
            return NONE;
        }
        return new EmfMetrics(log, app, stage, System::currentTimeMillis);
    }

    @Override
    public void connected() {
        write(line(null).put(Metric.CONNECTS.cloudWatch(), 1), null, Metric.CONNECTS);
    }

    @Override
    public void disconnected() {
        write(line(null).put(Metric.DISCONNECTS.cloudWatch(), 1), null, Metric.DISCONNECTS);
    }

    @Override
    public void denied(String reason) {
        write(line(reason).put(Metric.DENIED.cloudWatch(), 1), reason, Metric.DENIED);
    }

    @Override
    public void published() {
        write(line(null).put(Metric.PUBLISHED.cloudWatch(), 1), null, Metric.PUBLISHED);
    }

    @Override
    public void fannedOut(long delivered, long gone, long failed, long throttled, long millis) {
        ObjectNode line = line(null);
        line.put(Metric.DELIVERED.cloudWatch(), delivered);
        line.put(Metric.GONE.cloudWatch(), gone);
        line.put(Metric.FAILED.cloudWatch(), failed);
        line.put(Metric.THROTTLED.cloudWatch(), throttled);
        line.put(Metric.FANOUT_DURATION.cloudWatch(), millis);
        write(line, null, Metric.DELIVERED, Metric.GONE, Metric.FAILED, Metric.THROTTLED, Metric.FANOUT_DURATION);
    }

    @Override
    public void sharded(int shards) {
        write(line(null).put(Metric.SHARDS.cloudWatch(), shards), null, Metric.SHARDS);
    }

    /** The root's dimension members. */
    private ObjectNode line(String reason) {
        ObjectNode line = Json.object();
        line.put("event", "metrics");
        line.put(Metric.APP, app);
        line.put(Metric.STAGE, stage);
        if (reason != null) {
            line.put(Metric.REASON, reason);
        }
        return line;
    }

    /** Adds the metadata naming {@code metrics} (already members of {@code line}) and writes the line. */
    private void write(ObjectNode line, String reason, Metric... metrics) {
        ObjectNode aws = Json.object();
        aws.put("Timestamp", clock.getAsLong());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", Metric.NAMESPACE);
        ArrayNode dimensions = directive.putArray("Dimensions");
        dimensions.addArray().add(Metric.APP).add(Metric.STAGE);
        if (reason != null) {
            dimensions.addArray().add(Metric.APP).add(Metric.STAGE).add(Metric.REASON);
        }
        ArrayNode definitions = directive.putArray("Metrics");
        for (Metric metric : metrics) {
            definitions
                    .addObject()
                    .put("Name", metric.cloudWatch())
                    .put("Unit", metric.unit().cloudWatch());
        }
        ObjectNode document = Json.object();
        document.set("_aws", aws);
        document.setAll(line);
        log.write(document);
    }
}
