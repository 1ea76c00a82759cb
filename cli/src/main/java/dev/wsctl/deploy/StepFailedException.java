package dev.wsctl.deploy;

import software.amazon.awssdk.core.exception.SdkException;

/** An AWS call failed while the engine was at one step; {@link #doing()} says which ("create role chat-dev-send"). */
public final class StepFailedException extends RuntimeException {
    private final String doing;

    StepFailedException(String doing, SdkException cause) {
        super(doing + ": " + cause.getMessage(), cause);
        this.doing = doing;
    }

    public String doing() {
        return doing;
    }

    public SdkException sdkCause() {
        return (SdkException) getCause();
    }
}
