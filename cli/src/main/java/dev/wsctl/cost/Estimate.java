package dev.wsctl.cost;

import dev.wsctl.config.StackConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What a month of a workload costs on a stack, meter by meter: what {@code wsctl cost} prints. Every figure comes
 * from the workload, the stack's configuration (memory, architecture, auth, default channel, history, fan-out shard
 * size), the assumptions named below (each printed in the notes) and a region's {@link Prices}.
 *
 * @param lines one per meter, in the order printed
 * @param notes the assumptions behind the volumes
 */
public record Estimate(Workload workload, Prices.Region prices, List<Line> lines, double totalUsd, List<String> notes) {

    /** A 30-day month. */
    public static final int DAYS = 30;
    /** API Gateway closes a connection after 2 hours; clients reconnect. */
    public static final double RECONNECT_HOURS = 2;
    /** API Gateway meters messages in 32 KB increments: a 33 KB message counts as two (its pricing page). */
    public static final int MESSAGE_UNIT_BYTES = 32 * 1024;
    /** The monthly messages priced at the first tier. */
    public static final double FIRST_TIER_MESSAGES = 1e9;
    /** Billed duration of {@code $connect}, the authorizer, a join and {@code $disconnect}. */
    public static final double CHURN_MILLIS = 30;
    /** Billed duration of a {@code ping} on the default function. */
    public static final double PING_MILLIS = 5;
    /** Billed duration of a {@code sendmessage} before its posts. */
    public static final double SEND_MILLIS = 30;
    /** Function time per recipient of a fan-out (posts in parallel at the default concurrency). */
    public static final double POST_MILLIS = 1.1;
    /** Write units of one row and its {@code by-channel} index entry (each row is in the index). */
    public static final int ROW_WRITE_UNITS = 2;
    /** Size of one {@code by-channel} index entry as a Query reads it (keys only). */
    public static final int INDEX_ENTRY_BYTES = 72;
    /** Key attributes and offsets a history item carries beside the message. */
    public static final int HISTORY_ITEM_OVERHEAD_BYTES = 100;
    /** Bytes wsctl's handler writes to the function's log per invocation (one JSON line). */
    public static final int LOG_LINE_BYTES = 200;
    /** Bytes of Lambda's own log lines per invocation (platform start and report, JSON format). */
    public static final int PLATFORM_LOG_BYTES = 500;
    /** Bytes of one Embedded Metric Format line. */
    public static final int EMF_LINE_BYTES = 300;
    /** Bytes in a GB as AWS bills data transfer and log ingestion. */
    public static final double GB = 1024.0 * 1024 * 1024;

    /**
     * One meter.
     *
     * @param meter  what is billed
     * @param volume how much of it, in {@code unit}
     * @param detail where the volume comes from
     * @param price  the price applied, as the pricing page says it
     * @param usd    this month's charge
     */
    public record Line(String meter, double volume, String unit, String detail, String price, double usd) {}

