package dev.wsctl.aws;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

import java.util.Set;

/** One readable sentence for what went wrong in an AWS call, saying what to do where there is something to do. */
public final class AwsErrors {
    private static final Set<String> ACCESS_DENIED = Set.of("AccessDenied", "AccessDeniedException",
            "UnauthorizedOperation", "UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch");
    private static final Set<String> EXPIRED = Set.of("ExpiredToken", "ExpiredTokenException", "RequestExpired");
    private static final Set<String> QUOTA = Set.of("LimitExceededException", "LimitExceeded", "ServiceQuotaExceededException",
            "TooManyRequestsException", "CodeStorageExceededException");

    private AwsErrors() {
    }

    /** AWS's message, ending with a full stop so that wsctl's advice can follow it. */
    private static String sentence(String message) {
        String m = message == null ? "(no message)" : message.strip();
        return m.endsWith(".") ? m : m + ".";
    }

    /** @param doing what wsctl was doing, e.g. "create role chat-dev-send" */
    public static String explain(String doing, SdkException e) {
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            String code = s.awsErrorDetails().errorCode();
            String message = sentence(s.awsErrorDetails().errorMessage());
            if (ACCESS_DENIED.contains(code)) {
                return "Access denied while trying to " + doing + ": " + message
                        + " Grant that action on that resource to the credentials wsctl uses.";
            }
            if (EXPIRED.contains(code)) {
                return "The AWS credentials have expired: " + message + " Refresh them (e.g. aws sso login) and run again.";
            }
            if (QUOTA.contains(code)) {
                return "An AWS quota was hit while trying to " + doing + ": " + message
                        + " Raise the quota in Service Quotas or remove unused resources, then run again.";
            }
            return "Could not " + doing + ": " + s.awsErrorDetails().serviceName() + " " + code + ": " + message;
        }
        if (e instanceof SdkClientException && e.getMessage() != null && e.getMessage().contains("credentials")) {
            return "No AWS credentials found: set AWS_PROFILE or pass --profile, run `aws configure`, or set"
                    + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.";
        }
        return "Could not " + doing + ": " + e.getMessage();
    }
}
