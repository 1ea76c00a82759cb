package dev.wsctl.protocol;

import java.util.Objects;

/**
 * A member of a presence channel.
 *
 * @param user the token's {@code sub}, or the connection id on a stack without auth
 * @param info the token's {@code info} claim as compact JSON text (an object), or null when there is none
 */
public record Member(String user, String info) {
    public Member {
        Objects.requireNonNull(user, "user");
        if (user.isEmpty()) {
            throw new IllegalArgumentException("a member's user must not be empty");
        }
    }
}
