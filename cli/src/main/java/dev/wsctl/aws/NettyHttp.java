package dev.wsctl.aws;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;

/**
 * The SDK's Netty HTTP client for the async SDK service clients that wsctl's commands build (one event loop group,
 * one connection pool per host).
 */
public final class NettyHttp {
    private NettyHttp() {}

    /**
     * The HTTP client on an event loop group the caller owns and shuts down: closing a client that
     * owns its group waits out Netty's two-second quiet period, which a process that stops and starts
     * clients (the local stack, tests) should not pay.
     */
    public static SdkAsyncHttpClient client(int maxConcurrency, SdkEventLoopGroup group) {
        return NettyNioAsyncHttpClient.builder()
                .maxConcurrency(Math.max(maxConcurrency, 16))
                .connectionAcquisitionTimeout(Duration.ofSeconds(30))
                .maxPendingConnectionAcquires(100_000)
                .eventLoopGroup(group)
                .build();
    }

    /** Stops a group given to {@link #client(int, SdkEventLoopGroup)} without a quiet period. */
    public static void shutdown(SdkEventLoopGroup group) {
        group.eventLoopGroup().shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
