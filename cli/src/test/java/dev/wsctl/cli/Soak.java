package dev.wsctl.cli;

import com.sun.tools.attach.VirtualMachine;
import dev.wsctl.bench.BroadcastBench;
import dev.wsctl.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.awaitility.Awaitility;

/**
 * The soak benchmark ({@code scripts/bench soak}): a {@code wsctl local} process, many sockets in bench worker
 * processes, broadcasts published on a fixed schedule ({@link BroadcastBench} with a broadcast rate), every
 * socket's copies of every broadcast counted by the broadcast's number, and the server's heap read after a GC
 * once the first {@code quietAfter} broadcasts are in and again after the run, both times with nothing in flight.
 *
 * <p>The heap is read from outside, as an operator would: the Attach API starts the server JVM's local JMX agent
 * (the one {@code jcmd <pid> ManagementAgent.start_local} starts) and its MemoryMXBean runs the GC and reports
 * heap used; wsctl itself gets no endpoint for it. This lives in the test sources, next to its smoke-size run in
 * {@code SoakTest}, so none of it is in wsctl.jar.
 */
final class Soak {
    /**
     * @param quietAfter broadcasts after which publishing stops while the server's heap is read (the baseline)
     */
    record Params(int sockets, int broadcasts, double rate, int payloadBytes, int procs, int quietAfter) {
        /** The full-size soak: 5,000 sockets, 300 broadcasts of 2 KiB at 2 per second, two processes, baseline after 30. */
        static Params full() {
            return new Params(5000, 300, 2, 2048, 2, 30);
        }
    }

    /** The bench's report and the server's heap used (bytes, after a GC) after {@code quietAfter} broadcasts and after all. */
    record Outcome(BroadcastBench.Report report, long heapAfterQuiet, long heapAfterRun) {
        /** Every broadcast reached every socket exactly once, and every socket joined. */
        boolean exactlyOnce(int sockets) {
            return report.connected() == sockets
                    && report.joined() == sockets
                    && report.broadcasts().stream()
                            .allMatch(b -> b.delivered() == sockets && b.lost() == 0 && b.duplicated() == 0);
        }

        /** Heap after the run over heap after the first broadcasts, minus one: 0.04 is 4 % more. */
        double heapGrowth() {
            return (double) heapAfterRun / heapAfterQuiet - 1;
        }
    }

    /** The local gateway has no account limit, so the fan-out's cap (which stands for API Gateway's) is lifted. */
    static final List<String> SERVER_ENVIRONMENT =
            List.of("WSCTL_FANOUT_MAX_RATE=1000000", "WSCTL_FANOUT_BURST=100000");

    private Soak() {}

