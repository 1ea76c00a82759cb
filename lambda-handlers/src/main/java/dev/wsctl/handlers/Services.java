package dev.wsctl.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.runtime.Clients;
import dev.wsctl.runtime.ConnectionStore;
import dev.wsctl.runtime.ConnectionsApi;
import dev.wsctl.runtime.DynamoDbConnectionStore;
import dev.wsctl.runtime.DynamoDbJsonClient;
import dev.wsctl.runtime.Fanout;
import dev.wsctl.runtime.FanoutWorker;
import dev.wsctl.runtime.Json;
import dev.wsctl.runtime.JsonLog;
import dev.wsctl.runtime.LambdaDispatcher;
import dev.wsctl.runtime.PubSub;
import dev.wsctl.runtime.Settings;
import dev.wsctl.runtime.ShardedFanout;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;

import java.time.Clock;

/**
 * The runtime of one Lambda execution environment, built once at init from the function's
 * environment. Handlers' no-argument constructors (the ones Lambda calls) take it from here.
 */
final class Services {
    /** Connections to DynamoDB at most (the store has up to 16 batch requests in flight). */
    private static final int STORE_CONNECTIONS = 16;
    private static volatile PubSub pubSub;

    private Services() {
    }

    static synchronized PubSub fromEnvironment() {
        if (pubSub == null) {
            Settings settings = Settings.fromEnvironment(System.getenv());
            // Lambda sets AWS_REGION: no provider chain (system properties, profile files, IMDS) at init
            Region region = Clients.region(System.getenv());
            // The Lambda environment carries the role's credentials in variables: no need to walk
            // the default provider chain (profiles, IMDS) at init.
            var credentials = EnvironmentVariableCredentialsProvider.create();
            // the store's calls without the SDK's client pipeline, whose build and first call were most of a cold start
            ConnectionStore store = new DynamoDbConnectionStore(new DynamoDbJsonClient(
                    Clients.dynamoDbEndpoint(System.getenv(), region), STORE_CONNECTIONS, region, credentials),
                    settings.table());
            JsonLog log = log();
            pubSub = new PubSub(settings, store,
                    () -> fanOut(settings, store, region, credentials, log), Clock.systemUTC());
            if (Priming.pays(System.getenv())) {
                // init is not on an event's path here: build what a send needs now, into the snapshot
                pubSub.fanout();
                Priming.storeClient();
            }
        }
        return pubSub;
    }

    /**
     * The send function's runtime: as {@link #fromEnvironment()}, and on an on-demand cold start the fan-out
     * (Netty's event loops, the TLS context, the signer) built on a thread of its own, which then opens one
     * connection to @connections, while init and the first event's store calls run on Lambda's. Every send
     * publishes, so this is work its first event would do anyway; with SnapStart or provisioned concurrency the
     * fan-out is already built at init (no connection is opened into a snapshot).
     */
    static PubSub publisher() {
        PubSub pubSub = fromEnvironment();
        if (!Priming.pays(System.getenv())) {
            Thread early = new Thread(() -> {
                try {
                    pubSub.fanout().preconnect();
                } catch (RuntimeException e) {
                    // the send path builds it again, and reports what is wrong
                }
            }, "wsctl-fanout-init");
            early.setDaemon(true);
            early.start();
        }
        return pubSub;
    }

    /** The send path's fan-out: the engine, and the dispatcher to the worker function when one is deployed. */
    private static ShardedFanout fanOut(Settings settings, ConnectionStore store, Region region,
                                        AwsCredentialsProvider credentials, JsonLog log) {
        // Netty's event loops for the fan-out's connections and the workers' invokes, only in a function that
        // publishes: the store's calls do not need them
        SdkEventLoopGroup loops = SdkEventLoopGroup.builder().build();
        ConnectionsApi connections =
                new ConnectionsApi(settings.callbackUrl(), loops, settings.fanoutConcurrency(), region, credentials);
        if (Priming.pays(System.getenv())) {
            Priming.connections(connections);
        }
        Fanout fanout = new Fanout(store, connections, Fanout.Options.of(settings), log);
        Settings.Sharding sharding = settings.sharding();
        LambdaDispatcher dispatcher = sharding.function()
                .map(function -> new LambdaDispatcher(function, LambdaDispatcher.endpoint(System.getenv(), region),
                        region, credentials, loops, log))
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
