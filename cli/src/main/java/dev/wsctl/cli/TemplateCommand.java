package dev.wsctl.cli;

import dev.wsctl.config.StackConfig;
import dev.wsctl.deploy.Stack;
import dev.wsctl.deploy.Template;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wsctl template}: the stack that deploy builds, as a CloudFormation template. */
@Command(
        name = "template",
        description = {
            "Print the stack {app}-{stage} as a CloudFormation template (YAML).",
            "The template holds the resources, policies, routes and settings that deploy creates. The handlers'"
                    + " jar comes from the parameters CodeS3Bucket and CodeS3Key; with auth jwt (no JWKS URL) the"
                    + " authorizer's secret from the NoEcho parameter AuthSecret. Reads no AWS account."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class TemplateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StackOptions stack;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the template to FILE instead of stdout.")
    Path out;

    private final Context context;

    public TemplateCommand(Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        StackConfig config = stack.load(context.env());
        Template template = Stack.template(config);
        String yaml = template.yaml();
        if (out == null) {
            spec.commandLine().getOut().print(yaml);
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(out, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "Could not write " + out + ": " + e.getMessage(), e);
        }
        spec.commandLine()
                .getErr()
                .println("wsctl template: wrote " + out + ": stack " + config.prefix() + ", " + template.size()
                        + " resources");
        return ExitCode.OK;
    }
}
