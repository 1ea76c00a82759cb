package dev.wsctl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.deploy.CloudFormationDeploy;
import dev.wsctl.deploy.Engine;
import dev.wsctl.deploy.Plan;
import dev.wsctl.deploy.Template;
import dev.wsctl.json.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wsctl deploy}: create or bring up to date every resource of the stack. */
@Command(
        name = "deploy",
        description = {
            "Create or update the stack {app}-{stage} in your AWS account.",
            "The stack is the connection table, the WebSocket API with its routes and stage, and one Lambda function"
                    + " and IAM role per handler.",
            "Prints the plan (+ create, ~ update, = unchanged), applies it in dependency order and prints the"
                    + " endpoints. Safe to run again: a deploy with nothing to change changes nothing.",
            "With --engine cloudformation the same stack goes through CloudFormation: the jar to --code-bucket,"
                    + " a change set (shown; --dry-run stops there), then its execution, with the stack's events as"
                    + " progress."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class DeployCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DeployedStackOptions target;

    @Option(names = "--dry-run", description = "Print the plan and change nothing.")
    boolean dryRun;

    @Option(
            names = "--handlers-jar",
            paramLabel = "PATH",
            description = "Deploy this build of the handlers instead of the one inside wsctl.")
    Path handlersJar;

    @Mixin
    EngineOption engine;

    @Option(
            names = "--code-bucket",
            paramLabel = "BUCKET",
            description =
                    "With --engine cloudformation: the S3 bucket the handlers' jar is uploaded to (it must exist).")
    String codeBucket;

    private final Context context;

    public DeployCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (engine.cloudFormation()) {
            return throughCloudFormation(out, err);
        }
        if (codeBucket != null) {
            throw CliException.usage("--code-bucket is for --engine cloudformation; the sdk engine uploads the code"
                    + " to Lambda itself");
        }
        return StackCommand.run(context, target, handlersJar, service -> {
            Engine.Result planned = service.plan();
            Plan plan = planned.plan();
            if (dryRun) {
                StackCommand.printPlan(out, plan, target.output);
                out.flush();
                return ExitCode.OK;
            }
            if (target.output.format() == OutputOptions.Format.TABLE) {
                plan.lines().forEach(out::println);
                out.flush();
            }
            var endpoints = plan.changesAnything()
                    ? service.endpoints(apply(service, plan, err).outputs())
                    : service.endpoints(planned.outputs());
            if (!plan.changesAnything()) {
                err.println("No changes: the stack is as configured.");
            }
            printEndpoints(out, endpoints);
            return ExitCode.OK;
        });
    }

    private int throughCloudFormation(PrintWriter out, PrintWriter err) {
        if (codeBucket == null || codeBucket.isBlank()) {
            throw CliException.usage("--engine cloudformation needs --code-bucket BUCKET: the S3 bucket that"
                    + " CloudFormation takes the handlers' jar from");
        }
        return StackCommand.connect(context, target, handlersJar, (config, clients, code) -> {
            var deploy = new CloudFormationDeploy(
                    config,
                    clients,
                    code,
                    codeBucket,
                    context.cloudFormationPolling(),
                    CloudFormationDeploy.timestampedNames());
            var result = deploy.deploy(dryRun, changeSet -> printChangeSet(out, changeSet), line -> {
                err.println(line);
                err.flush();
            });
            if (result.outcome() == CloudFormationDeploy.Outcome.DRY_RUN) {
                err.println("Dry run: change set deleted, stack " + config.prefix() + " unchanged.");
                return ExitCode.OK;
            }
            if (result.outcome() == CloudFormationDeploy.Outcome.NO_CHANGES) {
                err.println("No changes: stack " + config.prefix() + " is as configured.");
            }
            printEndpoints(out, result.endpoints());
            return ExitCode.OK;
        });
    }

    /** The change set as the plan is shown: a line per resource, or JSON/YAML. */
    private void printChangeSet(PrintWriter out, CloudFormationDeploy.ChangeSet changeSet) {
        if (target.output.format() == OutputOptions.Format.TABLE) {
            out.println("Change set (" + changeSet.type() + ") of stack " + changeSet.stack() + ":");
            changeSet.changes().forEach(c -> out.println(c.line()));
            changeSet.secret().ifPresent(s -> out.println("  " + Template.AUTH_SECRET + ": " + s));
            out.flush();
            return;
        }
        if (!dryRun) {
            return; // the endpoints are the JSON/YAML of a deploy
        }
        ObjectNode json = Json.object().put("stack", changeSet.stack()).put("changeSetType", changeSet.type());
        var changes = json.putArray("changes");
        for (var c : changeSet.changes()) {
            ObjectNode change = changes.addObject()
                    .put("action", c.action())
                    .put("logicalId", c.logicalId())
                    .put("type", c.type())
                    .put("replacement", c.replaced());
            c.properties().forEach(change.putArray("properties")::add);
        }
        changeSet.secret().ifPresent(s -> json.put("authSecret", s));
        StackCommand.print(out, json, target.output);
        out.flush();
    }

    private void printEndpoints(PrintWriter out, Map<String, String> endpoints) {
        if (target.output.format() == OutputOptions.Format.TABLE) {
            out.println();
            endpoints.forEach((k, v) -> out.printf("%-18s %s%n", k, v));
        } else {
            StackCommand.print(out, StackCommand.map(endpoints), target.output);
        }
        out.flush();
    }

    private static Engine.Result apply(dev.wsctl.deploy.DeployService service, Plan plan, PrintWriter err) {
        int total = plan.steps().size();
        AtomicInteger done = new AtomicInteger();
        return service.deploy(step -> {
            err.printf("[%d/%d] %s%n", done.incrementAndGet(), total, step.line());
            err.flush();
        });
    }
}
