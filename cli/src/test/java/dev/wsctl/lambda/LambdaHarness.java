package dev.wsctl.lambda;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.auth.TokenVerifier;
import dev.wsctl.awshttp.ContainerCredentialsEndpoint;
import dev.wsctl.awshttp.SelfSignedTls;
import dev.wsctl.config.StackConfig;
import dev.wsctl.connections.FakeConnectionsEndpoint;
import dev.wsctl.deploy.DeployedFunction;
import dev.wsctl.deploy.FunctionCode;
import dev.wsctl.fanout.FanoutBatch;
import dev.wsctl.protocol.Settings;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.Dynalite;
import dev.wsctl.store.DynamoDbConnectionStore;
import dev.wsctl.store.HistoryTable;
import dev.wsctl.store.Ttl;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Runs the functions of {@code handlers.jar} as Lambda's managed Java runtime does, one fresh JVM per execution
 * environment:
 * <ul>
 *   <li>the jar embedded in wsctl (what {@code wsctl deploy} uploads) extracted into a task root, as Lambda extracts
 *       a deployment package into {@code /var/task};</li>
 *   <li>the official runtime interface client ({@code com.amazonaws:aws-lambda-java-runtime-interface-client}, which
 *       the managed runtime provides; a test dependency here) as the JVM's main class, with the handler string as
 *       its argument, on the runtime's class path, the task root on the client's own class loader;</li>
 *   <li>a {@link RuntimeApi} of its own, which hands the JVM the function's event fixture;</li>
 *   <li>an environment cleared, then set to exactly what Lambda documents for the initialization type
 *       ({@link #environment}), plus the handler string and the variables {@code wsctl deploy} writes, taken from
 *       the deploy model ({@link DeployedFunction}), plus the one setting that points the SDK at the local
 *       DynamoDB ({@code AWS_ENDPOINT_URL_DYNAMODB}; the callback URL, from the deploy model, points at the local
 *       @connections endpoint);</li>
 *   <li>credentials as Lambda gives them for the initialization type: in variables, or from a
 *       {@link ContainerCredentialsEndpoint} that checks the token and hands out credentials that expire soon
 *       ({@link #SHORT_LIVED} in tests, so that the SDK's refresh runs during a test).</li>
 * </ul>
 * A function that reads a variable its initialization type does not have finds it unset, and fails its event.
 *
 * <p>Behind the functions: DynamoDB is dynalite (plain HTTP, or over TLS through a {@link TlsFront}, as on AWS);
 * @connections is a {@link FakeConnectionsEndpoint} over HTTPS with a self-signed certificate that the JVMs trust
 * instead of the JDK's CA list. Before every run the table holds the same rows: the fixtures' sender, joined to
 * {@code default} and {@code news}, and {@value #SUBSCRIBERS} other subscribers of {@code news}, all live at the
 * @connections endpoint, so that {@code send} and {@code fanout} post to ten connections.
 */
public final class LambdaHarness implements AutoCloseable {
    /**
     * The JVM options of Lambda's Java runtimes (tiered compilation stopped at C1, serial GC), per "Customize Java
     * runtime startup behavior for Lambda functions"
     * (https://docs.aws.amazon.com/lambda/latest/dg/java-customization.html).
     */
    public static final List<String> LAMBDA_JVM_FLAGS =
            List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    /**
     * How long the container endpoint's credentials last in tests: 90 s, so that the SDK's container provider fetches
     * new ones at each use after the first (see {@link ContainerCredentialsEndpoint}) without any caller waiting.
     */
    static final Duration SHORT_LIVED = Duration.ofSeconds(90);
    /** For measurements: an hour, so that no refresh falls within a run (the provider's would start at 45 min). */
    static final Duration LONG_LIVED = Duration.ofHours(1);

    static final int SUBSCRIBERS = 10;
    /** The connection id of the connect, disconnect, joinchannel, sendmessage and ping fixtures. */
    static final String SENDER = "TQ0MFePzoAMCJ-w=";

    private static final String REGION = "us-east-1";
    private static final String ACCOUNT = "123456789012";
    private static final String RUNTIME_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    /** The runtime's jars on the test class path: the client and what it needs (the managed runtime's lib). */
    private static final List<String> RUNTIME_JARS = List.of(
            "aws-lambda-java-runtime-interface-client-",
            "aws-lambda-java-serialization-",
            "aws-lambda-java-core-",
            "utils-lite-");

    /** A function of the stack: its name in the deploy model, its event, and what its answer must contain. */
    public enum Function {
        CONNECT("connect", "connect.json", "{\"statusCode\":200}"),
        DISCONNECT("disconnect", "disconnect.json", "{\"statusCode\":200}"),
        CHANNELS("channels", "joinchannel.json", "\\\"type\\\":\\\"joined\\\""),
        SEND("send", "sendmessage.json", "\\\"recipients\\\":" + SUBSCRIBERS),
        DEFAULT("default", "ping.json", "\\\"type\\\":\\\"pong\\\""),
        AUTHORIZE(StackConfig.AUTHORIZE, "authorize.json", "\"Effect\":\"Allow\""),
        /** a batch of the sharded fan-out (the send path's event for the worker) to the ten subscribers */
        FANOUT(StackConfig.FANOUT, null, "\"delivered\":" + SUBSCRIBERS),
        /**
         * the webhooks function of a stack whose {@code webhooks.url} is {@link #webhooks}'s, given a stream batch by
         * the caller (no fixture); its answer says it delivered
         */
        WEBHOOKS("webhooks", null, "\"deadLettered\":false");

        final String name;
        final String fixture;
        final String expected;

        Function(String name, String fixture, String expected) {
            this.name = name;
            this.fixture = fixture;
            this.expected = expected;
        }

        public String label() {
            return name;
        }
    }

    /**
     * One execution environment's run: init, then the event twice. Times in ms from the launch of {@code java}.
     *
     * @param initDone    init ended: the runtime asked for its first invocation, or (snap-start) for the restore,
     *                    where Lambda takes the snapshot
     * @param eventFrom   when the first event could start: at init's end on demand (the invocation was waiting),
     *                    when it was queued after init (provisioned concurrency), or at the restore (snap-start)
     * @param handled     the runtime posted the first event's response
     * @param againMs     the same event in the same environment, from hand-out to response
     * @param cpuMs       CPU time of the JVM (all threads) when the first response arrived
     * @param fetches     the container credentials endpoint's requests in this run (none with credentials in
     *                    variables), each at ms from launch
     * @param output      what the JVM wrote to stdout and stderr
     * @param requestIds  the request ids the Runtime API gave the two invocations, in order
     */
    public record Run(
            Function function,
            InitializationType type,
            double initDone,
            double eventFrom,
            double handled,
            double againMs,
            double cpuMs,
            String response,
            List<Fetch> fetches,
            String output,
            List<String> requestIds) {
        public double firstEventMs() {
            return handled - eventFrom;
        }
    }

    /** A request to the container credentials endpoint, ms from launch. */
    public record Fetch(double at, boolean authorized, String accessKeyId) {}

    private final StackConfig config;
    private final Duration credentialsLifetime;
    private final Path work;
    private final Path taskRoot;
    private final String runtimeClassPath;
    private final Dynalite dynalite;
    private final DynamoDbAsyncClient client;
    private final ConnectionStore store;
    private final SelfSignedTls tls;
    private final FakeConnectionsEndpoint connections;
    private final TlsFront dynamoDbTls;
    private volatile boolean dynamoDbOverTls;
    private final byte[] secret = new byte[32];
    private final Map<Function, byte[]> events = new LinkedHashMap<>();

    /**
     * The endpoint {@link Function#WEBHOOKS} posts to, the secret it signs with and its dead-letter queue's URL (null:
     * one on AWS, which the function only calls to dead-letter a body), as deploy would configure them.
     */
    record Webhooks(java.net.URI url, String secret, String deadLetters) {}

    /** Where {@link Function#WEBHOOKS} posts: set by the test that runs it. */
    volatile Webhooks webhooks;

    private LambdaHarness(FunctionCode code, Duration credentialsLifetime) throws IOException {
        this.credentialsLifetime = credentialsLifetime;
        this.work = Files.createTempDirectory("wsctl-lambda");
        this.taskRoot = extract(code.jar(), work.resolve("task"));
        this.runtimeClassPath = runtimeClassPath();
        Arrays.fill(secret, (byte) 7);
        this.config = stack(StackConfig.defaults().webhooks());
        String token = TokenVerifier.mint(secret, "bench-user", List.of("news"), List.of(), Duration.ofHours(1));
        for (Function f : Function.values()) {
            if (f.fixture != null) {
                events.put(f, fixture(f.fixture).replace("TOKEN", token).getBytes(StandardCharsets.UTF_8));
            }
        }
        this.dynalite = Dynalite.start();
        this.client = dynalite.newClient();
        Dynalite.createTable(client, config.tableName());
        // the history table, as deploy creates it whatever the history settings (dynalite: active at once)
        client.createTable(HistoryTable.createTableRequest(config.historyTableName(), Map.of()))
                .join();
        this.store = new DynamoDbConnectionStore(client, config.tableName());
        this.tls = SelfSignedTls.create(work);
        this.connections = new FakeConnectionsEndpoint(tls.server());
        this.dynamoDbTls = new TlsFront(tls.server(), dynalite.endpoint());
    }

    /** A stack with every function: auth with an HS256 secret and an origin list turns the authorizer on. */
    private static StackConfig stack(StackConfig.Webhooks webhooks) {
        StackConfig defaults = StackConfig.defaults();
        return new StackConfig(
                "bench",
                "cold",
                Optional.of(REGION),
                defaults.runtime(),
                defaults.architecture(),
                defaults.memory(),
                defaults.timeoutSeconds(),
                defaults.snapStart(),
                defaults.defaultChannel(),
                defaults.delivery(),
                defaults.maxMessageBytes(),
                defaults.throttling(),
                defaults.fanout(),
                defaults.tags(),
                new StackConfig.Auth(
                        AuthSettings.Mode.JWT,
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        List.of("https://app.example.com"),
                        OriginPolicy.MissingOrigin.DENY),
                defaults.publish(),
                defaults.history(),
                webhooks);
    }

    /**
     * The harness on the handlers.jar embedded in wsctl (what {@code wsctl deploy} uploads), handing out credentials
     * that last {@code credentialsLifetime}.
     */
    public static LambdaHarness start(Duration credentialsLifetime) {
        return start(FunctionCode.embedded(), credentialsLifetime);
    }

    public static LambdaHarness start(FunctionCode code, Duration credentialsLifetime) {
        try {
            return new LambdaHarness(code, credentialsLifetime);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The function as deployed: handler string and {@code wsctl deploy}'s variables, from the deploy model. */
    DeployedFunction deployed(Function f) {
        if (f == Function.WEBHOOKS) {
            if (webhooks == null) {
                throw new IllegalStateException("no webhooks endpoint: set LambdaHarness.webhooks first");
            }
            return DeployedFunction.webhooks(
                    stack(new StackConfig.Webhooks(Optional.of(webhooks.url()), StackConfig.Webhooks.EVENTS)),
                    webhooks.deadLetters() != null
                            ? webhooks.deadLetters()
                            : "https://sqs." + REGION + ".amazonaws.com/" + ACCOUNT + "/"
                                    + config.functionName("webhooks") + "-failed",
                    webhooks.secret());
        }
        return DeployedFunction.of(
                config, f.name, connections.callbackUrl().toString(), Optional.of(AuthSettings.encodeSecret(secret)));
    }

    /**
     * The environment Lambda gives the function in an environment of {@code type}: the defined runtime variables
     * ("Defined runtime environment variables",
     * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime:
     * {@code _HANDLER}, {@code AWS_DEFAULT_REGION}, {@code AWS_REGION}, {@code AWS_EXECUTION_ENV},
     * {@code AWS_LAMBDA_FUNCTION_NAME}, {@code AWS_LAMBDA_FUNCTION_MEMORY_SIZE}, {@code AWS_LAMBDA_FUNCTION_VERSION},
     * {@code AWS_LAMBDA_INITIALIZATION_TYPE}, {@code AWS_LAMBDA_LOG_GROUP_NAME}, {@code AWS_LAMBDA_LOG_STREAM_NAME},
     * the credentials (see {@link InitializationType}), {@code AWS_LAMBDA_RUNTIME_API}, {@code LAMBDA_TASK_ROOT},
     * {@code LAMBDA_RUNTIME_DIR}, {@code TZ}; and of the unreserved ones {@code LANG}, {@code PATH} and
     * {@code LD_LIBRARY_PATH}; {@code _X_AMZN_TRACE_ID} is per invocation, which the Java runtime passes as a system
     * property), then the function's own variables as deploy writes them, then {@code AWS_ENDPOINT_URL_DYNAMODB}.
     */
    Map<String, String> environment(
            DeployedFunction function,
            InitializationType type,
            String runtimeApi,
            ContainerCredentialsEndpoint credentials) {
        // a published version's, as with SnapStart wsctl invokes the alias's version
        String version = type == InitializationType.ON_DEMAND ? "$LATEST" : "1";
        Map<String, String> env = new LinkedHashMap<>();
        env.put("_HANDLER", function.handler());
        env.put("AWS_DEFAULT_REGION", REGION);
        env.put("AWS_REGION", REGION);
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + config.runtime());
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.name());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", String.valueOf(function.memory()));
        env.put("AWS_LAMBDA_FUNCTION_VERSION", version);
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", type.value);
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.name());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[" + version + "]0123456789abcdef0123456789abcdef");
        if (type.containerCredentials()) {
            env.putAll(credentials.environment());
        } else {
            env.put("AWS_ACCESS_KEY_ID", "ASIAENVIRONMENT00001");
            env.put("AWS_SECRET_ACCESS_KEY", "environment-secret-access-key-for-the-harness");
            env.put("AWS_SESSION_TOKEN", "environment-session-token");
        }
        env.put("AWS_LAMBDA_RUNTIME_API", runtimeApi);
        env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        env.put("LAMBDA_RUNTIME_DIR", work.resolve("runtime").toString());
        env.put("TZ", ":UTC");
        env.put("LANG", "en_US.UTF-8");
        env.put("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
        env.put(
                "LD_LIBRARY_PATH",
                "/var/lang/lib:/lib64:/usr/lib64:" + work.resolve("runtime") + ":" + taskRoot + ":" + taskRoot
                        + "/lib:/opt/lib");
        env.putAll(function.environment());
        env.put(
                "AWS_ENDPOINT_URL_DYNAMODB",
                (dynamoDbOverTls ? dynamoDbTls.endpoint() : dynalite.endpoint()).toString());
        return env;
    }

    /**
     * One execution environment of {@code f}: a new JVM with {@code jvmFlags}, initialized as {@code type} says,
     * given the function's event twice. Fails unless both were answered with what {@code f} expects.
     */
    public Run run(Function f, List<String> jvmFlags, InitializationType type) {
        return run(f, jvmFlags, type, env -> {});
    }

    /** As {@link #run(Function, List, InitializationType)}, with the environment changed by {@code change} first. */
    Run run(Function f, List<String> jvmFlags, InitializationType type, Consumer<Map<String, String>> change) {
        return run(f, jvmFlags, type, change, f == Function.FANOUT ? null : events.get(f));
    }

    /** {@code f}'s fixture event. */
    byte[] event(Function f) {
        return events.get(f).clone();
    }

    /** The frames the @connections endpoint delivered to {@code connectionId}, in order. */
    List<byte[]> delivered(String connectionId) {
        return connections.received(connectionId);
    }

    /**
     * As {@link #run(Function, List, InitializationType, Consumer)}, given {@code event} (null: {@code f}'s own) in
     * place of {@code f}'s fixture.
     */
    Run run(
            Function f,
            List<String> jvmFlags,
            InitializationType type,
            Consumer<Map<String, String>> change,
            byte[] event) {
        return run(f, jvmFlags, type, change, event, f.expected);
    }

    /** As {@link #run(Function, List, InitializationType, Consumer, byte[])}, the answer to contain {@code expected}. */
    Run run(
            Function f,
            List<String> jvmFlags,
            InitializationType type,
            Consumer<Map<String, String>> change,
            byte[] event,
            String expected) {
        seed();
        DeployedFunction function = deployed(f);
        Path out = work.resolve(f.label() + ".out");
        String arn = "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + function.name()
                + (type == InitializationType.ON_DEMAND ? "" : ":" + StackConfig.ALIAS);
        try (ContainerCredentialsEndpoint credentials = new ContainerCredentialsEndpoint(credentialsLifetime);
                RuntimeApi api = new RuntimeApi(arn, Duration.ofSeconds(config.timeoutSeconds()))) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmFlags);
            // the @connections endpoint's (and the TLS front's) certificate, in place of the JDK's CA list
            command.addAll(tls.trustStoreFlags());
            command.addAll(List.of("-cp", runtimeClassPath, RUNTIME_MAIN, function.handler()));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .directory(taskRoot.toFile());
            builder.environment().clear();
            Map<String, String> env = environment(function, type, api.hostAndPort(), credentials);
            change.accept(env);
            builder.environment().putAll(env);
            // a fan-out batch says when the send path handed it off: now (the worker logs the lag)
            byte[] body = event == null ? fanoutBatch() : event;
            Instant launched = Instant.now();
            Process process = builder.start();
            try {
                RuntimeApi.Invocation first;
                Instant initDone;
                Instant eventFrom;
                if (type == InitializationType.ON_DEMAND) {
                    first = api.invoke(body); // the invocation that needed this environment is waiting
                    initDone = await(api.firstNext(), api, process, out, f);
                    eventFrom = initDone;
                } else if (type == InitializationType.SNAP_START) {
                    initDone = await(api.restoreRequested(), api, process, out, f);
                    eventFrom = Instant.now();
                    api.restore();
                    first = api.invoke(body);
                } else {
                    initDone = await(api.firstNext(), api, process, out, f);
                    eventFrom = Instant.now();
                    first = api.invoke(body);
                }
                byte[] answer = await(first.response, api, process, out, f);
                double cpuMs = process.info()
                        .totalCpuDuration()
                        .map(d -> d.toNanos() / 1e6)
                        .orElse(-1.0);
                RuntimeApi.Invocation again = api.invoke(body);
                await(again.response, api, process, out, f);
                String response = new String(answer, StandardCharsets.UTF_8);
                if (!response.contains(expected)) {
                    throw new IllegalStateException(f.label() + " (" + type + ") answered " + response
                            + ", expected it to contain " + expected + "; output:\n" + Files.readString(out));
                }
                List<Fetch> fetches = credentials.fetches().stream()
                        .map(c -> new Fetch(ms(launched, c.at()), c.authorized(), c.accessKeyId()))
                        .toList();
                return new Run(
                        f,
                        type,
                        ms(launched, initDone),
                        ms(launched, eventFrom),
                        ms(launched, first.answered),
                        Duration.between(again.handedOut, again.answered).toNanos() / 1e6,
                        cpuMs,
                        response,
                        fetches,
                        Files.readString(out),
                        List.of(first.requestId, again.requestId));
            } finally {
                // Lambda would keep the environment for the next event; the run is over
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The future's value; fails with the JVM's output when the runtime reports an error, exits, or takes 60 s. */
    private static <T> T await(
            java.util.concurrent.CompletableFuture<T> future, RuntimeApi api, Process process, Path out, Function f)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return future.get(50, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException(
                        f.label() + ": " + e.getCause().getMessage() + "; output:\n" + Files.readString(out),
                        e.getCause());
            } catch (TimeoutException e) {
                if (api.initError().isDone()) {
                    throw new IllegalStateException(
                            f.label() + ": " + api.initError().getNow("") + "; output:\n" + Files.readString(out));
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException(f.label() + ": the JVM exited with status " + process.exitValue()
                            + "; output:\n" + Files.readString(out));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            f.label() + ": nothing within 60 s; output:\n" + Files.readString(out));
                }
            }
        }
    }

    /** PostToConnection calls the @connections endpoint has answered so far. */
    public int postsReceived() {
        return connections.calls.get();
    }

    /** Whether the functions reach dynalite over TLS, as they reach DynamoDB on AWS, or over plain HTTP. */
    public void dynamoDbOverTls(boolean overTls) {
        this.dynamoDbOverTls = overTls;
    }

    /** The same rows before every run: the sender on default and news, and the other subscribers of news. */
    private void seed() {
        long now = System.currentTimeMillis();
        store.connect(
                new ConnectionInfo(
                        SENDER, now, "203.0.113.7", "https://app.example.com", null, List.of(), Ttl.expiresAt(now)),
                List.of(Settings.DEFAULT_CHANNEL, "news"));
        store.unsubscribe(SENDER, "lobby");
        connections.live.addAll(subscribers());
        // live too, so that a join's replay of a history channel reaches it (a send excludes its sender)
        connections.live.add(SENDER);
        for (String id : subscribers()) {
            store.connect(
                    new ConnectionInfo(id, now, "198.51.100.1", null, null, List.of(), Ttl.expiresAt(now)),
                    List.of("news"));
        }
    }

    private static List<String> subscribers() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            ids.add(String.format("SUBSCRIBER%04d=", i) + "A");
        }
        return ids;
    }

    /** What the send path hands the worker: one batch of the message to every subscriber, with no rate cap. */
    private static byte[] fanoutBatch() {
        byte[] payload =
                "{\"type\":\"message\",\"channel\":\"news\",\"message\":\"hello\"}".getBytes(StandardCharsets.UTF_8);
        return new FanoutBatch(
                        "news",
                        payload,
                        subscribers(),
                        SENDER,
                        Double.POSITIVE_INFINITY,
                        1000,
                        System.currentTimeMillis(),
                        1,
                        1)
                .toJson();
    }

    @Override
    public void close() {
        dynamoDbTls.close();
        connections.close();
        store.close();
        client.close();
        dynalite.close();
        try (Stream<Path> files = Files.walk(work)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            // a temp directory left behind is not worth failing for
        }
    }

    // ----------------------------------------------------------------------------------------------

    private static double ms(Instant launched, Instant at) {
        return Duration.between(launched, at).toNanos() / 1e6;
    }

    /** The deployment package extracted as Lambda extracts it into the task root. */
    private static Path extract(byte[] jar, Path root) throws IOException {
        Files.createDirectories(root);
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new IOException("entry outside the task root: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target);
                }
            }
        }
        return root;
    }

    /** The runtime interface client's jars, from this JVM's class path (Maven resolved them as test dependencies). */
    private static String runtimeClassPath() {
        List<String> entries = Arrays.stream(
                        System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> RUNTIME_JARS.stream()
                        .anyMatch(prefix ->
                                Path.of(entry).getFileName().toString().startsWith(prefix)))
                .toList();
        for (String prefix : RUNTIME_JARS) {
            if (entries.stream()
                    .noneMatch(e -> Path.of(e).getFileName().toString().startsWith(prefix))) {
                throw new IllegalStateException("no " + prefix + "*.jar on the class path: the runtime interface"
                        + " client is a test dependency of the cli module");
            }
        }
        return entries.stream().collect(Collectors.joining(File.pathSeparator));
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = LambdaHarness.class.getResourceAsStream("/events/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no event fixture /events/" + name + " on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
