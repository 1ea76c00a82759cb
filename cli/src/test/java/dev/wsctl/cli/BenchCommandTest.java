package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.local.LocalStack;
import dev.wsctl.local.TestStackConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke-size runs of {@code wsctl bench} and its worker processes against a real local stack, so the benchmark cannot rot. */
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void measuresEveryBroadcastReachingEverySocketOnce() throws Exception {
        try (LocalStack stack =
                LocalStack.start(TestStackConfig.at(dir.resolve("local.db")).build())) {
            CliRun r = CliRun.wsctl(
                    "bench",
                    "--url",
                    stack.websocketUri().toString(),
                    "--connections",
                    "25",
                    "--broadcasts",
                    "2",
                    "--payload-bytes",
                    "512",
                    "--connect-rate",
                    "500",
                    "-o",
                    "json");
            assertThat(r.code()).as(r.err()).isZero();
            JsonNode report = Jackson.mapper().readTree(r.out());
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

    @Test
    void spreadsSocketsOverWorkerProcessesAndAddsUpWhatEachSaw() throws Exception {
        try (LocalStack stack =
                LocalStack.start(TestStackConfig.at(dir.resolve("local.db")).build())) {
            CliRun r = CliRun.wsctl(
                    "bench",
                    "--url",
                    stack.websocketUri().toString(),
                    "--procs",
                    "2",
                    "--connections",
                    "200",
                    "--broadcasts",
                    "3",
                    "--payload-bytes",
                    "256",
                    "--connect-rate",
                    "1000",
                    "-o",
                    "json");
            assertThat(r.code()).as(r.err()).isZero();
            JsonNode report = Jackson.mapper().readTree(r.out());
            assertThat(report.get("procs").asInt()).isEqualTo(2);
            assertThat(report.get("connected").asInt()).isEqualTo(200);
            assertThat(report.get("joined").asInt()).isEqualTo(200);
            assertThat(report.get("broadcasts")).hasSize(3).allSatisfy(b -> {
                assertThat(b.get("recipientsAcked").asInt()).isEqualTo(200);
                assertThat(b.get("delivered").asInt()).isEqualTo(200);
                assertThat(b.get("lost").asInt()).isZero();
                assertThat(b.get("duplicated").asInt()).isZero();
                assertThat(b.get("max").asDouble())
                        .isGreaterThanOrEqualTo(b.get("p50").asDouble());
            });
            assertThat(report.get("total").get("delivered").asInt()).isEqualTo(600);
            assertThat(r.err()).contains("bench: connected 200/200", "over 2 process(es)");
        }
        assertThat(workers()).as("no worker outlives the bench").isEmpty();
    }

    @Test
    void withARatePublishesOnScheduleAndStillCountsEverySocketOnce() throws Exception {
        try (LocalStack stack =
                LocalStack.start(TestStackConfig.at(dir.resolve("local.db")).build())) {
            CliRun r = CliRun.wsctl(
                    "bench",
                    "--url",
                    stack.websocketUri().toString(),
                    "--connections",
                    "20",
                    "--broadcasts",
                    "6",
                    "--rate",
                    "20",
                    "--payload-bytes",
                    "256",
                    "-o",
                    "json");
            assertThat(r.code()).as(r.err()).isZero();
            JsonNode report = Jackson.mapper().readTree(r.out());
            assertThat(report.get("publishedPerSecond").asDouble())
                    .as("never faster than asked")
                    .isBetween(1.0, 20.4);
            assertThat(report.get("broadcasts")).hasSize(6).allSatisfy(b -> {
                assertThat(b.get("delivered").asInt()).isEqualTo(20);
                assertThat(b.get("lost").asInt()).isZero();
                assertThat(b.get("duplicated").asInt()).isZero();
            });
        }
        CliRun zero = CliRun.wsctl("bench", "--url", "ws://127.0.0.1:1/local", "--rate", "0");
        assertThat(zero.code()).isEqualTo(ExitCode.USAGE);
        assertThat(zero.err()).contains("--rate must be a number of broadcasts per second above 0");
    }

    @Test
    void aWorkerThatDiesFailsTheBenchNamingIt() throws Exception {
        try (LocalStack stack =
                LocalStack.start(TestStackConfig.at(dir.resolve("local.db")).build())) {
            CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.wsctl(
                    "bench",
                    "--url",
                    stack.websocketUri().toString(),
                    "--procs",
                    "2",
                    "--connections",
                    "400",
                    "--broadcasts",
                    "2",
                    "--connect-rate",
                    "100"));
            await().atMost(60, TimeUnit.SECONDS).until(() -> stack.gateway().connectionCount() > 10);
            ProcessHandle victim = workers().get(0);
            victim.destroyForcibly();

            CliRun r = run.get(120, TimeUnit.SECONDS);
            assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.FAILED);
            assertThat(r.err())
                    .containsPattern(
                            "wsctl: bench worker [12] of 2 \\(pid " + victim.pid() + "\\) failed while connecting");
        }
        assertThat(workers()).as("the other worker ends too").isEmpty();
    }

    @Test
    void refusesProcessSplitsThatCannotWork() {
        CliRun none = CliRun.wsctl("bench", "--url", "ws://127.0.0.1:1/local", "--procs", "0");
        assertThat(none.code()).isEqualTo(ExitCode.USAGE);
        assertThat(none.err()).contains("--procs must be at least 1");

        CliRun tooMany = CliRun.wsctl("bench", "--url", "ws://127.0.0.1:1/local", "--connections", "3", "--procs", "4");
        assertThat(tooMany.code()).isEqualTo(ExitCode.USAGE);
        assertThat(tooMany.err()).contains("--procs 4 is more than --connections 3");

        CliRun payload = CliRun.wsctl("bench", "--url", "ws://127.0.0.1:1/local", "--payload-bytes", "40000");
        assertThat(payload.code()).isEqualTo(ExitCode.USAGE);
        assertThat(payload.err()).contains("--payload-bytes must be between 0 and 30000");
    }

    /** The live worker processes this JVM started. */
    private static List<ProcessHandle> workers() {
        return ProcessHandle.current()
                .descendants()
                .filter(ProcessHandle::isAlive)
                .filter(p ->
                        p.info().commandLine().or(() -> Optional.of("")).get().contains(BenchWorkerCommand.NAME))
                .toList();
    }
}
