package dev.wsctl.awshttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.connections.FakeConnectionsEndpoint;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TLS handshake ahead of a client's first request: once, closed, not after a request, nothing over plain HTTP. */
class EarlyHandshakeTest {

    @Test
    void oneHandshakeWithTheEndpointOnASocketThatIsClosed(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(dir);
        RecordingSocketFactory sockets = new RecordingSocketFactory(tls.client().getSocketFactory());
        try (FakeConnectionsEndpoint https = new FakeConnectionsEndpoint(tls.server())) {
            EarlyHandshake early = new EarlyHandshake(https.callbackUrl(), sockets, 5_000);

            early.run();
            early.run();
            early.beforeRequest();

            assertThat(sockets.sockets).singleElement().satisfies(s -> {
                assertThat(s.getSession().getProtocol()).startsWith("TLS");
                assertThat(s.isClosed()).isTrue();
            });
            assertThat(https.requests).isEmpty();

            // once a request has begun, a handshake ahead of it is pointless
            EarlyHandshake late = new EarlyHandshake(https.callbackUrl(), sockets, 5_000);
            late.beforeRequest();
            late.run();
            assertThat(sockets.sockets).hasSize(1);
        }
    }

    @Test
    void nothingOverPlainHttpAndNoErrorWithoutAServer() throws Exception {
        RecordingSocketFactory sockets =
                new RecordingSocketFactory(javax.net.ssl.SSLContext.getDefault().getSocketFactory());
        new EarlyHandshake(URI.create("http://127.0.0.1:1/test"), sockets, 1_000).run();
        assertThat(sockets.sockets).isEmpty();

        try (RefusingPort refusing = new RefusingPort()) {
            int port = refusing.port();
            EarlyHandshake refused =
                    new EarlyHandshake(URI.create("https://127.0.0.1:" + port + "/test"), sockets, 1_000);
            refused.run(); // connection refused: no error, only no time saved
            refused.beforeRequest();
            assertThat(sockets.sockets).isEmpty();
        }
    }
}
