package dev.wsctl.lambda;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * TLS in front of a plain-HTTP server on 127.0.0.1 (dynalite), so that a function reaches "DynamoDB" over TLS
 * as it does on AWS: each connection accepted is decrypted here and its bytes passed on to the server, and back.
 */
final class TlsFront implements AutoCloseable {
    private final ServerSocket server;
    private final URI backend;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    TlsFront(SSLContext tls, URI backend) throws IOException {
        this.backend = backend;
        this.server = tls.getServerSocketFactory().createServerSocket(0, 64, InetAddress.getLoopbackAddress());
        ((SSLServerSocket) server).setUseClientMode(false);
        Thread accept = new Thread(this::accept, "tls-front");
        accept.setDaemon(true);
        accept.start();
    }

    /** {@code https://127.0.0.1:<port>} */
    URI endpoint() {
        return URI.create("https://127.0.0.1:" + server.getLocalPort());
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(backend.getHost(), backend.getPort()), 5_000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                // closed, or one connection failed: the client sees it
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        for (int n; (n = in.read(buffer)) != -1; ) {
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // one side closed
                    } finally {
                        close(from);
                        close(to);
                    }
                },
                "tls-front-pump");
        t.setDaemon(true);
        t.start();
    }

    private void close(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        sockets.forEach(this::close);
    }
}
