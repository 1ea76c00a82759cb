package dev.wsctl.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.wsctl.aws.AwsErrors;
import dev.wsctl.config.Jackson;
import dev.wsctl.connections.ConnectionsEndpoint;
import dev.wsctl.fanout.Fanout;
import dev.wsctl.fanout.FanoutReport;
import dev.wsctl.json.JsonLog;
import dev.wsctl.ops.Target;
import dev.wsctl.protocol.ChannelName;
import dev.wsctl.protocol.Frames;
import dev.wsctl.protocol.Settings;
import dev.wsctl.pubsub.PubSub;
import dev.wsctl.store.HistoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * {@code wsctl broadcast}: sends one message to every subscriber of a channel from the operator's
 * machine, through the same fan-out engine the send handler uses.
 */
@Command(
        name = "broadcast",
        description = {
            "Send a message to every subscriber of a channel, as the server (sender \"server\").",
            "Subscribers get the same envelope a client's sendmessage produces, or with --raw the bare message.",
            "On a channel that keeps history (history.channels) the message is appended to it as a client's is,"
                    + " with its offset and epoch in the envelope (not with --raw).",
            "What is delivered may be at most " + ConnectionsEndpoint.MAX_PAYLOAD_BYTES
                    + " bytes in UTF-8 (API Gateway's @connections limit); a larger one exits 2.",
            "The message is JSON when it parses as JSON, otherwise a JSON string; --json insists on JSON.",
            "Prints {recipients, delivered, gone, failed, throttled, millis}. Gone connections are stale rows,"
                    + " removed from the store, and not failures.",
            "Exit 0 when none failed, 3 when some failed, 1 when every one failed."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class BroadcastCommand implements Callable<Integer> {
    static final int PROGRESS_EVERY = 5_000;
    /** Who a broadcast's subscribers see as its sender. */
    static final String SENDER = "server";

    private static final ObjectReader STRICT =
            Jackson.mapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @Spec
    CommandSpec spec;

    @Option(names = "--channel", required = true, description = "Channel whose subscribers receive the message.")
    String channel;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(
                names = "--message",
                paramLabel = "TEXT",
                description = "The message; '-' reads it from standard input.")
        String message;

        @Option(names = "--file", paramLabel = "FILE", description = "Read the message from FILE.")
        Path file;
    }

    @Option(names = "--json", description = "The message must be JSON; fail (exit 2) if it does not parse.")
    boolean json;

    @Option(
            names = "--raw",
            description = "Send the bare message instead of the {type, channel, message, sender, sentAt} envelope.")
    boolean raw;

    @Option(
            names = "--concurrency",
            defaultValue = "128",
            description = "PostToConnection calls in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(
            names = "--max-rate",
            paramLabel = "CALLS",
            defaultValue = "9000",
            description = {
                "PostToConnection calls per second at most, retries included (default: ${DEFAULT-VALUE},",
                "under API Gateway's default account limit of 10,000/s); 0 for no cap."
            })
    int maxRate;

    @Mixin
    RunningStackOptions target;

    private final Context context;
    private final InputStream stdin;

    public BroadcastCommand(Context context) {
        this(context, System.in);
    }

    /** With the standard input that {@code --message -} reads (tests pass their own). */
    public BroadcastCommand(Context context, InputStream stdin) {
        this.context = context;
        this.stdin = stdin;
    }

    @Override
    public Integer call() {
        String problem = ChannelName.problem(channel);
        if (problem != null) {
            throw CliException.usage("--channel '" + channel + "': " + problem);
        }
        if (concurrency < 1) {
            throw CliException.usage("--concurrency must be at least 1");
        }
        if (maxRate < 0) {
            throw CliException.usage("--max-rate must be 0 (no cap) or more");
        }
        JsonNode message = message(readSource());
        long sentAt = System.currentTimeMillis();
        byte[] payload = Frames.delivery(
                raw ? Settings.Delivery.RAW : Settings.Delivery.ENVELOPE, channel, message, SENDER, sentAt);
        checkSize(payload);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        OutputOptions output = target.output();
        JsonLog log = output.verbose() ? new JsonLog(line -> say(err, line)) : JsonLog.discard();
        FanoutReport report;
        try (Target t = target.open(context, concurrency)) {
            if (output.verbose()) {
                say(err, "broadcast: to channel " + channel + " on " + t.name());
            }
            Optional<HistoryStore> history = t.historyOf(channel);
            if (history.isPresent()) {
                if (raw) {
                    throw CliException.usage("Channel " + channel + " keeps history, whose messages carry an offset"
                            + " and epoch in their envelope: --raw cannot go to it.");
                }
                checkSize(PubSub.largestKeptDelivery(channel, message, SENDER, sentAt));
                // appended as a client's sendmessage is, so that subscribers' offsets do not skip it
                payload = PubSub.keep(history.get(), channel, message, SENDER, sentAt)
                        .delivery();
            }
            Fanout fanout = new Fanout(
                    t.store(),
                    t.connections(),
                    Fanout.Options.withConcurrency(concurrency)
                            .withRateCap(
                                    maxRate == 0 ? Double.POSITIVE_INFINITY : maxRate, Settings.Sharding.DEFAULT_BURST),
                    log);
            if (System.console() != null) {
                // a terminal: a live bar (count and rate; the channel's size is not read beforehand)
                try (ProgressBar bar = new ProgressBarBuilder()
                        .setTaskName("broadcast " + channel)
                        .setInitialMax(-1)
                        .showSpeed()
                        .setUpdateIntervalMillis(200)
                        .clearDisplayOnFinish()
                        .build()) {
                    report = fanout.send(channel, t.store().subscriberPages(channel), payload, null, bar::stepTo);
                }
            } else {
                report = fanout.send(channel, counted(t.store().subscriberPages(channel), err), payload, null);
            }
        } catch (SdkException e) {
            throw new CliException(ExitCode.FAILED, AwsErrors.explain("broadcast to channel " + channel, e), e);
        }
        if (output.format() == OutputOptions.Format.TABLE) {
            report.toJson()
                    .fields()
                    .forEachRemaining(f ->
                            out.printf("%-11s %d%n", f.getKey(), f.getValue().asLong()));
        } else {
            StackCommand.print(out, report.toJson(), output);
        }
        out.flush();
        if (report.recipients() == 0) {
            say(err, "broadcast: channel " + channel + " has no subscribers");
        }
        if (report.failed() == 0) {
            return ExitCode.OK;
        }
        say(
                err,
                "broadcast: " + report.failed() + " of " + report.recipients() + " recipients could not be reached"
                        + (output.verbose() ? "" : " (--verbose shows the first error)"));
        return report.delivered() == 0 ? ExitCode.FAILED : ExitCode.PARTIAL;
    }

    /** @connections would answer every post 413: refuse before addressing anyone. */
    private void checkSize(byte[] payload) {
        if (payload.length > ConnectionsEndpoint.MAX_PAYLOAD_BYTES) {
            throw CliException.usage("The message would be delivered as " + payload.length + " bytes"
                    + (raw ? "" : " with its envelope") + "; API Gateway's @connections accepts at most "
                    + ConnectionsEndpoint.MAX_PAYLOAD_BYTES + ".");
        }
    }

    private String readSource() {
        try {
            if (source.file != null) {
                return stripFinalNewline(Files.readString(source.file, StandardCharsets.UTF_8));
            }
            if (source.message.equals("-")) {
                return stripFinalNewline(new String(stdin.readAllBytes(), StandardCharsets.UTF_8));
            }
            return source.message;
        } catch (java.nio.file.NoSuchFileException e) {
            throw CliException.usage("--file " + source.file + ": no such file");
        } catch (IOException e) {
            throw CliException.usage("Could not read the message from "
                    + (source.file != null ? source.file : "standard input") + ": " + e.getMessage());
        }
    }

    /** Editors and {@code echo} end files with a newline that is not part of a text message. */
    private static String stripFinalNewline(String s) {
        if (s.endsWith("\r\n")) {
            return s.substring(0, s.length() - 2);
        }
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    /** JSON when it parses as one JSON value; otherwise a JSON string, unless --json asks for JSON. */
    JsonNode message(String text) {
        try {
            JsonNode node = STRICT.readTree(text);
            if (node != null && !node.isMissingNode()) {
                return node;
            }
            if (json) {
                throw CliException.usage("--json: the message is empty");
            }
        } catch (IOException e) {
            if (json) {
                String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException p
                        ? p.getOriginalMessage()
                        : e.getMessage();
                throw CliException.usage("--json: the message is not JSON: " + why);
            }
        }
        return TextNode.valueOf(text);
    }

    /**
     * The channel's pages, with a progress line on stderr every {@value #PROGRESS_EVERY} recipients: what a
     * log (CI) gets instead of a bar redrawn in place.
     */
    private static Iterable<List<String>> counted(Iterable<List<String>> pages, PrintWriter err) {
        return () -> new Iterator<>() {
            final Iterator<List<String>> inner = pages.iterator();
            long seen;

            @Override
            public boolean hasNext() {
                return inner.hasNext();
            }

            @Override
            public List<String> next() {
                List<String> page = inner.next();
                long before = seen;
                seen += page.size();
                if (seen / PROGRESS_EVERY > before / PROGRESS_EVERY) {
                    say(err, "broadcast: " + (seen / PROGRESS_EVERY * PROGRESS_EVERY) + " recipients addressed…");
                }
                return page;
            }
        };
    }

    private static void say(PrintWriter err, String line) {
        synchronized (err) {
            err.println(line);
            err.flush();
        }
    }
}
