package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Just enough of RFC 6455 to send a single unfragmented frame of a chosen size and read the answer, to send
 * handshakes no well-behaved client sends, and to stop reading altogether.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    RawClient(LocalGateway gateway) throws IOException {
        this(gateway, 0);
    }

    private RawClient(LocalGateway gateway, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0)
            socket.setReceiveBufferSize(receiveBufferBytes); // before connecting, so the window is this small
        socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
        socket.setSoTimeout((int) TestClient.WAIT.toMillis());
        out = socket.getOutputStream();
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out.write(("GET /" + gateway.stage() + " HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.port()
                        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                        + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(readLine()).startsWith("HTTP/1.1 101");
        while (!readLine().isEmpty()) {
            // skip the rest of the handshake response
        }
    }

    /** Sends {@code request} (a whole HTTP request head, CRLF line ends) on a new socket and returns the answer's status line. */
    static String handshake(LocalGateway gateway, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout((int) TestClient.WAIT.toMillis());
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            StringBuilder line = new StringBuilder();
            for (int c = socket.getInputStream().read();
                    c >= 0 && c != '\n';
                    c = socket.getInputStream().read()) {
                if (c != '\r') line.append((char) c);
            }
            return line.toString();
        }
    }

    /**
     * Connects with a receive buffer of {@code receiveBufferBytes} and then never reads unless asked: what the
     * server sends piles up in its own queue once the two TCP buffers are full.
     */
    static RawClient nonReading(LocalGateway gateway, int receiveBufferBytes) throws IOException {
        return new RawClient(gateway, receiveBufferBytes);
    }

    /** One FIN text frame of {@code size} bytes, masked with a zero key (so the payload goes as is). */
    void sendTextFrame(int size) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream header = new DataOutputStream(bytes);
        header.write(0x81);
        if (size < 126) {
            header.write(0x80 | size);
        } else if (size <= 0xFFFF) {
            header.write(0x80 | 126);
            header.writeShort(size);
        } else {
            header.write(0x80 | 127);
            header.writeLong(size);
        }
        header.writeInt(0); // masking key
        out.write(bytes.toByteArray());
        out.write("x".repeat(size).getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The next data message, reassembled from its frames. */
    String readMessage() throws IOException {
        StringBuilder message = new StringBuilder();
        while (true) {
            int first = in.readUnsignedByte();
            byte[] payload = readPayload();
            assertThat(first & 0x0F).as("opcode").isIn(0x0, 0x1);
            message.append(new String(payload, StandardCharsets.UTF_8));
            if ((first & 0x80) != 0) return message.toString();
        }
    }

    /** Skips data frames up to the close frame and returns its status code. */
    int readCloseCode() throws IOException {
        while (true) {
            int first = in.readUnsignedByte();
            byte[] payload = readPayload();
            if ((first & 0x0F) == 0x8) return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }
    }

    /** Fails with a SocketTimeoutException unless the server closes the TCP connection in time. */
    void awaitEndOfStream() throws IOException {
        while (in.read() >= 0) {
            // drain
        }
    }

    private byte[] readPayload() throws IOException {
        long length = in.readUnsignedByte() & 0x7F; // server frames are not masked
        if (length == 126) length = in.readUnsignedShort();
        else if (length == 127) length = in.readLong();
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return payload;
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) throw new EOFException();
            if (c != '\r') line.append((char) c);
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
