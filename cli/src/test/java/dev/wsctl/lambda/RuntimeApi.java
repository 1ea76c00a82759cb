package dev.wsctl.lambda;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Lambda Runtime API of one execution environment, on 127.0.0.1, written from "Using the Lambda runtime API for
 * custom runtimes" (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), version 2018-06-01:
 * <ul>
 *   <li>{@code GET /runtime/invocation/next} waits for an invocation and answers its event with the headers
 *       {@code Lambda-Runtime-Aws-Request-Id}, {@code Lambda-Runtime-Deadline-Ms},
 *       {@code Lambda-Runtime-Invoked-Function-Arn} and {@code Lambda-Runtime-Trace-Id};</li>
 *   <li>{@code POST /runtime/invocation/{id}/response} and {@code …/{id}/error} (with
 *       {@code Lambda-Runtime-Function-Error-Type}) end it, answered 202;</li>
 *   <li>{@code POST /runtime/init/error} reports a failed init, answered 202;</li>
 *   <li>{@code GET /runtime/restore/next} and {@code POST /runtime/restore/error}, which the Java runtime calls in a
 *       SnapStart function ("Lambda SnapStart runtime hooks for Java",
 *       https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-java.html): the runtime has run its
 *       beforeCheckpoint hooks and asks for the restore. Lambda takes the snapshot at this point; here the request
 *       waits until {@link #restore()}, which stands for the restore of that snapshot.</li>
 * </ul>
 * An id that names no pending invocation is answered 400 ({@code InvalidRequestID}). Only one invocation is handed
 * out at a time, as Lambda does in an execution environment.
 */
final class RuntimeApi implements AutoCloseable {
    private static final String PREFIX = "/2018-06-01/runtime/";

    /** One invocation: its event, and what the runtime answered (or the error it reported). */
    static final class Invocation {
        final String requestId = UUID.randomUUID().toString();
        final byte[] event;
        final CompletableFuture<byte[]> response = new CompletableFuture<>();
        volatile Instant handedOut;
        volatile Instant answered;

        Invocation(byte[] event) {
            this.event = event;
        }
    }

    /** What the runtime reported through an error endpoint. */
    static final class ReportedError extends RuntimeException {
        ReportedError(String where, String type, String body) {
            super(where + " (" + type + "): " + body);
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "runtime-api");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<Invocation> queue = new LinkedBlockingQueue<>();
    private final Map<String, Invocation> pending = new ConcurrentHashMap<>();
    private final String functionArn;
    private final Duration timeout;
    private final CompletableFuture<Instant> firstNext = new CompletableFuture<>();
    private final CompletableFuture<Instant> restoreRequested = new CompletableFuture<>();
    private final CompletableFuture<Void> restored = new CompletableFuture<>();
    private final CompletableFuture<String> initError = new CompletableFuture<>();
    private volatile boolean closed;

    RuntimeApi(String functionArn, Duration timeout) throws IOException {
        this.functionArn = functionArn;
        this.timeout = timeout;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(threads);
        server.createContext(PREFIX, this::handle);
        server.start();
    }

    /** {@code host:port}, what Lambda sets in {@code AWS_LAMBDA_RUNTIME_API}. */
    String hostAndPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Queues an invocation of {@code event}; its response completes when the runtime posts it. */
    Invocation invoke(byte[] event) {
        Invocation invocation = new Invocation(event);
        pending.put(invocation.requestId, invocation);
        queue.add(invocation);
        return invocation;
    }

    /** When the runtime first asked for an invocation: the end of its init (on demand, provisioned concurrency). */
    CompletableFuture<Instant> firstNext() {
        return firstNext;
    }

    /** When a SnapStart runtime asked for the restore: where Lambda takes the snapshot. */
    CompletableFuture<Instant> restoreRequested() {
        return restoreRequested;
    }

    /** Answers the runtime's {@code restore/next}: the environment is restored from its snapshot. */
    void restore() {
        restored.complete(null);
    }

    /** Completes with the body of an init error (or restore error) the runtime reported. */
    CompletableFuture<String> initError() {
        return initError;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
            String method = exchange.getRequestMethod();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (method.equals("GET") && path.equals("invocation/next")) {
                next(exchange);
            } else if (method.equals("GET") && path.equals("restore/next")) {
                restoreRequested.complete(Instant.now());
                restored.get(10, TimeUnit.MINUTES);
                respond(exchange, 200, new byte[0]);
            } else if (method.equals("POST") && (path.equals("init/error") || path.equals("restore/error"))) {
                String type = exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type");
                String report = path + " (" + type + "): " + new String(body, StandardCharsets.UTF_8);
                initError.complete(report);
                pending.values()
                        .forEach(i -> i.response.completeExceptionally(
                                new ReportedError(path, type, new String(body, StandardCharsets.UTF_8))));
                respond(exchange, 202, "{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8));
            } else if (method.equals("POST")
                    && path.startsWith("invocation/")
                    && (path.endsWith("/response") || path.endsWith("/error"))) {
                String id = path.substring("invocation/".length(), path.lastIndexOf('/'));
                Invocation invocation = pending.remove(id);
                if (invocation == null) {
                    respond(
                            exchange,
                            400,
                            "{\"errorMessage\":\"no pending invocation " + id
                                    + "\",\"errorType\":\"InvalidRequestID\"}");
                    return;
                }
                invocation.answered = Instant.now();
                respond(exchange, 202, "{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8));
                if (path.endsWith("/response")) {
                    invocation.response.complete(body);
                } else {
                    String type = exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type");
                    invocation.response.completeExceptionally(
                            new ReportedError("invocation error", type, new String(body, StandardCharsets.UTF_8)));
                }
            } else {
                respond(exchange, 404, "{\"errorMessage\":\"unknown path\",\"errorType\":\"NotFound\"}");
            }
        } catch (Exception e) {
            if (!closed) {
                throw new IOException(e);
            }
        }
    }

    private void next(HttpExchange exchange) throws IOException, InterruptedException {
        firstNext.complete(Instant.now());
        Invocation invocation = null;
        while (invocation == null && !closed) {
            invocation = queue.poll(100, TimeUnit.MILLISECONDS);
        }
        if (invocation == null) {
            return;
        }
        invocation.handedOut = Instant.now();
        var headers = exchange.getResponseHeaders();
        headers.set("Lambda-Runtime-Aws-Request-Id", invocation.requestId);
        headers.set("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + timeout.toMillis()));
        headers.set("Lambda-Runtime-Invoked-Function-Arn", functionArn);
        headers.set(
                "Lambda-Runtime-Trace-Id",
                "Root=1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-"
                        + invocation.requestId.replace("-", "").substring(0, 24) + ";Sampled=0");
        headers.set("Content-Type", "application/json");
        respond(exchange, 200, invocation.event);
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        respond(exchange, status, json.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        restored.complete(null);
        server.stop(0);
        threads.shutdownNow();
    }
}
