package dev.wsctl.runtime;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** PostToConnection over the fan-out's own HTTP client on Netty; and what both clients share. */
class ConnectionsApiTest extends ConnectionsEndpointContract {

    @Override
    ConnectionsEndpoint open(URI callbackUrl, int maxConnections, AwsCredentialsProvider credentials, Clock clock) {
        return new ConnectionsApi(callbackUrl, endpoint.eventLoops(), maxConnections, Region.US_EAST_1, credentials,
                clock, ConnectionsApi.TIMEOUT);
    }

    @Test
    void primingSendsOneUnsignedRequestThenClosesEveryConnection() {
        ConnectionsApi api = (ConnectionsApi) signing(); // one that signs its posts

        assertThat(api.prime(Duration.ofSeconds(5))).isEqualTo(410); // the fake's answer for an unknown id

        assertThat(endpoint.requests).singleElement().satisfies(request -> {
            assertThat(request.rawPath()).isEqualTo("/test/@connections/priming");
            assertThat(request.header("authorization")).isNull();
            assertThat(request.headers().keySet()).noneMatch(h -> h.startsWith("x-amz-"));
        });
        assertThat(api.openConnections()).as("no connection left for a snapshot").isZero();

        // the client goes on as before, on a new connection
        endpoint.live.add("abc=");
        assertThat(post(api, "abc=", "hello").outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED);
        assertThat(api.openConnections()).isEqualTo(1);
    }

    @Test
    void primingWithoutAnEndpointGivesUpQuietly() throws Exception {
        try (RefusingPort refusing = new RefusingPort()) {
            int port = refusing.port();
            ConnectionsApi api = (ConnectionsApi) client(URI.create("http://127.0.0.1:" + port + "/dev"), 4,
                    AnonymousCredentialsProvider.create(), Clock.systemUTC());
            assertThat(api.prime(Duration.ofSeconds(5))).isEqualTo(-1);
            assertThat(api.openConnections()).isZero();
        }
    }

    @Test
    void aLimitExceededErrorTypeIsThrottlingWhateverTheStatus() {
        assertThat(ConnectionsApi.classify(403, "LimitExceededException", "{}").outcome())
                .isEqualTo(ConnectionsApi.Outcome.THROTTLED);
        assertThat(ConnectionsApi.classify(400, "ThrottlingException:http://internal", null).outcome())
                .isEqualTo(ConnectionsApi.Outcome.THROTTLED);
        assertThat(ConnectionsApi.classify(403, "ForbiddenException", "{\"message\":\"Forbidden\"}"))
                .isEqualTo(new ConnectionsApi.Answer(ConnectionsApi.Outcome.FAILED, 403,
                        "403 ForbiddenException: {\"message\":\"Forbidden\"}"));
        assertThat(ConnectionsApi.classify(204, null, null).outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED);
    }

    @Test
    void theSigningRegionComesFromAnExecuteApiHost() {
        assertThat(ConnectionsTarget.regionOf(URI.create("https://abc123.execute-api.eu-west-2.amazonaws.com/dev"),
                Region.US_EAST_1)).isEqualTo(Region.EU_WEST_2);
        assertThat(ConnectionsTarget.regionOf(URI.create("https://abc123.execute-api.cn-north-1.amazonaws.com.cn/dev"),
                Region.US_EAST_1)).isEqualTo(Region.CN_NORTH_1);
        assertThat(ConnectionsTarget.regionOf(URI.create("https://abc123.execute-api.us-gov-west-1.amazonaws.com/dev"),
                Region.US_EAST_1)).isEqualTo(Region.US_GOV_WEST_1);
        assertThat(ConnectionsTarget.regionOf(URI.create("https://ws.example.com/dev"), Region.AP_SOUTH_1))
                .isEqualTo(Region.AP_SOUTH_1);
    }
}
