package dev.wsctl.aws;

import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * One readable sentence for what went wrong in an AWS call, saying what to do where there is something to do. Any
 * failure has one: an AWS error with its code, an answer without one (an HTML page from a proxy, an empty 5xx),
 * throttling that outlasted the SDK's retries, a connection that failed or was reset.
 */
public final class AwsErrors {
    private static final Set<String> ACCESS_DENIED = Set.of(
            "AccessDenied",
            "AccessDeniedException",
            "UnauthorizedOperation",
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch");
    private static final Set<String> EXPIRED = Set.of("ExpiredToken", "ExpiredTokenException", "RequestExpired");
    private static final Set<String> QUOTA = Set.of(
            "LimitExceededException", "LimitExceeded", "ServiceQuotaExceededException", "CodeStorageExceededException");
    /** The longest piece of an answer without an AWS error that a sentence quotes. */
    private static final int QUOTED = 120;

    private AwsErrors() {}

    /** AWS's message, ending with a full stop so that wsctl's advice can follow it. */
    private static String sentence(String message) {
        String m = message == null || message.isBlank() ? "(no message)" : message.strip();
        return m.endsWith(".") ? m : m + ".";
    }

    /** @param doing what wsctl was doing, e.g. "create role chat-dev-send" */
    public static String explain(String doing, SdkException e) {
        AwsErrorDetails details = e instanceof AwsServiceException s ? s.awsErrorDetails() : null;
        String code = details == null ? null : details.errorCode();
        if (e instanceof SdkServiceException s && s.isThrottlingException()) {
            return "AWS throttled the requests while trying to " + doing + attempts(e) + ": "
                    + (code == null ? "HTTP " + s.statusCode() + "." : code + ": " + sentence(details.errorMessage()))
                    + " Wait a little and run again, or raise the API's request quota in Service Quotas.";
        }
        if (code != null && !code.isBlank()) {
            String message = sentence(details.errorMessage());
            if (ACCESS_DENIED.contains(code)) {
                return "Access denied while trying to " + doing + ": " + message
                        + " Grant that action on that resource to the credentials wsctl uses.";
            }
            if (EXPIRED.contains(code)) {
                return "The AWS credentials have expired: " + message
                        + " Refresh them (e.g. aws sso login) and run again.";
            }
            if (QUOTA.contains(code)) {
                return "An AWS quota was hit while trying to " + doing + ": " + message
                        + " Raise the quota in Service Quotas or remove unused resources, then run again.";
            }
            return "Could not " + doing + ": " + service(details) + code + ": " + message;
        }
        if (e instanceof SdkServiceException s) {
            // an answer, but no AWS error in it: a proxy's or load balancer's page, an empty 5xx
            return "Could not " + doing + ": " + service(details) + "answered HTTP " + s.statusCode()
                    + " without an AWS error" + attempts(e) + answer(e, details)
                    + " Check --endpoint-url, AWS_ENDPOINT_URL and any proxy between wsctl and AWS, then run again.";
        }
        if (e instanceof SdkClientException
                && e.getMessage() != null
                && e.getMessage().contains("credentials")) {
            return "No AWS credentials found: set AWS_PROFILE or pass --profile, run `aws configure`, or set"
                    + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.";
        }
        // no answer: the connection failed, was reset or timed out
        return "Could not " + doing + ": no answer from AWS" + attempts(e) + " (" + rootCause(e) + ")."
                + " Check the network, --endpoint-url and AWS_ENDPOINT_URL, then run again.";
    }

    private static String service(AwsErrorDetails details) {
        return details == null || details.serviceName() == null ? "" : details.serviceName() + " ";
    }

    private static String attempts(SdkException e) {
        Integer n = e.numAttempts();
        return n == null || n < 2 ? "" : " (" + n + " attempts)";
    }

    /** A short, tag-free piece of the answer's body (or of the exception's message without one), when there is one. */
    private static String answer(SdkException e, AwsErrorDetails details) {
        String body = details == null
                ? e.getMessage()
                : details.rawResponse() != null ? details.rawResponse().asUtf8String() : details.errorMessage();
        if (body == null) {
            return ".";
        }
        String text = body.replaceAll("\\s*\\(SDK Attempt Count: \\d+\\)", "")
                .replaceAll("(?is)<(script|style)[^>]*>.*?</\\1>", " ")
                .replaceAll("<[^>]*>", " ")
                .replaceAll("\\s+", " ")
                .strip();
        if (text.isEmpty()) {
            return ".";
        }
        return ": \"" + (text.length() > QUOTED ? text.substring(0, QUOTED) + "…" : text) + "\".";
    }

    /** What failed underneath, e.g. "Connection reset by peer". */
    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == e) {
            String m = e.getMessage();
            return m == null ? e.getClass().getSimpleName() : m.replaceAll("\\s*\\(SDK Attempt Count: \\d+\\)", "");
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
