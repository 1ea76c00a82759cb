package dev.wsctl.metrics;

/**
 * Where the runtime records its metrics ({@link Metric}): the authorizer, {@code $connect} and {@code $disconnect},
 * a publish, and each fan-out (once, from its report: never per recipient). On AWS an {@link EmfMetrics} writes one
 * EMF line per event; {@code wsctl local} keeps them in memory for {@code /metrics}. Implementations are called from
 * many threads at once.
 */
public interface Metrics {
    /** A {@code $connect} that succeeded. */
    void connected();

    /** A {@code $disconnect}. */
    void disconnected();

    /** The authorizer refused an upgrade; {@code reason} is its log line's (e.g. {@code missing_token}). */
    void denied(String reason);

    /** A message was accepted for fan-out ({@code sendmessage}). */
    void published();

    /** One fan-out's report: connections delivered to, gone, failed, throttled answers, and its wall time. */
    void fannedOut(long delivered, long gone, long failed, long throttled, long millis);

    /** A sharded send handed {@code shards} batches to fan-out workers. */
    void sharded(int shards);

    /** Records nothing: tests, and the fan-outs that are not the stack's (a benchmark's). */
    Metrics NONE = new Metrics() {
        @Override
        public void connected() {}

        @Override
        public void disconnected() {}

        @Override
        public void denied(String reason) {}

        @Override
        public void published() {}

        @Override
        public void fannedOut(long delivered, long gone, long failed, long throttled, long millis) {}

        @Override
        public void sharded(int shards) {}
    };
}
