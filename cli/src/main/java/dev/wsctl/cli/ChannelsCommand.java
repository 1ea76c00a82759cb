package dev.wsctl.cli;

import static dev.wsctl.cli.ConnectionsCommand.iso;
import static dev.wsctl.cli.ConnectionsCommand.onTarget;
import static dev.wsctl.cli.ConnectionsCommand.orDash;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import dev.wsctl.protocol.ChannelName;
import dev.wsctl.protocol.Member;
import dev.wsctl.protocol.Members;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.HistoryStore;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code wsctl channels list|inspect|history}: which channels have subscribers, who they are, and what a history
 * channel keeps.
 */
@Command(
        name = "channels",
        description = "List the channels of a running stack, inspect their subscribers, and show what a history"
                + " channel keeps.",
        mixinStandardHelpOptions = true,
        subcommands = {
            ChannelsCommand.ListChannels.class,
            ChannelsCommand.InspectChannel.class,
            ChannelsCommand.ChannelHistory.class
        })
public final class ChannelsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: list, inspect or history.");
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "List every channel with subscribers, and how many, in name order; for presence-* channels also how"
                        + " many members (users) they have.",
                "On a deployed stack this reads the whole by-channel index (a Scan): an admin listing."
            })
    public static final class ListChannels implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        private final Context context;

        public ListChannels(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            return onTarget(context, target, 4, "list channels", admin -> {
                var counts = admin.channels();
                // a presence channel's member count: one more Query each
                Map<String, Long> members = new TreeMap<>();
                counts.keySet().stream()
                        .filter(ChannelName::isPresence)
                        .forEach(channel ->
                                members.put(channel, admin.members(channel).count()));
                if (target.output().format() == OutputOptions.Format.TABLE) {
                    out.printf("%-40s %-12s %s%n", "CHANNEL", "SUBSCRIBERS", "MEMBERS");
                    counts.forEach((channel, n) -> out.printf(
                            "%-40s %-12d %s%n",
                            channel,
                            n,
                            members.containsKey(channel) ? members.get(channel).toString() : "-"));
                } else {
                    ObjectNode json = Json.object();
                    ArrayNode array = json.putArray("channels");
                    counts.forEach((channel, n) -> {
                        ObjectNode row =
                                array.addObject().put("channel", channel).put("subscribers", n);
                        if (members.containsKey(channel)) {
                            row.put("members", members.get(channel));
                        }
                    });
                    StackCommand.print(out, json, target.output());
                }
                out.flush();
                return ExitCode.OK;
            });
        }
    }

    /** {@code {"count", "members": [{"user", "info"}], "truncated"}}, as the protocol's joined frame. */
    static ObjectNode presenceJson(Members members) {
        ObjectNode presence = Json.object();
        presence.put("count", members.count());
        ArrayNode list = presence.putArray("members");
        for (Member m : members.listed()) {
            ObjectNode member = list.addObject().put("user", m.user());
            if (m.info() != null) {
                try {
                    member.set("info", Json.read(m.info()));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("a member's info in the store is not JSON", e);
                }
            }
        }
        presence.put("truncated", members.truncated());
        return presence;
    }

    @Command(
            name = "inspect",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Show a channel's subscriber count and its subscribers with user (sub) and connect time; for a"
                        + " presence-* channel also its member count and first 100 members with their info.",
                "Says how many more there are past --limit (table: on stderr; json/yaml: \"more\")."
            })
    public static final class InspectChannel implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        @Parameters(paramLabel = "NAME", description = "The channel.")
        String channel;

        @Option(
                names = "--limit",
                paramLabel = "N",
                defaultValue = "100",
                description = "List at most N subscribers; the count covers all (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--all", description = "List every subscriber, page by page (not with --limit).")
        boolean all;

        private final Context context;

        public InspectChannel(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            if (limit < 0) {
                throw CliException.usage("--limit must not be negative, not " + limit + ".");
            }
            int rows = ConnectionsCommand.limit(spec, limit, all);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            return onTarget(context, target, 4, "inspect channel " + channel, admin -> {
                var inspected = admin.inspect(channel, rows);
                Optional<Members> presence =
                        ChannelName.isPresence(channel) ? Optional.of(admin.members(channel)) : Optional.empty();
                if (target.output().format() == OutputOptions.Format.TABLE) {
                    out.printf("channel %s: %d subscribers%n", channel, inspected.count());
                    if (!inspected.subscribers().isEmpty()) {
                        out.printf("%-20s %-20s %s%n", "CONNECTION", "SUB", "CONNECTED");
                    }
                    for (var s : inspected.subscribers()) {
                        out.printf(
                                "%-20s %-20s %s%n",
                                s.connectionId(),
                                orDash(s.info().map(ConnectionInfo::sub).orElse(null)),
                                orDash(s.info().map(i -> iso(i.connectedAt())).orElse(null)));
                    }
                    presence.ifPresent(members -> {
                        out.printf("%d members%s%n", members.count(), members.truncated() ? " (first 100 listed)" : "");
                        if (!members.listed().isEmpty()) {
                            out.printf("%-20s %s%n", "MEMBER", "INFO");
                        }
                        members.listed().forEach(m -> out.printf("%-20s %s%n", m.user(), orDash(m.info())));
                    });
                    out.flush();
                    ConnectionsCommand.sayMore(err, inspected.more(), "subscribers");
                } else {
                    ObjectNode json = Json.object();
                    json.put("channel", channel);
                    json.put("count", inspected.count());
                    ArrayNode array = json.putArray("subscribers");
                    inspected.subscribers().forEach(s -> array.add(ConnectionsCommand.json(s, false)));
                    json.put("more", inspected.more());
                    presence.ifPresent(members -> json.set("presence", presenceJson(members)));
                    StackCommand.print(out, json, target.output());
                }
                out.flush();
                return ExitCode.OK;
            });
        }
    }

    @Command(
            name = "history",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Print the messages a history channel keeps (history.channels in the config), oldest first: each one's"
                        + " offset, epoch, sentAt, sender and message, as subscribers received it.",
                "These are what a client that reconnects with since {epoch, offset} can recover; a channel idle for"
                        + " longer than history.ttl keeps none.",
                "On a deployed stack this reads the history table ({app}-{stage}-history): one GetItem and one Query."
            })
    public static final class ChannelHistory implements Callable<Integer> {
        /** The most messages one listing prints: as many as a channel can keep (history.size). */
        static final int MAX_LIMIT = 1000;

        @Spec
        CommandSpec spec;

        @Mixin
        RunningStackOptions target;

        @Parameters(paramLabel = "CHANNEL", description = "The history channel.")
        String channel;

        @Option(
                names = "--limit",
                paramLabel = "N",
                defaultValue = "100",
                description = "Print the latest N messages, 1 to " + MAX_LIMIT + " (default: ${DEFAULT-VALUE}).")
        int limit;

        private final Context context;

        public ChannelHistory(Context context) {
            this.context = context;
        }

        @Override
        public Integer call() {
            String problem = ChannelName.problem(channel);
            if (problem != null) {
                throw CliException.usage("Channel '" + channel + "': " + problem + ".");
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw CliException.usage("--limit must be 1 to " + MAX_LIMIT + ", not " + limit + ".");
            }
            PrintWriter out = spec.commandLine().getOut();
            return onTarget(context, target, 1, "read the history of channel " + channel, admin -> {
                List<HistoryStore.Message> messages = admin.history(channel, limit)
                        .orElseThrow(() -> CliException.usage("Channel " + channel
                                + " keeps no history: history.channels in the config does not name it."));
                List<ObjectNode> rows = new ArrayList<>();
                messages.forEach(m -> rows.add(row(m)));
                if (target.output().format() == OutputOptions.Format.TABLE) {
                    out.printf("%-8s %-36s %-24s %-20s %s%n", "OFFSET", "EPOCH", "SENT", "SENDER", "MESSAGE");
                    rows.forEach(r -> out.printf(
                            "%-8d %-36s %-24s %-20s %s%n",
                            r.get("offset").asLong(),
                            r.get("epoch").asText(),
                            orDash(iso(r.path("sentAt").asLong())),
                            orDash(
                                    r.path("sender").isTextual()
                                            ? r.get("sender").asText()
                                            : null),
                            Json.write(r.path("message"))));
                } else {
                    ObjectNode json = Json.object();
                    json.put("channel", channel);
                    ArrayNode array = json.putArray("messages");
                    array.addAll(rows);
                    StackCommand.print(out, json, target.output());
                }
                out.flush();
                return ExitCode.OK;
            });
        }

        /** {offset, epoch, sentAt, sender, message} from a kept message's delivery frame. */
        private static ObjectNode row(HistoryStore.Message m) {
            JsonNode frame;
            try {
                frame = Json.read(m.frame());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a kept message in the history is not JSON", e);
            }
            ObjectNode row = Json.object().put("offset", m.offset()).put("epoch", m.epoch());
            row.set("sentAt", frame.path("sentAt").isMissingNode() ? null : frame.get("sentAt"));
            row.set("sender", frame.path("sender").isMissingNode() ? null : frame.get("sender"));
            row.set("message", frame.path("message").isMissingNode() ? null : frame.get("message"));
            return row;
        }
    }
}
