package dev.wsctl.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Durations on the command line: {@code 250ms}, {@code 30s}, {@code 10m}, {@code 2h}, {@code 7d}, at most
 * {@link #MAX}. Whether zero makes sense is the option's to say.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    /** Longer than anything wsctl waits for or signs, and far inside what deadlines in nanoseconds can hold. */
    static final Duration MAX = Duration.ofDays(365);

    private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    @Override
    public Duration convert(String value) {
        Matcher m = FORM.matcher(value.trim());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration; write it like 250ms, 30s, 10m, 2h or 7d");
        }
        Duration duration;
        try {
            long n = Long.parseLong(m.group(1));
            duration = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } catch (ArithmeticException | NumberFormatException e) {
            duration = null;
        }
        if (duration == null || duration.compareTo(MAX) > 0) {
            throw new CommandLine.TypeConversionException("'" + value + "' is too long a duration; at most 365d");
        }
        return duration;
    }

    /** {@code value} unless it is zero, which no option that waits for something can mean: a usage error naming it. */
    static Duration positive(String option, Duration value) {
        if (value != null && value.isZero()) {
            throw CliException.usage(option + " must be more than 0");
        }
        return value;
    }
}
