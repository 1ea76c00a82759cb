package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.awshttp.RefusingPort;
import dev.wsctl.config.Jackson;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.store.ConnectionStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code wsctl listen} and {@code wsctl smoke} against a real local stack, and against a closed port. */
class ListenAndSmokeCommandTest {
    @RegisterExtension
    final LocalTarget local = new LocalTarget();

    private long subscribers(String channel) {
        return StreamSupport.stream(local.store().subscriberPages(channel).spliterator(), false)
                .mapToLong(List::size)
                .sum();
    }

    @Test
    void listenPrintsCountFramesAsJsonLines() throws Exception {
        CompletableFuture<CliRun> listen = CompletableFuture.supplyAsync(
                () -> local.wsctl("listen", "--channel", "news", "--count", "2", "--timeout", "20s"));
        await().atMost(Duration.ofSeconds(10)).until(() -> subscribers("news") == 1);

        ClientSocket publisher = local.client("news");
        ClientSocket other = local.client(null); // on the default channel only, like the listener
        other.send("{\"action\":\"sendmessage\",\"message\":\"not for news\"}");
        publisher.send("{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":{\"n\":1}}");
        publisher.send("{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":\"two\"}");

        CliRun r = listen.get(20, TimeUnit.SECONDS);
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = Jackson.mapper().readTree(lines.get(0));
        assertThat(first.get("type").asText()).isEqualTo("message");
        assertThat(first.get("channel").asText()).isEqualTo("news");
        assertThat(first.get("message")).isEqualTo(Jackson.mapper().readTree("{\"n\":1}"));
        assertThat(Jackson.mapper().readTree(lines.get(1)).get("message").asText())
                .isEqualTo("two");
        assertThat(r.err()).contains("listen: joined news");
        await().atMost(Duration.ofSeconds(5)).until(() -> subscribers("news") == 1); // the listener left
    }

    @Test
    void listenFailsWithOneSentenceWhenTooFewFramesCome() {
        CliRun r = local.wsctl("listen", "--channel", "news", "--count", "1", "--timeout", "300ms");
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err()).contains("Received 0 of 1 frames on channel news within 300 ms.");
    }

    @Test
    void listenFailsWithOneSentenceWhenItCannotConnect() throws Exception {
        CliRun r;
        try (RefusingPort refusing = new RefusingPort()) {
            r = CliRun.wsctl("listen", "--channel", "news", "--url", "ws://127.0.0.1:" + refusing.port() + "/local");
        }
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .startsWith("wsctl: Could not connect to ws://127.0.0.1:")
                .contains("connection refused")
                .doesNotContain("\tat ");
    }

    @Test
    void smokePassesOnAHealthyStackAndLeavesNothingBehind() throws Exception {
        CliRun r = local.wsctl("smoke", "-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode result = Jackson.mapper().readTree(r.out());
        assertThat(result.fieldNames())
                .toIterable()
                .containsExactly("ok", "url", "channel", "connectMillis", "joinMillis", "deliverMillis", "totalMillis");
        assertThat(result.get("ok").asBoolean()).isTrue();
        assertThat(result.get("url").asText()).isEqualTo(local.url().toString());
        assertThat(result.get("channel").asText()).startsWith("smoke-");
        assertThat(result.get("totalMillis").asLong())
                .isGreaterThanOrEqualTo(result.get("deliverMillis").asLong());
        await().atMost(Duration.ofSeconds(5)).until(() -> subscribers(ConnectionStore.CONNECTION_ROW) == 0);

        CliRun table = local.wsctl("smoke");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("smoke ok").contains("deliver").contains("total");
    }

    @Test
    void smokeFailsWithOneSentenceWhenTheStackIsDown() throws Exception {
        CliRun r;
        try (RefusingPort refusing = new RefusingPort()) {
            r = CliRun.wsctl("smoke", "--url", "ws://127.0.0.1:" + refusing.port() + "/local", "--timeout", "3s");
        }
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip())
                .startsWith("wsctl: Smoke test failed at step connect on ws://127.0.0.1:")
                .contains("connection refused")
                .doesNotContain("\tat ")
                .doesNotContain("Exception");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void smokeWithLocalFailsClearlyWhenNoLocalStackRuns() {
        CliRun r = CliRun.wsctl(
                "smoke",
                "--local",
                "--state-dir",
                local.dir.resolve("elsewhere").toString());
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err()).contains("No wsctl local is running");
    }
}
