package dev.wsctl.handlers;

import dev.wsctl.runtime.JsonLog;
import dev.wsctl.runtime.PubSub;
import dev.wsctl.runtime.WsEvent;

import java.util.function.BiFunction;

/** $default and ping: pong, or an error frame that says what was wrong. */
public final class DefaultHandler extends WsHandler {
    private static final BiFunction<PubSub, WsEvent, String> ROUTE = PubSub::other;

    /** Used by Lambda: the services come from the function's environment, built once at init. */
    public DefaultHandler() {
        super(Services.fromEnvironment(), Services.log(), ROUTE);
    }

    public DefaultHandler(PubSub pubSub, JsonLog log) {
        super(pubSub, log, ROUTE);
    }
}
