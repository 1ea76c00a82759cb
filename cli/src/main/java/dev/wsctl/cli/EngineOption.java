package dev.wsctl.cli;

import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --engine}, for deploy and destroy: who makes the AWS calls. */
public final class EngineOption {
    /** wsctl's own engine, or CloudFormation with the template of {@code wsctl template}. */
    enum Engine {
        SDK,
        CLOUDFORMATION;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Option(
            names = "--engine",
            paramLabel = "ENGINE",
            defaultValue = "sdk",
            converter = Converter.class,
            description = "sdk: wsctl's own calls (default); cloudformation: a CloudFormation stack {app}-{stage} of"
                    + " the template wsctl template prints, changed by change sets (deploy needs --code-bucket).")
    Engine engine = Engine.SDK;

    boolean cloudFormation() {
        return engine == Engine.CLOUDFORMATION;
    }

    static final class Converter implements CommandLine.ITypeConverter<Engine> {
        @Override
        public Engine convert(String value) {
            for (Engine e : Engine.values()) {
                if (e.toString().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return e;
                }
            }
            throw new CommandLine.TypeConversionException("must be sdk or cloudformation, not '" + value + "'");
        }
    }
}
