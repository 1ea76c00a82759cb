package dev.wsctl.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wsctl.lambda.LambdaHarness.Function;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every function of the handlers.jar that {@code wsctl deploy} uploads, run as Lambda runs it ({@link LambdaHarness}:
 * the official runtime interface client, a local Runtime API, exactly the documented environment of the initialization
 * type, the handler strings and variables from the deploy model, credentials where Lambda puts them): each function
 * on demand and under SnapStart (wsctl's default), send with provisioned concurrency too, and connect with DynamoDB
 * over TLS. One fresh JVM per case (1–6 s each on a two-core machine shared with other builds).
 */
class LambdaContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LambdaHarness harness;

    @BeforeAll
    static void start() {
        harness = LambdaHarness.start(LambdaHarness.SHORT_LIVED);
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @ParameterizedTest(name = "{0}, {1}, DynamoDB over TLS: {2}")
    @CsvSource({
        "CONNECT, snap-start, false",
        "DISCONNECT, snap-start, false",
        "CHANNELS, snap-start, false",
        "SEND, snap-start, false",
        "DEFAULT, snap-start, false",
        "AUTHORIZE, snap-start, false",
        "FANOUT, snap-start, false",
        "CONNECT, on-demand, false",
        "DISCONNECT, on-demand, false",
        "CHANNELS, on-demand, false",
        "SEND, on-demand, false",
        "DEFAULT, on-demand, false",
        "AUTHORIZE, on-demand, false",
        "FANOUT, on-demand, false",
        "SEND, provisioned-concurrency, false",
        "CONNECT, on-demand, true"
    })
    void eachFunctionHandlesItsEventAsLambdaRunsIt(Function function, String initializationType, boolean overTls) {
        InitializationType type = InitializationType.of(initializationType);
        int postsBefore = harness.postsReceived();
        harness.dynamoDbOverTls(overTls);

        LambdaHarness.Run run = harness.run(function, LambdaHarness.LAMBDA_JVM_FLAGS, type);

        // run() has checked both answers; send and fanout also reached every subscriber, twice
        assertThat(run.response()).contains(function.expected);
        assertThat(run.initDone()).isPositive();
        assertThat(run.handled()).isGreaterThan(run.initDone());
        if (function == Function.SEND || function == Function.FANOUT) {
            // and a snapshot's (or provisioned concurrency's) init primes @connections with one unsigned request
            int priming = type.initAhead() ? 1 : 0;
            assertThat(harness.postsReceived() - postsBefore).isEqualTo(2 * LambdaHarness.SUBSCRIBERS + priming);
        }
        if (type.containerCredentials()) {
            assertThat(run.fetches())
                    .as("every request to the credentials endpoint carried its token")
                    .allMatch(LambdaHarness.Fetch::authorized);
            assertThat(run.fetches())
                    .as("no credentials fetched before the snapshot")
                    .noneMatch(f -> f.at() < run.eventFrom());
            if (function != Function.AUTHORIZE && function != Function.DEFAULT) {
                // every function but these two signs requests (DynamoDB, @connections), and with credentials that
                // expire 90 s after they are handed out (SHORT_LIVED) the SDK's container provider fetches new ones,
                // before they expire, for the requests after the first: its refresh
                assertThat(run.fetches())
                        .as("fetched at first use after the restore, then refreshed")
                        .hasSizeGreaterThanOrEqualTo(2);
                assertThat(run.fetches())
                        .extracting(LambdaHarness.Fetch::accessKeyId)
                        .doesNotHaveDuplicates();
            }
        } else {
            assertThat(run.fetches())
                    .as("credentials in variables: the endpoint is not used")
                    .isEmpty();
        }
        // the functions log JSON lines only: nothing else (a library's warning, the runtime's) on stdout or stderr
        assertThat(run.output().lines().filter(line -> !line.isBlank()))
                .as(run.output())
                .allSatisfy(line -> assertThat(line).startsWith("{"));
        // and each invocation's lines carry the request id the Runtime API gave it, the first as the cold start
        List<JsonNode> lines = run.output()
                .lines()
                .filter(line -> !line.isBlank())
                .map(LambdaContractTest::json)
                .toList();
        for (int i = 0; i < 2; i++) {
            String requestId = run.requestIds().get(i);
            boolean coldStart = i == 0;
            assertThat(lines)
                    .as(run.output())
                    .filteredOn(line -> line.path("requestId").asText().equals(requestId))
                    .isNotEmpty()
                    .allSatisfy(line ->
                            assertThat(line.get("coldStart").asBoolean()).isEqualTo(coldStart));
        }
        // every other line was written at init, before any invocation (the send path's fan-out, built into a
        // snapshot or a provisioned environment, logs whether it shards)
        assertThat(lines)
                .as(run.output())
                .filteredOn(line -> !line.has("requestId"))
                .allSatisfy(line -> assertThat(line.path("event").asText()).isEqualTo("sharding"));
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A function whose environment lacks a variable it reads fails where Lambda would see it: here its init (no
     * table name), which the runtime client reports through the Runtime API's init error, and the run fails.
     */
    @Test
    void aVariableMissingFromTheEnvironmentFailsTheRunWithTheInitError() {
        harness.dynamoDbOverTls(false);

        assertThatThrownBy(() -> harness.run(
                        Function.CONNECT,
                        LambdaHarness.LAMBDA_JVM_FLAGS,
                        InitializationType.SNAP_START,
                        env -> env.remove(dev.wsctl.protocol.Settings.ENV_TABLE)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("init/error")
                .hasMessageContaining(dev.wsctl.protocol.Settings.ENV_TABLE);
    }
}
