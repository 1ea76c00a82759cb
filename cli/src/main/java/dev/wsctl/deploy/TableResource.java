package dev.wsctl.deploy;

import static dev.wsctl.awshttp.Futures.join;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.store.ConnectionTable;
import dev.wsctl.store.HistoryTable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/**
 * One DynamoDB table of the stack, on demand, with TTL and tags, in the layout its store describes: the connection
 * table ({@link #CONNECTIONS}: key, {@code by-channel} index, TTL on {@code expiresAt}) or the history table
 * ({@link #HISTORY}: key channel and offset, TTL on {@code expiresAt}).
 *
 * <p>A table may have a stream ({@link #STREAM_VIEW}; the connection table's with webhooks, which the webhooks
 * function reads). Turning it on or off is an UpdateTable; DynamoDB cannot change the view type of a stream in place
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_StreamSpecification.html), so another view
 * type is turned off first. While it is on, the stream's ARN is published as {@code {output}.streamArn}.
 */
final class TableResource implements Resource<TableResource.State> {
    /**
     * What one table of the stack is: the CreateTable and UpdateTimeToLive requests its store describes it by, its
     * logical id in a template, and the prefix of the outputs it publishes ({@code {output}.arn}, {@code .name}).
     */
    record Layout(
            String logicalId,
            String output,
            BiFunction<String, Map<String, String>, CreateTableRequest> createTable,
            Function<String, UpdateTimeToLiveRequest> enableTtl) {}

    static final Layout CONNECTIONS = new Layout(
            "ConnectionsTable", "table", ConnectionTable::createTableRequest, ConnectionTable::enableTtlRequest);
    static final Layout HISTORY = new Layout(
            "ChannelHistoryTable", "historyTable", HistoryTable::createTableRequest, HistoryTable::enableTtlRequest);

