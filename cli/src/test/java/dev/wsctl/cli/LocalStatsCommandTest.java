package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.ops.ClientSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code wsctl stats --local} against a running local stack, after real WebSocket clients published and received. */
class LocalStatsCommandTest {
    @RegisterExtension
    final LocalTarget local = new LocalTarget();

    @Test
    void statsLocalReportsWhatTheClientsDidSinceTheStackStarted() throws Exception {
        ClientSocket a = local.client("news");
        ClientSocket b = local.client("news");
        ClientSocket c = local.client("news");
        for (int i = 0; i < 3; i++) {
            JsonNode ack = LocalTarget.request(
                    a, "{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":" + i + ",\"id\":" + i + "}");
            assertThat(ack.get("recipients").asInt()).isEqualTo(2);
        }
        for (ClientSocket receiver : new ClientSocket[] {b, c}) {
            for (int i = 0; i < 3; i++) {
                assertThat(LocalTarget.next(receiver).get("message").asInt()).isEqualTo(i);
            }
        }

        CliRun r = local.wsctl("stats", "-o", "json");

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode stats = Jackson.mapper().readTree(r.out());
        assertThat(stats.get("source").asText()).isEqualTo("local");
        assertThat(stats.get("stack").asText()).isEqualTo("local stack " + local.url());
        assertThat(stats.get("connections").asLong()).isEqualTo(3);
        assertThat(stats.get("published").asLong()).isEqualTo(3);
        assertThat(stats.get("delivered").asLong()).isEqualTo(6);
        assertThat(stats.get("gone").asLong()).isZero();
        assertThat(stats.get("failed").asLong()).isZero();
        assertThat(stats.get("denied").asLong()).isZero();
        long window = stats.get("windowSeconds").asLong();
        assertThat(window)
                .as("since the stack started, this test's few seconds")
                .isBetween(0L, 120L);
        assertThat(stats.get("publishedPerMinute").asDouble())
                .isEqualTo(window == 0 ? 0 : Math.round(3 * 60.0 / window * 100) / 100.0);
        // three in-process fan-outs, each well under the first bucket bound (1 ms) or a few: a figure, not null
        assertThat(stats.get("fanoutP50Millis").isNumber()).isTrue();
        assertThat(stats.get("fanoutP99Millis").asDouble())
                .isGreaterThanOrEqualTo(stats.get("fanoutP50Millis").asDouble());

        // once the stack has run longer than --since, its counters cannot answer for the shorter window
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> local.wsctl("stats", "--since", "1s").code() == 2);
        assertThat(local.wsctl("stats", "--since", "1s").err())
                .contains("--since 1s is shorter than the local stack has run");
    }

    @Test
    void withoutARunningStackItIsOneSentenceAndExit1() {
        local.stack.close();
        local.stack = null;

        CliRun r = local.wsctl("stats");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("Could not read the local stack's metrics").doesNotContain("Exception");
    }
}
