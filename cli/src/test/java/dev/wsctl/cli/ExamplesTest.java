package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The examples use wsctl as it is: every command line in them parses against the real commands. */
class ExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final Pattern WSCTL = Pattern.compile("scripts/wsctl ([^|>;&\\n]*)");

    @Test
    void theGithubActionsWorkflowIsYamlAndEveryWsctlLineParses() throws Exception {
        JsonNode workflow =
                new YAMLMapper().readTree(EXAMPLES.resolve("github-actions.yml").toFile());
        assertThat(workflow.path("jobs").has("preview")).isTrue();
        assertThat(workflow.path("jobs").has("destroy")).isTrue();
        List<String> lines = new ArrayList<>();
        for (JsonNode job : workflow.path("jobs")) {
            for (JsonNode step : job.path("steps")) {
                Matcher m = WSCTL.matcher(step.path("run").asText(""));
                while (m.find()) {
                    lines.add(m.group(1).strip());
                }
            }
        }
        assertThat(lines)
                .contains("deploy --dry-run", "deploy -o json", "destroy --yes -o json")
                .anyMatch(l -> l.startsWith("smoke"));
        for (String line : lines) {
            CommandLine cli = new CommandLine(new Wsctl(), Wsctl.factory(Context.system()));
            // parses without running: unknown commands or options throw
            cli.parseArgs(line.split("\\s+"));
        }
    }
}
