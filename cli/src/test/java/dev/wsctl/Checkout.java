package dev.wsctl;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout the tests run in: where the tools they start (tools/moto, tools/prom-parse, …) and the examples are. */
public final class Checkout {
    private Checkout() {}

    /**
     * The checkout's root: the {@code wsctl.project.dir} property (surefire sets it), else the nearest directory above
     * the working directory with {@code tools/moto/server.py}.
     */
    public static Path root() {
        String dir = System.getProperty("wsctl.project.dir");
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir).toAbsolutePath();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("tools/moto/server.py"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "no tools/moto/server.py above " + Path.of("").toAbsolutePath());
    }
}
