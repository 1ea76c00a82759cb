package dev.wsctl.runtime;

import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The SDK's Netty HTTP client for the SDK service clients that wsctl's commands build (one event loop group, one
 * connection pool per host), and the region a function runs in. The functions themselves call DynamoDB through
 * {@link DynamoDbJsonClient} and post to @connections through their own HTTP clients, not through this one.
 */
public final class Clients {
    private Clients() {
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
