package dev.wsctl.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * moto's server ({@code moto_server}, from the machine's Python) on a free port of 127.0.0.1, stopped by
 * {@link #close()}. Without it on PATH a test fails under {@code CI} and is skipped elsewhere, saying so.
 */
final class Moto implements AutoCloseable {
    private final Process process;
    private final URI endpoint;

    private Moto(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    static Moto start() throws IOException, InterruptedException {
        boolean onPath = System.getenv().getOrDefault("PATH", "").isEmpty() ? false
                : java.util.Arrays.stream(System.getenv("PATH").split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "moto_server")));
        if (!onPath) {
            if (System.getenv("CI") != null) {
                throw new IllegalStateException("moto_server is not on PATH (pip install 'moto[server]==5.2.1')");
            }
            assumeTrue(false, "moto_server is not on PATH: skipped (pip install 'moto[server]==5.2.1')");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("moto", ".log");
        Process p = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Instant deadline = Instant.now().plusSeconds(30);
        while (true) {
            try {
                http.send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                return new Moto(p, endpoint);
            } catch (IOException notYet) {
                if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("moto_server did not start: " + Files.readString(log));
                }
                Thread.sleep(100);
            }
        }
    }

    URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
