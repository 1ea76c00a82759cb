package dev.wsctl.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.cli.AwsOptions;
import dev.wsctl.cli.CliException;
import dev.wsctl.cli.ExitCode;
import dev.wsctl.cli.OutputOptions;
import dev.wsctl.cli.StackOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The option mixins of dev.wsctl.cli that reach the configuration: StackOptions, AwsOptions, OutputOptions. */
class OptionsMixinsTest {
    @TempDir
    Path dir;

    @Command(name = "probe")
    static final class Probe implements Runnable {
        @Mixin
        StackOptions stack;

        @Mixin
        AwsOptions aws;

        @Mixin
        OutputOptions output;

        @Override
        public void run() {}
    }

    private static Probe parse(String... args) {
        Probe probe = new Probe();
        new CommandLine(probe).parseArgs(args);
        return probe;
    }

    @Test
    void stackOptionsPutFlagsBeforeTheEnvironmentAndTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("stack.yaml"), "app: file-app\nstage: file\nregion: eu-west-1\n");
        Map<String, String> env = Map.of("WSCTL_APP", "env-app", "WSCTL_REGION", "eu-north-1");
        Probe p = parse("--config", file.toString(), "--stage", "flag", "--region", "us-east-2");
        StackConfig c = p.stack.load(env, p.aws);
        assertThat(c.app()).isEqualTo("env-app");
        assertThat(c.stage()).isEqualTo("flag");
        assertThat(c.region()).contains("us-east-2");
        assertThat(p.stack.load(env).region())
                .as("without AwsOptions, --region is not seen")
                .contains("eu-north-1");
        assertThat(parse("--config", file.toString(), "--app", "flag-app")
                        .stack
                        .load(env)
                        .app())
                .isEqualTo("flag-app");
    }

    @Test
    void aBadConfigurationIsAUsageErrorNamingTheKeyAndTheLine() throws Exception {
        Path file = Files.writeString(dir.resolve("stack.yaml"), "app: chat\nmemory:\n  send: 64\n");
        CliException e = catchThrowableOfType(
                () -> parse("--config", file.toString()).stack.load(Map.of()), CliException.class);
        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage()).isEqualTo(file + " line 3: memory.send must be between 128 and 10240, not 64");

        CliException missing = catchThrowableOfType(
                () -> parse("--config", dir.resolve("nope.yaml").toString())
                        .stack
                        .load(Map.of()),
                CliException.class);
        assertThat(missing.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(missing.getMessage()).contains("--config", "nope.yaml", "no such file");

        Path big = Files.write(dir.resolve("big.yaml"), new byte[ConfigLoader.MAX_FILE_BYTES + 1]);
        CliException tooBig = catchThrowableOfType(
                () -> parse("--config", big.toString()).stack.load(Map.of()), CliException.class);
        assertThat(tooBig.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(tooBig.getMessage())
                .isEqualTo(big + " is larger than 1 MiB, the most wsctl reads from a config file");

        CliException badFlag = catchThrowableOfType(
                () -> parse("--config", file.toString(), "--app", "Chat!").stack.load(Map.of()), CliException.class);
        assertThat(badFlag.getMessage()).startsWith("--app must be");
        CliException badRegion = catchThrowableOfType(
                () -> {
                    Probe p = parse("--config", file.toString().replace("stack", "other"), "--region", "mars");
                    Files.writeString(dir.resolve("other.yaml"), "app: chat\n");
                    p.stack.load(Map.of(), p.aws);
                },
                CliException.class);
        assertThat(badRegion.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(badRegion.getMessage()).startsWith("--region must be an AWS region");
    }

    @Test
    void awsOptionsFallBackToTheSdksEndpointVariables() {
        Map<String, String> env = Map.of("AWS_ENDPOINT_URL", "http://localhost:4566");
        assertThat(parse().aws.endpoints(env).configured(AwsEndpoints.LAMBDA))
                .contains(URI.create("http://localhost:4566"));
        assertThat(parse().aws.endpoints(Map.of()).configured(AwsEndpoints.LAMBDA))
                .isEmpty();
        assertThat(parse("--endpoint-url", "https://example.test:8443")
                        .aws
                        .endpoints(env)
                        .configured(AwsEndpoints.LAMBDA))
                .contains(URI.create("https://example.test:8443"));
        assertThat(parse("--profile", "ci").aws.profile()).contains("ci");
        assertThat(parse().aws.region()).isEmpty();
        CliException bad = catchThrowableOfType(
                () -> parse("--endpoint-url", "localhost:4566").aws.endpoints(env), CliException.class);
        assertThat(bad.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(bad.getMessage())
                .isEqualTo("--endpoint-url must be an http:// or https:// URL, not 'localhost:4566'");
        CliException badEnv = catchThrowableOfType(
                () -> parse().aws.endpoints(Map.of("AWS_ENDPOINT_URL_DYNAMODB", "::")), CliException.class);
        assertThat(badEnv.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(badEnv.getMessage()).startsWith("AWS_ENDPOINT_URL_DYNAMODB must be");
    }

    @Test
    void outputOptionsAcceptTableJsonOrYamlOnly() {
        assertThat(parse().output.format()).isEqualTo(OutputOptions.Format.TABLE);
        assertThat(parse("-o", "json").output.format()).isEqualTo(OutputOptions.Format.JSON);
        assertThat(parse("--output", "YAML", "--verbose").output.format()).isEqualTo(OutputOptions.Format.YAML);
        assertThat(parse("-v").output.verbose()).isTrue();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new Probe()).setErr(new PrintWriter(err)).execute("-o", "xml");
        assertThat(code).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString()).contains("--output", "must be table, json or yaml, not 'xml'");
    }
}
