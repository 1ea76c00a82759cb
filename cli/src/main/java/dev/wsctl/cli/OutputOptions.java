package dev.wsctl.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code -o/--output table|json|yaml} and {@code --verbose}: how a command shows its data. */
public final class OutputOptions {

    /** table for people; json and yaml for pipelines, with the same fields. */
    public enum Format {
        TABLE,
        JSON,
        YAML;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "table",
            converter = FormatConverter.class,
            description = "table, json or yaml (default: ${DEFAULT-VALUE}).")
    Format output = Format.TABLE;

    @Option(
            names = {"-v", "--verbose"},
            description = "Say more about what is happening, on stderr.")
    boolean verbose;

    public Format format() {
        return output;
    }

    public boolean verbose() {
        return verbose;
    }

    static final class FormatConverter implements ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            for (Format f : Format.values()) {
                if (f.toString().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            throw new TypeConversionException("must be table, json or yaml, not '" + value + "'");
        }
    }
}
