package dev.wsctl.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A smoke-size run of `scripts/bench fanout-sharded`, so that the harness cannot rot. Speed is not checked. */
class ShardedFanoutBenchTest {

    @Test
    void aRateCappedBroadcastThroughShardsReachesEveryRecipientOfTheThrottlingEndpoint() throws Exception {
        List<String> lines = new ArrayList<>();
        ShardedFanoutBench.Plan plan = new ShardedFanoutBench.Plan(3_000, 5_000, 1_000, 500, 64, 16, 4, 1, 0, false);

        List<ShardedFanoutBench.Result> results = new ShardedFanoutBench(plan, lines::add).run();

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.batches()).isEqualTo(6);
            assertThat(r.delivered()).isEqualTo(3_000);
            assertThat(r.lost()).isZero();
            assertThat(r.floorMillis()).isEqualTo(400);
            assertThat(r.calls()).isEqualTo(3_000 + r.throttled());
        });
        assertThat(lines.get(0)).contains("shard size 500", "5000 calls/s (burst 1000)", "in a second JVM");
        assertThat(lines).last().asString().startsWith("endpoint: answered 200 to 3,000 calls (3,000 delivered");
    }
}
