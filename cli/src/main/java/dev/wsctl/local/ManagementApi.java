package dev.wsctl.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.connections.ConnectionsEndpoint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * The {@code @connections} API ({@code POST|GET|DELETE /{stage}/@connections/{connectionId}}) in the
 * rest-json wire shape the AWS SDK's ApiGatewayManagementApi client reads: errors carry their type in
 * {@code x-amzn-ErrorType}, timestamps are ISO-8601. Requests are not signed-checked.
 *
 * <p>Runs on Jetty's threads and never blocks them: the body is read asynchronously and frames are queued
 * on the socket without waiting for a slow client, as API Gateway answers a POST before delivery. That queue
 * is bounded ({@link Limits#maxOutboundBytes()}): a post that would go above it closes the slow client, and
 * it and every later post for that connection answer 410.
 */
final class ManagementApi {

    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final String JSON_TYPE = "application/json";
    private static final String GONE = "{\"message\":null}";
    private static final String TOO_LARGE = "{\"message\":\"Request entity too large\"}";

    private final Function<String, LocalConnection> connections;
    private final int maxPostBytes;

    ManagementApi(Function<String, LocalConnection> connections, int maxPostBytes) {
        this.connections = connections;
        this.maxPostBytes = maxPostBytes;
    }

    /** @param connectionId the decoded last path segment */
    void handle(Request request, Response response, Callback callback, String connectionId) {
        response.getHeaders().put("x-amzn-RequestId", GatewayEvents.newRequestId());
        switch (request.getMethod()) {
            case "POST" -> post(request, response, callback, connectionId);
            case "GET" -> get(response, callback, connectionId);
            case "DELETE" -> delete(response, callback, connectionId);
            default ->
                error(
                        response,
                        callback,
                        HttpStatus.METHOD_NOT_ALLOWED_405,
                        null,
                        "{\"message\":\"Method Not Allowed\"}");
        }
    }

    private void post(Request request, Response response, Callback callback, String connectionId) {
        if (request.getLength() > maxPostBytes) {
            tooLarge(response, callback);
            return;
        }
        Content.Source.asByteArrayAsync(
                request, maxPostBytes, Promise.Invocable.from(InvocationType.NON_BLOCKING, (body, failure) -> {
                    if (failure != null) {
                        if (Request.getContentBytesRead(request) > maxPostBytes) tooLarge(response, callback);
                        else callback.failed(failure);
                        return;
                    }
                    switch (post(connectionId, new String(body, StandardCharsets.UTF_8), body.length)) {
                        case HttpStatus.OK_200 -> {
                            response.setStatus(HttpStatus.OK_200);
                            callback.succeeded();
                        }
                        case HttpStatus.PAYLOAD_TOO_LARGE_413 -> tooLarge(response, callback);
                        default -> gone(response, callback);
                    }
                }));
    }

    /**
     * PostToConnection, however it arrived (an HTTP request, or the local stack's own fan-out in this
     * process): 200 once the message is queued on the socket, 410 when no such connection is open (or it is
     * being closed, or is closed now because its queue is full), 413 when the message is above the limit.
     */
    int post(String connectionId, String text, int bytes) {
        if (bytes > maxPostBytes) return HttpStatus.PAYLOAD_TOO_LARGE_413;
        LocalConnection c = connections.apply(connectionId);
        return c != null && c.send(text) ? HttpStatus.OK_200 : HttpStatus.GONE_410;
    }

    /** {@link #post(String, String, int)} as the fan-out reads an answer. */
    ConnectionsEndpoint.Answer post(String connectionId, ConnectionsEndpoint.Payload payload) {
        return switch (post(connectionId, payload.text(), payload.size())) {
            case HttpStatus.OK_200 -> ConnectionsEndpoint.Answer.DELIVERED;
            case HttpStatus.PAYLOAD_TOO_LARGE_413 ->
                ConnectionsEndpoint.Answer.of(HttpStatus.PAYLOAD_TOO_LARGE_413, "PayloadTooLargeException", TOO_LARGE);
            default -> ConnectionsEndpoint.Answer.of(HttpStatus.GONE_410, "GoneException", GONE);
        };
    }

    private void get(Response response, Callback callback, String connectionId) {
        LocalConnection c = connections.apply(connectionId);
        if (c == null) {
            gone(response, callback);
            return;
        }
        ObjectNode body = GatewayEvents.JSON.createObjectNode();
        body.put("connectedAt", ISO_MILLIS.format(Instant.ofEpochMilli(c.connectedAt)));
        ObjectNode identity = body.putObject("identity");
        identity.put("sourceIp", c.sourceIp);
        identity.put("userAgent", c.userAgent);
        body.put("lastActiveAt", ISO_MILLIS.format(Instant.ofEpochMilli(c.lastActiveAt())));
        write(response, callback, HttpStatus.OK_200, GatewayEvents.bytes(body));
    }

    private void delete(Response response, Callback callback, String connectionId) {
        LocalConnection c = connections.apply(connectionId);
        if (c == null) {
            gone(response, callback);
            return;
        }
        c.closeFromServer(1000, "");
        response.setStatus(HttpStatus.NO_CONTENT_204);
        callback.succeeded();
    }

    private static void gone(Response response, Callback callback) {
        error(response, callback, HttpStatus.GONE_410, "GoneException", GONE);
    }

    private static void tooLarge(Response response, Callback callback) {
        error(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "PayloadTooLargeException", TOO_LARGE);
    }

    private static void error(Response response, Callback callback, int status, String errorType, String body) {
        if (errorType != null) response.getHeaders().put("x-amzn-ErrorType", errorType);
        write(response, callback, status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void write(Response response, Callback callback, int status, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
