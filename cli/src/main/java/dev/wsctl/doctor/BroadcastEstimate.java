package dev.wsctl.doctor;

import dev.wsctl.config.StackConfig;
import java.util.Locale;
import java.util.Optional;

/**
 * How a broadcast to {@code recipients} runs on this stack. Every recipient is one PostToConnection call, and the
 * calls of one broadcast go no faster than the lower of the fan-out's {@code maxRate} (which the workers of a sharded
 * broadcast share) and the account's API Gateway throttle (which @connections calls count against), so the time is at
 * least {@code recipients ÷ rate}. Above {@code shardSize} recipients, the send function hands batches of
 * {@code shardSize} to the fan-out worker: {@code ceil(recipients ÷ shardSize)} shards, each one worker invocation
 * (one concurrent execution of Lambda) with {@code concurrency} calls in flight.
 *
 * @param accountRate the account's throttle, requests/s; empty when it could not be read
 */
record BroadcastEstimate(StackConfig.Fanout fanout, Optional<Double> accountRate, long recipients) {

    static BroadcastEstimate of(StackConfig.Fanout fanout, Optional<Double> accountRate, long recipients) {
        return new BroadcastEstimate(fanout, accountRate, recipients);
    }

    /** The calls per second a broadcast may make: the lower of maxRate and the account throttle. */
    double rate() {
        return accountRate.map(a -> Math.min(a, fanout.maxRate())).orElse(fanout.maxRate());
    }

    double seconds() {
        return recipients / rate();
    }

    /** Shards a broadcast is split into; 0 when the send function posts to every recipient itself. */
    long shards() {
        return recipients > fanout.shardSize() ? (recipients + fanout.shardSize() - 1) / fanout.shardSize() : 0;
    }

    Finding finding(String channel) {
        String how = String.format(
                Locale.ROOT,
                "A broadcast to %s (%d recipients) takes at least %.2f s: %d ÷ %s calls/s, the lower of fanout.maxRate"
                        + " (%s) and the account throttle (%s).",
                channel,
                recipients,
                seconds(),
                recipients,
                Doctor.number(rate()),
                Doctor.number(fanout.maxRate()),
                accountRate.map(Doctor::number).orElse("unknown"));
        if (accountRate.isPresent() && accountRate.get() < fanout.maxRate()) {
            return Finding.warn(
                    "broadcast-time",
                    how + " Above the account throttle, posts are throttled (429) and retried.",
                    "Set fanout.maxRate to at most " + Doctor.number(accountRate.get() * 0.9)
                            + " in wsctl.yaml (the account throttle less a margin for the clients' own messages).");
        }
        return Finding.ok("broadcast-time", how);
    }

    /**
     * The shards' worker invocations against the account's unreserved concurrency: each shard is one concurrent
     * execution while it runs (its {@code concurrency} calls in flight are inside that one execution).
     *
     * @param unreserved Lambda's unreserved concurrent executions; empty when they could not be read
     */
    Finding concurrency(Optional<Integer> unreserved) {
        long shards = shards();
        String how = shards == 0
                ? "Up to " + fanout.shardSize() + " recipients the send function posts itself: " + recipients
                        + " recipients need no fan-out worker (" + fanout.concurrency() + " calls in flight)."
                : shards + " shards of " + fanout.shardSize() + " × " + fanout.concurrency() + " calls in flight = "
                        + shards * fanout.concurrency() + " calls in flight, in " + shards
                        + " concurrent fan-out worker executions";
        if (shards == 0) {
            return Finding.ok("fanout-concurrency", how);
        }
        if (unreserved.isEmpty()) {
            return Finding.ok("fanout-concurrency", how + " (Lambda's unreserved concurrency unknown).");
        }
        if (shards > unreserved.get()) {
            return Finding.warn(
                    "fanout-concurrency",
                    how + ", more than Lambda's " + unreserved.get() + " unreserved concurrent executions: the rest"
                            + " are throttled and retried by Lambda's asynchronous invocation, late.",
                    "Raise fanout.shardSize (up to 4000) in wsctl.yaml, or ask for more concurrent executions in"
                            + " Service Quotas (Lambda, L-B99A9384).");
        }
        return Finding.ok(
                "fanout-concurrency",
                how + ", within Lambda's " + unreserved.get() + " unreserved concurrent executions.");
    }
}
