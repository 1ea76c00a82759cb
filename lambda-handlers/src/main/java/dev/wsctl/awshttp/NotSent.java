package dev.wsctl.awshttp;

import java.io.IOException;

/**
 * A request that certainly did not reach the server: no connection could be made, or not all of the request
 * was written. Unlike any other failure after the request was sent, it may be repeated without the risk of
 * delivering a message twice ({@link dev.wsctl.fanout.Fanout#isUnsent}).
 */
public final class NotSent extends IOException {
    public NotSent(String message, Throwable cause) {
        super(message + ": " + cause, cause);
    }
}
