package dev.wsctl.handlers;

import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.WsEvent;
import dev.wsctl.pubsub.PubSub;
import java.util.function.BiFunction;

/** $disconnect: removes every row of the connection. */
public final class DisconnectHandler extends WsHandler {
    private static final BiFunction<PubSub, WsEvent, String> ROUTE = (p, e) -> {
        p.disconnect(e);
        return null;
    };

    /** Used by Lambda: the services come from the function's environment, built once at init. */
    public DisconnectHandler() {
        super(FunctionRuntime.fromEnvironment(), FunctionRuntime.log(), ROUTE);
    }

    public DisconnectHandler(PubSub pubSub, JsonLog log) {
        super(pubSub, log, ROUTE);
    }
}
