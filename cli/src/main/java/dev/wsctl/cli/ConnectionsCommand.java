package dev.wsctl.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.aws.AwsErrors;
import dev.wsctl.json.Json;
import dev.wsctl.local.SqliteConnectionStore;
import dev.wsctl.ops.ConnectionAdmin;
import dev.wsctl.ops.Target;
import dev.wsctl.store.ConnectionInfo;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * {@code wsctl connections list|show|kick|gc}: who is connected, on a deployed stack or (with
 * {@code --local}) the local one. Data on stdout ({@code -o table|json|yaml}), messages on stderr.
 */
@Command(
        name = "connections",
        description = "List, inspect, disconnect and sweep the connections of a running stack.",
        mixinStandardHelpOptions = true,
        subcommands = {
            ConnectionsCommand.ListConnections.class,
            ConnectionsCommand.ShowConnection.class,
            ConnectionsCommand.KickConnection.class,
            ConnectionsCommand.SweepConnections.class
        })
public final class ConnectionsCommand implements Runnable {
    /** Local ids are base64url and may start with '-', which picocli would read as an option but for {@code --}. */
    static final String ID_HELP =
            "The connection id; one that starts with '-' goes after --" + " (connections kick -- -AbC…=).";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: list, show, kick or gc.");
    }

    /** Opens the target, runs {@code work}, closes it; AWS and store failures become exit 1 with one sentence. */
    static int onTarget(
            Context context,
            RunningStackOptions options,
            int concurrency,
            String doing,
            Function<ConnectionAdmin, Integer> work) {
        try (Target target = options.open(context, concurrency)) {
            try {
                return work.apply(new ConnectionAdmin(target));
            } catch (SdkException e) {
                throw new CliException(ExitCode.FAILED, AwsErrors.explain(doing + " on " + target.name(), e), e);
            } catch (SqliteConnectionStore.StoreException e) {
                throw new CliException(
                        ExitCode.FAILED, "Could not " + doing + " on " + target.name() + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The limit that {@code --limit} and {@code --all} give: every row with {@code --all}, which does not go
     * with an explicit {@code --limit}.
     */
    static int limit(CommandSpec spec, int limit, boolean all) {
        if (all && spec.commandLine().getParseResult().hasMatchedOption("--limit")) {
            throw CliException.usage("--all and --limit do not go together: --all lists every row.");
        }
        return all ? Integer.MAX_VALUE : limit;
    }

    /** In a table, the rows left out are said on stderr, after the rows; JSON and YAML carry {@code more}. */
    static void sayMore(PrintWriter err, long more, String what) {
        if (more > 0) {
            err.println(more + " more " + what + " not listed; --all lists every one, --limit N the first N.");
            err.flush();
        }
    }

    static String iso(long epochMillis) {
        return epochMillis <= 0 ? null : Instant.ofEpochMilli(epochMillis).toString();
    }

    static String orDash(Object value) {
        return value == null ? "-" : value.toString();
    }

    /** One line of {@code connections show}'s table. */
    private static void field(PrintWriter out, String name, String value) {
        out.printf("%-14s %s%n", name, orDash(value));
    }

    static ObjectNode json(ConnectionAdmin.Stored c, boolean withChannels) {
        ObjectNode node = Json.object();
        node.put("connectionId", c.connectionId());
        node.put("sub", c.info().map(ConnectionInfo::sub).orElse(null));
        node.put("connectedAt", c.info().map(i -> iso(i.connectedAt())).orElse(null));
        if (withChannels) {
            ArrayNode channels = node.putArray("channels");
            c.channels().forEach(channels::add);
        }
        return node;
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "List connections: id, user (sub), connect time and channels, in id order.",
                "Reads the connections' meta rows (or, with --channel, the channel's subscribers); never scans.",
                "Says how many more there are past --limit (table: on stderr; json/yaml: \"more\")."
            })
    public static final class ListConnections implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        @Option(names = "--channel", paramLabel = "CHANNEL", description = "Only the subscribers of CHANNEL.")
        String channel;

        @Option(
                names = "--limit",
                paramLabel = "N",
                defaultValue = "100",
                description = "At most N connections (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--all", description = "Every connection, page by page (not with --limit).")
        boolean all;

        private final Context context;

        public ListConnections(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            if (limit < 1) {
                throw CliException.usage("--limit must be at least 1, not " + limit + ".");
            }
            int rows = limit(spec, limit, all);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            return onTarget(context, target, 4, "list connections", admin -> {
                var listing = admin.list(Optional.ofNullable(channel), rows);
                var connections = listing.connections();
                if (target.output().format() == OutputOptions.Format.TABLE) {
                    out.printf("%-20s %-20s %-26s %s%n", "CONNECTION", "SUB", "CONNECTED", "CHANNELS");
                    for (var c : connections) {
                        out.printf(
                                "%-20s %-20s %-26s %s%n",
                                c.connectionId(),
                                orDash(c.info().map(ConnectionInfo::sub).orElse(null)),
                                orDash(c.info().map(i -> iso(i.connectedAt())).orElse(null)),
                                String.join(",", c.channels()));
                    }
                    out.flush();
                    sayMore(err, listing.more(), "connections");
                } else {
                    ObjectNode json = Json.object();
                    ArrayNode array = json.putArray("connections");
                    connections.forEach(c -> array.add(json(c, true)));
                    json.put("more", listing.more());
                    StackCommand.print(out, json, target.output());
                }
                out.flush();
                return ExitCode.OK;
            });
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Show one connection: its store rows and, from the gateway, its live socket.",
                "Exit 1 when the connection has neither a socket nor rows."
            })
    public static final class ShowConnection implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        @Parameters(paramLabel = "ID", description = ID_HELP)
        String id;

        private final Context context;

        public ShowConnection(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            return onTarget(context, target, 4, "show connection " + id, admin -> {
                var details = admin.show(id);
                var rows = details.rows();
                if (details.socket().isEmpty() && !rows.exists()) {
                    throw new CliException(
                            ExitCode.FAILED, "Connection " + id + " is gone (no socket) and has no rows.");
                }
                if (details.socket().isEmpty()) {
                    err.println("connection " + id + " is gone (no socket); its rows: "
                            + (rows.info().isPresent() ? "meta row" : "no meta row") + ", channels "
                            + (rows.channels().isEmpty() ? "none" : String.join(",", rows.channels()))
                            + ". `wsctl connections kick " + (id.startsWith("-") ? "-- " : "") + id
                            + "` or `gc` removes them.");
                    err.flush();
                }
                ObjectNode json = json(rows, true);
                json.put("sourceIp", rows.info().map(ConnectionInfo::sourceIp).orElse(null));
                json.put("gone", details.socket().isEmpty());
                ObjectNode socket = details.socket()
                        .map(s -> {
                            ObjectNode node = Json.object();
                            node.put("connectedAt", Objects.toString(s.connectedAt(), null));
                            node.put("lastActiveAt", Objects.toString(s.lastActiveAt(), null));
                            node.put("sourceIp", s.sourceIp());
                            return node;
                        })
                        .orElse(null);
                json.set("socket", socket);
                if (target.output().format() == OutputOptions.Format.TABLE) {
                    field(out, "connectionId", id);
                    field(out, "sub", json.get("sub").textValue());
                    field(out, "connectedAt", json.get("connectedAt").textValue());
                    field(out, "sourceIp", json.get("sourceIp").textValue());
                    field(out, "channels", String.join(",", rows.channels()));
                    field(out, "socket", socket == null ? "gone" : "open");
                    if (socket != null) {
                        field(out, "lastActiveAt", socket.get("lastActiveAt").textValue());
                        field(out, "liveSourceIp", socket.get("sourceIp").textValue());
                    }
                } else {
                    StackCommand.print(out, json, target.output());
                }
                out.flush();
                return ExitCode.OK;
            });
        }
    }

    @Command(
            name = "kick",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Disconnect a connection (DeleteConnection) and remove its rows.",
                "With --reason, first send it a final frame {\"type\":\"kicked\",\"reason\":REASON}.",
                "A connection that is already gone only loses its rows."
            })
    public static final class KickConnection implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        @Parameters(paramLabel = "ID", description = ID_HELP)
        String id;

        @Option(
                names = "--reason",
                paramLabel = "TEXT",
                description = "Tell the client why, in a final {\"type\":\"kicked\",\"reason\":TEXT} frame.")
        String reason;

        private final Context context;

        public KickConnection(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            return onTarget(context, target, 4, "kick connection " + id, admin -> {
                var kick = admin.kick(id, Optional.ofNullable(reason));
                if (kick.gone() && kick.rowsRemoved() == 0) {
                    throw new CliException(
                            ExitCode.FAILED, "Connection " + id + " is gone (no socket) and has no rows.");
                }
                err.println(
                        kick.gone()
                                ? "connection " + id + " was already gone; removed its " + kick.rowsRemoved() + " rows"
                                : "kicked " + id + (kick.notified() ? " (told it why)" : "") + "; removed "
                                        + kick.rowsRemoved() + " rows");
                err.flush();
                if (target.output().format() != OutputOptions.Format.TABLE) {
                    ObjectNode json = Json.object();
                    json.put("connectionId", id);
                    json.put("gone", kick.gone());
                    json.put("notified", kick.notified());
                    json.put("rowsRemoved", kick.rowsRemoved());
                    StackCommand.print(out, json, target.output());
                    out.flush();
                }
                return ExitCode.OK;
            });
        }
    }

    @Command(
            name = "gc",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Remove the rows of connections whose socket is gone ($disconnect is best effort).",
                "Asks the gateway about every stored connection (GetConnection), N at a time.",
                "Exit 3 when some checks failed."
            })
    public static final class SweepConnections implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        @Option(
                names = "--concurrency",
                paramLabel = "N",
                defaultValue = "16",
                description = "GetConnection calls in flight at once (default: ${DEFAULT-VALUE}).")
        int concurrency;

        private final Context context;

        public SweepConnections(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            if (concurrency < 1) {
                throw CliException.usage("--concurrency must be at least 1, not " + concurrency + ".");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            return onTarget(context, target, concurrency, "sweep connections", admin -> {
                ConnectionAdmin.Sweep sweep;
                try {
                    sweep = admin.sweep(concurrency);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CliException(ExitCode.FAILED, "Interrupted while sweeping connections.", e);
                }
                sweep.failures().forEach(f -> err.println("gc: " + f));
                err.flush();
                if (target.output().format() == OutputOptions.Format.TABLE) {
                    out.printf(
                            "checked %d, live %d, removed %d, failed %d%n",
                            sweep.checked(), sweep.live(), sweep.removed(), sweep.failed());
                } else {
                    ObjectNode json = Json.object();
                    json.put("checked", sweep.checked());
                    json.put("live", sweep.live());
                    json.put("removed", sweep.removed());
                    json.put("failed", sweep.failed());
                    StackCommand.print(out, json, target.output());
                }
                out.flush();
                return sweep.failed() > 0 ? ExitCode.PARTIAL : ExitCode.OK;
            });
        }
    }
}
