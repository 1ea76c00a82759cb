package dev.wsctl.cli;

import picocli.CommandLine;

/** {@code wsctl --version}: the version the jar was built as. */
public final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Wsctl.class.getPackage().getImplementationVersion();
        return new String[] {"wsctl " + (v == null ? "development build" : v)};
    }
}
