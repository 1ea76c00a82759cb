package dev.wsctl.lambda;

import dev.wsctl.deploy.FunctionCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.zip.ZipFile;

/**
 * Benchmark 5, cold start ({@code scripts/bench cold-start}): each function of handlers.jar started as Lambda starts
 * it, through {@link LambdaHarness} (the runtime interface client, a local Runtime API, the documented environment of
 * the initialization type), several times; prints one line per run and the medians per function.
 *
 * <p>{@code [--jar handlers.jar] [--runs N] [--warmup N] [--functions connect,send,...] [--jvm-flags "..."]
 * [--init-type on-demand|snap-start|provisioned-concurrency] [--show-log] [--dynamodb-tls]}. Without {@code --jar},
 * the jar embedded in wsctl. The {@code --warmup} runs of each function (default 1) come first and are left out of
 * the medians: they warm the harness's own servers (dynalite, the HTTPS @connections endpoint), which stand for
 * services that are warm whenever a function starts cold. Times are from the launch of {@code java}; "init" ends when
 * the runtime asks for its first invocation, or (snap-start) for the restore, where Lambda would take the snapshot;
 * "first event" runs from then (on demand: the invocation was waiting), or from the restore (snap-start), or from the
 * invocation (provisioned concurrency).
 */
public final class ColdStart {
    private ColdStart() {}

    public static void main(String[] args) {
        Path jar = null;
        int runs = 5;
        int warmup = 1;
        // the webhooks function needs an endpoint of the caller's and a stream batch: not measured here
        List<LambdaHarness.Function> functions = Arrays.stream(LambdaHarness.Function.values())
                .filter(f -> f != LambdaHarness.Function.WEBHOOKS)
                .toList();
        List<String> flags = LambdaHarness.LAMBDA_JVM_FLAGS;
        InitializationType type = InitializationType.ON_DEMAND;
        boolean showLog = false;
        boolean dynamoDbTls = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--functions" ->
                    functions = Arrays.stream(args[++i].split(","))
                            .map(s -> LambdaHarness.Function.valueOf(s.trim().toUpperCase(Locale.ROOT)))
                            .toList();
                case "--init-type" -> type = InitializationType.of(args[++i]);
                case "--show-log" -> showLog = true;
                case "--dynamodb-tls" -> dynamoDbTls = true;
                case "--jvm-flags" ->
                    flags = Arrays.stream(args[++i].trim().split("\\s+"))
                            .filter(s -> !s.isEmpty())
                            .toList();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        FunctionCode code = jar == null ? FunctionCode.embedded() : FunctionCode.file(jar);
        try (LambdaHarness bench = LambdaHarness.start(code, LambdaHarness.LONG_LIVED)) {
            if (jar != null) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    System.out.printf("handlers.jar: %,d bytes, %,d entries (%s)%n", Files.size(jar), zip.size(), jar);
                }
            } else {
                System.out.printf("handlers.jar: %,d bytes (embedded in wsctl)%n", code.jar().length);
            }
            bench.dynamoDbOverTls(dynamoDbTls);
            System.out.println("JVM flags: " + (flags.isEmpty() ? "(none)" : String.join(" ", flags))
                    + "; AWS_LAMBDA_INITIALIZATION_TYPE=" + type
                    + "; runtime interface client " + runtimeVersion()
                    + "; DynamoDB (dynalite) over " + (dynamoDbTls ? "TLS" : "plain HTTP"));
            System.out.println("| function | run | init ms | first event ms | first event handled ms"
                    + " | same event again ms | CPU ms | credentials fetched (in init) |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            Map<LambdaHarness.Function, List<LambdaHarness.Run>> all = new LinkedHashMap<>();
            // round-robin, so that a burst of load from other work on the machine spreads over functions
            for (int r = 1 - warmup; r <= runs; r++) {
                for (LambdaHarness.Function f : functions) {
                    LambdaHarness.Run run = bench.run(f, flags, type);
                    if (r > 0) {
                        all.computeIfAbsent(f, k -> new ArrayList<>()).add(run);
                    }
                    if (showLog) {
                        System.err.print(run.output());
                    }
                    long inInit = run.fetches().stream()
                            .filter(c -> c.at() < run.initDone())
                            .count();
                    System.out.printf(
                            "| %s | %s | %.0f | %.0f | %.0f | %.1f | %.0f | %d (%d) |%n",
                            f.label(),
                            r > 0 ? String.valueOf(r) : "warm-up",
                            run.initDone(),
                            run.firstEventMs(),
                            run.handled(),
                            run.againMs(),
                            run.cpuMs(),
                            run.fetches().size(),
                            inInit);
                }
            }
            System.out.println();
            System.out.println("medians:");
            System.out.println("| function | init ms | first event ms | first event handled ms | same event again ms"
                    + " | CPU ms |");
            System.out.println("|---|---|---|---|---|---|");
            all.forEach((f, list) -> System.out.printf(
                    "| %s | %.0f | %.0f | %.0f | %.1f | %.0f |%n",
                    f.label(),
                    median(list, LambdaHarness.Run::initDone),
                    median(list, LambdaHarness.Run::firstEventMs),
                    median(list, LambdaHarness.Run::handled),
                    median(list, LambdaHarness.Run::againMs),
                    median(list, LambdaHarness.Run::cpuMs)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String runtimeVersion() {
        String v = com.amazonaws.services.lambda.runtime.api.client.AWSLambda.class
                .getPackage()
                .getImplementationVersion();
        return v == null ? "(version not in its manifest)" : v;
    }

    private static double median(List<LambdaHarness.Run> runs, ToDoubleFunction<LambdaHarness.Run> value) {
        double[] sorted = runs.stream().mapToDouble(value).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
