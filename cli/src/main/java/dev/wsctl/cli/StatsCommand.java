package dev.wsctl.cli;

import dev.wsctl.aws.AwsClients;
import dev.wsctl.aws.AwsErrors;
import dev.wsctl.config.StackConfig;
import dev.wsctl.ops.CloudWatchStats;
import dev.wsctl.ops.ConnectionAdmin;
import dev.wsctl.ops.LocalStats;
import dev.wsctl.ops.StackStats;
import dev.wsctl.ops.Target;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;

/** {@code wsctl stats}: how the stack is doing, from CloudWatch or the local stack's {@code /metrics}. */
@Command(
        name = "stats",
        description = {
            "Show how a stack is doing: connections now, messages published and delivered (per minute), connections"
                    + " found gone, throttled posts, failed deliveries, authorizer denials, and the fan-out's p50 and"
                    + " p99 duration.",
            "Deployed: the metrics the functions write (CloudWatch GetMetricData over --since), connections now"
                    + " counted in the connection table.",
            "--local: the running local stack's /metrics, whose counters count from its start: the window is the"
                    + " time since then.",
            "Prints {stack, source, windowSeconds, connections, published, publishedPerMinute, delivered,"
                    + " deliveredPerMinute, gone, throttled, failed, denied, fanoutP50Millis, fanoutP99Millis}."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class StatsCommand implements Callable<Integer> {
    static final Duration DEFAULT_SINCE = Duration.ofHours(1);

    @Spec
    CommandSpec spec;

    @Option(
            names = "--since",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = {
                "The window, back from now, like 15m, 1h or 7d (default: 1h). CloudWatch keeps these metrics at one"
                        + " minute for 15 days.",
                "With --local it may not be shorter than the local stack has run."
            })
    Duration since;

    @Mixin
    RunningStackOptions target;

    private final Context context;

    public StatsCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        DurationConverter.positive("--since", since);
        StackStats stats = target.local ? local() : deployed();
        PrintWriter out = spec.commandLine().getOut();
        OutputOptions output = target.output();
        if (output.format() == OutputOptions.Format.TABLE) {
            stats.toJson()
                    .fields()
                    .forEachRemaining(f -> out.printf(
                            "%-19s %s%n",
                            f.getKey(),
                            f.getValue().isNull() ? "-" : f.getValue().asText()));
        } else {
            StackCommand.print(out, stats.toJson(), output);
        }
        out.flush();
        return ExitCode.OK;
    }

    private StackStats local() {
        LocalState state = LocalState.read(target.stateDir.path());
        URI metrics = URI.create("http://" + state.url().getRawAuthority() + "/metrics");
        String exposition;
        try {
            exposition = LocalStats.scrape(metrics);
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.FAILED, "Could not read the local stack's metrics at " + metrics + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.FAILED, "Interrupted while reading " + metrics);
        }
        StackStats stats = LocalStats.of("local stack " + state.url(), exposition, Instant.now());
        if (since != null && since.toSeconds() < stats.windowSeconds()) {
            throw CliException.usage("--since " + since.toSeconds() + "s is shorter than the local stack has run ("
                    + stats.windowSeconds() + "s): its counters count from its start, so leave --since out.");
        }
        return stats;
    }

    private StackStats deployed() {
        Duration window = since == null ? DEFAULT_SINCE : since;
        long connections;
        String name;
        try (Target t = target.open(context, 1)) {
            name = t.name();
            connections = new ConnectionAdmin(t).connectionCount();
        } catch (SdkException e) {
            throw new CliException(ExitCode.FAILED, AwsErrors.explain("count the stack's connections", e), e);
        }
        StackConfig config = target.stack.stack.load(context.env(), target.stack.aws);
        try (AwsClients aws = context.aws().connect(target.stack.aws, config, context.env())) {
            return CloudWatchStats.read(
                    aws.cloudWatch(), name, config.app(), config.stage(), window, Instant.now(), connections);
        } catch (SdkException e) {
            throw new CliException(
                    ExitCode.FAILED, AwsErrors.explain("read the stack's metrics (CloudWatch GetMetricData)", e), e);
        }
    }
}
