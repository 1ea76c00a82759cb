package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The help of every command in the tree reads as whole sentences: the summary a parent's command list shows (picocli
 * shows the first header line, else the first description line: https://picocli.info/#_subcommands_in_usage_help) is one
 * sentence, and no line of any usage message is wider than picocli's usage width.
 */
class HelpTextTest {

    @Test
    void everyCommandIsListedWithAWholeSentence() {
        List<String> problems = new ArrayList<>();
        for (CommandLine parent : tree(new CommandLine(new Wsctl(), Wsctl.factory(Context.system())))) {
            String list = parent.getHelp().commandList().replaceAll("\\s+", "");
            for (CommandLine sub : parent.getSubcommands().values()) {
                CommandSpec spec = sub.getCommandSpec();
                if (spec.usageMessage().hidden()) {
                    continue;
                }
                String summary = summary(spec);
                String name = spec.qualifiedName();
                if (!summary.endsWith(".")) {
                    problems.add(name + ": summary does not end a sentence: " + summary);
                }
                if (!Character.isUpperCase(summary.codePointAt(0))) {
                    problems.add(name + ": summary does not start a sentence: " + summary);
                }
                if (summary.matches(".*[.:;]\\s+\\p{Lu}.*")) {
                    problems.add(name + ": summary holds more than one sentence: " + summary);
                }
                // picocli wraps the summary in the list; whitespace aside, all of it must be there
                if (!list.contains(spec.name() + summary.replaceAll("\\s+", ""))) {
                    problems.add(name + ": the parent's command list does not show the whole summary");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void descriptionLinesEndSentencesAndNoUsageLineIsWiderThanTheUsageWidth() {
        List<String> problems = new ArrayList<>();
        for (CommandLine command : tree(new CommandLine(new Wsctl(), Wsctl.factory(Context.system())))) {
            CommandSpec spec = command.getCommandSpec();
            String name = spec.qualifiedName();
            // each description element is one line of help that picocli wraps: a hand-wrapped fragment reads as a cut
            // sentence
            for (String line : spec.usageMessage().description()) {
                String text =
                        line.replaceAll("(%n)+$", "").strip(); // picocli's own help command ends its lines with %n
                if (!text.isEmpty() && !text.endsWith(".") && !text.endsWith(":")) {
                    problems.add(name + ": description line is cut mid-sentence: " + line);
                }
            }
            for (OptionSpec option : spec.options()) {
                String text = String.join(" ", option.description()).strip();
                if (!option.hidden() && !text.isEmpty() && !text.endsWith(".")) {
                    problems.add(name + " " + option.longestName() + ": description does not end a sentence: " + text);
                }
            }
            int width = spec.usageMessage().width();
            for (String line :
                    command.getUsageMessage(CommandLine.Help.Ansi.OFF).split("\\R")) {
                if (line.length() > width) {
                    problems.add(name + ": usage line wider than " + width + ": " + line);
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theTreeWalkReachesNestedCommands() {
        List<String> names = tree(new CommandLine(new Wsctl(), Wsctl.factory(Context.system()))).stream()
                .map(c -> c.getCommandSpec().qualifiedName())
                .toList();
        assertThat(names)
                .contains("wsctl", "wsctl deploy", "wsctl connections list", "wsctl channels inspect", "wsctl help");
    }

    private static String summary(CommandSpec spec) {
        String[] header = spec.usageMessage().header();
        String[] description = spec.usageMessage().description();
        return (header.length > 0 ? header[0] : description.length > 0 ? description[0] : "").strip();
    }

    private static List<CommandLine> tree(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        all.add(root);
        for (CommandLine sub : root.getSubcommands().values()) {
            // picocli registers aliases under each name; walk each command once
            if (all.stream().noneMatch(c -> c.getCommandSpec() == sub.getCommandSpec())) {
                all.addAll(tree(sub));
            }
        }
        return all;
    }
}
