package dev.wsctl.bench;

import dev.wsctl.fanout.RateCap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * An @connections endpoint on 127.0.0.1 that accepts every PostToConnection and discards it (200, no
 * body), or, given a {@link RateCap}, answers 429 LimitExceededException to calls above that rate, as API
 * Gateway does above the account's limit. Plain Netty on one event-loop thread, so that it costs the
 * machine as little as possible next to the engine being measured.
 */
public final class DiscardEndpoint implements AutoCloseable {
    private static final byte[] THROTTLED_BODY = "{\"message\":\"Rate exceeded\"}".getBytes(StandardCharsets.UTF_8);

    private final NioEventLoopGroup loop;
    private final Channel server;
    private final RateCap limit;
    final LongAdder accepted = new LongAdder();
    final LongAdder throttled = new LongAdder();

    /** @param limit null to accept everything */
    public DiscardEndpoint(RateCap limit, int threads) throws InterruptedException {
        this.limit = limit;
        this.loop = new NioEventLoopGroup(threads);
        ChannelHandler handler = new Handler();
        this.server = new ServerBootstrap()
                .group(loop)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), handler);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
    }

    /** {@code http://127.0.0.1:<port>/bench}: a callback URL for the engine. */
    public URI callbackUrl() {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/bench");
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ChannelHandler.Sharable
    private final class Handler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            // the body is read and dropped; answer once the whole request is in
            if (!(msg instanceof LastHttpContent)) {
                return;
            }
            FullHttpResponse response;
            if (limit == null || limit.tryAcquire()) {
                accepted.increment();
                response =
                        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
            } else {
                throttled.increment();
                ByteBuf body = Unpooled.wrappedBuffer(THROTTLED_BODY);
                response =
                        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.TOO_MANY_REQUESTS, body);
                response.headers().set("x-amzn-ErrorType", "LimitExceededException");
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            }
            response.headers()
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            ctx.writeAndFlush(response);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * Serves until standard input closes: {@code DiscardEndpoint [RATE BURST]} (both: throttle above RATE
     * calls/s with a bucket of BURST). Prints its callback URL as the first line of standard output, and
     * {@code answered <200s> <429s>} as the last.
     */
    public static void main(String[] args) throws Exception {
        RateCap limit = args.length >= 2 ? new RateCap(Double.parseDouble(args[0]), Integer.parseInt(args[1])) : null;
        try (DiscardEndpoint endpoint = new DiscardEndpoint(limit, 1)) {
            System.out.println(endpoint.callbackUrl());
            System.out.flush();
            while (System.in.read() != -1) {
                // until the parent closes our stdin (or dies)
            }
            System.out.println("answered " + endpoint.accepted.sum() + " " + endpoint.throttled.sum());
            System.out.flush();
        }
    }
}
