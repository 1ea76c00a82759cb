package dev.wsctl.deploy.fakes;

import java.time.Instant;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * What the CloudFormation fake ({@link FakeCloudFormation}) of one account keeps beside its stacks: the
 * account id, the region, the {@link CallLog} and the request-id counter. Builds service errors the way the SDK unmarshals
 * them, so {@code getMessage()} reads "… (Service: Lambda, Status Code: 404, Request ID: …)".
 */
public final class FakeAccount {
    public static final String DEFAULT_ACCOUNT_ID = "123456789012";
    public static final String DEFAULT_REGION = "us-east-1";

    private final String accountId;
    private final String region;
    private final CallLog log = new CallLog();
    private long requests;
    private Instant clock = Instant.parse("2025-01-01T00:00:00Z");

    public FakeAccount() {
        this(DEFAULT_ACCOUNT_ID, DEFAULT_REGION);
    }

    public FakeAccount(String accountId, String region) {
        this.accountId = accountId;
        this.region = region;
    }

    public String accountId() {
        return accountId;
    }

    public String region() {
        return region;
    }

    public CallLog log() {
        return log;
    }

    /** The fakes' clock: starts at 2025-01-01T00:00:00Z and ticks one second per reading, so dates are repeatable. */
    public synchronized Instant now() {
        clock = clock.plusSeconds(1);
        return clock;
    }

    /** A deterministic request id, {@code 00000000-0000-4000-8000-00000000000N}. */
    synchronized String nextRequestId() {
        return String.format("00000000-0000-4000-8000-%012d", ++requests);
    }

    /**
     * Fills an SDK exception builder the way the SDK does for a service error: message, status code,
     * request id and error details (code, message, service name, HTTP response).
     */
    @SuppressWarnings("unchecked")
    <E extends AwsServiceException> E error(
            AwsServiceException.Builder builder, String serviceName, int status, String errorCode, String message) {
        return (E) builder.message(message)
                .statusCode(status)
                .requestId(nextRequestId())
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode(errorCode)
                        .errorMessage(message)
                        .serviceName(serviceName)
                        .sdkHttpResponse(
                                SdkHttpResponse.builder().statusCode(status).build())
                        .build())
                .build();
    }

    /** A deterministic UUID-shaped id derived from {@code n}. */
    static String uuid(long n) {
        String h = id(n, 32).chars().mapToObj(c -> Integer.toHexString(c % 16)).reduce("", String::concat);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-4" + h.substring(13, 16) + "-8" + h.substring(17, 20)
                + "-" + h.substring(20, 32);
    }

    /** A lowercase alphanumeric id of {@code length} characters derived from {@code n}: repeatable, random-looking. */
    static String id(long n, int length) {
        StringBuilder s = new StringBuilder();
        long v = n * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        while (s.length() < length) {
            v ^= v >>> 29;
            v *= 0xBF58476D1CE4E5B9L;
            s.append(Character.forDigit((int) Long.remainderUnsigned(v, 36), 36));
        }
        return s.toString();
    }
}
