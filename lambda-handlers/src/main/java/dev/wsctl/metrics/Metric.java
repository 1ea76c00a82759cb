package dev.wsctl.metrics;

/**
 * The stack's metrics: their CloudWatch name and unit (namespace {@value #NAMESPACE}, what the functions' EMF lines
 * carry and the dashboard and {@code wsctl stats} read), and their Prometheus name (what {@code wsctl local} serves
 * at {@code /metrics}). docs/observability.md lists them.
 */
public enum Metric {
    CONNECTS("Connects", Unit.COUNT, "wsctl_connects"),
    DISCONNECTS("Disconnects", Unit.COUNT, "wsctl_disconnects"),
    DENIED("Denied", Unit.COUNT, "wsctl_denied"),
    PUBLISHED("Published", Unit.COUNT, "wsctl_published"),
    DELIVERED("Delivered", Unit.COUNT, "wsctl_delivered"),
    GONE("Gone", Unit.COUNT, "wsctl_gone"),
    THROTTLED("Throttled", Unit.COUNT, "wsctl_throttled"),
    FAILED("Failed", Unit.COUNT, "wsctl_failed"),
    FANOUT_DURATION("FanoutDuration", Unit.MILLISECONDS, "wsctl_fanout_duration_seconds"),
    SHARDS("Shards", Unit.COUNT, "wsctl_shards");

    /** The CloudWatch namespace of every metric. */
    public static final String NAMESPACE = "wsctl";

    /** The dimensions of every metric, and their Prometheus labels. */
    public static final String APP = "app";

    public static final String STAGE = "stage";
    /** The extra dimension of {@link #DENIED}: the authorizer's reason (its log line's {@code reason}). */
    public static final String REASON = "reason";

    /** CloudWatch units, as EMF and PutMetricData spell them. */
    public enum Unit {
        COUNT("Count"),
        MILLISECONDS("Milliseconds");

        private final String cloudWatch;

        Unit(String cloudWatch) {
            this.cloudWatch = cloudWatch;
        }

        public String cloudWatch() {
            return cloudWatch;
        }
    }

    private final String cloudWatch;
    private final Unit unit;
    private final String prometheus;

    Metric(String cloudWatch, Unit unit, String prometheus) {
        this.cloudWatch = cloudWatch;
        this.unit = unit;
        this.prometheus = prometheus;
    }

    /** The CloudWatch metric name. */
    public String cloudWatch() {
        return cloudWatch;
    }

    public Unit unit() {
        return unit;
    }

    /**
     * The Prometheus metric family's name: a counter's without its {@code _total} suffix (the exposition adds it),
     * the fan-out duration's histogram in seconds, as Prometheus names a duration.
     */
    public String prometheus() {
        return prometheus;
    }
}
