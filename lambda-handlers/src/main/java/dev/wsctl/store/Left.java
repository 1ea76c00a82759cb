package dev.wsctl.store;

import java.util.Optional;

/**
 * What removing one subscription did.
 *
 * @param subscribed whether there was a subscription to remove
 * @param departure  the user whose last connection in the (presence) channel this was, if it was
 */
public record Left(boolean subscribed, Optional<Departure> departure) {
    public static final Left NOT_SUBSCRIBED = new Left(false, Optional.empty());
}
