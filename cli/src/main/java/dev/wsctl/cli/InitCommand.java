package dev.wsctl.cli;

import dev.wsctl.config.ConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wsctl init}: writes the commented starter wsctl.yaml. */
@Command(
        name = "init",
        description = {
            "Write a starter wsctl.yaml with every configuration key at its default.",
            "Each key comes with a line that explains it. Prints the file's path on stdout."
        },
        mixinStandardHelpOptions = true,
        sortOptions = false)
public final class InitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--file",
            paramLabel = "PATH",
            defaultValue = ConfigLoader.DEFAULT_FILE,
            description = "Where to write it (default: ${DEFAULT-VALUE} in this directory).")
    Path file;

    @Option(names = "--force", description = "Overwrite the file if it exists.")
    boolean force;

    @Override
    public Integer call() {
        if (Files.isDirectory(file)) {
            throw CliException.usage(file + " is a directory; give the file to write with --file PATH");
        }
        boolean existed = Files.exists(file);
        if (existed && !force) {
            throw refuse();
        }
        OpenOption[] options = force
                ? new OpenOption[] {
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE
                }
                : new OpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE};
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, ConfigLoader.starterFile(), StandardCharsets.UTF_8, options);
        } catch (FileAlreadyExistsException e) {
            throw refuse(); // created since we looked
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "Could not write " + file + ": " + e.getMessage(), e);
        }
        spec.commandLine()
                .getErr()
                .println("wsctl init: " + (existed ? "overwrote " : "wrote ") + file
                        + ": a starter configuration with every key at its default (app wsctl, stage dev)"
                        + " and a line explaining each. Edit it to suit; flags and WSCTL_* variables override it.");
        spec.commandLine().getOut().println(file.toAbsolutePath().normalize());
        return ExitCode.OK;
    }

    private CliException refuse() {
        return CliException.usage(file + " already exists; wsctl init does not overwrite it unless you add --force");
    }
}
