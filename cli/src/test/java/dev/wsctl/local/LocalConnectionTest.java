package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client acts on its 101 response at once, while Jetty may not yet have opened the socket on the server: a post
 * in that window is delivered, as API Gateway delivers a post to a connection its client sees as open.
 */
class LocalConnectionTest {

    /** The calls a Jetty session received, in order; a proxy, since only these few methods matter here. */
    private final List<String> calls = new ArrayList<>();

    private final Session session = (Session) Proxy.newProxyInstance(
            Session.class.getClassLoader(),
            new Class<?>[] {Session.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "isOpen" -> true;
                case "sendText" -> {
                    calls.add("text " + args[0]);
                    yield null;
                }
                case "close" -> {
                    calls.add("close " + args[0]);
                    yield null;
                }
                default -> null;
            });

    private final LocalGateway gateway = LocalGateway.builder().build(); // never started: opened() schedules expiry

    @AfterEach
    void close() {
        gateway.close();
    }

    private LocalConnection connection() {
        return new LocalConnection(
                gateway,
                "id=",
                System.currentTimeMillis(),
                Map.of(),
                Map.of(),
                "127.0.0.1",
                "test",
                "localhost",
                Limits.aws());
    }

    @Test
    void messagesPostedBeforeTheSocketOpensGoOutFirstWhenItOpens() {
        LocalConnection c = connection();
        assertThat(c.send("before admission")).isFalse(); // $connect has not accepted it yet
        c.admitted = true;
        assertThat(c.send("one")).isTrue();
        assertThat(c.send("two")).isTrue();
        assertThat(c.outboundBytes()).isEqualTo(6);
        assertThat(calls).isEmpty();

        c.onWebSocketOpen(session);
        assertThat(c.send("three")).isTrue();
        assertThat(calls).containsExactly("text one", "text two", "text three");
    }

    @Test
    void aConnectionClosedBeforeItOpensIsClosedWhenItOpens() {
        LocalConnection c = connection();
        c.admitted = true;
        c.closeFromServer(1000, "Normal closure"); // e.g. a DELETE on @connections right after the 101
        assertThat(c.send("late")).isFalse();

        c.onWebSocketOpen(session);
        assertThat(calls).containsExactly("close 1000");
    }
}
