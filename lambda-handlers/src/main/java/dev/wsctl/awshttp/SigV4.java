package dev.wsctl.awshttp;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Requests signed with SigV4 by the SDK's own signer, for one service and region: what {@link dev.wsctl.connections.ConnectionsApi}
 * ({@code execute-api}), {@link dev.wsctl.store.DynamoDbJsonClient} ({@code dynamodb}) and {@link dev.wsctl.fanout.LambdaDispatcher} ({@code lambda})
 * share.
 *
 * <p>Every request asks the provider for the credentials: nothing is resolved before the first request (a SnapStart
 * snapshot taken after init holds none), and no copy is kept here that could outlive them. Keeping and refreshing
 * them is the provider's job: the SDK's {@code ContainerCredentialsProvider}, which Lambda's SnapStart functions
 * use, caches what the endpoint gave and fetches again from 15 minutes before the expiry (one caller at a time),
 * and makes every caller wait for new ones from one minute before it; {@code EnvironmentVariableCredentialsProvider}
 * reads the variables. Anonymous credentials sign nothing (the local gateway and emulators check no signatures).
 */
public final class SigV4 {
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
    public SigV4(AwsCredentialsProvider credentials, String service, String region, boolean signPayload, Clock clock) {
        this.credentials = credentials;
        this.anonymous = credentials instanceof AnonymousCredentialsProvider;
        this.service = service;
        this.region = region;
        this.signPayload = signPayload;
        this.clock = clock;
    }

    /** {@code request} with the signature's headers added; as it is with anonymous credentials. */
    public SdkHttpRequest sign(SdkHttpRequest request, ContentStreamProvider payload) {
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

    /**
     * A POST to {@code encodedPath} at {@code endpoint}'s scheme, host and port, with the Host header as the JDK's
     * {@link java.net.HttpURLConnection} writes it (the port only when it is not the scheme's), which the signature
     * covers.
     */
    public static SdkHttpRequest.Builder template(URI endpoint, String encodedPath) {
        int port = endpoint.getPort();
        if (port == ("https".equals(endpoint.getScheme()) ? 443 : 80)) {
            port = -1;
        }
        return SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .protocol(endpoint.getScheme())
                .host(endpoint.getHost())
                .port(port)
                .encodedPath(encodedPath)
                .putHeader("Host", port == -1 ? endpoint.getHost() : endpoint.getHost() + ":" + port);
    }

    /** A path segment as AWS's APIs expect it: everything but RFC 3986's unreserved characters escaped. */
    public static String encodeSegment(String s) {
        int i = 0;
        while (i < s.length() && unreserved(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 8).append(s, 0, i);
        for (byte b : s.substring(i).getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (unreserved(c)) {
                out.append(c);
            } else {
                out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
        }
        return out.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static boolean unreserved(char c) {
        return c >= 'a' && c <= 'z'
                || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9'
                || c == '-'
                || c == '_'
                || c == '.'
                || c == '~';
    }
}
