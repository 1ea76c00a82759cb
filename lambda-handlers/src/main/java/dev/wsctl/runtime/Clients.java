package dev.wsctl.runtime;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds the runtime's SDK clients. Every client shares one Netty HTTP client (one event loop, one
 * connection pool per host), and is built once per process, never per invocation. The fan-out posts
 * through the same HTTP client, without a service client ({@link ConnectionsApi}).
 */
public final class Clients {
    private Clients() {
    }

    /** The SDK's HTTP client, for DynamoDB and the admin calls; the fan-out has its own connections. */
    public static SdkAsyncHttpClient http(int maxConcurrency) {
        return httpBuilder(maxConcurrency).build();
    }

    /**
     * The HTTP client on an event loop group the caller owns and shuts down: closing a client that
     * owns its group waits out Netty's two-second quiet period, which a process that stops and starts
     * clients (the local stack, tests) should not pay.
     */
    public static SdkAsyncHttpClient http(int maxConcurrency, SdkEventLoopGroup group) {
        return httpBuilder(maxConcurrency).eventLoopGroup(group).build();
    }

    /** Stops a group given to {@link #http(int, SdkEventLoopGroup)} without a quiet period. */
    public static void shutdown(SdkEventLoopGroup group) {
        group.eventLoopGroup().shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static NettyNioAsyncHttpClient.Builder httpBuilder(int maxConcurrency) {
        return NettyNioAsyncHttpClient.builder()
                .maxConcurrency(Math.max(maxConcurrency, 16))
                .connectionAcquisitionTimeout(Duration.ofSeconds(30))
                .maxPendingConnectionAcquires(100_000);
    }

    /**
     * The DynamoDB client; {@code endpoint} (may be null) points it at a DynamoDB-compatible server.
     * It keeps the SDK's standard retries, which handle throttling and transient errors.
     */
    public static DynamoDbAsyncClient dynamoDb(SdkAsyncHttpClient http, Region region,
                                               AwsCredentialsProvider credentials, URI endpoint) {
        var builder = DynamoDbAsyncClient.builder()
                .httpClient(http)
                .region(region)
                .credentialsProvider(credentials);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    /** {@code AWS_REGION} (set by Lambda), else {@code AWS_DEFAULT_REGION}; fails naming the variable. */
    public static Region region(Map<String, String> env) {
        String region = env.get("AWS_REGION");
        if (region == null || region.isBlank()) {
            region = env.get("AWS_DEFAULT_REGION");
        }
        if (region == null || region.isBlank()) {
            throw new IllegalStateException("AWS_REGION is not set");
        }
        return Region.of(region.trim());
    }
}
