package dev.wsctl.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.cli.TokenOption;
import dev.wsctl.metrics.EmfMetrics;
import dev.wsctl.protocol.Settings;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The two tables of {@code WSCTL_*} variables in docs/configuration.md name exactly the variables the code reads: the
 * CLI's ({@link ConfigLoader#ENVIRONMENT}, {@code WSCTL_CONFIG}, {@code WSCTL_TOKEN}) and the functions' (the
 * {@code ENV_*} constants through which {@link Settings} and {@link AuthSettings} read their environment).
 */
class EnvironmentDocsTest {

    private static final Path DOC = Path.of("../docs/configuration.md");
    private static final Pattern VARIABLE = Pattern.compile("WSCTL_[A-Z0-9_]*[A-Z0-9]");

    @Test
    void theCliTableNamesEveryVariableWsctlReadsAndNoOther() throws IOException {
        Set<String> code = new TreeSet<>(ConfigLoader.ENVIRONMENT.keySet());
        code.add(ConfigLoader.ENV_CONFIG);
        code.add(TokenOption.ENV);
        assertThat(code).contains("WSCTL_APP", "WSCTL_MEMORY_FANOUT", "WSCTL_TAGS");

        assertThat(documented("Variables wsctl reads")).isEqualTo(code);
    }

    @Test
    void theFunctionTableNamesEveryVariableTheFunctionsReadAndNoOther() throws IOException {
        Set<String> code = new TreeSet<>();
        code.addAll(constants(Settings.class));
        code.addAll(constants(AuthSettings.class));
        code.addAll(constants(EmfMetrics.class));
        code.addAll(constants(dev.wsctl.webhooks.WebhookSettings.class));
        assertThat(code).contains("WSCTL_TABLE", "WSCTL_FANOUT_FUNCTION", "WSCTL_AUTH_SECRET");

        assertThat(documented("Variables the functions read")).isEqualTo(code);
    }

    /** The values of a class's {@code public static final String ENV_*} constants. */
    private static Set<String> constants(Class<?> type) {
        Set<String> names = new TreeSet<>();
        for (Field f : type.getFields()) {
            int m = f.getModifiers();
            if (f.getName().startsWith("ENV_")
                    && f.getType() == String.class
                    && Modifier.isStatic(m)
                    && Modifier.isFinal(m)) {
                try {
                    names.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return names;
    }

    /** The variables in the first column of the table under the heading {@code ## title}. */
    private static Set<String> documented(String title) throws IOException {
        List<String> lines = Files.readAllLines(DOC);
        int start = lines.indexOf("## " + title);
        assertThat(start)
                .as("docs/configuration.md has a section \"## %s\"", title)
                .isNotNegative();
        Set<String> names = new TreeSet<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            if (line.startsWith("|")) {
                String firstCell = line.substring(1).split("\\|", 2)[0];
                Matcher m = VARIABLE.matcher(firstCell);
                while (m.find()) {
                    names.add(m.group());
                }
            }
        }
        return names;
    }
}
