package dev.wsctl.local;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.Authorizer;
import dev.wsctl.config.Routes;
import dev.wsctl.fanout.Fanout;
import dev.wsctl.fanout.FanoutWorker;
import dev.wsctl.fanout.RateCap;
import dev.wsctl.fanout.ShardedFanout;
import dev.wsctl.handlers.AuthorizeHandler;
import dev.wsctl.handlers.ChannelsHandler;
import dev.wsctl.handlers.ConnectHandler;
import dev.wsctl.handlers.DefaultHandler;
import dev.wsctl.handlers.DisconnectHandler;
import dev.wsctl.handlers.FanoutHandler;
import dev.wsctl.handlers.SendHandler;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Settings;
import dev.wsctl.pubsub.PubSub;
import dev.wsctl.webhooks.RetryPolicy;
import dev.wsctl.webhooks.WebhookDelivery;
import dev.wsctl.webhooks.WebhookSender;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSocketFactory;

/**
 * The whole service on one machine: the same handlers as on AWS, a SQLite connection store (and history store, in
 * the same file), and the local gateway in place of API Gateway. The handlers' fan-out is the same engine as on AWS, with the same
 * rate cap; its posts reach the gateway's sockets in this process ({@link GatewayEndpoint}: what the
 * gateway's @connections API does, without an HTTP request to itself). A fan-out above the shard size is
 * split into batches as on AWS, which the worker function's handler runs on threads of this process
 * ({@link InProcessDispatcher}).
 */
public final class LocalStack implements AutoCloseable {

    /**
     * @param port 0 picks a free port
     * @param db   the SQLite file; a second wsctl process may open it while the stack runs
     * @param fanoutConcurrency the handlers' setting, as on AWS; the fan-out's posts complete in-process here, so
     *                          it bounds nothing
     * @param sharding shard size and rate cap of the fan-out; its batches run on in-process workers that share
     *                 one rate cap (the function to invoke is not used)
     * @param history  the channels that keep history, kept in {@code db} (the table is not used)
     * @param webhooks where and which lifecycle events are posted, or {@link Webhooks#off()}
     */
    public record Config(
            String host,
            int port,
            String stage,
            Path db,
            Optional<String> defaultChannel,
            int maxMessageBytes,
            Settings.Delivery delivery,
            Settings.Publish publish,
            int fanoutConcurrency,
            Limits limits,
            AuthSettings auth,
            JsonLog log,
            Settings.Sharding sharding,
            Settings.History history,
            String app,
            Webhooks webhooks) {

        /** The app {@code /metrics} labels its series with, when none is given. */
        public static final String DEFAULT_APP = "wsctl";

        public Config withLog(JsonLog log) {
            return new Config(
                    host,
                    port,
                    stage,
                    db,
                    defaultChannel,
                    maxMessageBytes,
                    delivery,
                    publish,
                    fanoutConcurrency,
                    limits,
                    auth,
                    log,
                    sharding,
                    history,
                    app,
                    webhooks);
        }
    }

    /**
     * Lifecycle webhooks of the local stack (docs/observability.md#lifecycle-webhooks).
     *
     * @param url    where events are posted; empty: webhooks off, and nothing of them runs
     * @param events the event names posted
     * @param secret the signing secret ({@code webhook-secret} in the state directory)
     * @param retry  the retry window and backoff
     * @param tls    TLS sockets for an https URL, or null for the JDK's default trust (tests pass their own)
     */
    public record Webhooks(
            Optional<URI> url, List<String> events, String secret, RetryPolicy retry, SSLSocketFactory tls) {
        public static Webhooks off() {
            return new Webhooks(Optional.empty(), List.of(), "", null, null);
        }

        public boolean enabled() {
            return url.isPresent() && !events.isEmpty();
        }
    }

    private final SqliteConnectionStore store;
    private final GatewayEndpoint endpoint = new GatewayEndpoint();
    private final InProcessDispatcher workers;
    private final PubSub pubSub;
    private final LocalGateway gateway;
    private final int removedAtStart;
    /** What {@code /metrics} serves: the handlers', the authorizer's and the fan-out's counts. */
    private final LocalMetrics metrics;

    private final LocalWebhookDispatcher webhooks;

