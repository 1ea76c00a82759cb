package dev.wsctl.cli;

/** wsctl's exit codes, documented in the README and in {@code wsctl --help}. */
public final class ExitCode {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int PARTIAL = 3;

    private ExitCode() {}
}
