package dev.wsctl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.local.LocalStack;
import dev.wsctl.runtime.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A smoke-size run of {@code wsctl bench} against a real local stack, so the benchmark cannot rot. */
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void measuresEveryBroadcastReachingEverySocketOnce() throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStack.Config.defaults().withPort(0).withDb(dir.resolve("local.db")))) {
            CliRun r = CliRun.wsctl("bench", "--url", stack.websocketUri().toString(),
                    "--connections", "25", "--broadcasts", "2", "--payload-bytes", "512", "--connect-rate", "500",
                    "-o", "json");
            assertThat(r.code()).as(r.err()).isZero();
            JsonNode report = Json.MAPPER.readTree(r.out());
            assertThat(report.get("connected").asInt()).isEqualTo(25);
            assertThat(report.get("joined").asInt()).isEqualTo(25);
            assertThat(report.get("broadcasts")).hasSize(2).allSatisfy(b -> {
                assertThat(b.get("delivered").asInt()).isEqualTo(25);
                assertThat(b.get("recipientsAcked").asInt()).isEqualTo(25);
                assertThat(b.get("lost").asInt()).isZero();
                assertThat(b.get("duplicated").asInt()).isZero();
                assertThat(b.get("p99").asDouble()).isPositive();
            });
            assertThat(r.err()).contains("bench: connected 25/25");
        }
    }
}
