package dev.wsctl.cli;

import dev.wsctl.deploy.FunctionCode;
import java.io.InputStream;
import picocli.CommandLine;

/**
 * {@code wsctl --version}: the version the jar was built as, and the handler code it deploys, named by
 * Lambda's CodeSha256 (what {@code aws lambda get-function} shows for a deployed function), so a deployed
 * stack can be matched to the wsctl that deployed it.
 */
public final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Wsctl.class.getPackage().getImplementationVersion();
        String handlers;
        try (InputStream in = FunctionCode.class.getResourceAsStream(FunctionCode.EMBEDDED)) {
            handlers = in == null
                    ? "handlers.jar: not embedded in this build (deploy needs --handlers-jar)"
                    : describe(in);
        } catch (Exception e) {
            handlers = "handlers.jar: unreadable (" + e.getMessage() + ")";
        }
        return new String[] {
            "wsctl " + (v == null ? "development build" : v),
            handlers,
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")
        };
    }

    private static String describe(InputStream in) throws java.io.IOException {
        FunctionCode code = FunctionCode.of(in.readAllBytes());
        return String.format("handlers.jar: CodeSha256 %s, %,d bytes", code.sha256(), code.jar().length);
    }
}
