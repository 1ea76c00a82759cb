package dev.wsctl.store;

import java.util.List;

/**
 * What the store keeps about one connection: the meta row written on {@code $connect}.
 *
 * @param connectionId API Gateway's connection id
 * @param connectedAt  epoch milliseconds, from the event's requestContext.connectedAt
 * @param sourceIp     the client's address as API Gateway saw it
 * @param origin       the Origin header of the upgrade request, or null (non-browser clients)
 * @param sub          the authenticated user, or null when the stack runs without auth
 * @param grants       channel grants from the token (names or {@code prefix-*} patterns); empty without auth
 * @param expiresAt    epoch seconds after which the row may be removed by TTL
 */
public record ConnectionInfo(
        String connectionId,
        long connectedAt,
        String sourceIp,
        String origin,
        String sub,
        List<String> grants,
        long expiresAt) {

    public ConnectionInfo {
        grants = grants == null ? List.of() : List.copyOf(grants);
    }
}
