package dev.wsctl.deploy.fakes;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.*;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbAsyncWaiter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * DynamoDB's control plane (tables, indexes, TTL, tags; no items), asynchronous like the client it
 * implements: errors come back as failed futures holding a {@link CompletionException} around the
 * service exception, as the SDK's do. A new or updated table is CREATING / UPDATING until the next
 * DescribeTable (which already shows it ACTIVE); TTL goes ENABLING → ENABLED on the next
 * DescribeTimeToLive. Deleting removes the table at once (the response still says DELETING).
 */
public final class FakeDynamoDbControlPlane implements DynamoDbAsyncClient {

    private static final class TableState {
        TableDescription table;
        final Map<String, String> tags = new LinkedHashMap<>();
        String ttlAttribute;
        TimeToLiveStatus ttl = TimeToLiveStatus.DISABLED;
    }

    private final FakeAccount account;
    private final Map<String, TableState> tables = new TreeMap<>();
    private final ScheduledExecutorService waiterThreads = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-dynamodb-waiter");
        t.setDaemon(true);
        return t;
    });
    private final DynamoDbAsyncWaiter waiter;
    private long ids;

    public FakeDynamoDbControlPlane(FakeAccount account) {
        this.account = account;
        this.waiter = DynamoDbAsyncWaiter.builder().client(this).scheduledExecutorService(waiterThreads).build();
    }

    public synchronized List<String> tableNames() {
        return List.copyOf(tables.keySet());
    }

    /** The table as stored, without advancing its status; null when absent. */
    public synchronized TableDescription peek(String tableName) {
        TableState t = tables.get(tableName);
        return t == null ? null : t.table;
    }

    public synchronized List<String> inventory() {
        return tables.keySet().stream().map(n -> "dynamodb table " + n).toList();
    }

    // ---- tables

    @Override
    public CompletableFuture<CreateTableResponse> createTable(CreateTableRequest r) {
        return async("CreateTable", true, () -> {
            String name = r.tableName();
            checkName(name);
            validateKeys(r);
            BillingMode billing = r.billingMode() == null ? BillingMode.PROVISIONED : r.billingMode();
            checkThroughput(billing, r.provisionedThroughput());
            if (tables.containsKey(name)) {
                throw err(ResourceInUseException.builder(), "ResourceInUseException", "Table already exists: " + name);
            }
            String arn = arn(name);
            ProvisionedThroughputDescription throughput = throughput(r.provisionedThroughput());
            TableState t = new TableState();
            t.table = TableDescription.builder().tableName(name).tableArn(arn).tableId(FakeAccount.uuid(++ids))
                    .tableStatus(TableStatus.CREATING).creationDateTime(account.now())
                    .attributeDefinitions(r.attributeDefinitions()).keySchema(r.keySchema())
                    .globalSecondaryIndexes(r.hasGlobalSecondaryIndexes() ? r.globalSecondaryIndexes().stream()
                            .map(g -> index(arn, g.indexName(), g.keySchema(), g.projection(), throughput(g.provisionedThroughput())))
                            .toList() : null)
                    .localSecondaryIndexes(r.hasLocalSecondaryIndexes() ? r.localSecondaryIndexes().stream()
                            .map(l -> LocalSecondaryIndexDescription.builder().indexName(l.indexName()).keySchema(l.keySchema())
                                    .projection(l.projection()).indexArn(arn + "/index/" + l.indexName())
                                    .indexSizeBytes(0L).itemCount(0L).build()).toList() : null)
                    .billingModeSummary(billing == BillingMode.PAY_PER_REQUEST ? BillingModeSummary.builder()
                            .billingMode(billing).lastUpdateToPayPerRequestDateTime(account.now()).build() : null)
                    .provisionedThroughput(throughput).tableSizeBytes(0L).itemCount(0L)
                    .streamSpecification(r.streamSpecification())
                    .deletionProtectionEnabled(Boolean.TRUE.equals(r.deletionProtectionEnabled()))
                    .build();
            r.tags().forEach(tag -> t.tags.put(tag.key(), tag.value()));
            tables.put(name, t);
            return CreateTableResponse.builder().tableDescription(t.table).build();
        });
    }

    /** The fake keeps no items: a Query of an existing table finds nothing, of a missing one fails like DynamoDB. */
    @Override
    public CompletableFuture<QueryResponse> query(QueryRequest r) {
        return async("Query", false, () -> {
            table(r.tableName());
            return QueryResponse.builder().items(java.util.List.of()).count(0).scannedCount(0).build();
        });
    }

    @Override
    public CompletableFuture<DescribeTableResponse> describeTable(DescribeTableRequest r) {
        return async("DescribeTable", false, () -> {
            TableState t = table(r.tableName());
            if (t.table.tableStatus() != TableStatus.ACTIVE) {
                t.table = t.table.toBuilder().tableStatus(TableStatus.ACTIVE)
                        .globalSecondaryIndexes(t.table.hasGlobalSecondaryIndexes() ? t.table.globalSecondaryIndexes().stream()
                                .map(g -> g.toBuilder().indexStatus(IndexStatus.ACTIVE).build()).toList() : null)
                        .build();
            }
            return DescribeTableResponse.builder().table(t.table).build();
        });
    }

    @Override
    public CompletableFuture<UpdateTableResponse> updateTable(UpdateTableRequest r) {
        return async("UpdateTable", true, () -> {
            TableState t = table(r.tableName());
            checkActive(t);
            if (r.billingMode() == null && r.provisionedThroughput() == null && !r.hasGlobalSecondaryIndexUpdates()
                    && r.deletionProtectionEnabled() == null && r.streamSpecification() == null && r.sseSpecification() == null) {
                throw validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                        + "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
            }
            TableDescription.Builder b = t.table.toBuilder().tableStatus(TableStatus.UPDATING);
            BillingMode billing = r.billingMode() != null ? r.billingMode()
                    : t.table.billingModeSummary() == null ? BillingMode.PROVISIONED : t.table.billingModeSummary().billingMode();
            if (r.billingMode() != null || r.provisionedThroughput() != null) {
                checkThroughput(billing, r.provisionedThroughput());
                b.provisionedThroughput(throughput(r.provisionedThroughput()));
                b.billingModeSummary(billing == BillingMode.PAY_PER_REQUEST ? BillingModeSummary.builder().billingMode(billing)
                        .lastUpdateToPayPerRequestDateTime(account.now()).build() : null);
            }
            if (r.deletionProtectionEnabled() != null) {
                b.deletionProtectionEnabled(r.deletionProtectionEnabled());
            }
            if (r.streamSpecification() != null) {
                b.streamSpecification(r.streamSpecification());
            }
            if (r.hasGlobalSecondaryIndexUpdates()) {
                Map<String, GlobalSecondaryIndexDescription> indexes = new LinkedHashMap<>();
                if (t.table.hasGlobalSecondaryIndexes()) {
                    t.table.globalSecondaryIndexes().forEach(g -> indexes.put(g.indexName(), g));
                }
                List<AttributeDefinition> defs = new ArrayList<>(t.table.attributeDefinitions());
                if (r.hasAttributeDefinitions()) {
                    r.attributeDefinitions().stream().filter(d -> defs.stream()
                            .noneMatch(x -> x.attributeName().equals(d.attributeName()))).forEach(defs::add);
                }
                for (GlobalSecondaryIndexUpdate u : r.globalSecondaryIndexUpdates()) {
                    if (u.create() != null) {
                        if (indexes.containsKey(u.create().indexName())) {
                            throw validation("One or more parameter values were invalid: Index " + u.create().indexName() + " already exists");
                        }
                        indexes.put(u.create().indexName(), index(t.table.tableArn(), u.create().indexName(), u.create().keySchema(),
                                u.create().projection(), throughput(u.create().provisionedThroughput())));
                    } else if (u.delete() != null) {
                        if (indexes.remove(u.delete().indexName()) == null) {
                            throw err(ResourceNotFoundException.builder(), "ResourceNotFoundException",
                                    "Requested resource not found: Index: " + u.delete().indexName() + " not found");
                        }
                    } else if (u.update() != null) {
                        throw new UnsupportedOperationException("FakeDynamoDbControlPlane: GSI throughput updates");
                    }
                }
                b.globalSecondaryIndexes(indexes.isEmpty() ? null : new ArrayList<>(indexes.values())).attributeDefinitions(defs);
            }
            t.table = b.build();
            return UpdateTableResponse.builder().tableDescription(t.table).build();
        });
    }

    @Override
    public CompletableFuture<DeleteTableResponse> deleteTable(DeleteTableRequest r) {
        return async("DeleteTable", true, () -> {
            TableState t = table(r.tableName());
            checkActive(t);
            if (Boolean.TRUE.equals(t.table.deletionProtectionEnabled())) {
                throw validation("Resource cannot be deleted as it is currently protected against deletion. "
                        + "Disable deletion protection first.");
            }
            tables.remove(r.tableName());
            return DeleteTableResponse.builder().tableDescription(t.table.toBuilder().tableStatus(TableStatus.DELETING).build()).build();
        });
    }

    // ---- TTL

    @Override
    public CompletableFuture<UpdateTimeToLiveResponse> updateTimeToLive(UpdateTimeToLiveRequest r) {
        return async("UpdateTimeToLive", true, () -> {
            TableState t = table(r.tableName());
            checkActive(t);
            TimeToLiveSpecification spec = r.timeToLiveSpecification();
            if (spec == null || spec.attributeName() == null || spec.enabled() == null) {
                throw validation("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null");
            }
            boolean on = t.ttl == TimeToLiveStatus.ENABLED || t.ttl == TimeToLiveStatus.ENABLING;
            if (spec.enabled() && on) {
                throw validation("TimeToLive is already enabled");
            }
            if (!spec.enabled() && !on) {
                throw validation("TimeToLive is already disabled");
            }
            if (!spec.enabled() && !spec.attributeName().equals(t.ttlAttribute)) {
                throw validation("TimeToLive is enabled on a different attribute: " + t.ttlAttribute);
            }
            t.ttl = spec.enabled() ? TimeToLiveStatus.ENABLING : TimeToLiveStatus.DISABLING;
            t.ttlAttribute = spec.attributeName();
            return UpdateTimeToLiveResponse.builder().timeToLiveSpecification(spec).build();
        });
    }

    @Override
    public CompletableFuture<DescribeTimeToLiveResponse> describeTimeToLive(DescribeTimeToLiveRequest r) {
        return async("DescribeTimeToLive", false, () -> {
            TableState t = table(r.tableName());
            if (t.ttl == TimeToLiveStatus.ENABLING) {
                t.ttl = TimeToLiveStatus.ENABLED;
            } else if (t.ttl == TimeToLiveStatus.DISABLING) {
                t.ttl = TimeToLiveStatus.DISABLED;
                t.ttlAttribute = null;
            }
            return DescribeTimeToLiveResponse.builder().timeToLiveDescription(TimeToLiveDescription.builder()
                    .timeToLiveStatus(t.ttl).attributeName(t.ttlAttribute).build()).build();
        });
    }

    // ---- tags

    @Override
    public CompletableFuture<TagResourceResponse> tagResource(TagResourceRequest r) {
        return async("TagResource", true, () -> {
            TableState t = byArn(r.resourceArn());
            if (!r.hasTags() || r.tags().isEmpty()) {
                throw validation("1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1");
            }
            r.tags().forEach(tag -> t.tags.put(tag.key(), tag.value()));
            return TagResourceResponse.builder().build();
        });
    }

    @Override
    public CompletableFuture<UntagResourceResponse> untagResource(UntagResourceRequest r) {
        return async("UntagResource", true, () -> {
            byArn(r.resourceArn()).tags.keySet().removeAll(r.tagKeys());
            return UntagResourceResponse.builder().build();
        });
    }

    @Override
    public CompletableFuture<ListTagsOfResourceResponse> listTagsOfResource(ListTagsOfResourceRequest r) {
        return async("ListTagsOfResource", false, () -> ListTagsOfResourceResponse.builder()
                .tags(byArn(r.resourceArn()).tags.entrySet().stream()
                        .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList())
                .build());
    }

    /** The SDK's waiter over this fake (DynamoDbAsyncClient's default {@code waiter()} throws); polls DescribeTable. */
    @Override
    public DynamoDbAsyncWaiter waiter() {
        return waiter;
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
        waiterThreads.shutdownNow();
    }

    // ---- internals

    /** Runs {@code body} under the lock; returns its value, or its exception as the SDK does (a CompletionException). */
    private <T> CompletableFuture<T> async(String op, boolean mutating, Supplier<T> body) {
        try {
            synchronized (this) {
                if (mutating) {
                    account.log().mutate("dynamodb:" + op);
                } else {
                    account.log().read("dynamodb:" + op);
                }
                return CompletableFuture.completedFuture(body.get());
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e instanceof CompletionException ? e : new CompletionException(e));
        }
    }

    private TableState table(String name) {
        TableState t = name == null ? null : tables.get(name);
        if (t == null) {
            throw err(ResourceNotFoundException.builder(), "ResourceNotFoundException",
                    "Requested resource not found: Table: " + name + " not found");
        }
        return t;
    }

    private TableState byArn(String arn) {
        return tables.values().stream().filter(t -> t.table.tableArn().equals(arn)).findFirst()
                .orElseThrow(() -> err(ResourceNotFoundException.builder(), "ResourceNotFoundException",
                        "Requested resource not found: ResourceArn: " + arn + " not found"));
    }

    private void checkActive(TableState t) {
        if (t.table.tableStatus() == TableStatus.CREATING || t.table.tableStatus() == TableStatus.UPDATING) {
            throw err(ResourceInUseException.builder(), "ResourceInUseException", "Attempt to change a resource which is still in use: Table is being "
                    + (t.table.tableStatus() == TableStatus.CREATING ? "created" : "updated") + ": " + t.table.tableName());
        }
    }

    private void checkName(String name) {
        if (name == null || name.length() < 3 || name.length() > 255) {
            throw validation("1 validation error detected: Value '" + name + "' at 'tableName' failed to satisfy constraint: "
                    + "Member must have length " + (name != null && name.length() > 255 ? "less than or equal to 255" : "greater than or equal to 3"));
        }
        if (!name.matches("[a-zA-Z0-9_.-]+")) {
            throw validation("1 validation error detected: Value '" + name + "' at 'tableName' failed to satisfy constraint: "
                    + "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        }
    }

    /** DynamoDB's rules: one HASH key (and at most one RANGE), every key attribute defined, every definition used. */
    private void validateKeys(CreateTableRequest r) {
        List<List<KeySchemaElement>> schemas = new ArrayList<>();
        schemas.add(r.keySchema());
        r.globalSecondaryIndexes().forEach(g -> {
            if (g.indexName() == null || g.projection() == null || !g.hasKeySchema()) {
                throw validation("One or more parameter values were invalid: IndexName, KeySchema and Projection are required for index");
            }
            schemas.add(g.keySchema());
        });
        r.localSecondaryIndexes().forEach(l -> schemas.add(l.keySchema()));
        for (List<KeySchemaElement> ks : schemas) {
            long hash = ks.stream().filter(k -> k.keyType() == KeyType.HASH).count();
            if (ks.isEmpty() || ks.size() > 2 || hash != 1 || ks.get(0).keyType() != KeyType.HASH) {
                throw validation("1 validation error detected: Value '" + ks + "' at 'keySchema' failed to satisfy constraint: "
                        + "Member must have a HASH key first and at most one RANGE key");
            }
        }
        Set<String> defined = r.attributeDefinitions().stream().map(AttributeDefinition::attributeName)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> used = schemas.stream().flatMap(List::stream).map(KeySchemaElement::attributeName)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        if (!defined.containsAll(used)) {
            throw validation("One or more parameter values were invalid: Some index key attributes are not defined in "
                    + "AttributeDefinitions. Keys: " + used + ", AttributeDefinitions: " + defined);
        }
        if (!used.containsAll(defined)) {
            throw validation(schemas.size() == 1
                    ? "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
                    : "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: "
                    + defined + ", keys used: " + used);
        }
    }

    private void checkThroughput(BillingMode billing, ProvisionedThroughput throughput) {
        if (billing == BillingMode.PAY_PER_REQUEST && throughput != null) {
            throw validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits "
                    + "can be specified when BillingMode is PAY_PER_REQUEST");
        }
        if (billing == BillingMode.PROVISIONED && throughput == null) {
            throw validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both "
                    + "be specified when BillingMode is PROVISIONED");
        }
    }

    private static ProvisionedThroughputDescription throughput(ProvisionedThroughput p) {
        return ProvisionedThroughputDescription.builder().numberOfDecreasesToday(0L)
                .readCapacityUnits(p == null ? 0L : p.readCapacityUnits())
                .writeCapacityUnits(p == null ? 0L : p.writeCapacityUnits()).build();
    }

    private static GlobalSecondaryIndexDescription index(String tableArn, String name, List<KeySchemaElement> keys,
                                                         Projection projection, ProvisionedThroughputDescription throughput) {
        return GlobalSecondaryIndexDescription.builder().indexName(name).keySchema(keys).projection(projection)
                .indexStatus(IndexStatus.CREATING).indexArn(tableArn + "/index/" + name).provisionedThroughput(throughput)
                .indexSizeBytes(0L).itemCount(0L).build();
    }

    private String arn(String table) {
        return "arn:aws:dynamodb:" + account.region() + ":" + account.accountId() + ":table/" + table;
    }

    private DynamoDbException validation(String message) {
        return err(DynamoDbException.builder(), "ValidationException", message);
    }

    /** DynamoDB answers all of these with HTTP 400. */
    private <E extends AwsServiceException> E err(AwsServiceException.Builder b, String code, String message) {
        return account.error(b, "DynamoDb", 400, code, message);
    }
}
