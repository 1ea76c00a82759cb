package dev.wsctl.handlers;

import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.WsEvent;
import dev.wsctl.pubsub.PubSub;
import java.util.function.BiFunction;

/** joinchannel, leavechannel and presence. */
public final class ChannelsHandler extends WsHandler {
    private static final BiFunction<PubSub, WsEvent, String> ROUTE = PubSub::channels;

    /** Used by Lambda: the services come from the function's environment, built once at init. */
    public ChannelsHandler() {
        super(FunctionRuntime.fromEnvironment(), FunctionRuntime.log(), ROUTE);
    }

    public ChannelsHandler(PubSub pubSub, JsonLog log) {
        super(pubSub, log, ROUTE);
    }
}