    /** The estimate for {@code workload} on the stack {@code config} describes, at {@code prices}. */
    public static Estimate of(Workload workload, StackConfig config, Prices.Region prices) {
        Workload w = workload;
        double hoursPerMonth = w.hoursPerDay() * DAYS;
        double connectionMinutes = w.connections() * hoursPerMonth * 60;
        double publishes = w.messagesPerMinute() * hoursPerMonth * 60;
        long units = Math.max(1, (w.bytes() + MESSAGE_UNIT_BYTES - 1) / MESSAGE_UNIT_BYTES);
        double cycles = w.connections() * DAYS * Math.max(1, w.hoursPerDay() / RECONNECT_HOURS);
        double pings = w.pingMinutes() == 0 ? 0 : connectionMinutes / w.pingMinutes();
        double joins = cycles; // one joinchannel per connection, answered with joined
        List<Line> lines = new ArrayList<>();
        List<String> notes = new ArrayList<>();

        lines.add(new Line(
                "API Gateway connection minutes",
                connectionMinutes,
                "minutes",
                fmt(w.connections()) + " connections × " + fmt(hoursPerMonth * 60) + " min",
                prices.connectionMinutes().toString(),
                connectionMinutes * prices.connectionMinutes().usd() / 1e6));

        double toClients = publishes * w.recipients() * units + joins + pings;
        double fromClients = publishes * units + joins + pings;
        double messages = toClients + fromClients;
        double messagesUsd =
                Math.min(messages, FIRST_TIER_MESSAGES) * prices.messages().usd() / 1e6
                        + Math.max(0, messages - FIRST_TIER_MESSAGES)
                                * prices.messagesAbove().usd()
                                / 1e6;
        lines.add(new Line(
                "API Gateway messages",
                messages,
                "messages",
                "to clients " + fmt(toClients) + " (" + fmt(publishes) + " messages × " + fmt(w.recipients())
                        + " recipients × " + units + " unit" + (units == 1 ? "" : "s") + ", joined and pong answers);"
                        + " from clients " + fmt(fromClients) + " (sendmessage, joinchannel, ping)",
                prices.messages() + " (first billion)",
                messagesUsd));

        // Lambda: invocations and billed milliseconds per function
        boolean inline = w.recipients() <= config.fanout().shardSize();
        double workers =
                inline ? 0 : Math.ceil((double) w.recipients() / config.fanout().shardSize());
        double[] invocations = {
            cycles, // connect
            cycles, // disconnect
            joins, // channels
            config.auth().enabled() ? cycles : 0, // authorize
            pings, // default
            publishes, // send
            publishes * workers // fanout
        };
        double[] millis = {
            CHURN_MILLIS,
            CHURN_MILLIS,
            CHURN_MILLIS,
            CHURN_MILLIS,
            PING_MILLIS,
            SEND_MILLIS + (inline ? w.recipients() * POST_MILLIS : 0),
            workers == 0 ? 0 : w.recipients() * POST_MILLIS / workers
        };
        String[] functions = {
            "connect", "disconnect", "channels", StackConfig.AUTHORIZE, "default", "send", StackConfig.FANOUT
        };
        double requests = 0;
        double gbSeconds = 0;
        for (int i = 0; i < functions.length; i++) {
            requests += invocations[i];
            gbSeconds += invocations[i] * millis[i] / 1000 * config.memory().of(functions[i]) / 1024.0;
        }
        boolean arm = config.architecture() == StackConfig.Architecture.ARM64;
        Prices.Price compute = arm ? prices.lambdaArm() : prices.lambdaX86();
        lines.add(new Line(
                "Lambda requests",
                requests,
                "requests",
                fmt(cycles) + " reconnects × (connect, joinchannel, disconnect"
                        + (config.auth().enabled() ? ", authorize" : "") + "), " + fmt(pings) + " pings, "
                        + fmt(publishes) + " sends" + (inline ? "" : " + " + fmt(workers) + " fanout workers each"),
                prices.lambdaRequests().toString(),
                requests * prices.lambdaRequests().usd() / 1e6));
        lines.add(new Line(
                "Lambda compute",
                gbSeconds,
                "GB-seconds",
                "at the configured memory, " + config.architecture().value(),
                compute.toString(),
                gbSeconds * compute.usd()));

        // DynamoDB
        int rowsPerConnection = 1 + (config.defaultChannel().isPresent() ? 1 : 0) + 1; // meta, default, joined
        double writes = cycles * rowsPerConnection * ROW_WRITE_UNITS * 2; // written, then deleted
        double reads = cycles * 1 // the disconnect's Query of the connection's rows
                + publishes
                        * (1 // the sender's subscription
                                + 0.5 * Math.ceil((double) w.recipients() * INDEX_ENTRY_BYTES / 4096));
        String writeDetail = fmt(rowsPerConnection * ROW_WRITE_UNITS * 2) + " per connection (" + rowsPerConnection
                + " rows and their index entries, written and deleted)";
        String readDetail =
                "1 per connection, " + fmt(1 + 0.5 * Math.ceil((double) w.recipients() * INDEX_ENTRY_BYTES / 4096))
                        + " per message (the sender's subscription, the subscribers from the index)";
        if (config.history().enabled()) {
            long messageUnits = (w.bytes() + HISTORY_ITEM_OVERHEAD_BYTES + 1023) / 1024;
            writes += publishes * (1 + messageUnits);
            long recoveryUnits = 1 + (w.bytes() + HISTORY_ITEM_OVERHEAD_BYTES + 4095) / 4096;
            reads += cycles * recoveryUnits;
            writeDetail += ", " + (1 + messageUnits) + " per message kept in history";
            readDetail += ", " + recoveryUnits + " per reconnect recovering a message";
            notes.add("History: every message is on a history channel and every reconnect recovers one message.");
        }
        lines.add(new Line(
                "DynamoDB writes",
                writes,
                "write request units",
                writeDetail,
                prices.writeRequestUnits().toString(),
                writes * prices.writeRequestUnits().usd() / 1e6));
        lines.add(new Line(
                "DynamoDB reads",
                reads,
                "read request units",
                readDetail,
                prices.readRequestUnits().toString(),
                reads * prices.readRequestUnits().usd() / 1e6));

        double emfLines = cycles * 2 + publishes * (2 + workers); // connects, disconnects; published, fan-out reports
        double logBytes = requests * (LOG_LINE_BYTES + PLATFORM_LOG_BYTES) + emfLines * EMF_LINE_BYTES;
        lines.add(new Line(
                "CloudWatch Logs ingestion",
                logBytes / GB,
                "GB",
                fmt(requests) + " invocations × " + (LOG_LINE_BYTES + PLATFORM_LOG_BYTES) + " B, " + fmt(emfLines)
                        + " metric lines × " + EMF_LINE_BYTES + " B",
                prices.logsIngestion().toString(),
                logBytes / GB * prices.logsIngestion().usd()));

        double outBytes = publishes * w.recipients() * (double) w.bytes();
        lines.add(new Line(
                "Data transfer out",
                outBytes / GB,
                "GB",
                fmt(publishes * w.recipients()) + " deliveries × " + fmt(w.bytes()) + " B",
                prices.dataTransferOut().toString(),
                outBytes / GB * prices.dataTransferOut().usd()));

        notes.add(
                0,
                "A " + DAYS + "-day month; list prices of " + prices.name() + " read on " + Prices.AS_OF
                        + "; free tiers left out; Lambda, Logs and data transfer at their first tier.");
        notes.add(
                1,
                "Clients reconnect every " + fmt(RECONNECT_HOURS) + " hours (API Gateway's limit) and join one"
                        + " channel each time; a message above a billion a month costs " + prices.messagesAbove()
                        + "; "
                        + (w.pingMinutes() == 0
                                ? "they never ping"
                                : "each pings every " + w.pingMinutes()
                                        + " minutes (a message each way and a default invocation)")
                        + "; messages flow while they are connected; the answers to joins count as messages.");
        notes.add(
                2,
                "Billed durations: " + fmt(CHURN_MILLIS) + " ms per connect, authorize, join and disconnect, "
                        + fmt(PING_MILLIS) + " ms per ping, " + fmt(SEND_MILLIS) + " ms per send plus " + POST_MILLIS
                        + " ms per recipient posted; above "
                        + fmt(config.fanout().shardSize()) + " recipients the posts run in"
                        + " fanout workers of that many.");
        notes.add(
                3,
                "Log lines: " + LOG_LINE_BYTES + " B from wsctl and " + PLATFORM_LOG_BYTES
                        + " B from Lambda per invocation, " + EMF_LINE_BYTES + " B per metric line.");
        notes.add(
                4,
                "DynamoDB: every row is in the by-channel index (2 write units per row written or deleted);"
                        + " an index entry is " + INDEX_ENTRY_BYTES
                        + " B, read eventually consistent (half a unit per 4 KB).");
        double total = lines.stream().mapToDouble(Line::usd).sum();
        return new Estimate(w, prices, List.copyOf(lines), total, List.copyOf(notes));
    }

    /** A number as the report shows it: grouped thousands, at most two decimals. */
    static String fmt(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.format(java.util.Locale.ROOT, "%,d", (long) value);
        }
        return String.format(java.util.Locale.ROOT, "%,.2f", value);
    }
}
