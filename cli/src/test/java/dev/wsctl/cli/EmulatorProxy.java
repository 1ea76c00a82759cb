package dev.wsctl.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Set;

/**
 * An endpoint on a free port of 127.0.0.1 in front of an emulator: each request goes first to {@code local}, and
 * what it does not answer is forwarded to the emulator as it came (method, path, query, headers, body) and answered
 * with the emulator's answer. Stopped by {@link #close()}.
 */
final class EmulatorProxy implements AutoCloseable {
    /** Answers a request itself (true), or leaves it to the emulator (false). */
    @FunctionalInterface
    interface Local {
        boolean answer(HttpExchange exchange, byte[] body) throws IOException;
    }

    private static final Set<String> HOP_BY_HOP =
            Set.of("host", "connection", "content-length", "expect", "transfer-encoding", "upgrade");

    private final HttpServer server;

    EmulatorProxy(URI emulator, Local local) throws IOException {
        HttpClient client = HttpClient.newHttpClient();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                if (!local.answer(exchange, body)) {
                    forward(client, emulator, exchange, body);
                }
            }
        });
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void forward(HttpClient client, URI emulator, HttpExchange exchange, byte[] body)
            throws IOException {
        URI target = emulator.resolve(exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null
                        ? ""
                        : "?" + exchange.getRequestURI().getRawQuery()));
        HttpRequest.Builder request = HttpRequest.newBuilder(target)
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
            }
        });
        HttpResponse<byte[]> answer;
        try {
            answer = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        answer.headers().map().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                values.forEach(v -> exchange.getResponseHeaders().add(name, v));
            }
        });
        exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
        exchange.getResponseBody().write(answer.body());
    }
}
