package dev.wsctl.deploy;

/** A deploy that cannot go on, with one sentence that says why and what to do. */
public class DeployException extends RuntimeException {
    public DeployException(String message) {
        super(message);
    }

    public DeployException(String message, Throwable cause) {
        super(message, cause);
    }
}
