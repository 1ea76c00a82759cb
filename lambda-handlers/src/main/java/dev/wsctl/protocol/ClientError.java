package dev.wsctl.protocol;

/** A request the client got wrong; it becomes an {@code error} frame, never a 500 or silence. */
public final class ClientError extends RuntimeException {
    private final String code;

    public ClientError(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static ClientError badRequest(String message) {
        return new ClientError(Frames.BAD_REQUEST, message);
    }
}