    static Outcome run(Params p, Path stateDir, Consumer<String> progress) throws Exception {
        Process server = startServer(stateDir);
        // attached once the stack listens: a JVM still starting up can fail to start its management agent
        try (ServerHeap heap = new ServerHeap(server.pid(), URI.create(firstLine(server, stateDir)))) {
            URI url = heap.url;
            progress.accept("server " + url + " (pid " + server.pid() + ")");
            long[] used = new long[2];
            BroadcastBench.Report report = new BroadcastBench(
                            new BroadcastBench.Plan(
                                    url,
                                    p.sockets(),
                                    "soak",
                                    p.payloadBytes(),
                                    p.broadcasts(),
                                    2000,
                                    Duration.ofSeconds(60),
                                    p.procs(),
                                    p.rate(),
                                    p.quietAfter()),
                            BenchWorkerCommand.process(),
                            progress,
                            broadcasts -> {
                                long bytes = heap.usedAfterGc();
                                used[broadcasts == p.broadcasts() ? 1 : 0] = bytes;
                                progress.accept("server heap after " + broadcasts + " broadcasts, after a GC: "
                                        + mib(bytes) + " MiB");
                            })
                    .run();
            return new Outcome(report, used[0], used[1]);
        } finally {
            server.destroy(); // SIGTERM: the stack closes its sockets and stops
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** {@code wsctl local} in its own JVM (default flags, as scripts/wsctl runs it) on a free port. */
    private static Process startServer(Path stateDir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(
                        java, Wsctl.class.getName(), "local", "--port", "0", "--state-dir", stateDir.toString())
                .redirectError(stateDir.resolveSibling(stateDir.getFileName() + "-server.log")
                        .toFile());
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        for (String variable : SERVER_ENVIRONMENT) {
            int eq = variable.indexOf('=');
            builder.environment().putIfAbsent(variable.substring(0, eq), variable.substring(eq + 1));
        }
        return builder.start();
    }

    private static String firstLine(Process server, Path stateDir) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (IOException e) {
                        return null;
                    }
                })
                .get(120, TimeUnit.SECONDS);
        if (line == null || !line.startsWith("ws://")) {
            Path log = stateDir.resolveSibling(stateDir.getFileName() + "-server.log");
            throw new IOException("wsctl local did not start: " + (Files.exists(log) ? Files.readString(log) : line));
        }
        return line.trim();
    }

    /** The server JVM's heap, read through its own MemoryMXBean over the local JMX agent that attaching starts. */
    private static final class ServerHeap implements AutoCloseable {
        final URI url;
        private final JMXConnector jmx;
        private final MemoryMXBean memory;

        // the JMX URL is the local management agent of the server JVM this program started, not outside input
        @SuppressWarnings("BanJNDI")
        ServerHeap(long pid, URI url) throws Exception {
            this.url = url;
            VirtualMachine vm = attach(pid);
            try {
                jmx = JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent()));
            } finally {
                vm.detach();
            }
            memory = ManagementFactory.newPlatformMXBeanProxy(
                    jmx.getMBeanServerConnection(), ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
        }

        /** A JVM accepts attaching once it has started its attach listener: retried for a while. */
        private static VirtualMachine attach(long pid) {
            return Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptionsInstanceOf(IOException.class)
                    .ignoreExceptionsInstanceOf(com.sun.tools.attach.AttachNotSupportedException.class)
                    .until(() -> VirtualMachine.attach(Long.toString(pid)), Objects::nonNull);
        }

        /** Heap used after a full collection (System.gc() in the server, twice, so that what one frees is gone). */
        long usedAfterGc() {
            memory.gc();
            memory.gc();
            return memory.getHeapMemoryUsage().getUsed();
        }

        @Override
        public void close() throws IOException {
            jmx.close();
        }
    }

    static long mib(long bytes) {
        return bytes >> 20;
    }

    /**
     * {@code scripts/bench soak [--sockets N] [--broadcasts N] [--rate R] [--payload-bytes N] [--procs N]
     * [--quiet-after N]}: prints the bench's report and the heap figures; exit 0 when every broadcast reached every
     * socket exactly once and the heap after the run is within 10 % of the baseline, 3 otherwise.
     */
    public static void main(String[] args) throws Exception {
        Params d = Params.full();
        int sockets = d.sockets();
        int broadcasts = d.broadcasts();
        double rate = d.rate();
        int payload = d.payloadBytes();
        int procs = d.procs();
        int quietAfter = d.quietAfter();
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String option = rest.remove(0);
            if (rest.isEmpty()) {
                usage("missing value after " + option);
            }
            String value = rest.remove(0);
            switch (option) {
                case "--sockets" -> sockets = Integer.parseInt(value);
                case "--broadcasts" -> broadcasts = Integer.parseInt(value);
                case "--rate" -> rate = Double.parseDouble(value);
                case "--payload-bytes" -> payload = Integer.parseInt(value);
                case "--procs" -> procs = Integer.parseInt(value);
                case "--quiet-after" -> quietAfter = Integer.parseInt(value);
                default -> usage("unknown option " + option);
            }
        }
        if (quietAfter < 1 || quietAfter >= broadcasts) {
            usage("--quiet-after must be at least 1 and less than --broadcasts");
        }
        Params p = new Params(sockets, broadcasts, rate, payload, procs, quietAfter);
        System.out.println("soak: " + p);
        Path state = Files.createTempDirectory("wsctl-soak");
        Outcome o = run(p, state, line -> System.err.println("soak: " + line));
        BroadcastBench.Report r = o.report();
        var summary = r.toJson();
        summary.remove("broadcasts");
        System.out.println(Json.write(summary));
        int worst = r.broadcasts().stream()
                .mapToInt(b -> b.lost() + b.duplicated())
                .max()
                .orElse(0);
        System.out.printf(
                "connected %d, joined %d in %d ms; published %.2f broadcasts/s (asked %s)%n",
                r.connected(), r.joined(), r.connectMillis(), r.publishedPerSecond(), rate);
        System.out.printf(
                "delivered %d of %d (%d broadcasts x %d sockets), lost %d, duplicated %d; worst broadcast: %d%n",
                r.total().delivered(),
                (long) broadcasts * sockets,
                broadcasts,
                sockets,
                r.total().lost(),
                r.total().duplicated(),
                worst);
        System.out.printf(
                "latency ms over all: p50 %.1f, p95 %.1f, p99 %.1f, max %.1f%n",
                r.total().p50(), r.total().p95(), r.total().p99(), r.total().max());
        System.out.printf(
                "server heap after a GC: %d MiB after %d broadcasts, %d MiB after %d (%+.1f %%)%n",
                mib(o.heapAfterQuiet()), quietAfter, mib(o.heapAfterRun()), broadcasts, o.heapGrowth() * 100);
        boolean exact = o.exactlyOnce(sockets);
        boolean heapHeld = o.heapGrowth() <= 0.10;
        System.out.println(
                "exactly once: " + (exact ? "yes" : "NO") + "; heap within 10 %: " + (heapHeld ? "yes" : "NO"));
        if (exact && heapHeld) {
            deleteTree(state);
            System.exit(0);
        }
        System.out.println("the server's state directory and log are kept in " + state);
        System.exit(3);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(path);
        }
    }

    private static void usage(String problem) {
        System.err.println("soak: " + problem);
        System.exit(2);
    }
}
