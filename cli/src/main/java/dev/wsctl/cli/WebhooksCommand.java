package dev.wsctl.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.StackConfig;
import dev.wsctl.json.Json;
import dev.wsctl.ops.WebhookTarget;
import dev.wsctl.webhooks.RetryPolicy;
import dev.wsctl.webhooks.WebhookBody;
import dev.wsctl.webhooks.WebhookDelivery;
import dev.wsctl.webhooks.WebhookEvent;
import dev.wsctl.webhooks.WebhookSender;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLSocketFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code wsctl webhooks secret|test|failed|redrive}: the lifecycle webhooks of a deployed stack or, with
 * {@code --local}, the local one (docs/observability.md#lifecycle-webhooks), through {@link WebhookTarget}.
 */
@Command(
        name = "webhooks",
        description = "Show the webhook secret, post a test event, list and redrive the bodies a stack gave up on.",
        mixinStandardHelpOptions = true,
        subcommands = {
            WebhooksCommand.Secret.class,
            WebhooksCommand.Test.class,
            WebhooksCommand.Failed.class,
            WebhooksCommand.Redrive.class
        })
public final class WebhooksCommand implements Runnable {
    /** Of an endpoint's answer, this many lines are printed. */
    static final int ANSWER_LINES = 3;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "Missing subcommand: secret, test, failed or redrive.");
    }

    /** Where the target stack keeps its secret and failed bodies; closed by the caller. */
    static WebhookTarget target(Context context, RunningStackOptions options) {
        if (options.local) {
            return new LocalWebhookTarget(options.stateDir.path());
        }
        return deployed(context, options);
    }

    /** The deployed stack's secret (its webhooks function) and dead-letter queue. */
    static WebhookTarget deployed(Context context, RunningStackOptions options) {
        return DeployedWebhookTarget.open(context, options);
    }

    /** The stack's webhook URL, from the config: the one its events go to. */
    static URI url(Context context, RunningStackOptions options) {
        StackConfig config = options.stack.stack.load(context.env(), options.stack.aws);
        return config.webhooks()
                .url()
                .orElseThrow(
                        () -> CliException.usage(
                                "webhooks.url is not set in the config, so there is no endpoint to post to; set it in wsctl.yaml."));
    }

    /** Posts through the same sender and signature as the stack, once each (no retry window). */
    static WebhookDelivery delivery(URI url, String secret, SSLSocketFactory tls) {
        return new WebhookDelivery(
                new WebhookSender(url, tls), secret, RetryPolicy.of(RetryPolicy.MIN_WINDOW), letter -> {
                    throw new IllegalStateException("a single post keeps no dead letter");
                });
    }

    /** The first lines of an answer, for the terminal. */
    static String firstLines(String answer) {
        List<String> lines = answer.lines().limit(ANSWER_LINES).toList();
        return String.join("\n", lines);
    }

    static String iso(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    @Command(
            name = "secret",
            mixinStandardHelpOptions = true,
            description = {
                "Print the secret the stack signs its webhook posts with (X-Wsctl-Signature).",
                "Verify a post: hex HMAC-SHA256 of the body's bytes, keyed with this text, equals the header after "
                        + "'sha256='. With --local, the local stack's (created if it has none yet)."
            })
    public static final class Secret implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        private final Context context;

        public Secret(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (WebhookTarget stack = target(context, target)) {
                out.println(stack.secret());
            }
            out.flush();
            return ExitCode.OK;
        }
    }

    @Command(
            name = "test",
            mixinStandardHelpOptions = true,
            description = {
                "Post one signed sample event (channel_occupied of channel wsctl-test) to webhooks.url, once.",
                "Prints the endpoint's status and the first lines of its answer; exit 1 unless it answered 2xx."
            })
    public static final class Test implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        private final Context context;
        private final SSLSocketFactory tls;

        public Test(Context context) {
            this(context, null);
        }

        /** With {@code tls} for an https endpoint in place of the JDK's trust (tests). */
        public Test(Context context, SSLSocketFactory tls) {
            this.context = context;
            this.tls = tls;
        }

        @Override
        public Integer call() {
            URI url = url(context, target);
            String secret;
            try (WebhookTarget stack = target(context, target)) {
                secret = stack.secret();
            }
            PrintWriter out = spec.commandLine().getOut();
            WebhookDelivery delivery = delivery(url, secret, tls);
            byte[] body = delivery.body(List.of(WebhookEvent.occupied("wsctl-test")));
            WebhookSender.Attempt attempt = delivery.post(body);
            boolean ok = attempt.verdict() == WebhookSender.Verdict.DELIVERED;
            if (target.output().format() == OutputOptions.Format.TABLE) {
                out.println(url + ": " + (attempt.status() == 0 ? "no answer" : attempt.status()));
                if (!attempt.answer().isEmpty()) {
                    out.println(firstLines(attempt.answer()));
                }
            } else {
                ObjectNode json = Json.object();
                json.put("url", url.toString());
                json.put("status", attempt.status());
                json.put("delivered", ok);
                json.put("answer", attempt.answer());
                json.put("body", new String(body, StandardCharsets.UTF_8));
                json.put("signature", WebhookBody.signature(secret, body));
                StackCommand.print(out, json, target.output());
            }
            out.flush();
            return ok ? ExitCode.OK : ExitCode.FAILED;
        }
    }

    @Command(
            name = "failed",
            mixinStandardHelpOptions = true,
            description = {
                "List the bodies the stack gave up posting (refused, or not taken within the retry window), "
                        + "oldest first: when, how many posts, the last status and error, the events."
            })
    public static final class Failed implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        private final Context context;

        public Failed(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            List<WebhookTarget.FailedWebhook> failed;
            try (WebhookTarget stack = target(context, target)) {
                failed = stack.failed();
            }
            PrintWriter out = spec.commandLine().getOut();
            if (target.output().format() == OutputOptions.Format.TABLE) {
                out.printf(
                        "%-36s %-24s %-8s %-6s %-6s %s%n",
                        "ID", "FIRST ATTEMPT", "ATTEMPTS", "STATUS", "EVENTS", "ERROR");
                for (var f : failed) {
                    out.printf(
                            "%-36s %-24s %-8d %-6s %-6d %s%n",
                            f.id(),
                            iso(f.firstAttemptMs()),
                            f.attempts(),
                            f.status() == 0 ? "-" : Integer.toString(f.status()),
                            events(f).size(),
                            f.error() == null || f.error().isEmpty() ? "-" : f.error());
                }
            } else {
                ObjectNode json = Json.object();
                ArrayNode array = json.putArray("failed");
                for (var f : failed) {
                    ObjectNode node = array.addObject();
                    node.put("id", f.id());
                    node.put("firstAttempt", iso(f.firstAttemptMs()));
                    node.put("firstAttemptMs", f.firstAttemptMs());
                    node.put("attempts", f.attempts());
                    node.put("status", f.status());
                    node.put("error", f.error());
                    node.set("body", parsed(f));
                }
                StackCommand.print(out, json, target.output());
            }
            out.flush();
            return ExitCode.OK;
        }

        private static com.fasterxml.jackson.databind.JsonNode parsed(WebhookTarget.FailedWebhook f) {
            try {
                return Json.read(f.body());
            } catch (IOException e) {
                return Json.object().put("unparsed", f.body());
            }
        }

        private static List<WebhookEvent> events(WebhookTarget.FailedWebhook f) {
            try {
                List<WebhookEvent> events = new java.util.ArrayList<>();
                Json.read(f.body()).path("events").forEach(e -> events.add(WebhookEvent.fromJson(e)));
                return events;
            } catch (IOException | IllegalArgumentException e) {
                return List.of();
            }
        }
    }

    @Command(
            name = "redrive",
            mixinStandardHelpOptions = true,
            description = {
                "Post each failed body again, once, as it was (signed anew), and remove each one the endpoint "
                        + "accepts (2xx).",
                "Prints the counts; exit 1 if any still fails."
            })
    public static final class Redrive implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        private final Context context;
        private final SSLSocketFactory tls;

        public Redrive(Context context) {
            this(context, null);
        }

        /** With {@code tls} for an https endpoint in place of the JDK's trust (tests). */
        public Redrive(Context context, SSLSocketFactory tls) {
            this.context = context;
            this.tls = tls;
        }

        @Override
        public Integer call() {
            URI url = url(context, target);
            try (WebhookTarget stack = target(context, target)) {
                return redrive(url, stack);
            }
        }

        private int redrive(URI url, WebhookTarget stack) {
            List<WebhookTarget.FailedWebhook> failed = stack.failed();
            WebhookDelivery delivery = delivery(url, stack.secret(), tls);
            PrintWriter err = spec.commandLine().getErr();
            int delivered = 0;
            String lastError = null;
            for (var f : failed) {
                WebhookSender.Attempt attempt = delivery.post(f.body().getBytes(StandardCharsets.UTF_8));
                if (attempt.verdict() == WebhookSender.Verdict.DELIVERED) {
                    stack.remove(f);
                    delivered++;
                } else {
                    lastError = attempt.error();
                    err.println(f.id() + ": " + lastError);
                }
            }
            err.flush();
            int stillFailing = failed.size() - delivered;
            PrintWriter out = spec.commandLine().getOut();
            if (target.output().format() == OutputOptions.Format.TABLE) {
                out.println("Redelivered " + delivered + " of " + failed.size() + " failed bodies to " + url
                        + (stillFailing == 0
                                ? "."
                                : "; " + stillFailing + " still failing (last: " + lastError + ")."));
            } else {
                ObjectNode json = Json.object();
                json.put("url", url.toString());
                json.put("failed", failed.size());
                json.put("delivered", delivered);
                json.put("stillFailing", stillFailing);
                StackCommand.print(out, json, target.output());
            }
            out.flush();
            return stillFailing == 0 ? ExitCode.OK : ExitCode.FAILED;
        }
    }
}
