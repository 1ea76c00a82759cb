package dev.wsctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.wsctl.config.Jackson;
import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.fanout.Fanout;
import dev.wsctl.fanout.FanoutBatch;
import dev.wsctl.fanout.FanoutWorker;
import dev.wsctl.fanout.ShardedFanout;
import dev.wsctl.handlers.ChannelsHandler;
import dev.wsctl.handlers.ConnectHandler;
import dev.wsctl.handlers.DisconnectHandler;
import dev.wsctl.handlers.FanoutHandler;
import dev.wsctl.handlers.SendHandler;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Member;
import dev.wsctl.protocol.Settings;
import dev.wsctl.pubsub.PubSub;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.ConnectionTable;
import dev.wsctl.store.Dynalite;
import dev.wsctl.store.DynamoDbConnectionStore;
import dev.wsctl.store.DynamoDbHistoryStore;
import dev.wsctl.store.HistoryStore;
import dev.wsctl.store.HistoryTable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * Each function's role allows exactly the DynamoDB actions its code calls, on the resources it calls them on.
 * The calls are not listed by hand: every route of each handler runs against a DynamoDB-protocol server
 * (dynalite) through a client that records each operation and its resource (the connection table, the history
 * table, or the index a Query names), and that record is compared with the function's policy as
 * {@link Policies#forFunction} builds it: every call is allowed, and every grant is called. The functions' settings
 * keep history on {@code chat-*} channels, and the fixtures take the presence ({@code presence-*}) and history paths
 * too (docs/presence-and-history.md).
 */
class PolicyActionsTest {
    @RegisterExtension
    static final Dynalite DYNALITE = new Dynalite();

    private static final String TABLE = ConnectionTable.name("wsctl-test", "policies");
    private static final String HISTORY = HistoryTable.name("wsctl-test", "policies");
    private static final String TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/" + TABLE;
    private static final String HISTORY_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/" + HISTORY;
    private static final String INDEX_ARN = TABLE_ARN + "/index/" + ConnectionTable.BY_CHANNEL;

    private static final String SENDER = "TQ0MFePzoAMCJ-w="; // the fixtures' connection
    private static final String GONE = "GonePolicy000A=";
    private static final String PRESENCE = "presence-room";
    private static final String CHAT = "chat-room";
    private static final long EXPIRES = Long.MAX_VALUE / 2;
    private static final Set<String> CALLS = new ConcurrentSkipListSet<>();

    private static DynamoDbAsyncClient dynamo;
    private static ConnectionStore store;
    private static ConnectionsApi api;
    private static HttpServer gateway;
    private static PubSub pubSub;
    private static Fanout fanout;
    private static HistoryStore history;
    private final JsonLog log = new JsonLog(line -> {});

    /**
     * Records "resource action" for every DynamoDB operation, as IAM would authorize it: on each table the request
     * names (BatchWriteItem and BatchGetItem name theirs in RequestItems), or on the index a Query names
     * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
     */
    private static final class Recorder implements ExecutionInterceptor {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            String action = " dynamodb:" + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
            if (context.request() instanceof QueryRequest q && q.indexName() != null) {
                CALLS.add(arn(q.tableName()) + "/index/" + q.indexName() + action);
                return;
            }
            List<String> tables = new ArrayList<>();
            context.request().getValueForField("TableName", String.class).ifPresent(tables::add);
            context.request()
                    .getValueForField("RequestItems", Map.class)
                    .ifPresent(items -> items.keySet().forEach(t -> tables.add((String) t)));
            tables.forEach(t -> CALLS.add(arn(t) + action));
        }

        private static String arn(String table) {
            if (table.equals(TABLE)) {
                return TABLE_ARN;
            }
            if (table.equals(HISTORY)) {
                return HISTORY_ARN;
            }
            throw new IllegalStateException("a call on a table of no stack: " + table);
        }
    }

    @BeforeAll
    static void services() throws IOException {
        dynamo = DynamoDbAsyncClient.builder()
                .endpointOverride(DYNALITE.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(c -> c.addExecutionInterceptor(new Recorder()))
                .build();
        Dynalite.createTable(dynamo, TABLE);
        TableResource.createTable(dynamo, TableResource.HISTORY, HISTORY, Map.of());
        store = new DynamoDbConnectionStore(dynamo, TABLE);
        // A post to GONE is answered 410 Gone, as API Gateway answers for a connection that no longer exists
        // (https://repost.aws/knowledge-center/410-gone-api-gateway), so that the fan-out's removal of gone
        // connections runs too; a post to any other connection is delivered (200).
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            boolean gone = exchange.getRequestURI().getRawPath().contains(GONE.substring(0, GONE.length() - 1));
            exchange.sendResponseHeaders(gone ? 410 : 200, -1);
            exchange.close();
        });
        gateway.start();
        // history on, as a deploy with history.channels sets the functions' environment
        Settings settings = Settings.fromEnvironment(Map.of(
                Settings.ENV_TABLE,
                TABLE,
                Settings.ENV_CALLBACK_URL,
                "http://127.0.0.1:" + gateway.getAddress().getPort() + "/dev",
                Settings.ENV_HISTORY_CHANNELS,
                "chat-*",
                Settings.ENV_HISTORY_TABLE,
                HISTORY));
        assertThat(settings.history().enabled()).isTrue();
        history = new DynamoDbHistoryStore(
                dynamo, HISTORY, settings.history().size(), settings.history().ttl(), Clock.systemUTC());
        api = new ConnectionsApi(settings.callbackUrl(), 4, Region.US_EAST_1, AnonymousCredentialsProvider.create());
        fanout = new Fanout(store, api, Fanout.Options.withConcurrency(4), new JsonLog(line -> {}));
        // no workers: every fan-out sent directly
        ShardedFanout sharded =
                new ShardedFanout(fanout, store, settings.sharding(), null, JsonLog.discard(), Clock.systemUTC());
        pubSub = new PubSub(settings, store, history, () -> sharded, Clock.systemUTC());
    }

    @AfterAll
    static void close() {
        api.close();
        gateway.stop(0);
        dynamo.close();
    }

    @BeforeEach
    void connected() throws IOException {
        invoke(new ConnectHandler(pubSub, log), fixture("connect.json"));
        CALLS.clear();
    }

    @Test
    void connect() throws IOException {
        invoke(new ConnectHandler(pubSub, log), fixture("connect.json"));
        // with channel_occupied / channel_vacated posted (WSCTL_OCCUPANCY=on), connect also moves the channel's
        // occupancy row: the same store call with occupancy on
        try (var occupancy = new DynamoDbConnectionStore(dynamo, TABLE, true)) {
            long now = System.currentTimeMillis();
            occupancy.connect(
                    new dev.wsctl.store.ConnectionInfo(
                            "occupancy=",
                            now,
                            "203.0.113.7",
                            null,
                            null,
                            List.of(),
                            dev.wsctl.store.Ttl.expiresAt(now)),
                    List.of("default"));
        }
        assertGranted("connect", CALLS);
    }

    @Test
    void channels() throws IOException {
        // GONE is a member of the presence channel (and subscribed elsewhere); a history channel has a kept message
        store.join(GONE, PRESENCE, new Member(GONE, null), EXPIRES);
        store.subscribe(GONE, "news-elsewhere", EXPIRES);
        HistoryStore.Position kept = history.append(CHAT, p -> "{}".getBytes(StandardCharsets.UTF_8));
        CALLS.clear();
        ChannelsHandler channels = new ChannelsHandler(pubSub, log);
        assertThat(invoke(channels, message("{\"action\":\"joinchannel\",\"channel\":\"news\"}")))
                .contains("joined");
        assertThat(invoke(channels, message("{\"action\":\"leavechannel\",\"channel\":\"news\"}")))
                .contains("left");
        assertThat(invoke(channels, message("{\"action\":\"leavechannel\",\"channel\":\"news\"}")))
                .contains("not_subscribed");
        // presence: member_added to GONE, which is gone (its member row goes); the members; member_removed
        assertThat(invoke(channels, message("{\"action\":\"joinchannel\",\"channel\":\"" + PRESENCE + "\"}")))
                .contains("joined");
        assertThat(store.isSubscribed(GONE, PRESENCE)).isFalse();
        assertThat(invoke(channels, message("{\"action\":\"presence\",\"channel\":\"" + PRESENCE + "\"}")))
                .contains(SENDER);
        assertThat(invoke(channels, message("{\"action\":\"leavechannel\",\"channel\":\"" + PRESENCE + "\"}")))
                .contains("left");
        // history: a join of a channel with no head yet starts one; a join with since replays from the history
        assertThat(invoke(channels, message("{\"action\":\"joinchannel\",\"channel\":\"chat-new\"}")))
                .contains("joined");
        assertThat(invoke(channels, message("{\"action\":\"joinchannel\",\"channel\":\"" + CHAT + "\"}")))
                .contains("joined");
        assertThat(invoke(
                        channels,
                        message("{\"action\":\"joinchannel\",\"channel\":\"" + CHAT + "\",\"since\":{\"offset\":0,"
                                + "\"epoch\":\"" + kept.epoch() + "\"}}")))
                .contains("joined");
        assertGranted("channels", CALLS);
    }

    @Test
    void disconnect() throws IOException {
        // the connection was the last of its user in a presence channel: member_removed to GONE, which is gone
        store.join(SENDER, PRESENCE, new Member(SENDER, null), EXPIRES);
        store.join(GONE, PRESENCE, new Member(GONE, null), EXPIRES);
        CALLS.clear();
        invoke(new DisconnectHandler(pubSub, log), fixture("disconnect.json"));
        Set<String> calls = Set.copyOf(CALLS);
        assertThat(store.connection(SENDER)).isEmpty();
        assertThat(store.members(PRESENCE).count()).isZero();
        assertGranted("disconnect", calls);
    }

    @Test
    void send() throws IOException {
        store.subscribe(SENDER, "news", EXPIRES);
        store.join(SENDER, PRESENCE, new Member(SENDER, null), EXPIRES);
        store.join(GONE, PRESENCE, new Member(GONE, null), EXPIRES);
        store.subscribe(GONE, "news-elsewhere", EXPIRES);
        store.subscribe(SENDER, "chat-sent", EXPIRES);
        CALLS.clear();
        // publish: members (the default) checks the sender's subscription, then fans out (to no one but the sender)
        SendHandler send = new SendHandler(pubSub, log);
        assertThat(invoke(send, fixture("sendmessage.json"))).contains("\\\"recipients\\\":0");
        // to GONE, which is gone: its rows go, its member row too, and member_removed goes to the members left
        assertThat(invoke(send, message(publish(PRESENCE)))).contains("\\\"recipients\\\":0");
        assertThat(store.channelsOf(GONE)).isEmpty();
        assertThat(store.members(PRESENCE).count()).isEqualTo(1);
        // on a history channel the message is kept first
        assertThat(invoke(send, message(publish("chat-sent")))).contains("\\\"offset\\\":");
        Set<String> calls = Set.copyOf(CALLS);
        assertThat(history.recent("chat-sent", 10)).hasSize(1);
        assertGranted("send", calls);
    }

    private static String publish(String channel) {
        return "{\"action\":\"sendmessage\",\"channel\":\"" + channel + "\",\"message\":\"hi\",\"id\":1}";
    }

    @Test
    void fanoutWorker() throws IOException {
        store.join(GONE, PRESENCE, new Member(GONE, null), EXPIRES);
        store.subscribe(GONE, "news-elsewhere", EXPIRES);
        store.join(SENDER, PRESENCE, new Member(SENDER, null), EXPIRES);
        CALLS.clear();
        // to GONE, which is gone: its rows go, its member row too, and member_removed goes to the members left
        FanoutHandler worker = new FanoutHandler(FanoutWorker.ofBatchShares(fanout), log);
        assertThat(invoke(worker, batch(PRESENCE).toJson())).contains("\"gone\":1");
        Set<String> calls = Set.copyOf(CALLS);
        assertThat(store.channelsOf(GONE)).isEmpty();
        assertThat(store.members(PRESENCE).count()).isEqualTo(1);
        assertGranted("fanout", calls);
    }

    /** A worker's batch: one message on {@code channel} to GONE. */
    private static FanoutBatch batch(String channel) {
        return new FanoutBatch(
                channel,
                "{}".getBytes(StandardCharsets.UTF_8),
                List.of(GONE),
                null,
                1000,
                1000,
                System.currentTimeMillis(),
                1,
                1);
    }

    @Test
    void functionsWithoutStoreCallsAreAllowedNone() {
        // $default (ping and errors) and the authorizer build no store: their roles allow no DynamoDB action
        assertThat(allowed("default")).isEmpty();
        assertThat(allowed("authorize")).isEmpty();
    }

    /**
     * The webhooks function's code calls no table: Lambda's poller reads the connection table's stream and hands it the
     * records. Its role allows the poller's reads, the actions of the managed policy AWSLambdaDynamoDBExecutionRole
     * (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#events-dynamodb-permissions,
     * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaDynamoDBExecutionRole.html), on the
     * table's streams only, as DynamoDB's own example scopes them
     * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-example-lamda-process-dynamodb-streams.html),
     * and nothing else of DynamoDB.
     */
    @Test
    void theWebhooksRoleAllowsTheStreamReadsOfLambdasPollerAndNoTableCall() {
        String streams = TABLE_ARN + "/stream/*";
        assertThat(allowed("webhooks"))
                .containsExactlyInAnyOrder(
                        streams + " dynamodb:DescribeStream",
                        streams + " dynamodb:GetRecords",
                        streams + " dynamodb:GetShardIterator",
                        streams + " dynamodb:ListStreams");
    }

    /** Every call is allowed; every grant is called. */
    private static void assertGranted(String function, Set<String> calls) {
        Set<String> allowed = allowed(function);
        assertThat(allowed).as(function + " may make every call it makes").containsAll(calls);
        Set<String> uncalled = new TreeSet<>(allowed);
        uncalled.removeAll(calls);
        assertThat(uncalled).as(function + ": every grant is called").isEmpty();
    }

    /** The DynamoDB "resource action" pairs the function's policy allows. */
    private static Set<String> allowed(String function) {
        JsonNode policy = Policies.forFunction(
                function,
                Map.ofEntries(
                        Map.entry("tableArn", TABLE_ARN),
                        Map.entry("historyTableArn", HISTORY_ARN),
                        Map.entry("partition", "aws"),
                        Map.entry("region", "us-east-1"),
                        Map.entry("account", "123456789012"),
                        Map.entry("function", "f"),
                        Map.entry("stage", "dev"),
                        Map.entry("apiId", "a"),
                        Map.entry("worker", "w"),
                        Map.entry("alias", "live"),
                        Map.entry("queueArn", "arn:aws:sqs:us-east-1:123456789012:q")));
        assertThat(policy.toString())
                .as("every placeholder of " + function + ".json is filled")
                .doesNotContain("${");
        Set<String> allowed = new TreeSet<>();
        for (JsonNode statement : policy.get("Statement")) {
            List<String> resources = Policies.values(statement.get("Resource"));
            for (String action : Policies.values(statement.get("Action"))) {
                if (action.startsWith("dynamodb:")) {
                    resources.forEach(resource -> allowed.add(resource + " " + action));
                }
            }
        }
        return allowed;
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = PolicyActionsTest.class.getResourceAsStream("/events/" + name)) {
            return in.readAllBytes();
        }
    }

    /** The sendmessage fixture with another body. */
    private static byte[] message(String body) throws IOException {
        ObjectNode event = (ObjectNode) Jackson.mapper().readTree(fixture("sendmessage.json"));
        event.put("body", body);
        return Jackson.mapper().writeValueAsBytes(event);
    }

    private static String invoke(RequestStreamHandler handler, byte[] event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event), out, null);
        return out.toString(StandardCharsets.UTF_8);
    }
}
