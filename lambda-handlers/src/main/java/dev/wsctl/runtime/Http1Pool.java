package dev.wsctl.runtime;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The least HTTP/1.1 client that a fan-out needs, on Netty (which the jar carries for the SDK anyway):
 * keep-alive connections to one host, at most {@code maxConnections}, one request at a time on each.
 * The caller hands over each request's bytes ready to write. Everything runs on one event loop, so the
 * pool is plain collections and a request costs one task hand-off, a header buffer, and the answer.
 * The SDK's HTTP client (reactive-streams adapters, handlers added and removed per request, layered
 * pools and promises) cost several times the CPU of the whole exchange.
 *
 * <p>A request that got no connection, or whose bytes could not all be written, fails with
 * {@link NotSent}: it certainly did not arrive, so it may be repeated. Any other failure (the connection
 * closed before the answer, or nothing was heard for {@code timeout}) may have reached the server.
 */
final class Http1Pool implements AutoCloseable {

    /** Told how a request ended, on the pool's event loop. */
    interface Call {
        /**
         * @param errorType {@code x-amzn-ErrorType} when the status is not 2xx, else null
         * @param body      up to {@value #MAX_BODY_CHARS} characters of the body when the status is not 2xx, else null
         */
        void answered(int status, String errorType, String body);

        void failed(Throwable error);
    }

    static final int MAX_BODY_CHARS = 512;

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final int maxConnections;
    private final long timeoutNanos;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    /** every open connection's exchange, busy or idle */
    private final List<Exchange> connections = new ArrayList<>();
    private final ScheduledFuture<?> timeouts;
    /** Connections made or being made and not yet closed. */
    private int open;
    private boolean closed;

    /** One request's bytes and who to tell. */
    private record Request(ByteBuf head, ByteBuf body, Call call) {
        void notSent(String why, Throwable cause) {
            head.release();
            body.release();
            call.failed(new NotSent(why, cause));
        }
    }

