package dev.wsctl.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.runtime.AwsEndpoints;
import dev.wsctl.runtime.Clients;
import dev.wsctl.runtime.ConnectionStore;
import dev.wsctl.runtime.ConnectionsApi;
import dev.wsctl.runtime.ConnectionsEndpoint;
import dev.wsctl.runtime.DynamoDbConnectionStore;
import dev.wsctl.runtime.DynamoDbJsonClient;
import dev.wsctl.runtime.Fanout;
import dev.wsctl.runtime.FanoutDispatcher;
import dev.wsctl.runtime.FanoutWorker;
import dev.wsctl.runtime.HandoverEndpoint;
import dev.wsctl.runtime.JdkConnectionsApi;
import dev.wsctl.runtime.Json;
import dev.wsctl.runtime.JsonLog;
import dev.wsctl.runtime.LambdaDispatcher;
import dev.wsctl.runtime.PubSub;
import dev.wsctl.runtime.Settings;
import dev.wsctl.runtime.ShardedFanout;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.utils.Lazy;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The runtime of one Lambda execution environment, built once at init from the function's
 * environment. Handlers' no-argument constructors (the ones Lambda calls) take it from here.
 */
final class Services {
    /** Connections to DynamoDB at most (the store has up to 16 batch requests in flight). */
    private static final int STORE_CONNECTIONS = 16;
    /**
     * Connections to @connections over the JDK's client after an on-demand cold start (the JDK keeps five idle
     * ones per host); the Netty client is built to take over when that many posts wait for them, or by the
     * first post that long after the first one (a later event's).
     */
    private static final int QUICK_START_CONNECTIONS = 4;
    private static final int HANDOVER_AT = 64;
    private static final Duration HANDOVER_AFTER = Duration.ofSeconds(1);
    private static volatile PubSub pubSub;

    private Services() {
    }

    /** The runtime of a function that publishes rarely or never ({@code $connect}, {@code $disconnect}, channels). */
    static PubSub fromEnvironment() {
        return runtime(false);
    }

    private static synchronized PubSub runtime(boolean quickStart) {
        if (pubSub == null) {
            Settings settings = Settings.fromEnvironment(System.getenv());
            // Lambda sets AWS_REGION: no provider chain (system properties, profile files, IMDS) at init
            Region region = Clients.region(System.getenv());
            // where Lambda puts the role's credentials for this initialization type; resolved at first use
            AwsCredentialsProvider credentials = LambdaCredentials.provider(System.getenv());
            // the store's calls without the SDK's client pipeline, whose build and first call were most of a cold start
            DynamoDbJsonClient dynamoDb = new DynamoDbJsonClient(AwsEndpoints.of(System.getenv()).dynamoDb(region),
                    STORE_CONNECTIONS, region, credentials);
            JdkConnectionsApi quick = quickStart
                    ? new JdkConnectionsApi(settings.callbackUrl(), QUICK_START_CONNECTIONS, region, credentials)
                    : null;
            if (!Priming.pays(System.getenv())) {
                // on-demand: the JDK's TLS context and a first handshake with each endpoint on a thread of its
                // own, from the start of init, while init and the first event's own work go on
                Thread early = new Thread(() -> {
                    dynamoDb.preconnect();
                    if (quick != null) {
                        quick.preconnect();
                    }
                }, "wsctl-preconnect");
                early.setDaemon(true);
                early.start();
            }
            ConnectionStore store = new DynamoDbConnectionStore(dynamoDb, settings.table());
            JsonLog log = log();
            pubSub = new PubSub(settings, store,
                    () -> fanOut(settings, store, region, credentials, log, quick), Clock.systemUTC());
            if (Priming.pays(System.getenv())) {
                // init is not on an event's path here: build what a send needs now, into the snapshot
                pubSub.fanout();
                Priming.storeClient();
            }
        }
        return pubSub;
    }

    /**
     * The send function's runtime. With SnapStart or provisioned concurrency, as {@link #fromEnvironment()}: the
     * fan-out and its Netty client are built and primed at init. On an on-demand cold start the first posts go
     * over the JDK's HTTP client instead ({@link HandoverEndpoint}), and a thread of its own makes a first TLS
     * handshake with @connections while init and the first event's store calls run on Lambda's. See
     * BENCHMARKS.md, cold start.
     */
    static PubSub publisher() {
        return runtime(!Priming.pays(System.getenv()));
    }

    /**
     * The send path's fan-out: the engine, and the dispatcher to the worker function when one is deployed.
     * With {@code quick} (else null) the engine posts over the JDK's HTTP client until a fan-out is large enough
     * for Netty's.
     */
    private static ShardedFanout fanOut(Settings settings, ConnectionStore store, Region region,
                                        AwsCredentialsProvider credentials, JsonLog log, JdkConnectionsApi quick) {
        // Netty's event loops for the fan-out's connections and the workers' invokes, built when first needed:
        // the store's calls, and the first posts after an on-demand cold start, do without them
        Lazy<SdkEventLoopGroup> loops = new Lazy<>(() -> SdkEventLoopGroup.builder().build());
        Supplier<ConnectionsApi> netty = () -> new ConnectionsApi(settings.callbackUrl(), loops.getValue(),
                settings.fanoutConcurrency(), region, credentials);
        ConnectionsEndpoint connections;
        if (quick != null) {
            connections = new HandoverEndpoint(quick, netty, HANDOVER_AT, HANDOVER_AFTER, log);
        } else {
            ConnectionsApi api = netty.get();
            if (Priming.pays(System.getenv())) {
                Priming.connections(api);
            }
            connections = api;
        }
        Fanout fanout = new Fanout(store, connections, Fanout.Options.of(settings), log);
        Settings.Sharding sharding = settings.sharding();
        FanoutDispatcher dispatcher = sharding.function()
                .map(function -> {
                    Lazy<LambdaDispatcher> lambda = new Lazy<>(() -> new LambdaDispatcher(function,
                            AwsEndpoints.of(System.getenv()).lambda(region), region, credentials,
                            loops.getValue(), log));
                    return (FanoutDispatcher) batch -> lambda.getValue().dispatch(batch);
                })
                .orElse(null);
        ObjectNode line = Json.object();
        line.put("event", "sharding");
        line.put("enabled", dispatcher != null);
        if (dispatcher == null) {
            line.put("reason", Settings.ENV_FANOUT_FUNCTION + " is not set: every fan-out runs in this function");
        } else {
            line.put("function", sharding.function().get());
            line.put("shardSize", sharding.shardSize());
            line.put("maxRate", sharding.maxRate());
            line.put("burst", sharding.burst());
        }
        log.write(line);
        return new ShardedFanout(fanout, store, sharding, dispatcher, log, Clock.systemUTC());
    }

    /** The worker function's: the engine of this environment, each batch under its own share of the rate cap. */
    static FanoutWorker worker() {
        return FanoutWorker.ofBatchShares(fromEnvironment().fanout());
    }

    static JsonLog log() {
        return JsonLog.stdout();
    }
}
