package dev.wsctl.auth;

import dev.wsctl.protocol.ChannelName;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Channel grants from a token: channel names, {@code prefix*} patterns (e.g. {@code private-team-*}) and
 * {@code *} for every channel. They travel from the authorizer to the route handlers in the authorizer
 * context, whose values API Gateway allows only as strings: {@link #encode()} joins them with spaces, a
 * character no channel name contains.
 */
public final class Grants {
    private static final Grants NONE = new Grants(List.of());

    private final List<String> patterns;

    private Grants(List<String> patterns) {
        this.patterns = List.copyOf(patterns);
    }

    public static Grants none() {
        return NONE;
    }

    /** Grants from a token's claim; throws IllegalArgumentException naming the first entry that is not a pattern. */
    public static Grants of(List<String> patterns) {
        for (String p : patterns) {
            String problem = problem(p);
            if (problem != null) {
                throw new IllegalArgumentException("'" + p + "' " + problem);
            }
        }
        return patterns.isEmpty() ? NONE : new Grants(patterns);
    }

    /** Why {@code pattern} is not a grant (a channel name, optionally ending in {@code *}); null when it is one. */
    public static String problem(String pattern) {
        return ChannelName.patternProblem(pattern);
    }

    /** Reads {@link #encode()}'s form back; entries that are not patterns are dropped. */
    public static Grants decode(String encoded) {
        if (encoded == null || encoded.isBlank()) {
            return NONE;
        }
        List<String> out = new ArrayList<>();
        for (String p : Arrays.asList(encoded.trim().split(" +"))) {
            if (problem(p) == null) {
                out.add(p);
            }
        }
        return out.isEmpty() ? NONE : new Grants(out);
    }

    public String encode() {
        return String.join(" ", patterns);
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    public List<String> patterns() {
        return patterns;
    }

    /** True when some grant is {@code channel} itself or a pattern {@code channel} starts with. */
    public boolean allows(String channel) {
        for (String p : patterns) {
            if (ChannelName.matches(p, channel)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return patterns.toString();
    }
}
