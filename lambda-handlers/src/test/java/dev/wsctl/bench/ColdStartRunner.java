package dev.wsctl.bench;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The main class of one cold-start measurement ({@link ColdStart} runs it as
 * {@code java -cp handlers.jar:coldstart-runner.jar}): it does what Lambda's runtime does for a Java
 * handler, builds the handler with its no-argument constructor and hands it an event, and writes when
 * each step ended (epoch microseconds) to the result file.
 *
 * <p>It must use nothing but the JDK and what handlers.jar holds, and stay one class without nested
 * ones: {@link ColdStart} copies this one class file into the runner jar.
 *
 * <p>Arguments: handler class, event file, result file.
 */
public final class ColdStartRunner {
    private ColdStartRunner() {
    }

    public static void main(String[] args) throws Exception {
        long main = micros();
        long mainCpu = cpuMicros();
        byte[] event = Files.readAllBytes(Path.of(args[1]));
        RequestStreamHandler handler = (RequestStreamHandler) Class.forName(args[0])
                .getDeclaredConstructor().newInstance();
        long constructed = micros();
        long constructedCpu = cpuMicros();
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event), first, null);
        long handled = micros();
        long handledCpu = cpuMicros();
        // the same event again, in the warm environment: what the first one paid for being first
        handler.handleRequest(new ByteArrayInputStream(event), new ByteArrayOutputStream(), null);
        long again = micros();
        Files.write(Path.of(args[2]), List.of(
                "main=" + main,
                "constructed=" + constructed,
                "handled=" + handled,
                "again=" + again,
                "mainCpu=" + mainCpu,
                "constructedCpu=" + constructedCpu,
                "handledCpu=" + handledCpu,
                "response=" + first.toString(StandardCharsets.UTF_8).replace('\n', ' ')));
        // Lambda would keep the environment for the next event; the measurement is over
        System.exit(0);
    }

    /** CPU time of the whole process so far (every thread: JIT, GC, Netty); 10 ms steps on Linux. */
    private static long cpuMicros() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1_000).orElse(-1L);
    }

    private static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
