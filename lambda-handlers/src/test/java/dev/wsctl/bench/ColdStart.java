package dev.wsctl.bench;

import dev.wsctl.runtime.ConnectionInfo;
import dev.wsctl.runtime.ConnectionStore;
import dev.wsctl.runtime.ConnectionTable;
import dev.wsctl.runtime.Dynalite;
import dev.wsctl.runtime.DynamoDbConnectionStore;
import dev.wsctl.runtime.FakeConnectionsEndpoint;
import dev.wsctl.runtime.SelfSignedTls;
import dev.wsctl.runtime.Settings;
import dev.wsctl.runtime.Ttl;
import dev.wsctl.runtime.auth.AuthSettings;
import dev.wsctl.runtime.auth.TokenVerifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.zip.ZipFile;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Benchmark 5, cold start: for each function, a fresh JVM on {@code handlers.jar} with the environment a
 * deployed function gets (table, callback URL, region, credentials in variables), pointed at dynalite
 * ({@code AWS_ENDPOINT_URL_DYNAMODB}, which the SDK honours) and at a local @connections endpoint. The
 * endpoint is HTTPS with a self-signed certificate that the functions' JVMs trust, as API Gateway's is;
 * dynalite is plain HTTP (DynamoDB on AWS is HTTPS, and the functions' first TLS handshake is to it). The
 * JVM runs {@link ColdStartRunner} from a one-class jar next to handlers.jar, which builds the handler
 * with its no-argument constructor and hands it the function's event fixture. Reported per run, in
 * milliseconds from the launch of {@code java}: when {@code main} ran, when the handler was built, when
 * the first event was handled; and how long the same event took a second time.
 *
 * <p>Run by {@code scripts/bench cold-start}; {@code ColdStartIT} runs send and authorize after
 * handlers.jar is built. Before every run the table holds the same rows: the sender of the fixtures, joined to
 * {@code default} and {@code news}, and {@value #SUBSCRIBERS} other subscribers of {@code news}, all live
 * at the @connections endpoint, so that {@code send} posts to ten connections.
 */
public final class ColdStart implements AutoCloseable {
    /**
     * What Lambda's Java 17 runtime sets by default (tiered compilation stops at C1, serial GC), per
     * "Customize Java runtime startup behavior for Lambda functions" in the Lambda developer guide.
     */
    public static final List<String> LAMBDA_JVM_FLAGS =
            List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    static final int SUBSCRIBERS = 10;
    /** The connection id of the connect, disconnect, joinchannel, sendmessage and ping fixtures. */
    static final String SENDER = "TQ0MFePzoAMCJ-w=";
    private static final String TABLE = ConnectionTable.name("bench", "cold");

    /** A function of the stack: its handler class, its event fixture, and what its answer must contain. */
    public enum Function {
        CONNECT("dev.wsctl.handlers.ConnectHandler", "connect.json", "{\"statusCode\":200}"),
        DISCONNECT("dev.wsctl.handlers.DisconnectHandler", "disconnect.json", "{\"statusCode\":200}"),
        CHANNELS("dev.wsctl.handlers.ChannelsHandler", "joinchannel.json", "\\\"type\\\":\\\"joined\\\""),
        SEND("dev.wsctl.handlers.SendHandler", "sendmessage.json", "\\\"recipients\\\":" + SUBSCRIBERS),
        DEFAULT("dev.wsctl.handlers.DefaultHandler", "ping.json", "\\\"type\\\":\\\"pong\\\""),
        AUTHORIZE("dev.wsctl.handlers.AuthorizeHandler", "authorize.json", "\"Effect\":\"Allow\"");

        final String handler;
        final String fixture;
        final String expected;

        Function(String handler, String fixture, String expected) {
            this.handler = handler;
            this.fixture = fixture;
            this.expected = expected;
        }

        /** {@code connect}, {@code send}, …: the function's name in the stack. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One cold start; times in ms from the launch of {@code java}.
     *
     * @param main        the runner's {@code main} began: the JVM is up
     * @param constructed the handler's no-argument constructor returned: the end of Lambda's init phase
     * @param handled     the first event was handled
     * @param againMs     how long the same event took a second time
     * @param cpuMs       CPU time of the JVM (all threads) until the first event was handled; less
     *                    sensitive than wall time to other work on the machine
     * @param response    what the handler wrote for the first event
     * @param output      what the JVM wrote to stdout and stderr: the function's log lines
     */
    public record Run(Function function, double main, double constructed, double handled, double againMs,
                      double cpuMs, String response, String output) {
        public double initMs() {
            return constructed - main;
        }

        public double firstEventMs() {
            return handled - constructed;
        }
    }

    private final Path handlersJar;
    private final Path work;
    private final Path runnerJar;
    private final Dynalite dynalite;
    private final DynamoDbAsyncClient client;
    private final ConnectionStore store;
    private final SelfSignedTls tls;
    private final FakeConnectionsEndpoint endpoint;
    /** dynalite over TLS, as DynamoDB is on AWS; used when {@link #dynamoDbOverTls} is set */
    private final TlsFront dynamoDbTls;
    private volatile boolean dynamoDbOverTls;
    private final byte[] secret = new byte[32];
    private final Map<Function, Path> events = new LinkedHashMap<>();

    private ColdStart(Path handlersJar) throws IOException {
        if (!Files.isRegularFile(handlersJar)) {
            throw new IllegalArgumentException(handlersJar + " does not exist: build it with"
                    + " `mvn -pl lambda-handlers -DskipTests package`");
        }
        this.handlersJar = handlersJar.toAbsolutePath();
        this.work = Files.createTempDirectory("wsctl-cold-start");
        this.runnerJar = writeRunnerJar(work.resolve("coldstart-runner.jar"));
        Arrays.fill(secret, (byte) 7);
        String token = TokenVerifier.mint(secret, "bench-user", List.of("news"), List.of(), Duration.ofHours(1));
        for (Function f : Function.values()) {
            String json = fixture(f.fixture).replace("TOKEN", token);
            events.put(f, Files.writeString(work.resolve(f.fixture), json));
        }
        this.dynalite = Dynalite.start();
        this.client = dynalite.newClient();
        ConnectionTable.create(client, TABLE, Map.of(), false);
        this.store = new DynamoDbConnectionStore(client, TABLE);
        // @connections is HTTPS on AWS, and TLS is part of what a function loads for its first post (and needs
        // classes that trimming handlers.jar could remove)
        this.tls = SelfSignedTls.create(work);
        this.endpoint = new FakeConnectionsEndpoint(tls.server());
        this.dynamoDbTls = new TlsFront(tls.server(), dynalite.endpoint());
    }

    /** Starts dynalite and the @connections endpoint; {@code handlersJar} is the shaded jar under test. */
    public static ColdStart start(Path handlersJar) {
        try {
            return new ColdStart(handlersJar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The environment of a deployed function (see StackConfig.functionEnvironment), plus Lambda's own;
     * {@code initializationType} is what Lambda sets in AWS_LAMBDA_INITIALIZATION_TYPE.
     */
    Map<String, String> environment(Function f, String initializationType) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "ASIABENCHBENCHBENCH0");
        env.put("AWS_SECRET_ACCESS_KEY", "bench-secret-access-key-bench-secret-acce");
        env.put("AWS_SESSION_TOKEN", "bench-session-token");
        env.put("AWS_LAMBDA_FUNCTION_NAME", "bench-cold-" + f.label());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", initializationType);
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
        env.put("TZ", ":UTC");
        env.put("LANG", "en_US.UTF-8");
        env.put("AWS_ENDPOINT_URL_DYNAMODB", (dynamoDbOverTls ? dynamoDbTls.endpoint() : dynalite.endpoint()).toString());
        env.put(Settings.ENV_TABLE, TABLE);
        env.put(Settings.ENV_CALLBACK_URL, endpoint.callbackUrl().toString());
        env.put(Settings.ENV_DEFAULT_CHANNEL, Settings.DEFAULT_CHANNEL);
        env.put(Settings.ENV_MAX_MESSAGE_BYTES, String.valueOf(Settings.DEFAULT_MAX_MESSAGE_BYTES));
        env.put(Settings.ENV_FANOUT_CONCURRENCY, String.valueOf(Settings.DEFAULT_FANOUT_CONCURRENCY));
        env.put(Settings.ENV_DELIVERY, "envelope");
        if (f == Function.AUTHORIZE) {
            env.putAll(AuthSettings.hs256(secret, List.of("https://app.example.com"),
                    dev.wsctl.runtime.auth.OriginPolicy.MissingOrigin.DENY).toEnvironment());
        }
        return env;
    }

    /**
     * One cold start of {@code f} in a new JVM with {@code jvmFlags}; fails unless the event was handled.
     * {@code initializationType}: {@code on-demand}, or {@code snap-start} to see what init does when it
     * builds a SnapStart snapshot (the restore itself cannot be measured here).
     */
    public Run run(Function f, List<String> jvmFlags, String initializationType) {
        seed();
        Path result = work.resolve(f.label() + ".result");
        Path out = work.resolve(f.label() + ".out");
        try {
            Files.deleteIfExists(result);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmFlags);
            // the @connections endpoint's certificate, in place of the JDK's CA list
            command.addAll(tls.trustStoreFlags());
            command.addAll(List.of("-cp", handlersJar + java.io.File.pathSeparator + runnerJar,
                    ColdStartRunner.class.getName(), f.handler, events.get(f).toString(), result.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).directory(work.toFile());
            builder.environment().clear();
            builder.environment().putAll(environment(f, initializationType));
            long launched = micros();
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(f.label() + ": no answer within 60 s; output:\n" + Files.readString(out));
            }
            if (process.exitValue() != 0 || !Files.isRegularFile(result)) {
                throw new IllegalStateException(f.label() + ": exit status " + process.exitValue() + "; output:\n"
                        + Files.readString(out));
            }
            Map<String, String> r = Files.readAllLines(result).stream()
                    .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
            String response = r.get("response");
            if (!response.contains(f.expected)) {
                throw new IllegalStateException(f.label() + " answered " + response + ", expected it to contain "
                        + f.expected + "; output:\n" + Files.readString(out));
            }
            return new Run(f, ms(r, "main", launched), ms(r, "constructed", launched), ms(r, "handled", launched),
                    (Long.parseLong(r.get("again")) - Long.parseLong(r.get("handled"))) / 1000.0,
                    Long.parseLong(r.get("handledCpu")) / 1000.0, response, Files.readString(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** PostToConnection calls the @connections endpoint has answered so far. */
    public int postsReceived() {
        return endpoint.calls.get();
    }

    /** The same rows before every run: the sender on default and news, and the other subscribers of news. */
    private void seed() {
        long now = System.currentTimeMillis();
        store.connect(new ConnectionInfo(SENDER, now, "203.0.113.7", "https://app.example.com", null, List.of(),
                Ttl.expiresAt(now)), List.of(Settings.DEFAULT_CHANNEL, "news"));
        store.unsubscribe(SENDER, "lobby");
        List<String> subscribers = new ArrayList<>();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            String id = String.format("SUBSCRIBER%04d=", i) + "A";
            subscribers.add(id);
            store.connect(new ConnectionInfo(id, now, "198.51.100.1", null, null, List.of(), Ttl.expiresAt(now)),
                    List.of("news"));
        }
        endpoint.live.addAll(subscribers);
    }

    /**
     * Whether the functions reach dynalite over TLS (a {@link TlsFront} with the @connections endpoint's
     * certificate), as they reach DynamoDB on AWS, or over plain HTTP (the default).
     */
    public void dynamoDbOverTls(boolean tls) {
        this.dynamoDbOverTls = tls;
    }

    @Override
    public void close() {
        dynamoDbTls.close();
        endpoint.close();
        store.close();
        client.close();
        dynalite.close();
        try (var files = Files.list(work)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
            Files.delete(work);
        } catch (IOException e) {
            // a temp directory left behind is not worth failing for
        }
    }

    /**
     * {@code scripts/bench cold-start [--jar handlers.jar] [--runs N] [--warmup N] [--functions connect,send,...]
     * [--jvm-flags "..."] [--init-type on-demand|snap-start] [--show-log] [--dynamodb-tls]}: prints one line per run
     * and the medians per function; {@code --show-log} also the functions' log lines (to stderr);
     * {@code --dynamodb-tls}: the functions reach dynalite over TLS, as they reach DynamoDB on AWS. The {@code --warmup}
     * runs of each function (default 1) come first and are left out of the medians: they warm this harness's
     * own servers (dynalite, the HTTPS @connections endpoint: their JIT, the endpoint's TLS), which stand for
     * DynamoDB and API Gateway, services that are warm whenever a function starts cold.
     */
    public static void main(String[] args) {
        Path jar = Path.of("lambda-handlers/target/handlers.jar");
        int runs = 5;
        int warmup = 1;
        List<Function> functions = List.of(Function.values());
        List<String> flags = LAMBDA_JVM_FLAGS;
        String initializationType = "on-demand";
        boolean showLog = false;
        boolean dynamoDbTls = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--functions" -> functions = Arrays.stream(args[++i].split(","))
                        .map(s -> Function.valueOf(s.trim().toUpperCase(java.util.Locale.ROOT))).toList();
                case "--init-type" -> initializationType = args[++i];
                case "--show-log" -> showLog = true;
                case "--dynamodb-tls" -> dynamoDbTls = true;
                case "--jvm-flags" -> flags = Arrays.stream(args[++i].trim().split("\\s+"))
                        .filter(s -> !s.isEmpty()).toList();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        try (ColdStart bench = start(jar); ZipFile zip = new ZipFile(jar.toFile())) {
            System.out.printf("handlers.jar: %,d bytes, %,d entries (%s)%n", Files.size(jar), zip.size(), jar);
            bench.dynamoDbOverTls(dynamoDbTls);
            System.out.println("JVM flags: " + (flags.isEmpty() ? "(none)" : String.join(" ", flags))
                    + "; AWS_LAMBDA_INITIALIZATION_TYPE=" + initializationType
                    + "; DynamoDB (dynalite) over " + (dynamoDbTls ? "TLS" : "plain HTTP"));
            System.out.println("| function | run | JVM up ms | handler built ms | first event handled ms"
                    + " | init ms | first event ms | same event again ms | CPU ms |");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            Map<Function, List<Run>> all = new LinkedHashMap<>();
            // round-robin, so that a burst of load from other work on the machine spreads over functions
            for (int r = 1 - warmup; r <= runs; r++) {
                for (Function f : functions) {
                    Run run = bench.run(f, flags, initializationType);
                    if (r > 0) {
                        all.computeIfAbsent(f, k -> new ArrayList<>()).add(run);
                    }
                    if (showLog) {
                        System.err.print(run.output());
                    }
                    System.out.printf("| %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.1f | %.0f |%n", f.label(),
                            r > 0 ? String.valueOf(r) : "warm-up", run.main(), run.constructed(), run.handled(), run.initMs(), run.firstEventMs(),
                            run.againMs(), run.cpuMs());
                }
            }
            System.out.println();
            System.out.println("medians:");
            System.out.println("| function | JVM up ms | handler built ms | first event handled ms | init ms"
                    + " | first event ms | same event again ms | CPU ms |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            all.forEach((f, list) -> System.out.printf("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.1f | %.0f |%n",
                    f.label(), median(list, Run::main), median(list, Run::constructed), median(list, Run::handled),
                    median(list, Run::initMs), median(list, Run::firstEventMs), median(list, Run::againMs),
                    median(list, Run::cpuMs)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ----------------------------------------------------------------------------------------------

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        double[] sorted = runs.stream().mapToDouble(value).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double ms(Map<String, String> result, String key, long launched) {
        return (Long.parseLong(result.get(key)) - launched) / 1000.0;
    }

    private static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = ColdStart.class.getResourceAsStream("/events/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no event fixture /events/" + name + " on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A jar holding only {@link ColdStartRunner}, so that nothing else of the test classpath is visible. */
    private static Path writeRunnerJar(Path jar) throws IOException {
        String entry = ColdStartRunner.class.getName().replace('.', '/') + ".class";
        try (InputStream in = ColdStart.class.getClassLoader().getResourceAsStream(entry);
             OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }
}
