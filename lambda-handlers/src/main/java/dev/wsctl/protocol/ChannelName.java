package dev.wsctl.protocol;

import java.util.regex.Pattern;

/** The rules for channel names that clients may use. */
public final class ChannelName {
    public static final int MAX_LENGTH = 164;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_\\-=@,.;:]{1," + MAX_LENGTH + "}");
    public static final String PRIVATE_PREFIX = "private-";

    private ChannelName() {}

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    public static boolean isPrivate(String name) {
        return name.startsWith(PRIVATE_PREFIX);
    }

    /** Why {@code name} is not a channel name, for the error frame; null when it is one. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "channel must be a non-empty string";
        }
        if (name.length() > MAX_LENGTH) {
            return "channel is longer than " + MAX_LENGTH + " characters";
        }
        if (!VALID.matcher(name).matches()) {
            return "channel may contain only A-Z a-z 0-9 and _-=@,.;:";
        }
        return null;
    }

    /**
     * Why {@code pattern} is not a channel name, a {@code prefix*} pattern whose prefix is a channel name, or
     * {@code *} (every channel); null when it is one. Token grants and history channels are such patterns.
     */
    public static String patternProblem(String pattern) {
        if (pattern == null || pattern.isEmpty()) {
            return "is empty";
        }
        if (pattern.equals("*")) {
            return null;
        }
        String name = pattern.endsWith("*") ? pattern.substring(0, pattern.length() - 1) : pattern;
        return isValid(name)
                ? null
                : "is not a channel name or a prefix pattern like chat-* (A-Z a-z 0-9 _-=@,.;: then an optional *)";
    }

    /** Is {@code channel} the name {@code pattern}, or does it start with the prefix of the pattern {@code prefix*}? */
    public static boolean matches(String pattern, String channel) {
        return pattern.endsWith("*")
                ? channel.startsWith(pattern.substring(0, pattern.length() - 1))
                : pattern.equals(channel);
    }
}