    private LocalStack(Config config, Integration authorizer) throws Exception {
        // the functions' own setting: on AWS they post to it; here they post in-process (GatewayEndpoint), so it is
        // never dialled. With port 0 the gateway binds a port the system picks (no port is chosen first and bound
        // later), which callbackUri() gives once the gateway has started.
        URI callback = URI.create("http://" + hostForUri(config.host()) + ":" + config.port() + "/" + config.stage());
        Settings settings = new Settings(
                "local",
                callback,
                config.defaultChannel(),
                config.maxMessageBytes(),
                config.fanoutConcurrency(),
                config.delivery(),
                config.publish(),
                new Settings.Sharding(
                        config.sharding().shardSize(),
                        config.sharding().maxRate(),
                        config.sharding().burst(),
                        Optional.empty()),
                new Settings.History(
                        config.history().channels(),
                        config.history().size(),
                        config.history().ttl(),
                        Optional.empty()));
        store = new SqliteConnectionStore(config.db());
        try {
            store.checkIntegrity();
            // before the connections of a previous run go: their removal is posted too
            store.webhookEvents(config.webhooks().enabled() ? config.webhooks().events() : List.of());
            // the stack owns its store: a connection in it at start died with the process that held its socket
            // (a crash, a kill -9), so none can be live
            removedAtStart = store.removeAllConnections();
            JsonLog log = config.log();
            metrics = new LocalMetrics(config.app(), config.stage(), this::openConnections);
            // one rate cap for the whole stack: the send path's own fan-outs and every worker's batch share it,
            // which in one process is exact (on AWS each worker gets its batch's share instead)
            RateCap rateCap = Fanout.Options.of(settings).rateCap();
            Fanout fanout = new Fanout(store, endpoint, Fanout.Options.of(settings), rateCap, log, metrics);
            workers = new InProcessDispatcher(
                    LambdaIntegration.of("fanout", new FanoutHandler(FanoutWorker.sharing(fanout, rateCap), log)),
                    InProcessDispatcher.DEFAULT_WORKERS,
                    InProcessDispatcher.DEFAULT_QUEUE,
                    result -> {});
            ShardedFanout sharded =
                    new ShardedFanout(fanout, store, settings.sharding(), workers, log, metrics, Clock.systemUTC());
            // history in the same file as the connections; none at all when no channel keeps it
            SqliteHistoryStore history = settings.history().enabled()
                    ? new SqliteHistoryStore(
                            store, settings.history().size(), settings.history().ttl(), Clock.systemUTC())
                    : null;
            pubSub = new PubSub(settings, store, history, () -> sharded, metrics, Clock.systemUTC());
            LocalGateway.Builder builder = LocalGateway.builder();
            if (authorizer != null) {
                builder.authorizer(authorizer);
            } else if (config.auth().enabled()) {
                // the same authorizer as the deployed authorize function, on every upgrade
                builder.authorizer(LambdaIntegration.of(
                        "authorize", new AuthorizeHandler(new Authorizer(config.auth(), log, metrics))));
            }
            builder.host(config.host())
                    .port(config.port())
                    .stage(config.stage())
                    .limits(config.limits())
                    .demoPage(true)
                    .metrics(metrics);
            // one integration per function, as deployed; the routes are the deployed ones
            Map<String, Integration> functions = Map.of(
                    "connect", LambdaIntegration.of("connect", new ConnectHandler(pubSub, log)),
                    "disconnect", LambdaIntegration.of("disconnect", new DisconnectHandler(pubSub, log)),
                    "channels", LambdaIntegration.of("channels", new ChannelsHandler(pubSub, log)),
                    "send", LambdaIntegration.of("send", new SendHandler(pubSub, log)),
                    "default", LambdaIntegration.of("default", new DefaultHandler(pubSub, log)));
            Routes.ALL.forEach(r -> builder.route(r.key(), functions.get(r.function())));
            gateway = builder.build();
            endpoint.attach(gateway);
            webhooks = config.webhooks().enabled() ? dispatcher(config.webhooks(), log) : null;
            gateway.start();
        } catch (Exception | Error e) {
            closeQuietly();
            throw e;
        }
    }

    /**
     * Starts the stack; it serves until {@link #close()}. The store is checked first ({@link
     * SqliteConnectionStore.UnusableStoreException} when it is damaged or no database), then emptied of the
     * connections a previous run left ({@link #removedAtStart()}).
     */
    public static LocalStack start(Config config) throws Exception {
        return new LocalStack(config, null);
    }

    /**
     * Starts the stack with {@code authorizer} as the gateway's REQUEST authorizer in place of the one the
     * config describes, e.g. one that records what reaches it.
     */
    public static LocalStack start(Config config, Integration authorizer) throws Exception {
        return new LocalStack(config, java.util.Objects.requireNonNull(authorizer, "authorizer"));
    }

    /** The one thread that posts the outbox, over the same delivery as the deployed webhooks function. */
    private LocalWebhookDispatcher dispatcher(Webhooks config, JsonLog log) {
        SqliteWebhooks outbox = store.webhooks();
        WebhookDelivery delivery = new WebhookDelivery(
                new WebhookSender(config.url().orElseThrow(), config.tls()),
                config.secret(),
                config.retry(),
                outbox::failed);
        return new LocalWebhookDispatcher(outbox, delivery, log);
    }

    public URI websocketUri() {
        return gateway.websocketUri();
    }

    public URI callbackUri() {
        return gateway.callbackUri();
    }

    /** {@code http://host:port/}: the demo page. */
    public URI demoPageUri() {
        return gateway.demoPageUri();
    }

    /** The stack's metrics, which {@code /metrics} serves. */
    public LocalMetrics metrics() {
        return metrics;
    }

    /** {@code http://host:port/metrics}. */
    public URI metricsUri() {
        return gateway.demoPageUri().resolve(LocalGateway.METRICS_PATH);
    }

    /** The gateway's open connections; none before it is built. */
    private int openConnections() {
        LocalGateway g = gateway;
        return g == null ? 0 : g.connectionCount();
    }

    /** How many connections a previous run left in the store, which the start removed. */
    public int removedAtStart() {
        return removedAtStart;
    }

    /** The address and port the gateway listens on, as bound (e.g. {@code localhost} resolved). */
    public InetSocketAddress boundAddress() {
        return gateway.boundAddress();
    }

    public LocalGateway gateway() {
        return gateway;
    }

    public SqliteConnectionStore store() {
        return store;
    }

    /** The in-process fan-out workers that run a sharded fan-out's batches. */
    public InProcessDispatcher workers() {
        return workers;
    }

    /** Closes every socket (each one's {@code $disconnect} runs), then the store. */
    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        if (gateway != null) {
            gateway.close();
        }
        if (workers != null) {
            workers.close();
        }
        if (webhooks != null) {
            webhooks.close();
        }
        endpoint.close();
        store.close();
    }

    private static String hostForUri(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
