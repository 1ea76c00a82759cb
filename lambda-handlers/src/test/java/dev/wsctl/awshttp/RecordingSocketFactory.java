package dev.wsctl.awshttp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/** A client's TLS sockets, recorded as it makes them. */
public final class RecordingSocketFactory extends SSLSocketFactory {
    final SSLSocketFactory factory;
    public final List<SSLSocket> sockets = new CopyOnWriteArrayList<>();

    public RecordingSocketFactory(SSLSocketFactory factory) {
        this.factory = factory;
    }

    private Socket record(Socket s) {
        sockets.add((SSLSocket) s);
        return s;
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        return record(factory.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket() throws IOException {
        return record(factory.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return record(factory.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
        return record(factory.createSocket(host, port, local, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return record(factory.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress local, int localPort) throws IOException {
        return record(factory.createSocket(address, port, local, localPort));
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return factory.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return factory.getSupportedCipherSuites();
    }
}
