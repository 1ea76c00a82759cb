package dev.wsctl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.aws.AwsClients;
import dev.wsctl.aws.AwsErrors;
import dev.wsctl.aws.AwsSetupException;
import dev.wsctl.config.StackConfig;
import dev.wsctl.deploy.DeployException;
import dev.wsctl.deploy.DeployService;
import dev.wsctl.deploy.FunctionCode;
import dev.wsctl.deploy.Plan;
import dev.wsctl.deploy.StepFailedException;
import dev.wsctl.json.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What deploy, destroy and status share: loading the config, opening the AWS clients, and turning
 * AWS failures into one sentence. A helper the commands call, not a base class.
 */
final class StackCommand {
    private static final com.fasterxml.jackson.dataformat.yaml.YAMLMapper YAML =
            new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();

    private StackCommand() {}

    /** Runs {@code work} against the stack; AWS and deploy failures become exit code 1 with a sentence. */
    static <T> T run(Context context, DeployedStackOptions target, Path handlersJar, Function<DeployService, T> work) {
        return connect(
                context,
                target,
                handlersJar,
                (config, clients, code) -> work.apply(new DeployService(config, clients, code, context.roleRetry())));
    }

    /** What a command does with the stack's config, the clients and the handlers' code. */
    @FunctionalInterface
    interface Work<T> {
        T apply(StackConfig config, AwsClients clients, FunctionCode code);
    }

    /** As {@link #run}, for work that needs more than the {@link DeployService}. */
    static <T> T connect(Context context, DeployedStackOptions target, Path handlersJar, Work<T> work) {
        StackConfig config = target.stack.load(context.env(), target.aws);
        FunctionCode code = handlersJar == null ? null : FunctionCode.file(handlersJar);
        try (AwsClients clients = context.aws().connect(target.aws, config, context.env())) {
            return work.apply(config, clients, code != null ? code : FunctionCode.embedded());
        } catch (AwsSetupException | DeployException e) {
            throw new CliException(ExitCode.FAILED, e.getMessage(), e);
        } catch (StepFailedException e) {
            throw new CliException(ExitCode.FAILED, AwsErrors.explain(e.doing(), e.sdkCause()), e);
        } catch (SdkException e) {
            throw new CliException(ExitCode.FAILED, AwsErrors.explain("work on stack " + config.prefix(), e), e);
        }
    }

    static void printPlan(PrintWriter out, Plan plan, OutputOptions output) {
        if (output.format() == OutputOptions.Format.TABLE) {
            plan.lines().forEach(out::println);
        } else {
            ObjectNode json = Json.object();
            var steps = json.putArray("plan");
            for (Plan.Step s : plan.steps()) {
                ObjectNode step = steps.addObject();
                step.put("action", s.action().name().toLowerCase(java.util.Locale.ROOT));
                step.put("kind", s.kind());
                step.put("name", s.name());
                var changes = step.putArray("changes");
                s.changes()
                        .forEach(c -> changes.addObject()
                                .put("field", c.field())
                                .put("from", c.from())
                                .put("to", c.to()));
            }
            print(out, json, output);
        }
    }

    static void print(PrintWriter out, ObjectNode json, OutputOptions output) {
        if (output.format() == OutputOptions.Format.YAML) {
            try {
                out.print(YAML.writeValueAsString(json));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new java.io.UncheckedIOException(e);
            }
        } else {
            out.println(Json.write(json));
        }
    }

    static ObjectNode map(Map<String, String> values) {
        ObjectNode node = Json.object();
        values.forEach(node::put);
        return node;
    }
}
