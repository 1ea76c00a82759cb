package dev.wsctl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.deploy.Plan;
import dev.wsctl.json.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code wsctl status}: each resource present, missing or drifted, and the endpoints. */
@Command(
        name = "status",
        description =
                "Show each resource of the stack as present, missing, drifted (and how) or unwanted, and its endpoints.",
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DeployedStackOptions target;

    private final Context context;

    public StatusCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return StackCommand.run(context, target, null, service -> {
            var planned = service.plan();
            Plan plan = planned.plan();
            var endpoints = service.endpoints(planned.outputs());
            var connections = service.connectionCount();
            if (target.output.format() == OutputOptions.Format.TABLE) {
                for (Plan.Step s : plan.steps()) {
                    out.printf(
                            "%-10s %-10s %s%s%n",
                            state(s),
                            s.kind(),
                            s.name(),
                            s.changes().isEmpty()
                                    ? ""
                                    : "  ("
                                            + String.join(
                                                    ", ",
                                                    s.changes().stream()
                                                            .map(Object::toString)
                                                            .toList()) + ")");
                }
                out.println();
                endpoints.forEach((k, v) -> out.printf("%-18s %s%n", k, v));
                out.printf("%-18s %s%n", "connections", connections.isPresent() ? connections.getAsLong() : "no table");
            } else {
                ObjectNode json = Json.object();
                var resources = json.putArray("resources");
                for (Plan.Step s : plan.steps()) {
                    resources
                            .addObject()
                            .put("kind", s.kind())
                            .put("name", s.name())
                            .put("state", state(s));
                }
                json.set("endpoints", StackCommand.map(endpoints));
                if (connections.isPresent()) {
                    json.put("connections", connections.getAsLong());
                } else {
                    json.putNull("connections");
                }
                StackCommand.print(out, json, target.output);
            }
            out.flush();
            boolean healthy = plan.steps().stream().allMatch(s -> s.action() == Plan.Action.UNCHANGED);
            return healthy ? ExitCode.OK : ExitCode.PARTIAL;
        });
    }

    private static String state(Plan.Step s) {
        return switch (s.action()) {
            case CREATE -> "missing";
            case UPDATE -> "drifted";
            case DELETE -> "unwanted"; // exists, but the config says it must not (the authorizer, with auth off)
            default -> "present";
        };
    }
}
