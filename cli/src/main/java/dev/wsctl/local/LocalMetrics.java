package dev.wsctl.local;

import dev.wsctl.metrics.Metric;
import dev.wsctl.metrics.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.function.IntSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * The local stack's metrics: the counters the functions write as EMF on AWS ({@link Metric}), kept in memory by the
 * Prometheus Java client and served at {@code /metrics} in the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), every series labelled {@code app} and {@code stage}:
 * counters ({@code wsctl_*_total}), the fan-out duration as a histogram in seconds, and the gauge
 * {@code wsctl_connections}, the gateway's open connections at the scrape.
 */
public final class LocalMetrics implements Metrics {
    /** The gauge of open connections and the stack's start time (not {@link Metric}s: CloudWatch has neither). */
    public static final String CONNECTIONS = "wsctl_connections";

    public static final String START_TIME = "process_start_time_seconds";

    /** The exposition's content type: {@code text/plain; version=0.0.4; charset=utf-8}. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    /**
     * Fan-out durations' bucket bounds in seconds: from an in-process delivery to a few recipients (about a
     * millisecond) to a large broadcast under the rate cap (tens of seconds).
     */
    static final double[] FANOUT_SECONDS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
    };

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter connects;
    private final Counter disconnects;
    private final Counter denied;
    private final Counter published;
    private final Counter delivered;
    private final Counter gone;
    private final Counter throttled;
    private final Counter failed;
    private final Counter shards;
    private final Histogram fanoutSeconds;

    /** @param openConnections the gateway's open connections, read at each scrape */
    public LocalMetrics(String app, String stage, IntSupplier openConnections) {
        Labels labels = Labels.of(Metric.APP, app, Metric.STAGE, stage);
        connects = counter(Metric.CONNECTS, "$connect invocations that succeeded", labels);
        disconnects = counter(Metric.DISCONNECTS, "$disconnect invocations", labels);
        denied = Counter.builder()
                .name(Metric.DENIED.prometheus())
                .help("Upgrades the authorizer refused, by its reason")
                .constLabels(labels)
                .labelNames(Metric.REASON)
                .register(registry);
        published = counter(Metric.PUBLISHED, "Messages accepted for fan-out (sendmessage)", labels);
        delivered = counter(Metric.DELIVERED, "Posts to connections that were delivered", labels);
        gone = counter(Metric.GONE, "Connections a fan-out found gone (410), their rows removed", labels);
        throttled = counter(Metric.THROTTLED, "Throttled posts that were retried", labels);
        failed = counter(Metric.FAILED, "Connections a fan-out could not reach, retries exhausted", labels);
        shards = counter(Metric.SHARDS, "Batches sharded sends handed to fan-out workers", labels);
        fanoutSeconds = Histogram.builder()
                .name(Metric.FANOUT_DURATION.prometheus())
                .help("Wall time of each fan-out")
                .constLabels(labels)
                .classicOnly()
                .classicUpperBounds(FANOUT_SECONDS)
                .register(registry);
        // the standard name
        // (https://prometheus.io/docs/instrumenting/writing_clientlibs/#standard-and-runtime-collectors):
        // the counters count from here, so rates over their lifetime divide by the time since (wsctl stats --local)
        double started = System.currentTimeMillis() / 1000.0;
        GaugeWithCallback.builder()
                .name(START_TIME)
                .help("When the stack started, in seconds since the epoch; its counters count from then")
                .constLabels(labels)
                .callback(callback -> callback.call(started))
                .register(registry);
        GaugeWithCallback.builder()
                .name(CONNECTIONS)
                .help("Open WebSocket connections")
                .constLabels(labels)
                .callback(callback -> callback.call(openConnections.getAsInt()))
                .register(registry);
    }

    private Counter counter(Metric metric, String help, Labels labels) {
        return Counter.builder()
                .name(metric.prometheus())
                .help(help)
                .constLabels(labels)
                .register(registry);
    }

    @Override
    public void connected() {
        connects.inc();
    }

    @Override
    public void disconnected() {
        disconnects.inc();
    }

    @Override
    public void denied(String reason) {
        denied.labelValues(reason).inc();
    }

    @Override
    public void published() {
        published.inc();
    }

    @Override
    public void fannedOut(long delivered, long gone, long failed, long throttled, long millis) {
        this.delivered.inc(delivered);
        this.gone.inc(gone);
        this.failed.inc(failed);
        this.throttled.inc(throttled);
        fanoutSeconds.observe(millis / 1000.0);
    }

    @Override
    public void sharded(int shards) {
        this.shards.inc(shards);
    }

    /** {@code GET /metrics} (and HEAD): the exposition; other methods 405. */
    void handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        boolean head = "HEAD".equals(method);
        if (!head && !"GET".equals(method)) {
            response.setStatus(HttpStatus.METHOD_NOT_ALLOWED_405);
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            response.write(true, BufferUtil.EMPTY_BUFFER, callback);
            return;
        }
        byte[] body = scrape();
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, head ? BufferUtil.EMPTY_BUFFER : ByteBuffer.wrap(body), callback);
    }

    /** The exposition of every series now. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
