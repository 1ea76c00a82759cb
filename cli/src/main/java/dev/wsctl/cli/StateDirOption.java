package dev.wsctl.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --state-dir}: where {@code wsctl local} keeps its store, log and address, and where other commands find them. */
public final class StateDirOption {
    @Option(names = "--state-dir", defaultValue = ".wsctl",
            description = "Where the local stack keeps its connection store (local.db), log (local.log) and address (local.json) (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    public Path path() {
        return stateDir;
    }
}
