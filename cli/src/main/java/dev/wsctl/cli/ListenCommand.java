package dev.wsctl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.json.Json;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.ops.Target;
import dev.wsctl.protocol.ChannelName;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wsctl listen}: a client on one channel that prints what it receives, one JSON line per frame. */
@Command(
        name = "listen",
        description = {
            "Connect as a client, join a channel and print every frame received.",
            "Each frame is one JSON line (a frame that is not JSON as a JSON string), until interrupted, --count"
                    + " frames or --timeout.",
            "Envelopes of other channels (the connection's default channel) are not printed.",
            "Exit 1 when it cannot connect (e.g. the stack refuses its token) or join, or the server closes the"
                    + " connection, or fewer than --count frames came within --timeout."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class ListenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--channel", required = true, description = "Channel to join.")
    String channel;

    @Option(names = "--url", description = "WebSocket URL (default: the target stack's; see --local).")
    URI url;

    @Option(names = "--count", description = "Stop after printing this many frames.")
    Integer count;

    @Option(
            names = "--timeout",
            converter = DurationConverter.class,
            description = "Stop after this long (e.g. 30s); without it, listen until interrupted.")
    Duration timeout;

    @Option(
            names = "--connect-timeout",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "How long connecting and joining may take (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Mixin
    TokenOption token;

    @Mixin
    RunningStackOptions target;

    private final Context context;

    public ListenCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws InterruptedException {
        String problem = ChannelName.problem(channel);
        if (problem != null) {
            throw CliException.usage("--channel '" + channel + "': " + problem);
        }
        if (count != null && count < 1) {
            throw CliException.usage("--count must be at least 1");
        }
        DurationConverter.positive("--timeout", timeout);
        DurationConverter.positive("--connect-timeout", connectTimeout);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<String> jwt = token.value(context.env());
        URI endpoint = TokenOption.connectUrl(websocketUrl(url, target, context), jwt);
        long end = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        int printed = 0;
        try (ClientSocket socket = ClientSocket.connect(endpoint, connectTimeout)) {
            join(socket, channel, System.nanoTime() + connectTimeout.toNanos());
            err.println("listen: joined " + channel + " at " + socket.shownUrl()
                    + (count == null ? "" : ", waiting for " + count + " frames"));
            err.flush();
            while (count == null || printed < count) {
                JsonNode frame = socket.next(end);
                if (frame == null) {
                    break; // --timeout
                }
                if (isOtherChannel(frame)) {
                    continue;
                }
                out.println(Json.write(frame));
                out.flush();
                printed++;
            }
        } catch (ClientSocket.Refused e) {
            throw TokenOption.refused(e);
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, e.getMessage(), e);
        }
        if (count != null && printed < count) {
            throw new CliException(
                    ExitCode.FAILED,
                    "Received " + printed + " of " + count + " frames on channel " + channel + " within "
                            + timeout.toMillis() + " ms.");
        }
        return ExitCode.OK;
    }

    private boolean isOtherChannel(JsonNode frame) {
        return "message".equals(frame.path("type").asText())
                && frame.has("channel")
                && !channel.equals(frame.path("channel").asText());
    }

    /** Joins {@code channel}; an error frame or no answer before {@code deadline} is an IOException. */
    static void join(ClientSocket socket, String channel, long deadline) throws IOException, InterruptedException {
        socket.ask(
                ClientSocket.action("joinchannel", channel),
                "joined",
                f -> channel.equals(f.path("channel").asText()),
                deadline);
    }

    /** {@code url}, else the WebSocket URL of the target stack (with --local, the running wsctl local). */
    static URI websocketUrl(URI url, RunningStackOptions target, Context context) {
        if (url != null) {
            return url;
        }
        try (Target t = target.open(context, 1)) {
            return t.websocketUrl();
        }
    }
}
