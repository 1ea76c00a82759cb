package dev.wsctl.config;

import java.util.List;

/**
 * The stack's routing table, which both deploy engines ({@code RoutesResource}, its template) and the local stack
 * read: each route key, the function behind it, and whether the function's result goes back to the sender (a
 * two-way route: API Gateway passes a result on only through a {@code $default} route response,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-response.html).
 * {@code $connect} and {@code $disconnect} are one-way: their result only accepts or refuses the handshake.
 */
public final class Routes {
    /** A route key, the function that handles it, whether it is two-way. */
    public record Route(String key, String function, boolean twoWay) {}

    /** Every route, in the order they are created. */
    public static final List<Route> ALL = List.of(
            new Route("$connect", "connect", false),
            new Route("$disconnect", "disconnect", false),
            new Route("$default", "default", true),
            new Route("ping", "default", true),
            new Route("joinchannel", "channels", true),
            new Route("leavechannel", "channels", true),
            new Route("presence", "channels", true),
            new Route("sendmessage", "send", true));

    /** The handshake's route, the one an authorizer guards. */
    public static final String CONNECT = "$connect";

    private Routes() {}

    /** The functions routes target, each once, in route order. */
    public static List<String> functions() {
        return ALL.stream().map(Route::function).distinct().toList();
    }
}
