package dev.wsctl.handlers;

import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.WsEvent;
import dev.wsctl.pubsub.PubSub;
import java.util.function.BiFunction;

/** $connect: writes the connection's meta row and joins the default channel. */
public final class ConnectHandler extends WsHandler {
    private static final BiFunction<PubSub, WsEvent, String> ROUTE = (p, e) -> {
        p.connect(e);
        return null;
    };

    /** Used by Lambda: the services come from the function's environment, built once at init. */
    public ConnectHandler() {
        super(FunctionRuntime.fromEnvironment(), FunctionRuntime.log(), ROUTE);
    }

    public ConnectHandler(PubSub pubSub, JsonLog log) {
        super(pubSub, log, ROUTE);
    }
}
