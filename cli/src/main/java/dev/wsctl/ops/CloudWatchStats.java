package dev.wsctl.ops;

import dev.wsctl.metrics.Metric;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;

/**
 * A deployed stack's figures from CloudWatch: one GetMetricData call
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html) over the metrics the
 * functions write as EMF (namespace {@value Metric#NAMESPACE}, dimensions app and stage), with one period that covers
 * the whole window: the counts' {@code Sum}, the fan-out duration's {@code p50} and {@code p99} (CloudWatch computes
 * percentiles from the raw values EMF sends: "Percentile statistics", API_GetMetricStatistics.html).
 */
public final class CloudWatchStats {
    private static final String P50 = "p50";
    private static final String P99 = "p99";

    private CloudWatchStats() {}

    /**
     * The counts of {@code app}/{@code stage} from {@code now - since} (rounded down to the minute, CloudWatch's
     * resolution for these metrics) to the end of the minute that holds {@code now}: the window reported: {@code since}
     * rounded up to whole minutes, plus at most one minute; {@code connections} is counted elsewhere (the table).
     */
    public static StackStats read(
            CloudWatchClient cloudWatch,
            String stack,
            String app,
            String stage,
            Duration since,
            Instant now,
            long connections) {
        // standard resolution: periods are multiples of 60 s (API_MetricStat.html); one period spans the window
        long periodSeconds = Math.max(60, (since.toSeconds() + 59) / 60 * 60);
        Instant start = now.minusSeconds(periodSeconds).truncatedTo(ChronoUnit.MINUTES);
        Instant end = start.plusSeconds(periodSeconds);
        if (end.isBefore(now)) {
            end = end.plusSeconds(60);
            periodSeconds += 60;
        }
        List<Dimension> dimensions = List.of(
                Dimension.builder().name(Metric.APP).value(app).build(),
                Dimension.builder().name(Metric.STAGE).value(stage).build());
        List<MetricDataQuery> queries = new ArrayList<>();
        for (Metric metric : List.of(
                Metric.PUBLISHED, Metric.DELIVERED, Metric.GONE, Metric.THROTTLED, Metric.FAILED, Metric.DENIED)) {
            queries.add(query(id(metric), metric, "Sum", dimensions, periodSeconds));
        }
        queries.add(query(P50, Metric.FANOUT_DURATION, P50, dimensions, periodSeconds));
        queries.add(query(P99, Metric.FANOUT_DURATION, P99, dimensions, periodSeconds));
        Map<String, List<Double>> values = new HashMap<>();
        GetMetricDataRequest request = GetMetricDataRequest.builder()
                .metricDataQueries(queries)
                .startTime(start)
                .endTime(end)
                .build();
        for (var page : cloudWatch.getMetricDataPaginator(request)) {
            for (MetricDataResult result : page.metricDataResults()) {
                values.computeIfAbsent(result.id(), id -> new ArrayList<>()).addAll(result.values());
            }
        }
        return new StackStats(
                stack,
                "cloudwatch",
                periodSeconds,
                connections,
                sum(values, Metric.PUBLISHED),
                sum(values, Metric.DELIVERED),
                sum(values, Metric.GONE),
                sum(values, Metric.THROTTLED),
                sum(values, Metric.FAILED),
                sum(values, Metric.DENIED),
                largest(values.get(P50)),
                largest(values.get(P99)));
    }

    private static String id(Metric metric) {
        return metric.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static MetricDataQuery query(
            String id, Metric metric, String stat, List<Dimension> dimensions, long periodSeconds) {
        return MetricDataQuery.builder()
                .id(id)
                .metricStat(s -> s.metric(m -> m.namespace(Metric.NAMESPACE)
                                .metricName(metric.cloudWatch())
                                .dimensions(dimensions))
                        .period((int) periodSeconds)
                        .stat(stat))
                .returnData(true)
                .build();
    }

    private static long sum(Map<String, List<Double>> values, Metric metric) {
        return Math.round(values.getOrDefault(id(metric), List.of()).stream()
                .mapToDouble(Double::doubleValue)
                .sum());
    }

    /** The one period's percentile; should the window be answered in two periods, the larger (the bound). */
    private static Optional<Double> largest(List<Double> values) {
        return values == null
                ? Optional.empty()
                : values.stream().filter(v -> v != null).max(Double::compare);
    }
}
