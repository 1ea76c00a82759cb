package dev.wsctl.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A small run of the cold-start benchmark ({@code scripts/bench cold-start}) on the shaded handlers.jar,
 * run by surefire in the package phase, after the shade plugin (see lambda-handlers/pom.xml). Besides
 * keeping the benchmark working, it shows that the jar, trimmed as it is, still starts these functions
 * from their no-argument constructors and handles their events. No timing is asserted.
 */
class ColdStartIT {
    private static ColdStart bench;

    @BeforeAll
    static void start() {
        bench = ColdStart.start(Path.of(System.getProperty("wsctl.handlers.jar", "target/handlers.jar")));
    }

    @AfterAll
    static void stop() {
        if (bench != null) {
            bench.close();
        }
    }

    /**
     * snap-start: init primes (see Priming) as it would for a SnapStart snapshot. DynamoDB over TLS: the
     * functions reach dynalite through a TLS front, as they reach DynamoDB on AWS.
     */
    @ParameterizedTest(name = "{0}, {1}, DynamoDB over TLS: {2}")
    @CsvSource({"SEND, on-demand, false", "AUTHORIZE, on-demand, false", "CHANNELS, snap-start, false",
            "SEND, snap-start, false", "CONNECT, on-demand, true", "SEND, on-demand, true"})
    void aFreshJvmOnHandlersJarHandlesTheFunctionsEvent(ColdStart.Function function, String initializationType,
                                                        boolean dynamoDbOverTls) {
        int postsBefore = bench.postsReceived();
        bench.dynamoDbOverTls(dynamoDbOverTls);

        ColdStart.Run run = bench.run(function, ColdStart.LAMBDA_JVM_FLAGS, initializationType);

        // run() has checked the answer; send also reached every subscriber, twice (first and second event)
        assertThat(run.response()).contains(function.expected);
        assertThat(run.main()).isPositive();
        assertThat(run.constructed()).isGreaterThanOrEqualTo(run.main());
        assertThat(run.handled()).isGreaterThanOrEqualTo(run.constructed());
        if (function == ColdStart.Function.SEND) {
            // and a snapshot's init primes @connections with one request of its own
            int priming = initializationType.equals("snap-start") ? 1 : 0;
            assertThat(bench.postsReceived() - postsBefore).isEqualTo(2 * ColdStart.SUBSCRIBERS + priming);
        }
        // the functions log JSON lines only: nothing else (a library's warning) on stdout or stderr
        assertThat(run.output().lines().filter(line -> !line.isBlank()))
                .as(run.output()).allSatisfy(line -> assertThat(line).startsWith("{"));
    }
}
