package dev.wsctl.cli;

import dev.wsctl.bench.BroadcastBench;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.runtime.ChannelName;
import dev.wsctl.runtime.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code wsctl bench}: many sockets on one channel, a few broadcasts, delivery and latency per broadcast. */
@Command(name = "bench",
        description = {
                "Load-test a stack: open N client sockets, join them to one channel, publish K broadcasts",
                "from one more client, and report per broadcast how many arrived and how fast.",
                "Without --url it targets the stack that `wsctl local` runs from this directory.",
                "On a stack with auth.mode: jwt every socket connects with --token (or $WSCTL_TOKEN); exit 1 when",
                "the stack refuses the first one."},
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--url", description = "WebSocket URL of the stack (default: the running wsctl local).")
    URI url;

    @Mixin
    StateDirOption state;

    @Mixin
    TokenOption token;

    @Option(names = {"-n", "--connections"}, defaultValue = "1000", description = "Client sockets to open (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--channel", defaultValue = "bench", description = "Channel they join (default: ${DEFAULT-VALUE}).")
    String channel;

    @Option(names = "--payload-bytes", defaultValue = "2048", description = "Size of each broadcast message (default: ${DEFAULT-VALUE}).")
    int payloadBytes;

    @Option(names = {"-k", "--broadcasts"}, defaultValue = "5", description = "Broadcasts to send, one after the other (default: ${DEFAULT-VALUE}).")
    int broadcasts;

    @Option(names = "--connect-rate", defaultValue = "400", description = "New connections per second; API Gateway accepts 500/s per account (default: ${DEFAULT-VALUE}).")
    int connectRate;

    @Option(names = "--timeout", defaultValue = "30s", converter = DurationConverter.class, description = "How long each broadcast may take to reach everyone (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
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
        URI target = TokenOption.connectUrl(url != null ? url : LocalState.read(state.path()).url(), jwt);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BroadcastBench.Report report;
        try {
            report = new BroadcastBench(new BroadcastBench.Plan(target, connections, channel,
                    payloadBytes, broadcasts, connectRate, timeout), line -> {
                err.println("bench: " + line);
                err.flush();
            }).run();
        } catch (ClientSocket.Refused e) {
            throw TokenOption.refused(e);
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, e.getMessage(), e);
        }
        if (output.equals("json")) {
            out.println(Json.write(report.toJson()));
        } else {
            out.printf("connected %d, joined %d (in %d ms)%n", report.connected(), report.joined(),
                    report.connectMillis());
            out.printf("%-9s %9s %9s %6s %6s %9s %9s %9s %9s%n", "broadcast", "acked", "delivered", "lost",
                    "dup", "p50 ms", "p95 ms", "p99 ms", "max ms");
            for (BroadcastBench.Result r : report.broadcasts()) {
                out.printf("%-9d %9d %9d %6d %6d %9.1f %9.1f %9.1f %9.1f%n", r.broadcast(), r.recipientsAcked(),
                        r.delivered(), r.lost(), r.duplicated(), r.p50(), r.p95(), r.p99(), r.max());
            }
        }
        out.flush();
        boolean allDelivered = report.broadcasts().stream().allMatch(r -> r.lost() == 0 && r.duplicated() == 0)
                && report.connected() == connections && report.joined() == connections;
        return allDelivered ? ExitCode.OK : ExitCode.PARTIAL;
    }
}
