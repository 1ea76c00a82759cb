package dev.wsctl.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;

/**
 * A dynalite (DynamoDB-protocol server) process on 127.0.0.1 for tests, started from the pinned
 * install in the directory named by system property {@code wsctl.dynalite.dir} (surefire passes it;
 * it holds {@code node_modules/dynalite}, installed by {@code npm ci} in {@code tools/dynalite}).
 *
 * <p>Use either as a plain resource ({@code try (Dynalite d = Dynalite.start()) {...}}, or
 * {@link #start()} in {@code @BeforeAll} and {@link #close()} in {@code @AfterAll}) or as a JUnit 5
 * extension: {@code @RegisterExtension static final Dynalite DYNALITE = new Dynalite();} starts it
 * before the class's {@code @BeforeAll} methods and stops it after the class.
 *
 * <p>Tables: {@link #createTable}, the connection table without TTL (dynalite has no UpdateTimeToLive).
 */
public final class Dynalite implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    public static final String DIR_PROPERTY = "wsctl.dynalite.dir";
    /** Optional: the node executable (default {@code node} from PATH). */
    public static final String NODE_PROPERTY = "wsctl.node";

    private static final Duration STARTUP = Duration.ofSeconds(20);
    private static final int MAX_OUTPUT = 16_384;
    /** dynalite's server, from the module path given as the first argument, on a port the system picks. */
    private static final String LISTEN = "const server = require(process.argv[1])"
            + "({createTableMs: 0, deleteTableMs: 0, updateTableMs: 0});"
            + " server.listen(0, '127.0.0.1', () =>"
            + " console.log('Dynalite listening at: http://127.0.0.1:' + server.address().port));";

    private static final Pattern LISTENING = Pattern.compile("listening at: http://127\\.0\\.0\\.1:(\\d+)");

    private Process process;
    private Thread shutdownHook;
    private URI endpoint;
    private final StringBuilder output = new StringBuilder();

    /**
     * Creates the connection table {@code name} ({@link ConnectionTable#createTableRequest}, no tags) and waits
     * until DescribeTable sees it; without TTL, which dynalite does not implement.
     */
    public static void createTable(DynamoDbAsyncClient client, String name) {
        createTable(client, ConnectionTable.createTableRequest(name, null));
    }

    /** Creates the table {@code request} describes and waits until DescribeTable sees it. */
    public static void createTable(DynamoDbAsyncClient client, CreateTableRequest request) {
        client.createTable(request).join();
        client.waiter()
                .waitUntilTableExists(
                        DescribeTableRequest.builder()
                                .tableName(request.tableName())
                                .build(),
                        WaiterOverrideConfiguration.builder()
                                .maxAttempts(100)
                                .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(50)))
                                .build())
                .join();
    }

    /** A not yet started instance (for {@code @RegisterExtension}); see {@link #start()}. */
    public Dynalite() {}

    /** Starts a new dynalite process and waits until it accepts connections. */
    public static Dynalite start() {
        Dynalite d = new Dynalite();
        d.launch();
        return d;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (process == null) {
            launch();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        if (endpoint == null) {
            throw new IllegalStateException("dynalite is not running");
        }
        return endpoint;
    }

    /**
     * A new async client for this server: us-east-1, dummy static credentials, Netty, and the given interceptors
     * (to count calls, say). Close it yourself.
     */
    public DynamoDbAsyncClient newClient(ExecutionInterceptor... interceptors) {
        return DynamoDbAsyncClient.builder()
                .endpointOverride(endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("dummy", "dummy")))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(64))
                .overrideConfiguration(c -> c.executionInterceptors(List.of(interceptors)))
                .build();
    }

    /** Ends the process (SIGTERM, then SIGKILL after 5 s) and waits for it. */
    @Override
    public synchronized void close() {
        if (process == null) {
            return;
        }
        stop(process);
        process = null;
        endpoint = null;
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting anyway
            }
            shutdownHook = null;
        }
    }

    // ------------------------------------------------------------------------------------------

    /**
     * Runs dynalite's server on a port the system picks (port 0) and reads the port it bound from what it prints:
     * no port is chosen first and bound later, so no other process can take it in between. dynalite's own
     * {@code cli.js} cannot do that ({@code --port 0} falls back to its default, 4567), so a one-line script starts
     * the same server ({@code require('dynalite')(options).listen(...)}, dynalite's documented module use) with the
     * options the tests need: tables ready at once.
     */
    private synchronized void launch() {
        Path module = dynaliteDir().resolve("node_modules/dynalite");
        if (!Files.isRegularFile(module.resolve("index.js"))) {
            throw new IllegalStateException("dynalite is not installed: " + module.resolve("index.js")
                    + " does not exist. Run `npm ci` in " + dynaliteDir() + " (tools/dynalite).");
        }
        String node = System.getProperty(NODE_PROPERTY, "node");
        List<String> command = List.of(node, "-e", LISTEN, module.toString());
        synchronized (output) {
            output.setLength(0);
        }
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "could not run `" + String.join(" ", command) + "`: " + e.getMessage()
                            + ". Is Node.js installed (or -D" + NODE_PROPERTY + " set)?",
                    e);
        }
        Thread drain = new Thread(() -> drain(p.getInputStream()), "dynalite-output-" + p.pid());
        drain.setDaemon(true);
        drain.start();

        Integer port;
        try {
            port = Awaitility.await()
                    .atMost(STARTUP)
                    .pollInterval(Duration.ofMillis(25))
                    .until(() -> boundPort(output()), bound -> bound != null || !p.isAlive());
        } catch (ConditionTimeoutException e) {
            stop(p);
            throw new IllegalStateException("dynalite did not listen within " + STARTUP.toSeconds() + " s. Command: "
                    + String.join(" ", command) + "\nOutput:\n" + output());
        }
        if (port == null) {
            waitForDrain(drain);
            throw new IllegalStateException("dynalite exited with status " + p.exitValue()
                    + " before listening. If node_modules is missing or broken, run `npm ci` in "
                    + dynaliteDir() + ". Command: " + String.join(" ", command) + "\nOutput:\n" + output());
        }
        process = p;
        endpoint = URI.create("http://127.0.0.1:" + port);
        shutdownHook = new Thread(p::destroyForcibly, "dynalite-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The port in dynalite's "listening at" line, or null before it has printed it. */
    private static Integer boundPort(String output) {
        Matcher listening = LISTENING.matcher(output);
        return listening.find() ? Integer.valueOf(listening.group(1)) : null;
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void drain(InputStream in) {
        byte[] buffer = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (output) {
                    if (output.length() < MAX_OUTPUT) {
                        output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (IOException ignored) {
            // the process went away
        }
    }

    private String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    private static void waitForDrain(Thread drain) {
        try {
            drain.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path dynaliteDir() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir).toAbsolutePath();
        }
        // not run by surefire (an IDE): look for tools/dynalite above the working directory
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("tools/dynalite");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("system property " + DIR_PROPERTY + " is not set and no tools/dynalite"
                + " directory was found above " + Path.of("").toAbsolutePath());
    }
}
