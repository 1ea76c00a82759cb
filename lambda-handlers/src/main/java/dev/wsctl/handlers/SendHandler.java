package dev.wsctl.handlers;

import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.WsEvent;
import dev.wsctl.pubsub.PubSub;
import java.util.function.BiFunction;

/** sendmessage: fans the message out to the channel's subscribers but the sender. */
public final class SendHandler extends WsHandler {
    private static final BiFunction<PubSub, WsEvent, String> ROUTE = PubSub::send;

    /** Used by Lambda: the services come from the function's environment, built once at init. */
    public SendHandler() {
        super(FunctionRuntime.fromEnvironment(), FunctionRuntime.log(), ROUTE);
    }

    public SendHandler(PubSub pubSub, JsonLog log) {
        super(pubSub, log, ROUTE);
    }
}
