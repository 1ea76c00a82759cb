package dev.wsctl.cli;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.config.ConfigException;
import dev.wsctl.config.ConfigLoader;
import dev.wsctl.config.StackConfig;
import dev.wsctl.json.JsonLog;
import dev.wsctl.local.Limits;
import dev.wsctl.local.LocalStack;
import dev.wsctl.local.SqliteConnectionStore;
import dev.wsctl.protocol.Settings;
import dev.wsctl.webhooks.RetryPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wsctl local}: the whole stack on this machine, until Ctrl-C. */
@Command(
        name = "local",
        description = {
            "Run the pub/sub service on this machine.",
            "The same handlers as on AWS run behind a local gateway that behaves like API Gateway's WebSocket API,"
                    + " with connections kept in SQLite.",
            "",
            "Clients connect to ws://HOST:PORT/STAGE; the @connections API is at"
                    + " http://HOST:PORT/STAGE/@connections/{id}; a demo page is at http://HOST:PORT/.",
            "Ctrl-C closes every socket cleanly."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class LocalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = {"-p", "--port"},
            defaultValue = "8080",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--stage",
            defaultValue = "local",
            description = "Stage name, the path of the WebSocket URL (default: ${DEFAULT-VALUE}).")
    String stage;

    @Mixin
    StateDirOption state;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "Configuration file whose settings the local stack runs with: defaultChannel, delivery, maxMessageBytes, fanout (shardSize, maxRate, burst; concurrency bounds the posts in flight on AWS only, since the local stack delivers in-process), publish, auth and history (kept in the state directory's local.db) (default: $WSCTL_CONFIG, else wsctl.yaml here, if there is one). The flags below win over it.")
    Path configFile;

    @Option(
            names = "--default-channel",
            paramLabel = "NAME",
            description =
                    "Channel every connection joins on connect; 'none' turns that off (default: defaultChannel of the config, else default).")
    String defaultChannel;

    @Option(
            names = "--max-message-bytes",
            paramLabel = "N",
            description =
                    "Largest message a client may publish, in bytes of its JSON (default: maxMessageBytes of the config, else 32768).")
    String maxMessageBytes;

    @Option(
            names = "--delivery",
            paramLabel = "MODE",
            description =
                    "What subscribers receive: 'envelope' (type, channel, message, sender, sentAt) or 'raw' (the bare message) (default: delivery of the config, else envelope).")
    String delivery;

    @Option(
            names = "--publish",
            paramLabel = "POLICY",
            description =
                    "Where clients may publish: members (channels they joined), any, or none (only `wsctl broadcast`) (default: publish of the config, else members).")
    String publish;

    @Option(names = "--no-auth", description = "Ignore the config's auth section: no token, any origin.")
    boolean noAuth;

    @Option(
            names = {"-v", "--verbose"},
            description = "Also print each handler's JSON log line on stderr.")
    boolean verbose;

    @Option(
            names = "--idle-timeout",
            hidden = true,
            converter = DurationConverter.class,
            description = "Test override of API Gateway's 10-minute idle timeout.")
    Duration idleTimeout;

    @Option(
            names = "--max-connection-duration",
            hidden = true,
            converter = DurationConverter.class,
            description = "Test override of API Gateway's 2-hour connection limit.")
    Duration maxConnectionDuration;

    @Override
    public Integer call() throws Exception {
        Path stateDir = state.path();
        checkFlags();
        StackConfig settings = stackConfig();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        OwnedStateDir owned = OwnedStateDir.claim(stateDir);
        Writer logWriter = null;
        LocalStack started = null;
        Path logFile = stateDir.resolve("local.log");
        LocalStack.Config config;
        Path stateFile;
        try {
            config = config(settings);
            logWriter = Files.newBufferedWriter(
                    OwnedStateDir.createPrivateFile(logFile), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            // SQLite creates local.db-wal and local.db-shm with the permissions of local.db, whatever the umask
            // (its test of that: https://github.com/sqlite/sqlite/blob/master/test/journal3.test)
            OwnedStateDir.createPrivateFile(config.db());
            started = start(config.withLog(log(logWriter, err)));
            stateFile = LocalState.write(
                    stateDir,
                    new LocalState(
                            ProcessHandle.current().pid(),
                            started.websocketUri(),
                            started.callbackUri(),
                            config.db().toAbsolutePath(),
                            config.history()));
        } catch (Exception | Error e) {
            if (started != null) {
                started.close();
            }
            if (logWriter != null) {
                logWriter.close();
            }
            owned.close();
            if (e instanceof IOException io) {
                throw new CliException(
                        ExitCode.FAILED,
                        "Could not write to the state directory " + stateDir + " (" + OwnedStateDir.reason(io) + ").",
                        e);
            }
            throw e;
        }
        LocalStack stack = started;

        CountDownLatch stopped = new CountDownLatch(1);
        Writer log = logWriter;
        Thread hook = new Thread(
                () -> {
                    err.println("wsctl local: closing " + stack.gateway().connectionCount() + " connection(s) ...");
                    err.flush();
                    stack.close();
                    try {
                        Files.deleteIfExists(stateFile);
                        log.close();
                    } catch (IOException ignored) {
                        // best effort on the way out; the next owner overwrites both
                    }
                    owned.close();
                    stopped.countDown();
                },
                "wsctl-local-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        InetSocketAddress bound = stack.boundAddress();
        err.println("wsctl local: listening on " + stack.websocketUri() + "  (" + describe(bound) + "; @connections: "
                + stack.callbackUri() + "/@connections/{id})");
        if (!bound.getAddress().isLoopbackAddress()) {
            err.println("  warning: reachable from other machines, and the @connections API (which `wsctl broadcast"
                    + " --local` also uses) has no authentication: whoever reaches it can send to, read and close"
                    + " every connection. Use --host 127.0.0.1 unless that is what you want.");
        }
        for (String file : owned.tightened()) {
            err.println("  made private to you: " + file);
        }
        if (stack.removedAtStart() > 0) {
            err.println("  removed " + stack.removedAtStart() + " connection(s) left by a previous run");
        }
        err.println("  store " + config.db() + ", log " + logFile + "; Ctrl-C to stop");
        err.println("  demo page: " + stack.demoPageUri()
                + (config.auth().mode() == AuthSettings.Mode.JWT ? "  (paste a token into it)" : ""));
        err.println("  metrics: " + stack.metricsUri() + "  (Prometheus text; `wsctl stats --local` reads them)");
        if (config.auth().usesSecret()) {
            err.println("  auth: jwt; a token for a user:  TOKEN=$(wsctl token --local --sub me)");
            err.println("  try:  npx wscat -c \"" + stack.websocketUri() + "?token=$TOKEN\"");
        } else if (config.auth().mode() == AuthSettings.Mode.JWT) {
            err.println(
                    "  auth: jwt with tokens from " + config.auth().jwksUrl().orElseThrow());
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

    /** Starts the stack, each way it can fail told in one sentence. */
    private LocalStack start(LocalStack.Config config) throws Exception {
        try {
            return LocalStack.start(config);
        } catch (SqliteConnectionStore.UnusableStoreException e) {
            throw new CliException(
                    ExitCode.FAILED,
                    "The store " + e.file() + " is damaged or is not a wsctl store ("
                            + e.finding()
                            + "); move it away, with the local.db-wal and local.db-shm files next to it, and"
                            + " wsctl local creates a new one.",
                    e);
        } catch (SqliteConnectionStore.StoreException e) {
            throw new CliException(ExitCode.FAILED, "Could not open the store: " + e.getMessage(), e);
        } catch (IOException | UncheckedIOException e) {
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            String reason = String.valueOf(cause.getMessage());
            boolean bind = false;
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof BindException) {
                    bind = true;
                    reason = String.valueOf(t.getMessage()); // the innermost says why: in use, permission denied
                }
            }
            if (bind) {
                // the host is one of this machine's (checkFlags), so it is the port that is taken or not allowed
                String hint =
                        reason.contains("in use") ? " Is another wsctl local running? Pick another with --port." : "";
                throw new CliException(
                        ExitCode.FAILED, "Cannot listen on " + host + ":" + port + " (" + reason + ")." + hint, e);
            }
            throw new CliException(ExitCode.FAILED, "Could not start the local stack: " + cause.getMessage(), e);
        }
    }

    private JsonLog log(Writer logWriter, PrintWriter err) {
        return new JsonLog(line -> {
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
    }

    /** E.g. {@code bound to 127.0.0.1:8080}; a wildcard bound on a dual-stack machine shows as {@code [::]}. */
    private static String describe(InetSocketAddress bound) {
        InetAddress address = bound.getAddress();
        String host = address.getHostAddress();
        if (address instanceof Inet6Address) {
            host = "[" + (address.isAnyLocalAddress() ? "::" : host) + "]";
        }
        return (address.isAnyLocalAddress() ? "bound to every address of this machine, " : "bound to ") + host + ":"
                + bound.getPort();
    }

    /**
     * The flags whose values need no file: each bad one is a usage error naming it. The host must be an address
     * of this machine (or the wildcard), so that a bind failure can only mean the port.
     */
    void checkFlags() {
        if (port < 0 || port > 65535) {
            throw CliException.usage("--port must be between 0 and 65535, not " + port);
        }
        if (!stage.matches("[A-Za-z0-9_-]{1,128}")) {
            throw CliException.usage("--stage may contain only letters, digits, '-' and '_' (1-128 characters)");
        }
        OwnedStateDir.requireDirectoryOrAbsent(state.path());
        DurationConverter.positive("--idle-timeout", idleTimeout);
        DurationConverter.positive("--max-connection-duration", maxConnectionDuration);
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw CliException.usage("--host " + host + " is not a known host name or address");
        }
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || isOfThisMachine(address)) {
            return;
        }
        throw CliException.usage("--host " + host + " is not an address of this machine; use 127.0.0.1 (the default),"
                + " 0.0.0.0 for every interface, or one of this machine's addresses");
    }

    private static boolean isOfThisMachine(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    LocalStack.Config config() {
        checkFlags();
        return config(stackConfig());
    }

    /** The stack's configuration, creating the state directory's auth secret when the config needs one. */
    private LocalStack.Config config(StackConfig stack) {
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
        StackConfig.History history = stack.history();
        // workers run in-process here, all under one rate cap
        return new LocalStack.Config(
                host,
                port,
                stage,
                state.path().resolve("local.db"),
                stack.defaultChannel(),
                stack.maxMessageBytes(),
                stack.delivery(),
                stack.publish(),
                fanout.concurrency(),
                limits,
                auth,
                JsonLog.discard(),
                new Settings.Sharding(fanout.shardSize(), fanout.maxRate(), fanout.burst(), Optional.empty()),
                new Settings.History(history.channels(), history.size(), history.ttl(), Optional.empty()),
                stack.app(),
                webhooks(stack.webhooks()));
    }

    /**
     * The stack's lifecycle webhooks, with the state directory's webhook secret (created at the first start that
     * needs it); off, and nothing of them built, without {@code webhooks.url}.
     */
    private LocalStack.Webhooks webhooks(StackConfig.Webhooks webhooks) {
        if (!webhooks.enabled()) {
            return LocalStack.Webhooks.off();
        }
        return new LocalStack.Webhooks(
                webhooks.url(),
                webhooks.events(),
                LocalSecret.webhookSecret(state.path()),
                RetryPolicy.of(RetryPolicy.MIN_WINDOW),
                null);
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
