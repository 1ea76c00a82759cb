package dev.wsctl.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code wsctl completion bash|zsh}: the shell completion script, generated from the commands themselves. */
@Command(
        name = "completion",
        description = {"Print a completion script for bash or zsh: commands, subcommands and options of this wsctl."},
        footer = {
            "",
            "Examples:",
            "  bash:  source <(wsctl completion bash)",
            "         (or save it as /etc/bash_completion.d/wsctl)",
            "  zsh:   source <(wsctl completion zsh)    (e.g. in ~/.zshrc)"
        },
        mixinStandardHelpOptions = true)
public final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh.")
    String shell;

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        String script = AutoComplete.bash(root.getCommandName(), root);
        switch (shell) {
            case "bash" -> spec.commandLine().getOut().print(script);
            case "zsh" -> {
                // picocli's script is bash; zsh runs it through its bash-completion emulation
                spec.commandLine().getOut().println("autoload -U +X compinit && compinit");
                spec.commandLine().getOut().println("autoload -U +X bashcompinit && bashcompinit");
                spec.commandLine().getOut().print(script);
            }
            default -> throw CliException.usage("completion: the shell must be bash or zsh, not '" + shell + "'");
        }
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }
}
