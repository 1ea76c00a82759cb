package dev.wsctl.ops;

import dev.wsctl.local.LocalMetrics;
import dev.wsctl.metrics.Metric;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stack's figures from its {@code /metrics}. Its counters count from the stack's start
 * ({@value LocalMetrics#START_TIME}), so the window is the time since then and the per-minute rates are the counts
 * divided by it; the fan-out percentiles are estimated from the histogram's buckets as Prometheus's
 * {@code histogram_quantile} does (https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile:
 * linear within the bucket the rank falls in; the largest finite bound when it falls in the {@code +Inf} bucket).
 */
public final class LocalStats {
    /** One sample line of the text format: name, optional labels, value (no timestamp: the stack writes none). */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)$");

    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LocalStats() {}

    /** A sample: family or series name, labels, value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    /** The exposition at {@code metrics}, read; an {@link IOException} when the stack does not answer 200. */
    public static String scrape(URI metrics) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(metrics + " answered " + response.statusCode());
        }
        return response.body();
    }

    /** The figures in {@code exposition}, scraped at {@code now}. */
    public static StackStats of(String stack, String exposition, Instant now) {
        List<Sample> samples = samples(exposition);
        double started = total(samples, LocalMetrics.START_TIME);
        long windowSeconds = Math.max(0, now.getEpochSecond() - (long) started);
        String histogram = Metric.FANOUT_DURATION.prometheus();
        TreeMap<Double, Double> buckets = new TreeMap<>();
        for (Sample s : samples) {
            if (s.name().equals(histogram + "_bucket")) {
                String le = s.labels().get("le");
                buckets.merge(
                        le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), s.value(), Double::sum);
            }
        }
        return new StackStats(
                stack,
                "local",
                windowSeconds,
                (long) total(samples, LocalMetrics.CONNECTIONS),
                count(samples, Metric.PUBLISHED),
                count(samples, Metric.DELIVERED),
                count(samples, Metric.GONE),
                count(samples, Metric.THROTTLED),
                count(samples, Metric.FAILED),
                count(samples, Metric.DENIED),
                quantile(0.5, buckets).map(seconds -> seconds * 1000),
                quantile(0.99, buckets).map(seconds -> seconds * 1000));
    }

    static List<Sample> samples(String exposition) {
        List<Sample> samples = new ArrayList<>();
        for (String line : exposition.split("\n", -1)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("not a sample line of the Prometheus text format: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
        return samples;
    }

    private static long count(List<Sample> samples, Metric metric) {
        return Math.round(total(samples, metric.prometheus() + "_total"));
    }

    /** The sum of the series named {@code name} (a counter's over its labels, e.g. the denials' reasons). */
    private static double total(List<Sample> samples, String name) {
        return samples.stream()
                .filter(s -> s.name().equals(name))
                .mapToDouble(Sample::value)
                .sum();
    }

    /** {@code histogram_quantile(q)} over cumulative buckets (upper bound → count); empty without observations. */
    static Optional<Double> quantile(double q, TreeMap<Double, Double> buckets) {
        Double total = buckets.get(Double.POSITIVE_INFINITY);
        if (total == null || total == 0) {
            return Optional.empty();
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
            if (bucket.getValue() >= rank) {
                if (bucket.getKey().isInfinite()) {
                    return Optional.of(lowerBound);
                }
                double inBucket = bucket.getValue() - lowerCount;
                return Optional.of(lowerBound
                        + (bucket.getKey() - lowerBound) * (inBucket == 0 ? 0 : (rank - lowerCount) / inBucket));
            }
            lowerBound = bucket.getKey();
            lowerCount = bucket.getValue();
        }
        return Optional.of(lowerBound);
    }
}
