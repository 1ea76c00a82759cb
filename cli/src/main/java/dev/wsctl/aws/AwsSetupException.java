package dev.wsctl.aws;

/** The AWS side is not set up for a command: no region, no credentials. */
public final class AwsSetupException extends RuntimeException {
    public AwsSetupException(String message) {
        super(message);
    }
}
