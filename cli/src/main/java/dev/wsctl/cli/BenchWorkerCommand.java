package dev.wsctl.cli;

import dev.wsctl.bench.BenchWorker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code wsctl bench-worker} (hidden): one process's share of a {@code wsctl bench}, driven over stdin and stdout. */
@Command(
        name = BenchWorkerCommand.NAME,
        hidden = true,
        description =
                "Internal: holds a share of the sockets of the `wsctl bench` that started it; ends with its stdin.")
public final class BenchWorkerCommand implements Callable<Integer> {
    static final String NAME = "bench-worker";

    /**
     * A worker's JVM flags: a small heap and the serial collector keep several workers light on a small
     * machine (a worker with 12,000 sockets measured well inside them; see BENCHMARKS.md).
     */
    static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseSerialGC");

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        BenchWorker.serve(
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
                spec.commandLine().getOut(),
                line -> {
                    err.println(line);
                    err.flush();
                });
        return ExitCode.OK;
    }

    /**
     * How {@code wsctl bench} starts a worker: this JVM's java on the same class path, running
     * {@code wsctl bench-worker}. The class path goes in $CLASSPATH, which keeps the command line short enough
     * for ps and for {@link ProcessHandle.Info#commandLine()}, which Linux cuts at 4 KiB.
     */
    static ProcessBuilder process() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of(Wsctl.class.getName(), NAME));
        ProcessBuilder process = new ProcessBuilder(command);
        process.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        return process;
    }
}
