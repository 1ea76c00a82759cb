package dev.wsctl.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Smoke-size runs of `scripts/bench fanout` and `fanout-capped`, so that the harness cannot rot. Speed is not checked. */
class FanoutBenchTest {
    private final List<String> lines = new ArrayList<>();

    private List<FanoutBench.Result> run(FanoutBench.Plan plan) throws Exception {
        return new FanoutBench(plan, lines::add).run();
    }

    @Test
    void deliversEveryCallToTheDiscardingEndpointInASecondJvm() throws Exception {
        List<FanoutBench.Result> results = run(
                new FanoutBench.Plan(List.of(500), false, 256, 16, Double.POSITIVE_INFINITY, 1, 1, 200, 0, 0, false));

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.report().delivered()).isEqualTo(500);
            assertThat(r.report().failed() + r.report().throttled()).isZero();
            assertThat(r.callsPerSecond()).isPositive();
            assertThat(r.endpointCpuMillis())
                    .as("measured in the other process")
                    .isNotNegative();
        });
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("unsigned", "in a second JVM"));
    }

    @Test
    void signsWhenAskedToWithTheEndpointInThisJvm() throws Exception {
        List<FanoutBench.Result> results =
                run(new FanoutBench.Plan(List.of(300), true, 64, 8, Double.POSITIVE_INFINITY, 1, 1, 0, 0, 0, true));

        assertThat(results)
                .singleElement()
                .satisfies(r -> assertThat(r.report().delivered()).isEqualTo(300));
        assertThat(lines.get(0)).contains("SigV4-signed", "in this JVM");
    }

    @Test
    void aCappedEngineAgainstAThrottlingEndpointDeliversEverything() throws Exception {
        List<FanoutBench.Result> results =
                run(new FanoutBench.Plan(List.of(400), false, 64, 16, 900, 50, 1, 0, 1_000, 100, true));

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.report().delivered()).isEqualTo(400);
            assertThat(r.report().failed()).isZero();
        });
        assertThat(lines.get(0)).contains("900 calls/s, burst 50", "answering 429 above 1000/s (burst 100)");
    }
}
