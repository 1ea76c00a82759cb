package dev.wsctl.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.fanout.FanoutBatch;
import dev.wsctl.fanout.FanoutReport;
import dev.wsctl.fanout.FanoutWorker;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The {@code fanout} worker function: one batch of a sharded fan-out ({@link FanoutBatch}, invoked asynchronously
 * by the send path), run by the same engine. Its log line is the engine's (report and batch). It never fails the
 * invocation: a retried batch would deliver twice what it already delivered, so failures are counted and logged
 * (the deployed function's event-invoke config allows no retries either). The result is the report, for a
 * synchronous invoke.
 */
public final class FanoutHandler implements RequestStreamHandler {
    private final FanoutWorker worker;
    private final JsonLog log;
    private final Invocations invocations = new Invocations();

    /** Used by Lambda: the services come from the function's environment, built once at init. */
    public FanoutHandler() {
        this(FunctionRuntime.worker(), FunctionRuntime.log());
    }

    public FanoutHandler(FanoutWorker worker, JsonLog log) {
        this.worker = worker;
        this.log = log;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        try (JsonLog.Scope invocation = invocations.begin(context)) {
            Json.write(output, handle(input));
        }
    }

    private ObjectNode handle(InputStream input) throws IOException {
        ObjectNode result;
        try {
            FanoutReport report = worker.run(FanoutBatch.parse(input.readAllBytes()));
            result = report.toJson();
        } catch (RuntimeException e) {
            result = Json.object();
            result.put("event", "fanout");
            result.put("outcome", e instanceof IllegalArgumentException ? "bad_batch" : "internal");
            result.put("error", e.toString());
            log.write(result);
        }
        return result;
    }
}
