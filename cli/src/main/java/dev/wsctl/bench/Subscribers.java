package dev.wsctl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.ops.ClientUrl;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * One process's share of the bench's sockets: Netty WebSocket clients on one event-loop thread, each
 * joined to the bench channel on connect, counting per broadcast who received it, how often, and how
 * long after the publisher stamped it.
 *
 * <p>Netty rather than the JDK's {@code java.net.http} WebSocket: the JDK client keeps about 60 KiB of
 * heap per socket (measured live after a full GC: 131 MiB for 2,000 sockets, 252 MiB for 4,000), Netty
 * about 3.5 KiB (45 MiB for 12,000; see BENCHMARKS.md), so one process holds its ~12,000 sockets in a
 * small heap. Each socket is one file descriptor.
 */
final class Subscribers implements AutoCloseable {
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration GRACE_FOR_DUPLICATES = Duration.ofMillis(100);
    /** Sockets connecting or joining at once, per process. */
    private static final int MAX_OPENING = 1000;

    /** How the share's sockets came up: each either joined, or failed (the first failure's reason kept). */
    record Ready(int connected, int joined, String firstFailure) {}

    /** One broadcast as this share saw it: first arrivals, extra copies, and each first arrival's latency. */
    record Arrivals(int delivered, int duplicated, long[] latencyMicros) {}

    /** Broadcasts 1 to n as this share saw them in the end: sockets that got each, and extra copies of each. */
    record Counts(int[] delivered, int[] duplicated) {}

    private final URI url;
    private final String channel;
    private final int count;
    private final EventLoopGroup loop = new NioEventLoopGroup(1, new DefaultThreadFactory("bench-sockets", true));
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final BooleanSupplier stop;
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicInteger joined = new AtomicInteger();
    private final AtomicInteger settled = new AtomicInteger();
    private final Semaphore opening = new Semaphore(MAX_OPENING);
    private final Map<Integer, Tally> tallies = new ConcurrentHashMap<>();
    private volatile String firstFailure;
    private long lastReport = System.nanoTime();

    /** @param stop true once the coordinator went away: opening and collecting give up early */
    Subscribers(URI url, String channel, int count, BooleanSupplier stop) {
        this.url = url;
        this.channel = channel;
        this.count = count;
        this.stop = stop;
    }

