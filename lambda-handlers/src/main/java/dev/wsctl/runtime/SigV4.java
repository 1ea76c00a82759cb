package dev.wsctl.runtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * Requests for {@link Http1Pool} signed with SigV4 by the SDK's own signer, for one service and region:
 * what {@link ConnectionsApi} and {@link JdkConnectionsApi} ({@code execute-api}, through {@link ConnectionsTarget}),
 * {@link DynamoDbJsonClient} ({@code dynamodb}) and {@link LambdaDispatcher} ({@code lambda}) share.
 *
 * <p>Every request asks the provider for the credentials: nothing is resolved before the first request (a SnapStart
 * snapshot taken after init holds none), and no copy is kept here that could outlive them. Keeping and refreshing
 * them is the provider's job: the SDK's {@code ContainerCredentialsProvider}, which Lambda's SnapStart functions
 * use, caches what the endpoint gave and fetches again from 15 minutes before the expiry (one caller at a time),
 * and makes every caller wait for new ones from one minute before it; {@code EnvironmentVariableCredentialsProvider}
 * reads the variables. Anonymous credentials sign nothing (the local gateway and emulators check no signatures).
 */
final class SigV4 {
    private static final byte[] HTTP11 = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COLON = ": ".getBytes(StandardCharsets.US_ASCII);

    private final AwsCredentialsProvider credentials;
    private final boolean anonymous;
    private final String service;
    private final String region;
    private final boolean signPayload;
    private final Clock clock;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    /**
     * @param signPayload hash the body into the signature even over https (where the signer would otherwise
     *                    sign {@code UNSIGNED-PAYLOAD})
     * @param clock       the signature's time
     */
    SigV4(AwsCredentialsProvider credentials, String service, String region, boolean signPayload, Clock clock) {
        this.credentials = credentials;
        this.anonymous = credentials instanceof AnonymousCredentialsProvider;
        this.service = service;
        this.region = region;
        this.signPayload = signPayload;
        this.clock = clock;
    }

    boolean anonymous() {
        return anonymous;
    }

    /** {@code request} with the signature's headers added; as it is with anonymous credentials. */
    SdkHttpRequest sign(SdkHttpRequest request, ContentStreamProvider payload) {
        if (anonymous) {
            return request;
        }
        AwsCredentialsIdentity identity = credentials.resolveCredentials();
        SignRequest.Builder<AwsCredentialsIdentity> sign = SignRequest.builder(identity)
                .request(request)
                .payload(payload)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock);
        if (signPayload) {
            sign.putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true);
        }
        return signer.sign(sign.build()).request();
    }

    /** The request line ({@code METHOD path HTTP/1.1}) and every header of {@code request}, ready to write. */
    static ByteBuf head(SdkHttpRequest request) {
        ByteBuf head = ByteBufAllocator.DEFAULT.ioBuffer(1024);
        head.writeCharSequence(request.method().name(), StandardCharsets.US_ASCII);
        head.writeByte(' ');
        head.writeCharSequence(request.encodedPath(), StandardCharsets.US_ASCII);
        head.writeBytes(HTTP11);
        request.forEachHeader((name, values) -> {
            for (String value : values) {
                head.writeCharSequence(name, StandardCharsets.US_ASCII);
                head.writeBytes(COLON);
                head.writeCharSequence(value, StandardCharsets.US_ASCII);
                head.writeBytes(CRLF);
            }
        });
        head.writeBytes(CRLF);
        return head;
    }
}
