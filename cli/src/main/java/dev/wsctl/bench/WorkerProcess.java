package dev.wsctl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The coordinator's handle on one {@link BenchWorker} process: JSON lines to its stdin, events from its
 * stdout, its stderr passed on as progress. Any way it fails becomes one sentence naming it.
 */
final class WorkerProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final PrintWriter stdin;
    private final BlockingQueue<Optional<JsonNode>> events = new LinkedBlockingQueue<>();
    private final Thread stderrPump;
    private volatile String lastWords = "";

    private WorkerProcess(int number, int of, Process process, Consumer<String> progress) {
        this.name = "bench worker " + number + " of " + of + " (pid " + process.pid() + ")";
        this.process = process;
        this.stdin = new PrintWriter(process.getOutputStream(), false, StandardCharsets.UTF_8);
        Thread stdoutPump = daemon("bench-worker-" + number + "-out", () -> {
            try (BufferedReader out = reader(process.getInputStream())) {
                for (String line; (line = out.readLine()) != null; ) {
                    events.add(Optional.of(Jackson.mapper().readTree(line)));
                }
            } catch (IOException e) {
                lastWords = "its output was not JSON lines: " + e.getMessage();
            }
            events.add(Optional.empty());
        });
        this.stderrPump = daemon("bench-worker-" + number + "-err", () -> {
            try (BufferedReader err = reader(process.getErrorStream())) {
                for (String line; (line = err.readLine()) != null; ) {
                    lastWords = line;
                    progress.accept("worker " + number + ": " + line);
                }
            } catch (IOException e) {
                // ended with the process
            }
        });
        stdoutPump.start();
        stderrPump.start();
    }

    /** Starts worker {@code number} of {@code of} with {@code worker}, which runs {@link BenchWorker#serve}. */
    static WorkerProcess start(int number, int of, ProcessBuilder worker, Consumer<String> progress)
            throws IOException {
        return new WorkerProcess(number, of, worker.start(), progress);
    }

    String name() {
        return name;
    }

    void send(ObjectNode op, String during) throws IOException {
        stdin.println(Json.write(op));
        stdin.flush();
        if (stdin.checkError()) {
            throw failed(during);
        }
    }

    /**
     * The next event, which must be {@code event}, waiting until {@code deadline} (System.nanoTime()).
     *
     * @param during what the worker was doing, for the message: "while connecting"
     */
    JsonNode receive(String event, String during, long deadline) throws IOException, InterruptedException {
        Optional<JsonNode> next = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (next == null) {
            throw new IOException(name + " did not answer " + during + ": nothing came in time.");
        }
        if (next.isEmpty()) {
            events.add(next);
            throw failed(during);
        }
        if (!event.equals(next.get().path("event").asText())) {
            throw new IOException(name + " answered " + next.get() + " " + during + ", not " + event + ".");
        }
        return next.get();
    }

    private IOException failed(String during) {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            stderrPump.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String how = process.isAlive() ? "closed its output" : "exited with code " + process.exitValue();
        String words = lastWords;
        return new IOException(
                name + " failed " + during + ": it " + how + (words.isBlank() ? "" : " (" + words + ")") + ".");
    }

    /** Closes its stdin, which ends it; kills it when it has not ended within a few seconds. */
    @Override
    public void close() {
        stdin.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }
}
