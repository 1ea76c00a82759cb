package dev.wsctl.runtime;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.time.Clock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One stage's {@code @connections} API as both of its HTTP clients address it ({@link ConnectionsApi} on Netty,
 * {@link JdkConnectionsApi} on the JDK's): the URL checked, a connection's path, the headers every post carries
 * and the SigV4 signer for {@code execute-api} (nothing is signed with anonymous credentials: the local gateway
 * checks no signatures).
 */
final class ConnectionsTarget {
    static final String SERVICE = "execute-api";
    private static final Pattern EXECUTE_API_HOST =
            Pattern.compile("[^.]+\\.execute-api\\.([a-z0-9-]+)\\..+");

    private final URI callbackUrl;
    private final SigV4 sigV4;
    /** {@code /{stage}/@connections/}, already URL-encoded */
    private final String pathPrefix;
    /** Method, scheme, host, port and the headers every post carries, for the signer. */
    private final SdkHttpRequest template;

    /**
     * @param callbackUrl the stage's @connections base, {@code https://{api}.execute-api.{region}.amazonaws.com/{stage}}
     * @param region      signing region when the host does not name one (a custom domain, a local endpoint)
     */
    ConnectionsTarget(URI callbackUrl, Region region, AwsCredentialsProvider credentials, Clock clock) {
        String scheme = callbackUrl.getScheme();
        if (callbackUrl.getHost() == null || !("https".equals(scheme) || "http".equals(scheme))) {
            throw new IllegalArgumentException("The @connections URL must be http(s)://host[:port]/stage, not " + callbackUrl);
        }
        this.callbackUrl = callbackUrl;
        this.sigV4 = new SigV4(credentials, SERVICE, regionOf(callbackUrl, region).id(), false, clock);
        String base = callbackUrl.getRawPath() == null ? "" : callbackUrl.getRawPath();
        this.pathPrefix = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/@connections/";
        int port = callbackUrl.getPort();
        this.template = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .protocol(scheme)
                .host(callbackUrl.getHost())
                .port(port)
                .encodedPath(pathPrefix)
                // what the SDK's client sends; the signer would add Host on every call otherwise
                .putHeader("Host", port == -1 ? callbackUrl.getHost() : callbackUrl.getHost() + ":" + port)
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "wsctl-fanout")
                .build();
    }

    /** The region in an {@code execute-api} host name, else {@code fallback}. */
    static Region regionOf(URI callbackUrl, Region fallback) {
        Matcher m = EXECUTE_API_HOST.matcher(callbackUrl.getHost());
        return m.matches() ? Region.of(m.group(1)) : fallback;
    }

    URI callbackUrl() {
        return callbackUrl;
    }

    boolean signs() {
        return !sigV4.anonymous();
    }

    /** The fixed part of every post: method, scheme, host, port, and the headers with their values. */
    SdkHttpRequest template() {
        return template;
    }

    /** The path of a post to {@code connectionId} (escaped as one path segment). */
    String path(String connectionId) {
        return pathPrefix + encodeSegment(connectionId);
    }

    /** A post of {@code length} bytes to {@code path}, with the signature's headers when the credentials sign. */
    SdkHttpRequest request(String path, String length, ContentStreamProvider payload) {
        return sigV4.sign(template.toBuilder().encodedPath(path).putHeader("Content-Length", length).build(), payload);
    }

    /** A path segment as API Gateway expects it: everything but RFC 3986's unreserved characters escaped. */
    static String encodeSegment(String s) {
        int i = 0;
        while (i < s.length() && unreserved(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 8).append(s, 0, i);
        for (byte b : s.substring(i).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
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
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '_' || c == '.' || c == '~';
    }
}
