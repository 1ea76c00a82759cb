package dev.wsctl.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.awshttp.UrlConnectionPool;
import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.fanout.Fanout;
import dev.wsctl.fanout.FanoutDispatcher;
import dev.wsctl.fanout.FanoutWorker;
import dev.wsctl.fanout.LambdaDispatcher;
import dev.wsctl.fanout.ShardedFanout;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.metrics.EmfMetrics;
import dev.wsctl.metrics.Metrics;
import dev.wsctl.protocol.Settings;
import dev.wsctl.pubsub.PubSub;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.DynamoDbConnectionStore;
import dev.wsctl.store.DynamoDbHistoryStore;
import dev.wsctl.store.DynamoDbJsonClient;
import dev.wsctl.store.HistoryStore;
import java.time.Clock;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.utils.Lazy;

/**
 * The runtime of one Lambda execution environment (store, fan-out, dispatcher to the worker function), built once
 * at init from the function's environment. Handlers' no-argument constructors (the ones Lambda calls) take it from
 * here.
 */
final class FunctionRuntime {
    /** Connections to DynamoDB at most (the store has up to 16 batch requests in flight). */
    private static final int STORE_CONNECTIONS = 16;

    private static volatile PubSub pubSub;

    private FunctionRuntime() {}

    /** The pub/sub runtime of this environment: built by the first call, the same one afterwards. */
    static synchronized PubSub fromEnvironment() {
        if (pubSub == null) {
            Settings settings = Settings.fromEnvironment(System.getenv());
            // Lambda sets AWS_REGION: no provider chain (system properties, profile files, IMDS) at init
            Region region = AwsEndpoints.region(System.getenv());
            // where Lambda puts the role's credentials for this initialization type; resolved at first use
            AwsCredentialsProvider credentials = LambdaCredentials.provider(System.getenv());
            // keep-alive for as many connections as the fan-out opens, set before the JDK's first HTTP connection
            UrlConnectionPool.keepAlive(settings.fanoutConcurrency());
            // the store's calls without the SDK's client pipeline, whose build and first call were most of a cold start
            DynamoDbJsonClient dynamoDb = new DynamoDbJsonClient(
                    AwsEndpoints.of(System.getenv()).dynamoDb(region), STORE_CONNECTIONS, region, credentials);
            boolean primesAtInit = Priming.atInit(System.getenv());
            ConnectionStore store =
                    new DynamoDbConnectionStore(dynamoDb, settings.table(), Settings.occupancy(System.getenv()));
            // the history table on the same client; none when no channel keeps history
            HistoryStore history = settings.history()
                    .table()
                    .filter(table -> settings.history().enabled())
                    .map(table -> new DynamoDbHistoryStore(
                            dynamoDb,
                            table,
                            settings.history().size(),
                            settings.history().ttl(),
                            Clock.systemUTC()))
                    .orElse(null);
            JsonLog log = log();
            Metrics metrics = EmfMetrics.fromEnvironment(System.getenv(), log);
            pubSub = new PubSub(
                    settings,
                    store,
                    history,
                    () -> fanOut(settings, store, region, credentials, log, metrics, primesAtInit),
                    metrics,
                    Clock.systemUTC());
            if (primesAtInit) {
                // init is not on an event's path here: build what a send needs now, into the snapshot
                pubSub.fanout();
                Priming.storeClient();
            }
        }
        return pubSub;
    }

    /** The fan-out: the engine, and the dispatcher to the worker function when one is deployed. */
    private static ShardedFanout fanOut(
            Settings settings,
            ConnectionStore store,
            Region region,
            AwsCredentialsProvider credentials,
            JsonLog log,
            Metrics metrics,
            boolean primesAtInit) {
        ConnectionsApi connections =
                new ConnectionsApi(settings.callbackUrl(), settings.fanoutConcurrency(), region, credentials);
        if (primesAtInit) {
            Priming.connections(connections);
        }
        Fanout.Options options = Fanout.Options.of(settings);
        Fanout fanout = new Fanout(store, connections, options, options.rateCap(), log, metrics);
        Settings.Sharding sharding = settings.sharding();
        FanoutDispatcher dispatcher = sharding.function()
                .map(function -> {
                    Lazy<LambdaDispatcher> lambda = new Lazy<>(() -> new LambdaDispatcher(
                            function, AwsEndpoints.of(System.getenv()).lambda(region), region, credentials, log));
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
        return new ShardedFanout(fanout, store, sharding, dispatcher, log, metrics, Clock.systemUTC());
    }

    /** The worker function's: the engine of this environment, each batch under its own share of the rate cap. */
    static FanoutWorker worker() {
        return FanoutWorker.ofBatchShares(fromEnvironment().fanout());
    }

    static JsonLog log() {
        return JsonLog.stdout();
    }
}
