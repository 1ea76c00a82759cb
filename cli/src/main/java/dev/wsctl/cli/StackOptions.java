package dev.wsctl.cli;

import dev.wsctl.config.ConfigException;
import dev.wsctl.config.ConfigLoader;
import dev.wsctl.config.StackConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --app}, {@code --stage}, {@code --config}: which stack, and the file that configures it. */
public final class StackOptions {

    @Option(
            names = "--app",
            paramLabel = "NAME",
            description =
                    "Application name, the first part of every resource name (default: app in wsctl.yaml, else wsctl).")
    String app;

    @Option(
            names = "--stage",
            paramLabel = "NAME",
            description = "Stage, e.g. dev or prod (default: stage in wsctl.yaml, else dev).")
    String stage;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Configuration file (default: $WSCTL_CONFIG, else wsctl.yaml here, if there is one).")
    Path config;

    /** The stack's configuration from these flags, {@code env} ({@code WSCTL_*}), the file and defaults. */
    public StackConfig load(Map<String, String> env) {
        return load(env, null);
    }

    /** As {@link #load(Map)}, with {@code --region} of {@code aws} (may be null) first for the region. */
    public StackConfig load(Map<String, String> env, AwsOptions aws) {
        return load(Path.of(""), env, aws);
    }

    StackConfig load(Path workingDir, Map<String, String> env, AwsOptions aws) {
        List<ConfigLoader.Flag> flags = new ArrayList<>();
        if (app != null) {
            flags.add(new ConfigLoader.Flag("app", "--app", app));
        }
        if (stage != null) {
            flags.add(new ConfigLoader.Flag("stage", "--stage", stage));
        }
        if (aws != null && aws.region().isPresent()) {
            flags.add(new ConfigLoader.Flag("region", "--region", aws.region().get()));
        }
        try {
            return new ConfigLoader(workingDir, env).load(config, flags);
        } catch (ConfigException e) {
            throw CliException.usage(e.getMessage());
        }
    }
}
