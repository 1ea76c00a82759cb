package dev.wsctl.cli;

import dev.wsctl.deploy.CloudFormationDeploy;
import dev.wsctl.deploy.Plan;
import java.io.Console;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wsctl destroy}: delete every resource of the stack, last created first. */
@Command(
        name = "destroy",
        description = {
            "Delete every resource of the stack {app}-{stage}, in reverse dependency order.",
            "Resources already gone count as deleted, so running it again is harmless. Asks for confirmation on a"
                    + " terminal; elsewhere (CI) it needs --yes.",
            "With --engine cloudformation it deletes the CloudFormation stack that deploy --engine cloudformation"
                    + " made, with the stack's events as progress."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class DestroyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DeployedStackOptions target;

    @Mixin
    EngineOption engine;

    @Option(
            names = {"-y", "--yes"},
            description = "Do not ask; required when standard input is not a terminal.")
    boolean yes;

    private final Context context;

    public DestroyCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Console console = System.console();
        if (!yes && console == null) {
            throw CliException.usage("destroy deletes the stack and its connections; pass --yes to confirm"
                    + " (standard input is not a terminal, so wsctl cannot ask).");
        }
        if (engine.cloudFormation()) {
            return StackCommand.connect(context, target, null, (config, clients, code) -> {
                var stack = new CloudFormationDeploy(config, clients, context.cloudFormationPolling());
                if (!confirmed(stack.destroyPlan(), console, err)) {
                    return ExitCode.FAILED;
                }
                Plan done = stack.destroy(line -> {
                    err.println(line);
                    err.flush();
                });
                StackCommand.printPlan(out, done, target.output);
                out.flush();
                return ExitCode.OK;
            });
        }
        return StackCommand.run(context, target, null, service -> {
            if (!confirmed(service.destroyPlan(), console, err)) {
                return ExitCode.FAILED;
            }
            Plan done = service.destroy(step -> {
                err.println(step.line());
                err.flush();
            });
            StackCommand.printPlan(out, done, target.output);
            out.flush();
            return ExitCode.OK;
        });
    }

    /** Shows what would go and, unless --yes, asks. */
    private boolean confirmed(Plan plan, Console console, PrintWriter err) {
        plan.lines().forEach(err::println);
        if (yes) {
            return true;
        }
        String answer = console.readLine("Delete these resources? Type 'yes': ");
        if (answer == null || !answer.trim().equals("yes")) {
            err.println("Nothing deleted.");
            return false;
        }
        return true;
    }
}