    /**
     * @param endpoint scheme, host and port to talk to ({@code https}: TLS, with the host name checked)
     * @param timeout  a request that hears nothing for this long fails; so does an idle connection close
     */
    Http1Pool(URI endpoint, SdkEventLoopGroup loops, int maxConnections, Duration timeout) {
        boolean tls = "https".equals(endpoint.getScheme());
        String host = endpoint.getHost();
        int port = endpoint.getPort() != -1 ? endpoint.getPort() : tls ? 443 : 80;
        SslContext ssl = tls ? sslContext() : null;
        this.loop = loops.eventLoopGroup().next();
        this.maxConnections = maxConnections;
        this.timeoutNanos = timeout.toNanos();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channelFactory(loops.channelFactory())
                .remoteAddress(host, port)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            SslHandler handler = ssl.newHandler(ch.alloc(), host, port);
                            SSLEngine engine = handler.engine();
                            SSLParameters params = engine.getSSLParameters();
                            params.setEndpointIdentificationAlgorithm("HTTPS");
                            engine.setSSLParameters(params);
                            ch.pipeline().addLast(handler);
                        }
                        ch.pipeline().addLast(new HttpResponseDecoder(), new Exchange());
                    }
                });
        long tick = Math.max(1, Math.min(1_000, timeout.toMillis() / 4));
        this.timeouts = loop.scheduleAtFixedRate(this::expire, tick, tick, TimeUnit.MILLISECONDS);
    }

    private static SslContext sslContext() {
        try {
            return SslContextBuilder.forClient().build();
        } catch (SSLException e) {
            throw new UncheckedIOException("Could not set up TLS for the @connections endpoint", e);
        }
    }

    /**
     * Sends one request: {@code head} (request line and headers) then {@code body}; both are released
     * here. {@code call} hears the outcome on the pool's event loop.
     */
    void send(ByteBuf head, ByteBuf body, Call call) {
        Request request = new Request(head, body, call);
        if (loop.inEventLoop()) {
            dispatch(request);
        } else {
            loop.execute(() -> dispatch(request));
        }
    }

    private void dispatch(Request request) {
        if (closed) {
            request.notSent("closed", new IOException("the @connections client is closed"));
            return;
        }
        Channel ch;
        while ((ch = idle.pollLast()) != null) {
            if (ch.isActive()) {
                start(ch, request);
                return;
            }
        }
        if (open < maxConnections) {
            connect(request);
        } else {
            waiting.addLast(request);
        }
    }

    private void connect(Request first) {
        ChannelFuture connecting = open();
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                start(ch(connecting), first);
            } else {
                first.notSent("no connection", f.cause());
            }
        });
    }

    private static Channel ch(ChannelFuture connecting) {
        return connecting.channel();
    }

    /** A new connection, counted in {@link #open} until it closes. */
    private ChannelFuture open() {
        open++;
        ChannelFuture connecting = bootstrap.connect();
        Channel ch = connecting.channel();
        ch.closeFuture().addListener(f -> {
            open--;
            idle.remove(ch);
            Request next = waiting.pollFirst();
            if (next != null) {
                dispatch(next);
            }
        });
        return connecting;
    }

    private void start(Channel ch, Request request) {
        Exchange exchange = ch.pipeline().get(Exchange.class);
        exchange.begin(request.call());
        // a failed head needs no listener: the body fails with it
        ch.write(request.head());
        ch.writeAndFlush(request.body()).addListener(written -> {
            if (!written.isSuccess()) {
                exchange.fail(new NotSent("not written", written.cause()));
            }
        });
    }

    /** A connection is free again: to the next waiting request, or to the idle ones. */
    private void reuse(Channel ch) {
        Request next = waiting.pollFirst();
        if (next != null) {
            start(ch, next);
        } else {
            idle.addLast(ch);
        }
    }

    /** Fails requests that have heard nothing for the timeout, and closes connections idle that long. */
    private void expire() {
        long now = System.nanoTime();
        for (Exchange e : new ArrayList<>(connections)) {
            if (now - e.since > timeoutNanos) {
                if (e.call != null) {
                    e.fail(new TimeoutException("no answer in " + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s"));
                } else {
                    e.channel.close();
                }
            }
        }
    }

    /**
     * Closes every connection (a request in progress fails as closed) and waits up to {@code timeout} until
     * they are closed; the pool stays usable and opens new ones for later requests.
     */
    void disconnectAll(Duration timeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            List<ChannelFuture> closing = new ArrayList<>();
            for (Exchange e : new ArrayList<>(connections)) {
                e.fail(new IOException("the connection was closed by the client"));
                closing.add(e.channel.close());
            }
            if (closing.isEmpty()) {
                done.complete(null);
                return;
            }
            AtomicInteger left = new AtomicInteger(closing.size());
            closing.forEach(f -> f.addListener(closed -> {
                if (left.decrementAndGet() == 0) {
                    done.complete(null);
                }
            }));
        });
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // left to close on their own
        }
    }

    /** Connections open or being opened; read on the pool's event loop. */
    int openConnections() {
        try {
            return loop.submit(() -> open).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return open;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (loop.isShuttingDown()) {
            return;
        }
        loop.execute(() -> {
            closed = true;
            timeouts.cancel(false);
            for (Request r; (r = waiting.pollFirst()) != null; ) {
                r.notSent("closed", new IOException("the @connections client is closed"));
            }
            for (Exchange e : new ArrayList<>(connections)) {
                e.fail(new IOException("the @connections client was closed before the answer"));
                e.channel.close();
            }
        });
    }

    /** The one request in progress on a connection, and its answer as it arrives. */
    private final class Exchange extends ChannelInboundHandlerAdapter {
        private Channel channel;
        private Call call;
        /** when the request was written, or the connection last finished one */
        private long since = System.nanoTime();
        private int status;
        private boolean keepAlive;
        private String errorType;
        private StringBuilder body;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            connections.add(this);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            connections.remove(this);
        }

        void begin(Call next) {
            call = next;
            since = System.nanoTime();
            status = 0;
            errorType = null;
            body = null;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse r) {
                    status = r.status().code();
                    keepAlive = HttpUtil.isKeepAlive(r);
                    if (status < 200 || status >= 300) {
                        errorType = r.headers().get("x-amzn-ErrorType");
                        body = new StringBuilder();
                    }
                }
                if (msg instanceof HttpContent c && body != null && body.length() < MAX_BODY_CHARS) {
                    ByteBuf content = c.content();
                    int n = Math.min(content.readableBytes(), MAX_BODY_CHARS - body.length());
                    body.append(content.toString(content.readerIndex(), n, StandardCharsets.UTF_8));
                }
                if (msg instanceof LastHttpContent && status != 0) {
                    finish();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void finish() {
            Call done = call;
            if (done == null) {
                return; // an answer nobody asked for: the connection is out of step
            }
            call = null;
            since = System.nanoTime();
            // read before the connection is reused: the next request's begin() resets them
            int answeredStatus = status;
            String answeredType = errorType;
            String answeredBody = body == null ? null : body.toString();
            if (keepAlive) {
                reuse(channel);
            } else {
                channel.close();
            }
            done.answered(answeredStatus, answeredType, answeredBody);
        }

        void fail(Throwable error) {
            Call done = call;
            if (done == null) {
                return;
            }
            call = null;
            channel.close();
            done.failed(error);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(new IOException("the connection closed before the answer"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
            ctx.close();
        }
    }
}
