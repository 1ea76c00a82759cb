package dev.wsctl.cli;

import dev.wsctl.config.ConfigException;
import dev.wsctl.config.ConfigLoader;
import dev.wsctl.config.StackConfig;
import dev.wsctl.local.Limits;
import dev.wsctl.local.LocalStack;
import dev.wsctl.runtime.ChannelName;
import dev.wsctl.runtime.JsonLog;
import dev.wsctl.runtime.Settings;
import dev.wsctl.runtime.auth.AuthSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code wsctl local}: the whole stack on this machine, until Ctrl-C. */
@Command(name = "local",
        description = {
                "Run the pub/sub service on this machine: the same handlers as on AWS behind a local gateway",
                "that behaves like API Gateway's WebSocket API, with connections kept in SQLite.",
                "",
                "Clients connect to ws://HOST:PORT/STAGE; the @connections API is at",
                "http://HOST:PORT/STAGE/@connections/{id}; a demo page is at http://HOST:PORT/.",
                "Ctrl-C closes every socket cleanly."},
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class LocalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "8080", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--stage", defaultValue = "local", description = "Stage name, the path of the WebSocket URL (default: ${DEFAULT-VALUE}).")
    String stage;

    @Mixin
    StateDirOption state;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file whose settings the local stack runs with: defaultChannel, delivery, maxMessageBytes, fanout (shardSize, maxRate, burst; concurrency bounds the posts in flight on AWS only, since the local stack delivers in-process), publish and auth (default: $WSCTL_CONFIG, else wsctl.yaml here, if there is one). The flags below win over it.")
    Path configFile;

    @Option(names = "--default-channel", paramLabel = "NAME", description = "Channel every connection joins on connect; 'none' turns that off (default: defaultChannel of the config, else default).")
    String defaultChannel;

    @Option(names = "--max-message-bytes", paramLabel = "N", description = "Largest message a client may publish, in bytes of its JSON (default: maxMessageBytes of the config, else 32768).")
    String maxMessageBytes;

    @Option(names = "--delivery", paramLabel = "MODE", description = "What subscribers receive: 'envelope' (type, channel, message, sender, sentAt) or 'raw' (the bare message) (default: delivery of the config, else envelope).")
    String delivery;

    @Option(names = "--publish", paramLabel = "POLICY", description = "Where clients may publish: members (channels they joined), any, or none (only `wsctl broadcast`) (default: publish of the config, else members).")
    String publish;

    @Option(names = "--no-auth", description = "Ignore the config's auth section: no token, any origin.")
    boolean noAuth;

    @Option(names = {"-v", "--verbose"}, description = "Also print each handler's JSON log line on stderr.")
    boolean verbose;

    @Option(names = "--idle-timeout", hidden = true, converter = DurationConverter.class, description = "Test override of API Gateway's 10-minute idle timeout.")
    Duration idleTimeout;

    @Option(names = "--max-connection-duration", hidden = true, converter = DurationConverter.class, description = "Test override of API Gateway's 2-hour connection limit.")
    Duration maxConnectionDuration;

    @Override
    public Integer call() throws Exception {
        Path stateDir = state.path();
        LocalStack.Config config = config();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Files.createDirectories(stateDir);
        Path logFile = stateDir.resolve("local.log");
        Writer logWriter = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        JsonLog log = new JsonLog(line -> {
            synchronized (logWriter) {
                try {
                    logWriter.write(line);
                    logWriter.write('\n');
                    logWriter.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            if (verbose) {
                err.println(line);
            }
        });

        LocalStack stack;
        try {
            stack = LocalStack.start(config.withLog(log));
        } catch (IOException e) {
            logWriter.close();
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new CliException(ExitCode.FAILED, "Cannot listen on " + host + ":" + port
                        + " (" + e.getMessage() + "). Is another wsctl local running? Pick another with --port.");
            }
            throw new CliException(ExitCode.FAILED, "Could not start the local stack: " + e.getMessage(), e);
        }
        Path stateFile = LocalState.write(stateDir, new LocalState(ProcessHandle.current().pid(),
                stack.websocketUri(), stack.callbackUri(), config.db().toAbsolutePath()));

        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            err.println("wsctl local: closing " + stack.gateway().connectionCount() + " connection(s) ...");
            err.flush();
            stack.close();
            try {
                Files.deleteIfExists(stateFile);
                logWriter.close();
            } catch (IOException ignored) {
                // best effort on the way out; the next start overwrites both
            }
            stopped.countDown();
        }, "wsctl-local-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        err.println("wsctl local: listening on " + stack.websocketUri()
                + "  (@connections: " + stack.callbackUri() + "/@connections/{id})");
        err.println("  store " + config.db() + ", log " + logFile + "; Ctrl-C to stop");
        err.println("  demo page: " + stack.demoPageUri()
                + (config.auth().mode() == AuthSettings.Mode.JWT ? "  (paste a token into it)" : ""));
        if (config.auth().usesSecret()) {
            err.println("  auth: jwt; a token for a user:  TOKEN=$(wsctl token --local --sub me)");
            err.println("  try:  npx wscat -c \"" + stack.websocketUri() + "?token=$TOKEN\"");
        } else if (config.auth().mode() == AuthSettings.Mode.JWT) {
            err.println("  auth: jwt with tokens from " + config.auth().jwksUrl().orElseThrow());
            err.println("  try:  npx wscat -c \"" + stack.websocketUri() + "?token=…\"");
        } else {
            err.println("  try:  npx wscat -c " + stack.websocketUri());
        }
        err.println("        > {\"action\":\"joinchannel\",\"channel\":\"news\"}");
        err.println("        > {\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":\"hello\"}");
        err.flush();
        // the URL on stdout comes last: a script that waits for it finds everything else in place
        out.println(stack.websocketUri());
        out.flush();
        stopped.await();
        return ExitCode.OK;
    }

    LocalStack.Config config() {
        if (port < 0 || port > 65535) {
            throw CliException.usage("--port must be between 0 and 65535, not " + port);
        }
        if (!stage.matches("[A-Za-z0-9_-]{1,128}")) {
            throw CliException.usage("--stage may contain only letters, digits, '-' and '_' (1-128 characters)");
        }
        StackConfig stack = stackConfig();
        AuthSettings auth = AuthSettings.none();
        if (!noAuth) {
            // jwt with wsctl's own secret: the local stack keeps one in the state directory, which
            // `wsctl token --local` signs with
            Optional<String> secret = stack.auth().usesSecret()
                    ? Optional.of(AuthSettings.encodeSecret(LocalSecret.loadOrCreate(state.path())))
                    : Optional.empty();
            auth = stack.auth().settings(secret);
        }
        Limits limits = Limits.aws();
        if (idleTimeout != null) {
            limits = limits.withIdleTimeout(idleTimeout);
        }
        if (maxConnectionDuration != null) {
            limits = limits.withMaxConnectionDuration(maxConnectionDuration);
        }
        StackConfig.Fanout fanout = stack.fanout();
        // workers run in-process here, all under one rate cap
        return new LocalStack.Config(host, port, stage, state.path().resolve("local.db"), stack.defaultChannel(),
                stack.maxMessageBytes(), stack.delivery(), stack.publish(), fanout.concurrency(), limits, auth,
                JsonLog.discard())
                .withSharding(new Settings.Sharding(fanout.shardSize(), fanout.maxRate(), fanout.burst(),
                        Optional.empty()));
    }

    /** wsctl.yaml (or --config), the WSCTL_* environment and the flags above, validated as deploy validates them. */
    private StackConfig stackConfig() {
        List<ConfigLoader.Flag> flags = new ArrayList<>();
        addFlag(flags, "defaultChannel", "--default-channel", defaultChannel);
        addFlag(flags, "maxMessageBytes", "--max-message-bytes", maxMessageBytes);
        addFlag(flags, "delivery", "--delivery", delivery);
        addFlag(flags, "publish", "--publish", publish);
        try {
            return new ConfigLoader(System.getenv()).load(configFile, flags);
        } catch (ConfigException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private static void addFlag(List<ConfigLoader.Flag> flags, String key, String option, String value) {
        if (value != null) {
            flags.add(new ConfigLoader.Flag(key, option, value));
        }
    }
}