    /** DescribeTable every 2 s while the table is CREATING, for at most 5 minutes. */
    private static final WaiterOverrideConfiguration UNTIL_ACTIVE = WaiterOverrideConfiguration.builder()
            .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofSeconds(2)))
            .maxAttempts(150)
            .build();

    /** The view type of a stream this stack reads: rows appearing and going, with their attributes. */
    static final StreamViewType STREAM_VIEW = StreamViewType.NEW_AND_OLD_IMAGES;

    /** What the state says of a table without a stream. */
    static final String NO_STREAM = "off";

    /**
     * @param keys   the key schema and index, as one comparable string; cannot change in place
     * @param stream the stream's view type, or {@link #NO_STREAM}
     */
    record State(String keys, boolean ttl, String stream, Map<String, String> tags) {}

    private final DynamoDbAsyncClient dynamo;
    private final Layout layout;
    private final String name;
    private final Map<String, String> tags;
    private final boolean stream;

    TableResource(DynamoDbAsyncClient dynamo, Layout layout, String name, Map<String, String> tags) {
        this(dynamo, layout, name, tags, false);
    }

    /** @param stream whether the table has a stream of {@link #STREAM_VIEW} */
    TableResource(DynamoDbAsyncClient dynamo, Layout layout, String name, Map<String, String> tags, boolean stream) {
        this.dynamo = dynamo;
        this.layout = layout;
        this.name = name;
        this.tags = Map.copyOf(tags);
        this.stream = stream;
    }

    @Override
    public Id id() {
        return new Id("table", name);
    }

    @Override
    public State desired(Outputs outputs) {
        var request = layout.createTable().apply(name, tags);
        return new State(
                keys(
                        request.keySchema(),
                        request.globalSecondaryIndexes().stream()
                                .map(i -> index(i.indexName(), i.keySchema(), i.projection()))
                                .toList()),
                true,
                stream ? STREAM_VIEW.toString() : NO_STREAM,
                tags);
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        DescribeTableResponse described;
        try {
            described = join(dynamo.describeTable(r -> r.tableName(name)));
        } catch (ResourceNotFoundException absent) {
            return Optional.empty();
        }
        var table = described.table();
        outputs.put(layout.output() + ".arn", table.tableArn());
        outputs.put(layout.output() + ".name", name);
        String streamView = table.streamSpecification() != null
                        && Boolean.TRUE.equals(table.streamSpecification().streamEnabled())
                ? table.streamSpecification().streamViewTypeAsString()
                : NO_STREAM;
        if (!streamView.equals(NO_STREAM) && table.latestStreamArn() != null) {
            outputs.put(layout.output() + ".streamArn", table.latestStreamArn());
        }
        boolean ttlOn = ttlOn(
                layout,
                name,
                join(dynamo.describeTimeToLive(r -> r.tableName(name))).timeToLiveDescription());
        Map<String, String> actualTags =
                join(dynamo.listTagsOfResource(r -> r.resourceArn(table.tableArn()))).tags().stream()
                        .collect(Collectors.toMap(Tag::key, Tag::value));
        return Optional.of(new State(
                keys(
                        table.keySchema(),
                        table.globalSecondaryIndexes().stream()
                                .map(i -> index(i.indexName(), i.keySchema(), i.projection()))
                                .toList()),
                ttlOn,
                streamView,
                actualTags));
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        if (!actual.keys().equals(desired.keys())) {
            throw new DeployException("Table " + name + " exists with another key schema or index (" + actual.keys()
                    + "); wsctl cannot change that in place. Remove the table or pick another stage.");
        }
        return new Diff()
                .field("ttl", actual.ttl(), desired.ttl())
                .field("stream", actual.stream(), desired.stream())
                .tags(actual.tags(), desired.tags())
                .changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        createTable(dynamo, layout, name, tags);
        enableTtl(dynamo, layout, name);
        if (!desired.stream().equals(NO_STREAM)) {
            updateStream(true);
        }
        actual(outputs);
    }

    /** Turns the stream on (with {@link #STREAM_VIEW}) or off, and waits until the table is ACTIVE again. */
    private void updateStream(boolean on) {
        join(dynamo.updateTable(r -> r.tableName(name)
                .streamSpecification(
                        on
                                ? StreamSpecification.builder()
                                        .streamEnabled(true)
                                        .streamViewType(STREAM_VIEW)
                                        .build()
                                : StreamSpecification.builder()
                                        .streamEnabled(false)
                                        .build())));
        join(dynamo.waiter()
                .waitUntilTableExists(
                        DescribeTableRequest.builder().tableName(name).build(), UNTIL_ACTIVE));
    }

    /**
     * Creates the table unless it exists ({@code ResourceInUseException} is fine) and waits with the SDK's
     * {@code TableExists} waiter until it is ACTIVE.
     */
    static void createTable(DynamoDbAsyncClient dynamo, Layout layout, String name, Map<String, String> tags) {
        try {
            join(dynamo.createTable(layout.createTable().apply(name, tags)));
        } catch (ResourceInUseException exists) {
            // created before
        }
        join(dynamo.waiter()
                .waitUntilTableExists(
                        DescribeTableRequest.builder().tableName(name).build(), UNTIL_ACTIVE));
    }

    /**
     * Enables TTL on the layout's attribute unless it already is (DynamoDB refuses to enable it twice); a server without
     * UpdateTimeToLive (dynalite, a DynamoDB-protocol server) is no error: rows will not expire there.
     */
    static void enableTtl(DynamoDbAsyncClient dynamo, Layout layout, String name) {
        try {
            if (!ttlOn(
                    layout,
                    name,
                    join(dynamo.describeTimeToLive(r -> r.tableName(name))).timeToLiveDescription())) {
                join(dynamo.updateTimeToLive(layout.enableTtl().apply(name)));
            }
        } catch (DynamoDbException e) {
            if (e.awsErrorDetails() == null
                    || !"UnknownOperationException".equals(e.awsErrorDetails().errorCode())) {
                throw e;
            }
        }
    }

    private static boolean ttlOn(Layout layout, String name, TimeToLiveDescription ttl) {
        return ttl != null
                && layout.enableTtl()
                        .apply(name)
                        .timeToLiveSpecification()
                        .attributeName()
                        .equals(ttl.attributeName())
                && (ttl.timeToLiveStatus() == TimeToLiveStatus.ENABLED
                        || ttl.timeToLiveStatus() == TimeToLiveStatus.ENABLING);
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        if (Diff.names(changes, "ttl")) {
            enableTtl(dynamo, layout, name);
        }
        if (Diff.names(changes, "stream")) {
            if (!actual.stream().equals(NO_STREAM)) {
                updateStream(false);
            }
            if (!desired.stream().equals(NO_STREAM)) {
                updateStream(true);
            }
            actual(outputs); // publishes the new stream's ARN
        }
        if (Diff.names(changes, "tags")) {
            String arn = outputs.get(layout.output() + ".arn");
            Diff.syncTags(
                    actual.tags(),
                    desired.tags(),
                    stale -> join(dynamo.untagResource(r -> r.resourceArn(arn).tagKeys(stale))),
                    () -> join(dynamo.tagResource(r -> r.resourceArn(arn)
                            .tags(desired.tags().entrySet().stream()
                                    .map(e -> Tag.builder()
                                            .key(e.getKey())
                                            .value(e.getValue())
                                            .build())
                                    .toList()))));
        }
    }

    /** From the same CreateTable and UpdateTimeToLive requests that {@link #create} sends. */
    @Override
    public void template(State desired, Template template, Outputs outputs) {
        var request = layout.createTable().apply(name, tags);
        ObjectNode p = template.resource(layout.logicalId(), "AWS::DynamoDB::Table");
        p.put("TableName", name);
        p.put("BillingMode", request.billingModeAsString());
        ArrayNode attributes = p.putArray("AttributeDefinitions");
        request.attributeDefinitions()
                .forEach(a -> attributes
                        .addObject()
                        .put("AttributeName", a.attributeName())
                        .put("AttributeType", a.attributeTypeAsString()));
        p.set("KeySchema", keySchema(request.keySchema()));
        if (request.hasGlobalSecondaryIndexes()) {
            indexes(p.putArray("GlobalSecondaryIndexes"), request);
        }
        if (desired.ttl()) {
            var ttl = layout.enableTtl().apply(name).timeToLiveSpecification();
            p.putObject("TimeToLiveSpecification")
                    .put("AttributeName", ttl.attributeName())
                    .put("Enabled", ttl.enabled());
        }
        if (!desired.stream().equals(NO_STREAM)) {
            p.putObject("StreamSpecification").put("StreamViewType", desired.stream());
            outputs.put(layout.output() + ".streamArn", Template.attribute(layout.logicalId(), "StreamArn"));
        }
        p.set("Tags", Template.tagList(desired.tags()));
        outputs.put(layout.output() + ".arn", Template.attribute(layout.logicalId(), "Arn"));
        outputs.put(layout.output() + ".name", Template.ref(layout.logicalId()));
    }

    private static void indexes(ArrayNode indexes, CreateTableRequest request) {
        for (var index : request.globalSecondaryIndexes()) {
            ObjectNode i = indexes.addObject().put("IndexName", index.indexName());
            i.set("KeySchema", keySchema(index.keySchema()));
            i.putObject("Projection").put("ProjectionType", index.projection().projectionTypeAsString());
        }
    }

    private static ArrayNode keySchema(List<KeySchemaElement> keys) {
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        keys.forEach(
                k -> list.addObject().put("AttributeName", k.attributeName()).put("KeyType", k.keyTypeAsString()));
        return list;
    }

    @Override
    public void delete(Outputs outputs) {
        try {
            join(dynamo.deleteTable(r -> r.tableName(name)));
        } catch (ResourceNotFoundException gone) {
            // already deleted
        }
    }

    private static String keys(List<KeySchemaElement> keySchema, List<String> indexes) {
        return keySchema + " " + indexes;
    }

    private static String index(String name, List<KeySchemaElement> keySchema, Projection projection) {
        return name + keySchema + projection.projectionTypeAsString();
    }
}
