package dev.wsctl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.aws.AwsClients;
import dev.wsctl.aws.AwsSetupException;
import dev.wsctl.config.StackConfig;
import dev.wsctl.deploy.DeployException;
import dev.wsctl.deploy.FunctionCode;
import dev.wsctl.doctor.Doctor;
import dev.wsctl.doctor.Finding;
import dev.wsctl.json.Json;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code wsctl doctor}: what the account and region allow, and how the deployed stack stands against it. */
@Command(
        name = "doctor",
        description = {
            "Check the AWS account, region and deployed stack against what wsctl needs.",
            "Credentials and region; whether the caller may do what deploy and the operations need (IAM policy"
                    + " simulation); API Gateway's account throttle, Lambda's unreserved concurrency and the"
                    + " new-connections quota; with a deployed stack, its largest channel, how long a broadcast to it"
                    + " takes, fan-out shards against Lambda's concurrency, TTL, SnapStart and drift.",
            "One line per finding, OK, WARN or FAIL, each WARN and FAIL with a fix; exit code 1 when anything"
                    + " failed (docs/observability.md)."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DeployedStackOptions target;

    private final Context context;

    public DoctorCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        StackConfig config = target.stack.load(context.env(), target.aws);
        List<Finding> findings;
        try (AwsClients clients = context.aws().connect(target.aws, config, context.env())) {
            findings = new Doctor(config, clients, FunctionCode.embedded(), context.roleRetry()).run();
        } catch (DeployException noHandlers) {
            throw new CliException(ExitCode.FAILED, noHandlers.getMessage(), noHandlers);
        } catch (AwsSetupException noRegion) {
            findings = List.of(new Finding(
                    "region", Finding.Status.FAIL, "No AWS region.", java.util.Optional.of(noRegion.getMessage())));
        }
        print(spec.commandLine().getOut(), findings);
        return findings.stream().anyMatch(f -> f.status() == Finding.Status.FAIL) ? ExitCode.FAILED : ExitCode.OK;
    }

    private void print(PrintWriter out, List<Finding> findings) {
        if (target.output.format() == OutputOptions.Format.TABLE) {
            for (Finding f : findings) {
                out.printf("%-4s  %-18s  %s%n", f.status(), f.check(), f.detail());
                f.fix().ifPresent(fix -> out.printf("%-4s  %-18s  fix: %s%n", "", "", fix));
            }
        } else {
            ObjectNode json = Json.object();
            var list = json.putArray("findings");
            for (Finding f : findings) {
                ObjectNode node = list.addObject()
                        .put("check", f.check())
                        .put("status", f.status().name())
                        .put("detail", f.detail());
                f.fix().ifPresentOrElse(fix -> node.put("fix", fix), () -> node.putNull("fix"));
            }
            ObjectNode counts = json.putObject("counts");
            for (Finding.Status s : Finding.Status.values()) {
                counts.put(
                        s.name().toLowerCase(Locale.ROOT),
                        findings.stream().filter(f -> f.status() == s).count());
            }
            StackCommand.print(out, json, target.output);
        }
        out.flush();
    }
}
