package dev.wsctl.store;

import java.util.List;

/**
 * What removing connections did.
 *
 * @param rows       how many rows went (meta rows and subscriptions)
 * @param departures the users whose last connection in a presence channel went with them, for callers to
 *                   announce ({@code member_removed}); each at most once, however many callers remove the same rows
 */
public record Disconnected(int rows, List<Departure> departures) {
    public Disconnected {
        departures = List.copyOf(departures);
    }
}
