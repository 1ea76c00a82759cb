package dev.wsctl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A bench worker process: holds one share of the sockets for the coordinating {@code wsctl bench}, which
 * drives it with JSON lines on its stdin and reads JSON lines from its stdout:
 *
 * <pre>
 * worker → {"event":"started"}
 * coord. → {"op":"connect","url":…,"channel":…,"connections":n,"connectRate":r}
 * worker → {"event":"ready","connected":…,"joined":…,"firstFailure":…}
 * coord. → {"op":"collect","broadcast":b,"timeoutMillis":t}          (once per broadcast)
 * worker → {"event":"arrivals","delivered":…,"duplicated":…,"latencyMicros":[…]}
 * coord. → {"op":"recount","broadcasts":n}                           (once, after the last)
 * worker → {"event":"recounted","delivered":[…],"duplicated":[…]}     (broadcasts 1 to n, in order)
 * </pre>
 *
 * The URL, token included, travels on stdin, never on the command line. The worker ends when its stdin
 * ends: when the coordinator closes it, and when the coordinator dies, however it dies.
 */
public final class BenchWorker {
    static final String STARTED = "started";
    static final String READY = "ready";
    static final String ARRIVALS = "arrivals";
    static final String RECOUNTED = "recounted";

    private final BlockingQueue<Optional<JsonNode>> ops = new LinkedBlockingQueue<>();
    private volatile boolean ended;

    private BenchWorker() {}

    /** Serves the coordinator on {@code in} and {@code out} until {@code in} ends; progress goes to {@code progress}. */
    public static void serve(BufferedReader in, PrintWriter out, Consumer<String> progress) throws Exception {
        new BenchWorker().run(in, out, progress);
    }

    private void run(BufferedReader in, PrintWriter out, Consumer<String> progress) throws Exception {
        Thread reader = new Thread(() -> read(in), "bench-worker-stdin");
        reader.setDaemon(true);
        reader.start();
        answer(out, STARTED, Json.object());
        Subscribers share = null;
        try {
            for (Optional<JsonNode> next = ops.take(); next.isPresent() && !ended; next = ops.take()) {
                JsonNode op = next.get();
                switch (op.path("op").asText()) {
                    case "connect" -> {
                        share = new Subscribers(
                                URI.create(op.path("url").asText()),
                                op.path("channel").asText(),
                                op.path("connections").asInt(),
                                () -> ended);
                        answer(
                                out,
                                READY,
                                Jackson.mapper()
                                        .valueToTree(share.open(
                                                op.path("connectRate").asDouble(), progress)));
                    }
                    case "collect" -> {
                        if (share == null) {
                            throw new IOException("collect before connect");
                        }
                        answer(
                                out,
                                ARRIVALS,
                                Jackson.mapper()
                                        .valueToTree(share.collect(
                                                op.path("broadcast").asInt(),
                                                Duration.ofMillis(
                                                        op.path("timeoutMillis").asLong()))));
                    }
                    case "recount" -> {
                        if (share == null) {
                            throw new IOException("recount before connect");
                        }
                        answer(
                                out,
                                RECOUNTED,
                                Jackson.mapper()
                                        .valueToTree(share.recount(
                                                op.path("broadcasts").asInt())));
                    }
                    default -> throw new IOException("unknown op from the coordinator: " + op);
                }
            }
        } finally {
            if (share != null) {
                share.close();
            }
        }
    }

    private void read(BufferedReader in) {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                ops.add(Optional.of(Jackson.mapper().readTree(line)));
            }
        } catch (IOException e) {
            // the coordinator is gone, or spoke garbage: end either way
        }
        ended = true;
        ops.add(Optional.empty());
    }

    private static void answer(PrintWriter out, String event, ObjectNode body) {
        ObjectNode line = Json.object();
        line.put("event", event);
        line.setAll(body);
        out.println(Json.write(line));
        out.flush();
    }

    /** The coordinator's line asking for {@code connections} sockets at {@code connectRate} per second. */
    static ObjectNode connectOp(URI url, String channel, int connections, double connectRate) {
        ObjectNode op = Json.object();
        op.put("op", "connect");
        op.put("url", url.toString());
        op.put("channel", channel);
        op.put("connections", connections);
        op.put("connectRate", connectRate);
        return op;
    }

    /** The coordinator's line asking, once every broadcast has been collected, for the final count of each. */
    static ObjectNode recountOp(int broadcasts) {
        ObjectNode op = Json.object();
        op.put("op", "recount");
        op.put("broadcasts", broadcasts);
        return op;
    }

    /** The coordinator's line asking how broadcast {@code number} arrived, waiting up to {@code timeout} for it. */
    static ObjectNode collectOp(int number, Duration timeout) {
        ObjectNode op = Json.object();
        op.put("op", "collect");
        op.put("broadcast", number);
        op.put("timeoutMillis", timeout.toMillis());
        return op;
    }
}
