package dev.wsctl.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.ClientError;
import dev.wsctl.protocol.Frames;
import dev.wsctl.protocol.WsEvent;
import dev.wsctl.pubsub.PubSub;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.BiFunction;

/**
 * What every handler shares: read the API Gateway event, run the route, write the proxy result and
 * one JSON log line (route, connectionId, outcome, millis — never bodies or tokens; and, as every line written
 * during the invocation, its request id and whether it is the cold start, see {@link Invocations}).
 *
 * <p>Routes are two-way (they have a route response), so the result's {@code body} is the frame the
 * sender receives. Errors are answered with an {@code error} frame and status 200: API Gateway
 * would otherwise replace a failed integration's answer with a generic message.
 */
public abstract class WsHandler implements RequestStreamHandler {
    private final PubSub pubSub;
    private final JsonLog log;
    private final BiFunction<PubSub, WsEvent, String> route;
    private final Invocations invocations = new Invocations();

    /**
     * @param pubSub the service the route runs on; null for a route that needs none ({@code default})
     * @param route  what the route does: returns the frame for the sender, or null for none
     */
    protected WsHandler(PubSub pubSub, JsonLog log, BiFunction<PubSub, WsEvent, String> route) {
        this.pubSub = pubSub;
        this.log = log;
        this.route = route;
    }

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        try (JsonLog.Scope invocation = invocations.begin(context)) {
            handle(input, output);
        }
    }

    private void handle(InputStream input, OutputStream output) throws IOException {
        long start = System.nanoTime();
        WsEvent event = WsEvent.parse(input);
        String outcome = "ok";
        int status = 200;
        String body;
        try {
            body = route.apply(pubSub, event);
        } catch (ClientError e) {
            outcome = e.code();
            body = Frames.error(e.code(), e.getMessage());
        } catch (RuntimeException e) {
            outcome = Frames.INTERNAL;
            status = "$connect".equals(event.routeKey()) ? 500 : 200;
            body = Frames.error(Frames.INTERNAL, "the service could not handle this request");
            ObjectNode line = line(event, outcome, start);
            line.put("error", e.toString());
            log.write(line);
            writeResult(output, status, body);
            return;
        }
        writeResult(output, status, body);
        log.write(line(event, outcome, start));
    }

    private static ObjectNode line(WsEvent event, String outcome, long start) {
        ObjectNode line = Json.object();
        line.put("route", event.routeKey());
        line.put("connectionId", event.connectionId());
        line.put("outcome", outcome);
        line.put("millis", (System.nanoTime() - start) / 1_000_000);
        return line;
    }

    private static void writeResult(OutputStream output, int status, String body) throws IOException {
        ObjectNode result = Json.object();
        result.put("statusCode", status);
        if (body != null) {
            result.put("body", body);
        }
        Json.write(output, result);
    }
}
