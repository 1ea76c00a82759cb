package dev.wsctl.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.StackConfig;
import dev.wsctl.cost.Estimate;
import dev.wsctl.cost.Prices;
import dev.wsctl.cost.Workload;
import dev.wsctl.json.Json;
import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wsctl cost}: what a month of a workload costs on the configured stack, meter by meter. */
@Command(
        name = "cost",
        description = {
            "Estimate what a month of a workload costs on AWS, meter by meter.",
            "A 30-day month at list prices that wsctl carries (their date and pages are in -o json), for the stack"
                    + " the configuration describes (memory, architecture, auth, history, fan-out). Reads no AWS"
                    + " account. The notes name every assumption."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class CostCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--connections",
            required = true,
            paramLabel = "N",
            description = "Clients connected at once, on average.")
    long connections;

    @Option(
            names = "--hours-per-day",
            paramLabel = "H",
            defaultValue = "24",
            description = "Hours a day they are connected, 0-24 (default: ${DEFAULT-VALUE}).")
    double hoursPerDay;

    @Option(
            names = "--messages-per-minute",
            required = true,
            paramLabel = "M",
            description = "Messages published a minute, stack-wide (sendmessage and broadcast), while they are"
                    + " connected.")
    double messagesPerMinute;

    @Option(
            names = "--bytes",
            required = true,
            paramLabel = "B",
            description = "Size of a message as delivered, in bytes.")
    long bytes;

    @Option(
            names = "--recipients",
            paramLabel = "R",
            description = "Connections each message reaches (default: all of them, --connections).")
    Long recipients;

    @Option(
            names = "--ping-minutes",
            paramLabel = "MIN",
            defaultValue = "" + Workload.DEFAULT_PING_MINUTES,
            description = "How often each client pings to stay connected; 0: never (default: ${DEFAULT-VALUE},"
                    + " as examples/client.js).")
    int pingMinutes;

    @Option(
            names = "--region",
            paramLabel = "REGION",
            description =
                    "Prices of this region: us-east-1, eu-west-1, eu-central-1 or ap-southeast-1 (default: region in"
                            + " wsctl.yaml, else us-east-1).")
    String region;

    @Mixin
    StackOptions stack;

    @Mixin
    OutputOptions output;

    private final Context context;

    public CostCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        Workload workload = workload();
        StackConfig config = stack.load(context.env());
        String name = region != null ? region : config.region().orElse("us-east-1");
        Prices.Region prices = Prices.of(name)
                .orElseThrow(() -> CliException.usage("No prices for region " + name + ": the regions priced are "
                        + String.join(", ", Prices.regions()) + "."));
        Estimate estimate = Estimate.of(workload, config, prices);
        PrintWriter out = spec.commandLine().getOut();
        if (output.format() == OutputOptions.Format.TABLE) {
            table(out, estimate);
        } else {
            StackCommand.print(out, json(estimate), output);
        }
        out.flush();
        return ExitCode.OK;
    }

    private Workload workload() {
        check(connections >= 0, "--connections must not be negative, not " + connections + ".");
        check(hoursPerDay >= 0 && hoursPerDay <= 24, "--hours-per-day must be 0 to 24, not " + hoursPerDay + ".");
        check(messagesPerMinute >= 0, "--messages-per-minute must not be negative, not " + messagesPerMinute + ".");
        check(bytes >= 0, "--bytes must not be negative, not " + bytes + ".");
        check(pingMinutes >= 0, "--ping-minutes must not be negative, not " + pingMinutes + ".");
        long r = recipients == null ? connections : recipients;
        check(
                r >= 0 && r <= connections,
                "--recipients must be 0 to --connections (" + connections + "), not " + r + ".");
        return new Workload(connections, hoursPerDay, messagesPerMinute, bytes, r, pingMinutes);
    }

    private static void check(boolean ok, String problem) {
        if (!ok) {
            throw CliException.usage(problem);
        }
    }

    private static void table(PrintWriter out, Estimate e) {
        Workload w = e.workload();
        out.printf(
                Locale.ROOT,
                "connections %s, %s h/day; messages %s/min of %s B, %s recipients each; %s prices of %s%n%n",
                num(w.connections()),
                num(w.hoursPerDay()),
                num(w.messagesPerMinute()),
                num(w.bytes()),
                num(w.recipients()),
                e.prices().name(),
                Prices.AS_OF);
        out.printf(Locale.ROOT, "%-31s %22s  %-42s %12s%n", "meter", "volume", "price", "per month");
        for (Estimate.Line l : e.lines()) {
            out.printf(
                    Locale.ROOT,
                    "%-31s %22s  %-42s %12s%n",
                    l.meter(),
                    num(l.volume()) + " " + shortUnit(l.unit()),
                    l.price(),
                    usd(l.usd()));
        }
        out.printf(Locale.ROOT, "%-31s %22s  %-42s %12s%n", "total", "", "", usd(e.totalUsd()));
        out.println();
        for (Estimate.Line l : e.lines()) {
            out.println(l.meter() + ": " + l.detail());
        }
        out.println();
        e.notes().forEach(n -> out.println("- " + n));
    }

    private static String shortUnit(String unit) {
        return switch (unit) {
            case "minutes" -> "min";
            case "write request units" -> "WRU";
            case "read request units" -> "RRU";
            case "GB-seconds" -> "GB-s";
            case "requests" -> "req";
            case "messages" -> "msg";
            default -> unit;
        };
    }

    private static ObjectNode json(Estimate e) {
        Workload w = e.workload();
        ObjectNode json = Json.object();
        json.put("region", e.prices().name());
        json.put("pricesAsOf", Prices.AS_OF);
        json.put("days", Estimate.DAYS);
        json.putObject("workload")
                .put("connections", w.connections())
                .put("hoursPerDay", w.hoursPerDay())
                .put("messagesPerMinute", w.messagesPerMinute())
                .put("bytes", w.bytes())
                .put("recipients", w.recipients())
                .put("pingMinutes", w.pingMinutes());
        ArrayNode lines = json.putArray("lines");
        for (Estimate.Line l : e.lines()) {
            lines.addObject()
                    .put("meter", l.meter())
                    .put("volume", l.volume())
                    .put("unit", l.unit())
                    .put("detail", l.detail())
                    .put("price", l.price())
                    .put("usd", cents(l.usd()));
        }
        json.put("totalUsd", cents(e.totalUsd()));
        ArrayNode notes = json.putArray("notes");
        e.notes().forEach(notes::add);
        Set<String> sources = new LinkedHashSet<>();
        e.prices().all().forEach(p -> sources.add(p.source()));
        ArrayNode list = json.putArray("sources");
        sources.forEach(list::add);
        return json;
    }

    private static double cents(double usd) {
        return Math.round(usd * 100) / 100.0;
    }

    private static String usd(double value) {
        return String.format(Locale.ROOT, "$%,.2f", value);
    }

    private static String num(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) value);
        }
        return String.format(Locale.ROOT, "%,.2f", value);
    }
}
