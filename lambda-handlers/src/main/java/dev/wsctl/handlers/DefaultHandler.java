package dev.wsctl.handlers;

import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.WsEvent;
import dev.wsctl.pubsub.PubSub;
import java.util.function.BiFunction;

/** $default and ping: pong, or an error frame that says what was wrong. */
public final class DefaultHandler extends WsHandler {
    private static final BiFunction<PubSub, WsEvent, String> ROUTE = (pubSub, event) -> PubSub.defaultRoute(event);

    /**
     * Used by Lambda. The route touches neither the table nor @connections, so no SDK client is built:
     * the function's init is the JVM, Jackson and this class (see BENCHMARKS.md, cold start).
     */
    public DefaultHandler() {
        super(null, FunctionRuntime.log(), ROUTE);
        if (Priming.atInit(System.getenv())) {
            Priming.events();
        }
    }

    public DefaultHandler(PubSub pubSub, JsonLog log) {
        super(pubSub, log, ROUTE);
    }
}
