package dev.wsctl.cli;

import dev.wsctl.aws.AwsErrors;
import dev.wsctl.deploy.StepFailedException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;

/** The {@code wsctl} command: one entry point for the process and for tests. */
@Command(
        name = "wsctl",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Run a serverless WebSocket pub/sub service on your own AWS account, or on this machine.",
        subcommands = {
            InitCommand.class,
            DeployCommand.class,
            StatusCommand.class,
            DoctorCommand.class,
            DestroyCommand.class,
            TemplateCommand.class,
            LocalCommand.class,
            BenchCommand.class,
            BroadcastCommand.class,
            ListenCommand.class,
            SmokeCommand.class,
            ConnectionsCommand.class,
            ChannelsCommand.class,
            StatsCommand.class,
            WebhooksCommand.class,
            TokenCommand.class,
            CostCommand.class,
            CompletionCommand.class,
            BenchWorkerCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {"", "Exit codes: 0 ok, 1 failed, 2 usage or configuration error, 3 partly failed."})
public final class Wsctl {

    @Option(
            names = "--stacktrace",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of an error, for bug reports.")
    boolean stacktrace;

    public static void main(String[] args) {
        // the JVM's default charset, as before: UTF-8 from Java 18 on (JEP 400), the locale's on Java 17
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, Charset.defaultCharset()), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
        System.exit(run(out, err, args));
    }

    /** Runs {@code wsctl args…} writing data to {@code out} and messages to {@code err}; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(factory(Context.system()), out, err, args);
    }

    /** Makes each command that takes a {@link Context} (a public {@code (Context)} constructor) with {@code context}. */
    public static CommandLine.IFactory factory(Context context) {
        return new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                try {
                    return type.getConstructor(Context.class).newInstance(context);
                } catch (NoSuchMethodException none) {
                    return CommandLine.defaultFactory().create(type);
                }
            }
        };
    }

    /** As {@link #run(PrintWriter, PrintWriter, String...)}, with commands made by {@code factory} (tests pass fakes). */
    public static int run(CommandLine.IFactory factory, PrintWriter out, PrintWriter err, String... args) {
        Wsctl root = new Wsctl();
        CommandLine cli = new CommandLine(root, factory);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler(Wsctl::badCommandLine);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter w = commandLine.getErr();
            if (e instanceof CliException c) {
                w.println("wsctl: " + c.getMessage());
                if (root.stacktrace && c.getCause() != null) {
                    c.getCause().printStackTrace(w);
                }
                w.flush();
                return c.exitCode();
            }
            if (e instanceof StepFailedException || e instanceof SdkException) {
                // an AWS call that no command caught: still one sentence, naming the step where there is one
                String sentence = e instanceof StepFailedException step
                        ? AwsErrors.explain(step.doing(), step.sdkCause())
                        : AwsErrors.explain("run wsctl " + commandLine.getCommandName(), (SdkException) e);
                w.println("wsctl: " + sentence);
                if (root.stacktrace) {
                    e.printStackTrace(w);
                }
                w.flush();
                return ExitCode.FAILED;
            }
            w.println("wsctl: unexpected error: " + e);
            if (root.stacktrace) {
                e.printStackTrace(w);
            } else {
                w.println("Run again with --stacktrace for details.");
            }
            w.flush();
            return ExitCode.FAILED;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * An unknown option, a missing or badly typed value: picocli's sentence (with its "did you mean" suggestion
     * where it has one) and where the usage is, rather than the whole usage.
     */
    private static int badCommandLine(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter w = command.getErr();
        w.println("wsctl: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, w);
        w.println("Run '" + command.getCommandSpec().qualifiedName() + " --help' for usage.");
        w.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }
}
