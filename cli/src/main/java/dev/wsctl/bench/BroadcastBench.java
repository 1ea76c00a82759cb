package dev.wsctl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.runtime.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Opens many client sockets, joins them to one channel, publishes broadcasts from one more client
 * and measures, per broadcast, who received it and how long after it was sent.
 */
public final class BroadcastBench {

    /**
     * @param connectRate new connections per second (API Gateway accepts 500/s per account by default)
     * @param timeout     how long to wait for each broadcast to reach everyone
     */
    public record Plan(URI url, int connections, String channel, int payloadBytes, int broadcasts,
                       int connectRate, Duration timeout) {
    }

    /** One broadcast's outcome; latencies in milliseconds from the publisher's send. */
    public record Result(int broadcast, long recipientsAcked, int delivered, int lost, int duplicated,
                         double p50, double p95, double p99, double max) {
    }

    public record Report(int connected, int joined, List<Result> broadcasts, long connectMillis) {
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("connected", connected);
            o.put("joined", joined);
            o.put("connectMillis", connectMillis);
            var list = o.putArray("broadcasts");
            broadcasts.forEach(r -> list.add(Json.MAPPER.valueToTree(r)));
            return o;
        }
    }

    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);

    private final Plan plan;
    private final Consumer<String> progress;
    private final List<HttpClient> httpClients = new ArrayList<>();
    private final List<Receiver> receivers = new ArrayList<>();

    public BroadcastBench(Plan plan, Consumer<String> progress) {
        this.plan = plan;
        this.progress = progress;
        // One JDK HttpClient runs one selector thread; spread sockets over a few of them.
        for (int i = 0; i < Math.max(1, Math.min(8, plan.connections() / 1000)); i++) {
            httpClients.add(HttpClient.newBuilder().executor(Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "bench-client");
                t.setDaemon(true);
                return t;
            })).build());
        }
    }

    /**
     * Runs the plan.
     *
     * @throws ClientSocket.Refused when the stack refuses the publisher's connection (e.g. 401 for a bad token),
     *                              before any other socket is opened
     */
    public Report run() throws Exception {
        Receiver publisher = new Receiver(-1);
        try {
            publisher.open(httpClients.get(0), plan.url()).get(OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw ClientSocket.connectFailure(plan.url(), OPEN_TIMEOUT, e.getCause());
        } catch (TimeoutException e) {
            throw ClientSocket.connectFailure(plan.url(), OPEN_TIMEOUT, e);
        }
        try {
            long start = System.nanoTime();
            connectAll();
            long connectMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            int connected = (int) receivers.stream().filter(r -> r.socket != null).count();
            progress.accept("connected " + connected + "/" + plan.connections() + " in " + connectMillis + " ms");
            int joined = joinAll();
            progress.accept("joined " + joined);

            publisher.request("{\"action\":\"joinchannel\",\"channel\":\"" + plan.channel() + "\"}");
            List<Result> results = new ArrayList<>();
            for (int b = 1; b <= plan.broadcasts(); b++) {
                results.add(broadcast(publisher, b));
                Result r = results.get(results.size() - 1);
                progress.accept("broadcast " + b + ": delivered " + r.delivered() + ", p50 " + r.p50()
                        + " ms, p99 " + r.p99() + " ms");
            }
            return new Report(connected, joined, results, connectMillis);
        } finally {
            publisher.close();
            receivers.forEach(Receiver::close);
        }
    }

    private void connectAll() throws InterruptedException {
        long intervalNanos = 1_000_000_000L / Math.max(1, plan.connectRate());
        long next = System.nanoTime();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < plan.connections(); i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            next += intervalNanos;
            Receiver r = new Receiver(i);
            receivers.add(r);
            pending.add(r.open(httpClients.get(i % httpClients.size()), plan.url()));
        }
        for (CompletableFuture<?> f : pending) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // counted as not connected
            }
        }
    }

    private int joinAll() throws InterruptedException {
        String join = "{\"action\":\"joinchannel\",\"channel\":\"" + plan.channel() + "\"}";
        CountDownLatch done = new CountDownLatch((int) receivers.stream().filter(r -> r.socket != null).count());
        AtomicInteger joined = new AtomicInteger();
        for (Receiver r : receivers) {
            if (r.socket != null) {
                r.onControl = frame -> {
                    if ("joined".equals(frame.path("type").asText())) {
                        joined.incrementAndGet();
                    }
                    done.countDown();
                };
                r.socket.sendText(join, true);
            }
        }
        done.await(60, TimeUnit.SECONDS);
        return joined.get();
    }

    private Result broadcast(Receiver publisher, int b) throws Exception {
        for (Receiver r : receivers) {
            r.arrivals.remove(b);
        }
        ObjectNode message = Json.object();
        message.put("bench", b);
        String pad = "x".repeat(Math.max(0, plan.payloadBytes() - 32));
        message.put("pad", pad);
        ObjectNode frame = Json.object();
        frame.put("action", "sendmessage");
        frame.put("channel", plan.channel());
        frame.set("message", message);
        frame.put("id", "bench-" + b);
        long sentAt = System.nanoTime();
        JsonNode ack = publisher.request(Json.write(frame));
        long deadline = System.nanoTime() + plan.timeout().toNanos();
        while (System.nanoTime() < deadline && arrived(b) < receiversJoined()) {
            Thread.sleep(5);
        }
        Thread.sleep(100); // late duplicates
        List<Double> latencies = new ArrayList<>();
        int duplicated = 0;
        for (Receiver r : receivers) {
            List<Long> got = r.arrivals.get(b);
            if (got != null && !got.isEmpty()) {
                latencies.add((got.get(0) - sentAt) / 1e6);
                duplicated += got.size() - 1;
            }
        }
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Result(b, ack.path("recipients").asLong(-1), sorted.length, receiversJoined() - sorted.length,
                duplicated, percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99),
                sorted.length == 0 ? Double.NaN : round(sorted[sorted.length - 1]));
    }

    private int arrived(int b) {
        int n = 0;
        for (Receiver r : receivers) {
            if (r.arrivals.containsKey(b)) {
                n++;
            }
        }
        return n;
    }

    private int receiversJoined() {
        return (int) receivers.stream().filter(r -> r.socket != null).count();
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return round(sorted[Math.max(0, Math.min(sorted.length - 1, index))]);
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }

    /** One client socket; records when each broadcast arrived. */
    private static final class Receiver implements WebSocket.Listener {
        final int index;
        volatile WebSocket socket;
        volatile Consumer<JsonNode> onControl = f -> { };
        final ConcurrentHashMap<Integer, List<Long>> arrivals = new ConcurrentHashMap<>();
        private final StringBuilder partial = new StringBuilder();
        private final java.util.concurrent.LinkedBlockingQueue<JsonNode> replies = new java.util.concurrent.LinkedBlockingQueue<>();

        Receiver(int index) {
            this.index = index;
        }

        CompletableFuture<WebSocket> open(HttpClient http, URI url) {
            return http.newWebSocketBuilder().connectTimeout(OPEN_TIMEOUT).buildAsync(url, this)
                    .thenApply(ws -> socket = ws);
        }

        JsonNode request(String text) throws Exception {
            socket.sendText(text, true).get(30, TimeUnit.SECONDS);
            JsonNode reply = replies.poll(60, TimeUnit.SECONDS);
            if (reply == null) {
                throw new IOException("no answer to " + text.substring(0, Math.min(60, text.length())));
            }
            return reply;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            long now = System.nanoTime();
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode frame = Json.MAPPER.readTree(text);
                    JsonNode bench = frame.path("message").path("bench");
                    if ("message".equals(frame.path("type").asText()) && bench.isInt()) {
                        arrivals.computeIfAbsent(bench.asInt(), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                                .add(now);
                    } else if (index < 0) {
                        replies.add(frame);
                    } else {
                        onControl.accept(frame);
                    }
                } catch (IOException e) {
                    // not JSON: not ours
                }
            }
            ws.request(1);
            return null;
        }

        void close() {
            WebSocket ws = socket;
            if (ws != null) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "bench done");
            }
        }
    }
}
