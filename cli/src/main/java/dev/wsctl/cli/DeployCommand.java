package dev.wsctl.cli;

import dev.wsctl.deploy.Engine;
import dev.wsctl.deploy.Plan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code wsctl deploy}: create or bring up to date every resource of the stack. */
@Command(name = "deploy",
        description = {
                "Create or update the stack {app}-{stage} in your AWS account: the connection table, the",
                "WebSocket API with its routes and stage, and one Lambda function and IAM role per handler.",
                "Prints the plan (+ create, ~ update, = unchanged), applies it in dependency order and prints",
                "the endpoints. Safe to run again: a deploy with nothing to change changes nothing."},
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class DeployCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    StackTarget target;

    @Option(names = "--dry-run", description = "Print the plan and change nothing.")
    boolean dryRun;

    @Option(names = "--handlers-jar", paramLabel = "PATH", description = "Deploy this build of the handlers instead of the one inside wsctl.")
    Path handlersJar;

    private final Context context;

    public DeployCommand() {
        this(Context.system());
    }

    public DeployCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
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
            var endpoints = plan.changesAnything() ? service.endpoints(apply(service, plan, err).outputs())
                    : service.endpoints(planned.outputs());
            if (!plan.changesAnything()) {
                err.println("No changes: the stack is as configured.");
            }
            if (target.output.format() == OutputOptions.Format.TABLE) {
                out.println();
                endpoints.forEach((k, v) -> out.printf("%-18s %s%n", k, v));
            } else {
                StackCommand.print(out, StackCommand.map(endpoints), target.output);
            }
            out.flush();
            return ExitCode.OK;
        });
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
