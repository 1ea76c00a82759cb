package dev.wsctl.cli;

import dev.wsctl.config.Durations;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Durations on the command line, written as {@link Durations} reads them ({@code 250ms}, {@code 30s}, {@code 10m},
 * {@code 2h}, {@code 7d}), at most {@link #MAX}. Whether zero makes sense is the option's to say.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    /** Longer than anything wsctl waits for or signs, and far inside what deadlines in nanoseconds can hold. */
    static final Duration MAX = Duration.ofDays(365);

    @Override
    public Duration convert(String value) {
        Duration duration;
        try {
            duration = Durations.parse(value);
        } catch (ArithmeticException tooLong) {
            duration = MAX.plusDays(1);
        }
        if (duration == null) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration; write it like 250ms, 30s, 10m, 2h or 7d");
        }
        if (duration.compareTo(MAX) > 0) {
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
