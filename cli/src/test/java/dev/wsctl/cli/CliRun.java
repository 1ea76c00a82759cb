package dev.wsctl.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code wsctl} through its one entry point, {@link Wsctl#run}, capturing exit code, stdout and stderr. */
public record CliRun(int code, String out, String err) {

    public static CliRun wsctl(String... args) {
        return wsctl(Context.system(), args);
    }

    /**
     * With every command that can take a {@link Context} (its public {@code (Context)} constructor) given
     * {@code context}: the environment and the AWS clients (fakes) the test chooses.
     */
    public static CliRun wsctl(Context context, String... args) {
        return wsctl(Wsctl.factory(context), args);
    }

    /** With commands made by {@code factory}, which hands them fakes. */
    public static CliRun wsctl(CommandLine.IFactory factory, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Wsctl.run(factory, new PrintWriter(out), new PrintWriter(err), args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
