package dev.wsctl.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as wsctl's users write them, in flags and in {@code wsctl.yaml}: {@code 250ms}, {@code 30s}, {@code 10m},
 * {@code 2h}, {@code 7d}.
 */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Durations() {}

    /**
     * The duration {@code text} says, or null when it is not written as one.
     *
     * @throws ArithmeticException when it is longer than a {@link Duration} holds
     */
    public static Duration parse(String text) {
        Matcher m = text == null ? null : FORM.matcher(text.trim());
        if (m == null || !m.matches()) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException tooManyDigits) {
            throw new ArithmeticException("too long a duration: " + text);
        }
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
