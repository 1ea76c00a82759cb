package dev.wsctl.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --state-dir}: where {@code wsctl local} keeps its store, log and address, and where other commands find them. */
public final class StateDirOption {
    @Option(
            names = "--state-dir",
            defaultValue = ".wsctl",
            description =
                    "Where the local stack keeps its connection store (local.db), log (local.log) and address (local.json) (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    public Path path() {
        return stateDir;
    }
}
