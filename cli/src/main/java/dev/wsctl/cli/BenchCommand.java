package dev.wsctl.cli;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.wsctl.bench.BroadcastBench;
import dev.wsctl.json.Json;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.protocol.ChannelName;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wsctl bench}: many sockets on one channel, a few broadcasts, delivery and latency per broadcast. */
@Command(
        name = "bench",
        description = {
            "Load-test a stack with many client sockets and a series of broadcasts.",
            "It opens N client sockets, joins them to one channel, publishes K broadcasts from one more client,"
                    + " and reports per broadcast how many arrived and how fast. Without --url it targets the stack"
                    + " that `wsctl local` runs from this directory.",
            "",
            "Processes: the sockets live in --procs worker processes (JVMs of this wsctl, started and ended by this"
                    + " one), each holding an even share so that none nears the open-file limit; by default one"
                    + " process per 12,000 sockets. This process publishes and adds up what every worker saw.",
            "Connect rate: --connect-rate is over all workers, each opening its share at its part of the rate, with"
                    + " at most 1,000 sockets opening at once per worker.",
            "Latency clock: each broadcast carries the publisher's wall-clock time (epoch microseconds); a socket's"
                    + " latency is its wall-clock arrival minus that. All bench processes run on this machine, so"
                    + " they share one clock wherever the stack runs.",
            "",
            "On a stack with auth.mode: jwt every socket connects with --token (or $WSCTL_TOKEN); exit 1 when the"
                    + " stack refuses the first one.",
            "",
            "Output: connected and joined sockets, then per broadcast acked (recipients the stack reported),"
                    + " delivered, lost (joined sockets it never reached), dup (extra copies) and latency"
                    + " p50/p95/p99/max in ms, and a total over all broadcasts.",
            "Delivered, lost and dup are counted per socket by the number each broadcast carries, once the last"
                    + " broadcast is in, so a late copy counts too.",
            "-o json: {connected, joined, procs, connectMillis, publishedPerSecond (with --rate), broadcasts:"
                    + " [{broadcast, recipientsAcked, delivered, lost, duplicated, p50, p95, p99, max}], total}.",
            "Exit 0 when every broadcast reached every socket exactly once; 3 when a socket did not connect or"
                    + " join, or a broadcast was lost or duplicated; 1 when no socket connected or a worker failed."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class BenchCommand implements Callable<Integer> {

    /** Sockets per worker process by default: well inside a 20,000 open-files limit, and measured to fit its heap. */
    static final int SOCKETS_PER_PROCESS = 12_000;
    /** Files a worker holds besides its sockets: the JVM's jars, pipes, selectors. */
    private static final long FILES_BESIDES_SOCKETS = 200;

    @Spec
    CommandSpec spec;

    @Option(names = "--url", description = "WebSocket URL of the stack (default: the running wsctl local).")
    URI url;

    @Mixin
    StateDirOption state;

    @Mixin
    TokenOption token;

    @Option(
            names = {"-n", "--connections"},
            defaultValue = "1000",
            description = "Client sockets to open (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--channel", defaultValue = "bench", description = "Channel they join (default: ${DEFAULT-VALUE}).")
    String channel;

    @Option(
            names = "--payload-bytes",
            defaultValue = "2048",
            description = "Size of each broadcast message (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(
            names = {"-k", "--broadcasts"},
            defaultValue = "5",
            description = "Broadcasts to send, one after the other (default: ${DEFAULT-VALUE}).")
    int broadcasts;

    @Option(
            names = "--rate",
            description =
                    "Broadcasts per second, sent on that schedule without waiting for the earlier ones to arrive (default: each one once the one before has arrived).")
    Double rate;

    @Option(
            names = "--connect-rate",
            defaultValue = "400",
            description =
                    "New connections per second, over all worker processes; API Gateway accepts 500/s per account (default: ${DEFAULT-VALUE}).")
    int connectRate;

    @Option(
            names = "--procs",
            description = "Worker processes holding the sockets (default: one per 12,000 sockets, at least 1).")
    Integer procs;

    @Option(
            names = "--timeout",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long each broadcast may take to reach everyone (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE}).")
    String output;

    private final Context context;

    public BenchCommand() {
        this(Context.system());
    }

    public BenchCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        if (connections < 1 || broadcasts < 1 || connectRate < 1) {
            throw CliException.usage("--connections, --broadcasts and --connect-rate must be at least 1");
        }
        if (rate != null && !(rate > 0 && rate <= 1000)) {
            throw CliException.usage("--rate must be a number of broadcasts per second above 0 and at most 1000");
        }
        DurationConverter.positive("--timeout", timeout);
        int processes = procs != null ? procs : (connections + SOCKETS_PER_PROCESS - 1) / SOCKETS_PER_PROCESS;
        if (processes < 1) {
            throw CliException.usage("--procs must be at least 1");
        }
        if (processes > connections) {
            throw CliException.usage("--procs " + processes + " is more than --connections " + connections
                    + ": every worker process holds at least one socket");
        }
        long perProcess = ((long) connections + processes - 1) / processes;
        long fileLimit = fileLimit();
        if (perProcess + FILES_BESIDES_SOCKETS > fileLimit) {
            throw CliException.usage("--procs " + processes + " puts " + perProcess
                    + " sockets in one process, but a process"
                    + " may open only " + fileLimit + " files here; use --procs "
                    + (connections + fileLimit - FILES_BESIDES_SOCKETS - 1) / (fileLimit - FILES_BESIDES_SOCKETS)
                    + " or more");
        }
        if (payloadBytes < 0 || payloadBytes > 30_000) {
            throw CliException.usage("--payload-bytes must be between 0 and 30000 (the message limit is 32 KiB)");
        }
        if (!ChannelName.isValid(channel)) {
            throw CliException.usage("--channel '" + channel + "': " + ChannelName.problem(channel));
        }
        if (!output.equals("table") && !output.equals("json")) {
            throw CliException.usage("--output must be table or json");
        }
        Optional<String> jwt = token.value(context.env());
        URI target = TokenOption.connectUrl(
                url != null ? url : LocalState.read(state.path()).url(), jwt);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BroadcastBench.Report report;
        try {
            report = new BroadcastBench(
                            new BroadcastBench.Plan(
                                    target,
                                    connections,
                                    channel,
                                    payloadBytes,
                                    broadcasts,
                                    connectRate,
                                    timeout,
                                    processes,
                                    rate == null ? 0 : rate,
                                    0),
                            BenchWorkerCommand.process(),
                            line -> {
                                err.println("bench: " + line);
                                err.flush();
                            })
                    .run();
        } catch (ClientSocket.Refused e) {
            throw TokenOption.refused(e);
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, e.getMessage(), e);
        }
        if (output.equals("json")) {
            out.println(Json.write(report.toJson()));
        } else {
            out.printf(
                    "connected %d, joined %d (in %d ms, %d process(es))%n",
                    report.connected(), report.joined(), report.connectMillis(), report.procs());
            if (!Double.isNaN(report.publishedPerSecond())) {
                out.printf("published %.2f broadcasts/s%n", report.publishedPerSecond());
            }
            out.printf(
                    "%-9s %9s %9s %6s %6s %9s %9s %9s %9s%n",
                    "broadcast", "acked", "delivered", "lost", "dup", "p50 ms", "p95 ms", "p99 ms", "max ms");
            for (BroadcastBench.Result r : report.broadcasts()) {
                row(out, String.valueOf(r.broadcast()), r);
            }
            row(out, "total", report.total());
        }
        out.flush();
        if (report.connected() < connections || report.joined() < report.connected()) {
            err.println("bench: " + (connections - report.joined()) + " of " + connections
                    + " sockets did not connect or join");
            err.flush();
        }
        boolean allDelivered = report.broadcasts().stream().allMatch(r -> r.lost() == 0 && r.duplicated() == 0)
                && report.connected() == connections
                && report.joined() == connections;
        return allDelivered ? ExitCode.OK : ExitCode.PARTIAL;
    }

    private static void row(PrintWriter out, String name, BroadcastBench.Result r) {
        out.printf(
                "%-9s %9d %9d %6d %6d %9.1f %9.1f %9.1f %9.1f%n",
                name, r.recipientsAcked(), r.delivered(), r.lost(), r.duplicated(), r.p50(), r.p95(), r.p99(), r.max());
    }

    /** This process's open-file limit, which the workers it starts inherit; unlimited where the JDK cannot tell. */
    private static long fileLimit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount()
                : Long.MAX_VALUE;
    }
}
