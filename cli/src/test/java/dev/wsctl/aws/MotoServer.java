package dev.wsctl.aws;

import dev.wsctl.Checkout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The AWS emulator the control-plane and operations tests run against: moto's server (moto 5.2.1, from the
 * machine image) with the wsctl extension ({@code tools/moto}), on 127.0.0.1.
 *
 * <p>{@code scripts/test} starts one on a free port and passes its URL as the system property
 * {@value #PROPERTY}; every test class shares it, each on its own app/stage names. Without that property
 * (plain {@code mvn}, an IDE) the first test that asks starts one for this JVM the same way ({@code python3
 * tools/moto/server.py --port 0}) and stops it when the JVM exits. When moto cannot be started the tests are
 * skipped, unless the environment variable {@code CI} is set: then they fail, so a CI run never passes without them.
 */
public final class MotoServer {
    public static final String PROPERTY = "wsctl.moto.url";
    private static URI url;
    private static String problem;

    private MotoServer() {}

    /** The emulator's URL; skips the calling test when there is none and CI is not set. */
    public static synchronized URI url() {
        if (url == null && problem == null) {
            String given = System.getProperty(PROPERTY);
            try {
                url = given != null && !given.isBlank() ? URI.create(given) : start();
            } catch (IOException | RuntimeException e) {
                problem = "could not start moto's server (python3 tools/moto/server.py, moto 5.2.1): " + e.getMessage();
            }
        }
        if (url != null) {
            // the SDK's default chain reads system properties first: wsctl's own clients sign with these, never
            // with whatever credentials the machine has
            System.setProperty("aws.accessKeyId", "testing");
            System.setProperty("aws.secretAccessKey", "testing");
        }
        if (url == null) {
            if (System.getenv("CI") != null) {
                throw new IllegalStateException(problem);
            }
            Assumptions.abort(problem);
        }
        return url;
    }

    private static URI start() throws IOException {
        Path script = Checkout.root().resolve("tools/moto/server.py");
        Process process = new ProcessBuilder(
                        System.getenv().getOrDefault("WSCTL_PYTHON", "python3"),
                        script.toString(),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        "0")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = first.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroy();
            throw new IOException("no answer within 60 s", e);
        }
        if (line == null || !line.startsWith("moto listening on ")) {
            process.destroy();
            throw new IOException("it exited" + (process.isAlive() ? "" : " with " + process.exitValue()));
        }
        // stdout must keep draining, or the server blocks once its pipe fills
        Thread drain = new Thread(
                () -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException ignored) {
                        // the server stopped
                    }
                },
                "moto-stdout");
        drain.setDaemon(true);
        drain.start();
        return URI.create(line.substring("moto listening on ".length()).trim());
    }
}