    /**
     * Opens the sockets at {@code perSecond}, each joining the channel as soon as it is up, and waits until
     * every one has joined or failed. At most {@link #MAX_OPENING} are opening at once, so a server that
     * admits fewer than {@code perSecond} slows the bench down instead of timing its upgrades out.
     */
    Ready open(double perSecond, Consumer<String> progress) throws IOException, InterruptedException {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) OPEN_TIMEOUT.toMillis());
        InetSocketAddress address = new InetSocketAddress(url.getHost(), port(url));
        if (address.isUnresolved()) {
            throw new IOException("Could not connect to " + ClientUrl.shown(url) + ": unknown host");
        }
        long interval = (long) (TimeUnit.SECONDS.toNanos(1) / perSecond);
        long next = System.nanoTime();
        for (int i = 0; i < count && !stop.getAsBoolean(); i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            while (!opening.tryAcquire(100, TimeUnit.MILLISECONDS) && !stop.getAsBoolean()) {
                report(progress);
            }
            next = Math.max(next + interval, System.nanoTime());
            int index = i;
            bootstrap
                    .clone()
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            pipeline(ch, index);
                        }
                    })
                    .connect(address)
                    .addListener((ChannelFuture f) -> {
                        if (!f.isSuccess()) {
                            settle(reason(f.cause()));
                        }
                    });
            report(progress);
        }
        long deadline = System.nanoTime() + OPEN_TIMEOUT.toNanos() * 2;
        while (settled.get() < count && System.nanoTime() < deadline && !stop.getAsBoolean()) {
            Thread.sleep(10);
            report(progress);
        }
        return new Ready(connected.get(), joined.get(), firstFailure);
    }

    private void report(Consumer<String> progress) {
        long now = System.nanoTime();
        if (now - lastReport > TimeUnit.SECONDS.toNanos(5)) {
            lastReport = now;
            progress.accept("connected " + connected.get() + "/" + count + ", joined " + joined.get());
        }
    }

    /**
     * Waits until broadcast {@code number} reached every joined socket or {@code timeout} passed, then a
     * moment more for late duplicates, and tells what arrived.
     */
    Arrivals collect(int number, Duration timeout) throws InterruptedException {
        Tally tally = tally(number);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (tally.firsts.get() < joined.get() && System.nanoTime() < deadline && !stop.getAsBoolean()) {
            Thread.sleep(5);
        }
        Thread.sleep(GRACE_FOR_DUPLICATES.toMillis());
        long[] latencies = new long[tally.firsts.get()];
        int delivered = 0;
        int duplicated = 0;
        for (int i = 0; i < count && delivered < latencies.length; i++) {
            int copies = tally.copies.get(i);
            if (copies > 0) {
                latencies[delivered++] = tally.latencyMicros.get(i);
                duplicated += copies - 1;
            }
        }
        return new Arrivals(delivered, duplicated, Arrays.copyOf(latencies, delivered));
    }

    /**
     * After a last moment for late copies, how many sockets received each of broadcasts 1 to {@code broadcasts}
     * and how many extra copies arrived, counted per socket by the number each broadcast carries.
     */
    Counts recount(int broadcasts) throws InterruptedException {
        Thread.sleep(GRACE_FOR_DUPLICATES.toMillis());
        int[] delivered = new int[broadcasts];
        int[] duplicated = new int[broadcasts];
        for (int b = 1; b <= broadcasts; b++) {
            Tally tally = tallies.get(b);
            for (int i = 0; tally != null && i < count; i++) {
                int copies = tally.copies.get(i);
                if (copies > 0) {
                    delivered[b - 1]++;
                    duplicated[b - 1] += copies - 1;
                }
            }
        }
        return new Counts(delivered, duplicated);
    }

    @Override
    public void close() {
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void pipeline(SocketChannel ch, int index) {
        channels.add(ch);
        SslContext tls = Tls.context(url);
        if (tls != null) {
            ch.pipeline().addLast(tls.newHandler(ch.alloc(), url.getHost(), port(url)));
        }
        ch.pipeline()
                .addLast(
                        new HttpClientCodec(),
                        new HttpObjectAggregator(8192),
                        new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                                .webSocketUri(url)
                                .generateOriginHeader(false) // as the JDK client: a bench is no browser page
                                .handshakeTimeoutMillis(OPEN_TIMEOUT.toMillis())
                                .maxFramePayloadLength(1 << 20)
                                // the server's frames are checked where they are read (JSON); a byte-by-byte UTF-8 pass
                                // over every 2 KiB message cost the bench a tenth of its CPU, which the server measured
                                // on the same machine then lacks
                                .withUTF8Validator(false)
                                .build()),
                        new WebSocketFrameAggregator(1 << 20),
                        new Subscriber(index));
    }

    private static int port(URI url) {
        return url.getPort() > 0 ? url.getPort() : "wss".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }

    /** A socket has joined, or failed for {@code failure} (null when it joined): counted once per socket. */
    private void settle(String failure) {
        if (failure != null && firstFailure == null) {
            firstFailure = failure;
        }
        settled.incrementAndGet();
        opening.release();
    }

    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WebSocketClientHandshakeException h && h.response() != null) {
                return "the stack refused the connection: " + h.response().status();
            }
            if (t instanceof ConnectException) {
                return "connection refused";
            }
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private Tally tally(int number) {
        return tallies.computeIfAbsent(number, n -> new Tally(count));
    }

    /** Who received one broadcast: copies and first-arrival latency per socket. */
    private static final class Tally {
        final AtomicIntegerArray copies;
        final AtomicLongArray latencyMicros;
        final AtomicInteger firsts = new AtomicInteger();

        Tally(int sockets) {
            copies = new AtomicIntegerArray(sockets);
            latencyMicros = new AtomicLongArray(sockets);
        }

        void arrived(int socket, long micros) {
            if (copies.incrementAndGet(socket) == 1) {
                latencyMicros.set(socket, micros);
                firsts.incrementAndGet();
            }
        }
    }

    /** TLS for wss:// URLs, with the JDK's trust store; made once. */
    private static final class Tls {
        private static volatile SslContext context;

        static SslContext context(URI url) {
            if (!"wss".equalsIgnoreCase(url.getScheme())) {
                return null;
            }
            if (context == null) {
                try {
                    context = SslContextBuilder.forClient().build();
                } catch (SSLException e) {
                    throw new IllegalStateException("Could not set up TLS: " + e.getMessage(), e);
                }
            }
            return context;
        }
    }

    /** One socket: joins on connect, then stamps every bench message's arrival. */
    private final class Subscriber extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        private final int index;
        private boolean settledHere;

        Subscriber(int index) {
            this.index = index;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                connected.incrementAndGet();
                ctx.writeAndFlush(new TextWebSocketFrame(BenchMessage.join(channel)));
            } else if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                settle(ctx, "no upgrade within " + OPEN_TIMEOUT.toMillis() + " ms");
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            long now = BenchMessage.epochMicros();
            BenchMessage.Arrival arrival = BenchMessage.arrival(frame.content());
            if (arrival != null) {
                tally(arrival.number()).arrived(index, now - arrival.sentMicros());
                return;
            }
            JsonNode json;
            try {
                json = Jackson.mapper().readTree(frame.text());
            } catch (IOException notJson) {
                return;
            }
            String type = json.path("type").asText();
            if (!settledHere
                    && type.equals("joined")
                    && channel.equals(json.path("channel").asText())) {
                settledHere = true;
                joined.incrementAndGet();
                Subscribers.this.settle(null);
            } else if (!settledHere && type.equals("error")) {
                settle(
                        ctx,
                        "joining " + channel + " failed: "
                                + json.path("message").asText());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            settle(ctx, reason(cause));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (!settledHere) {
                settle(ctx, "the connection closed before joining");
            }
            super.channelInactive(ctx);
        }

        private void settle(ChannelHandlerContext ctx, String why) {
            if (!settledHere) {
                settledHere = true;
                Subscribers.this.settle(why);
            }
            ctx.close();
        }
    }
}
