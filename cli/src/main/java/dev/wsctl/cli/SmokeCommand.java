package dev.wsctl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.auth.TokenVerifier;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.ops.ClientUrl;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code wsctl smoke}: the whole path a message takes, once, for pipelines after a deploy. Two clients
 * connect and join a fresh channel; one publishes, the other must receive it; both leave and disconnect.
 */
@Command(
        name = "smoke",
        description = {
            "Check a stack end to end with two clients that join one channel and exchange a message.",
            "Both connect and join a fresh channel (smoke-<random>), one publishes with an id and must get an ack"
                    + " with recipients 1, the other must receive the message; both leave and disconnect. Prints"
                    + " connectMillis, joinMillis, deliverMillis and totalMillis.",
            "On a stack with auth.mode: jwt the clients connect with --token; without one (and without --url)"
                    + " smoke signs its own 5-minute token (sub wsctl-smoke, joining and publishing on its channel"
                    + " only) with the target's wsctl secret: the local one with --local, else the deployed stack's,"
                    + " if any.",
            "Exit 0 ok; 1 with one sentence when a step fails or the stack cannot be reached."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class SmokeCommand implements Callable<Integer> {
    /** Who smoke's own tokens are for, and how long they last: long enough for one run. */
    static final String SUB = "wsctl-smoke";

    static final Duration TOKEN_TTL = Duration.ofMinutes(5);

    @Spec
    CommandSpec spec;

    @Option(names = "--url", description = "WebSocket URL (default: the target stack's; see --local).")
    URI url;

    @Option(
            names = "--timeout",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "How long each step may take (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin
    TokenOption token;

    @Mixin
    RunningStackOptions target;

    private final Context context;

    public SmokeCommand(Context context) {
        this.context = context;
    }

    /** Timings in milliseconds; JSON fields: ok, url (the stack's, without token), channel, connectMillis, joinMillis, deliverMillis, totalMillis. */
    record Result(
            String url, String channel, long connectMillis, long joinMillis, long deliverMillis, long totalMillis) {
        ObjectNode toJson() {
            return Json.object().put("ok", true).setAll(Jackson.mapper().<ObjectNode>valueToTree(this));
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        DurationConverter.positive("--timeout", timeout);
        Optional<String> given = token.value(context.env());
        URI stack = ListenCommand.websocketUrl(url, target, context);
        String channel = "smoke-" + UUID.randomUUID().toString().substring(0, 8);
        URI endpoint = TokenOption.connectUrl(stack, given.isPresent() || url != null ? given : ownToken(channel));
        String shown = ClientUrl.shown(endpoint);
        String step = "connect";
        long start = System.nanoTime();
        ClientSocket publisher = null;
        ClientSocket receiver = null;
        try {
            publisher = ClientSocket.connect(endpoint, timeout);
            receiver = ClientSocket.connect(endpoint, timeout);
            long connected = System.nanoTime();

            step = "join";
            ListenCommand.join(publisher, channel, deadline());
            ListenCommand.join(receiver, channel, deadline());
            long joined = System.nanoTime();

            step = "publish";
            String nonce = UUID.randomUUID().toString();
            ObjectNode send = ClientSocket.action("sendmessage", channel);
            send.putObject("message").put("smoke", nonce);
            send.put("id", nonce);
            long sent = System.nanoTime();
            JsonNode ack =
                    publisher.ask(send, "ack", f -> nonce.equals(f.path("id").asText()), deadline());
            if (ack.path("recipients").asLong() != 1) {
                throw new IOException(
                        "the ack counted " + ack.path("recipients").asLong() + " recipients, not 1");
            }

            step = "deliver";
            JsonNode got = receiver.await(
                    f -> f.path("message").path("smoke").asText().equals(nonce)
                            || f.path("smoke").asText().equals(nonce),
                    deadline()); // envelope or raw delivery
            if (got == null) {
                throw new IOException("the other client received nothing within " + timeout.toMillis() + " ms");
            }
            long delivered = System.nanoTime();

            step = "leave";
            leave(publisher, channel);
            leave(receiver, channel);

            step = "disconnect";
            publisher.close();
            receiver.close();
            long end = System.nanoTime();
            print(new Result(
                    ClientUrl.shown(stack),
                    channel,
                    millis(start, connected),
                    millis(connected, joined),
                    millis(sent, delivered),
                    millis(start, end)));
            return ExitCode.OK;
        } catch (ClientSocket.Refused e) {
            throw new CliException(
                    ExitCode.FAILED,
                    "Smoke test failed at step " + step + " on " + shown + ": " + e.refusal() + TokenOption.advice(e)
                            + ".",
                    e);
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.FAILED, "Smoke test failed at step " + step + " on " + shown + ": " + e.getMessage(), e);
        } finally {
            if (publisher != null) {
                publisher.close();
            }
            if (receiver != null) {
                receiver.close();
            }
        }
    }

    /** A token for this run, signed with the target's wsctl secret; empty when it has none (then it needs none). */
    private Optional<String> ownToken(String channel) {
        Optional<String> own = target.signingSecret(context)
                .secret()
                .map(secret -> TokenVerifier.mint(secret, SUB, List.of(channel), List.of(channel), TOKEN_TTL));
        if (own.isPresent() && target.output().verbose()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("smoke: connecting with a " + TOKEN_TTL.toMinutes() + "-minute token for " + SUB
                    + ", signed with the " + (target.local ? "local" : "stack's") + " auth secret");
            err.flush();
        }
        return own;
    }

    private void leave(ClientSocket socket, String channel) throws IOException, InterruptedException {
        socket.ask(
                ClientSocket.action("leavechannel", channel),
                "left",
                f -> channel.equals(f.path("channel").asText()),
                deadline());
    }

    private void print(Result r) {
        PrintWriter out = spec.commandLine().getOut();
        OutputOptions output = target.output();
        if (output.format() == OutputOptions.Format.TABLE) {
            out.printf("smoke ok: %s (channel %s)%n", r.url(), r.channel());
            out.printf("%-8s %8s%n", "step", "ms");
            out.printf("%-8s %8d%n", "connect", r.connectMillis());
            out.printf("%-8s %8d%n", "join", r.joinMillis());
            out.printf("%-8s %8d%n", "deliver", r.deliverMillis());
            out.printf("%-8s %8d%n", "total", r.totalMillis());
        } else {
            StackCommand.print(out, r.toJson(), output);
        }
        out.flush();
    }

    private long deadline() {
        return System.nanoTime() + timeout.toNanos();
    }

    private static long millis(long from, long to) {
        return TimeUnit.NANOSECONDS.toMillis(to - from);
    }
}
