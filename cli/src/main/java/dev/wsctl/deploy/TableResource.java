package dev.wsctl.deploy;

import static dev.wsctl.awshttp.Futures.join;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.store.ConnectionTable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/** The connection table: on demand, the {@code by-channel} index, TTL on {@code expiresAt}, tags. */
final class TableResource implements Resource<TableResource.State> {
    static final String LOGICAL_ID = "ConnectionsTable";
    /** DescribeTable every 2 s while the table is CREATING, for at most 5 minutes. */
    private static final WaiterOverrideConfiguration UNTIL_ACTIVE = WaiterOverrideConfiguration.builder()
            .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofSeconds(2)))
            .maxAttempts(150)
            .build();

    /** @param keys the key schema and index, as one comparable string; cannot change in place */
    record State(String keys, boolean ttl, Map<String, String> tags) {}

    private final DynamoDbAsyncClient dynamo;
    private final String name;
    private final Map<String, String> tags;

    TableResource(DynamoDbAsyncClient dynamo, String name, Map<String, String> tags) {
        this.dynamo = dynamo;
        this.name = name;
        this.tags = Map.copyOf(tags);
    }

    @Override
    public Id id() {
        return new Id("table", name);
    }

    @Override
    public State desired(Outputs outputs) {
        var request = ConnectionTable.createTableRequest(name, tags);
        return new State(
                keys(
                        request.keySchema(),
                        request.globalSecondaryIndexes().stream()
                                .map(i -> index(i.indexName(), i.keySchema(), i.projection()))
                                .toList()),
                true,
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
        outputs.put("table.arn", table.tableArn());
        outputs.put("table.name", name);
        boolean ttlOn =
                ttlOn(join(dynamo.describeTimeToLive(r -> r.tableName(name))).timeToLiveDescription());
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
                .tags(actual.tags(), desired.tags())
                .changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        createTable(dynamo, name, tags);
        enableTtl(dynamo, name);
        actual(outputs);
    }

    /**
     * Creates the table unless it exists ({@code ResourceInUseException} is fine) and waits with the SDK's
     * {@code TableExists} waiter until it is ACTIVE.
     */
    static void createTable(DynamoDbAsyncClient dynamo, String name, Map<String, String> tags) {
        try {
            join(dynamo.createTable(ConnectionTable.createTableRequest(name, tags)));
        } catch (ResourceInUseException exists) {
            // created before
        }
        join(dynamo.waiter()
                .waitUntilTableExists(
                        DescribeTableRequest.builder().tableName(name).build(), UNTIL_ACTIVE));
    }

    /**
     * Enables TTL on {@code expiresAt} unless it already is (DynamoDB refuses to enable it twice); a server without
     * UpdateTimeToLive (dynalite, a DynamoDB-protocol server) is no error: rows will not expire there.
     */
    static void enableTtl(DynamoDbAsyncClient dynamo, String name) {
        try {
            if (!ttlOn(join(dynamo.describeTimeToLive(r -> r.tableName(name))).timeToLiveDescription())) {
                join(dynamo.updateTimeToLive(ConnectionTable.enableTtlRequest(name)));
            }
        } catch (DynamoDbException e) {
            if (e.awsErrorDetails() == null
                    || !"UnknownOperationException".equals(e.awsErrorDetails().errorCode())) {
                throw e;
            }
        }
    }

    private static boolean ttlOn(TimeToLiveDescription ttl) {
        return ttl != null
                && ConnectionTable.EXPIRES_AT.equals(ttl.attributeName())
                && (ttl.timeToLiveStatus() == TimeToLiveStatus.ENABLED
                        || ttl.timeToLiveStatus() == TimeToLiveStatus.ENABLING);
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        if (Diff.names(changes, "ttl")) {
            enableTtl(dynamo, name);
        }
        if (Diff.names(changes, "tags")) {
            String arn = outputs.get("table.arn");
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
        var request = ConnectionTable.createTableRequest(name, tags);
        ObjectNode p = template.resource(LOGICAL_ID, "AWS::DynamoDB::Table");
        p.put("TableName", name);
        p.put("BillingMode", request.billingModeAsString());
        ArrayNode attributes = p.putArray("AttributeDefinitions");
        request.attributeDefinitions()
                .forEach(a -> attributes
                        .addObject()
                        .put("AttributeName", a.attributeName())
                        .put("AttributeType", a.attributeTypeAsString()));
        p.set("KeySchema", keySchema(request.keySchema()));
        ArrayNode indexes = p.putArray("GlobalSecondaryIndexes");
        for (var index : request.globalSecondaryIndexes()) {
            ObjectNode i = indexes.addObject().put("IndexName", index.indexName());
            i.set("KeySchema", keySchema(index.keySchema()));
            i.putObject("Projection").put("ProjectionType", index.projection().projectionTypeAsString());
        }
        if (desired.ttl()) {
            var ttl = ConnectionTable.enableTtlRequest(name).timeToLiveSpecification();
            p.putObject("TimeToLiveSpecification")
                    .put("AttributeName", ttl.attributeName())
                    .put("Enabled", ttl.enabled());
        }
        p.set("Tags", Template.tagList(desired.tags()));
        outputs.put("table.arn", Template.attribute(LOGICAL_ID, "Arn"));
        outputs.put("table.name", Template.ref(LOGICAL_ID));
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
