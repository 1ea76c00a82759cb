package dev.wsctl.protocol;

import java.util.regex.Pattern;

/** The rules for channel names that clients may use. */
public final class ChannelName {
    public static final int MAX_LENGTH = 164;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_\\-=@,.;:]{1," + MAX_LENGTH + "}");
    public static final String PRIVATE_PREFIX = "private-";
    /** Channels whose subscribers see who else is there (members, member_added, member_removed). */
    public static final String PRESENCE_PREFIX = "presence-";

    private ChannelName() {}

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    public static boolean isPrivate(String name) {
        return name.startsWith(PRIVATE_PREFIX);
    }

    public static boolean isPresence(String name) {
        return name.startsWith(PRESENCE_PREFIX);
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
}
