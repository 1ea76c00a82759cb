package dev.wsctl.deploy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.waiters.Waiter;
import software.amazon.awssdk.core.waiters.WaiterAcceptor;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.EventSourceMappingConfiguration;
import software.amazon.awssdk.services.lambda.model.EventSourcePosition;
import software.amazon.awssdk.services.lambda.model.GetEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * What feeds the webhooks function: an event source mapping from the connection table's stream
 * ({@code table.streamArn}) to the function as the stack invokes it (its {@code live} alias with SnapStart). It reads
 * from the stream's end (LATEST: events from before webhooks were on are not posted), 100 records or 1 s at a time,
 * one batch per shard at a time (parallelization factor 1, so that each shard's records, and so each channel's
 * events, arrive in order), and passes only {@link #FILTER}.
 *
 * <p>A mapping goes through Creating, Enabling, Updating and Deleting states
 * (https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html, State); the SDK has no
 * waiter for them, so each change is followed by a bounded poll on GetEventSourceMapping through the SDK's generic
 * {@link Waiter}. Its source cannot change (a table whose stream was turned off and on again has a new stream), so a
 * mapping from another stream is replaced.
 */
final class EventSourceMappingResource implements Resource<EventSourceMappingResource.State> {
    static final int BATCH_SIZE = 100;
    static final int BATCHING_WINDOW_SECONDS = 1;
    static final int PARALLELIZATION_FACTOR = 1;

    /**
     * Only rows appearing or going whose sort key {@code channel} starts with {@code #}: the meta, occupancy and member
     * rows that events come from (docs/observability.md#lifecycle-webhooks), never a subscription row. Lambda's filter
     * syntax: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html#filtering-syntax ("prefix"
     * is "begins with"), on a DynamoDB record's {@code eventName} and {@code dynamodb.Keys}
     * (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html).
     */
    static final String FILTER =
            "{\"eventName\":[\"INSERT\",\"REMOVE\"],\"dynamodb\":{\"Keys\":{\"channel\":{\"S\":[{\"prefix\":\"#\"}]}}}}";

    /** GetEventSourceMapping every 2 s while the mapping changes state, for at most 5 minutes. */
    private static final WaiterOverrideConfiguration UNTIL_SETTLED = WaiterOverrideConfiguration.builder()
            .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofSeconds(2)))
            .maxAttempts(150)
            .build();

    private static final List<String> CHANGING = List.of("Creating", "Enabling", "Updating", "Disabling");

    /**
     * @param source the stream's ARN
     * @param filter the one filter pattern, or empty
     */
    record State(
            String source,
            String startingPosition,
            int batchSize,
            int batchingWindow,
            int parallelization,
            String filter) {}

    private final LambdaClient lambda;
    private final String function;
    private final String functionName;
    private final String qualifier;
    private final FunctionResource.Retry roleRetry;
    /** The UUID of the mapping the last {@link #actual} found. */
    private String uuid;

    /**
     * @param function     the function's short name (webhooks), whose logical ids a template refers to
     * @param functionName its full name
     * @param qualifier    the alias the stack invokes, or null for the function itself
     * @param roleRetry    how long to wait for the function's new role to be allowed to read the stream (Lambda checks
     *                     that when the mapping is created)
     */
    EventSourceMappingResource(
            LambdaClient lambda,
            String function,
            String functionName,
            String qualifier,
            FunctionResource.Retry roleRetry) {
        this.lambda = lambda;
        this.function = function;
        this.functionName = functionName;
        this.qualifier = qualifier;
        this.roleRetry = roleRetry;
    }

    @Override
    public Id id() {
        return new Id("event source mapping", functionName + (qualifier == null ? "" : ":" + qualifier));
    }

    /** The function's (or alias's) ARN, which the mapping is created on and listed by. */
    private String target(Outputs outputs) {
        return "arn:" + outputs.get("partition") + ":lambda:" + outputs.get("region") + ":" + outputs.get("account")
                + ":function:" + functionName + (qualifier == null ? "" : ":" + qualifier);
    }

    @Override
    public State desired(Outputs outputs) {
        return new State(
                outputs.get("table.streamArn"),
                EventSourcePosition.LATEST.toString(),
                BATCH_SIZE,
                BATCHING_WINDOW_SECONDS,
                PARALLELIZATION_FACTOR,
                FILTER);
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        uuid = null;
        List<EventSourceMappingConfiguration> mappings = mappings(outputs);
        String stream = outputs.get("table.streamArn");
        Optional<EventSourceMappingConfiguration> found = mappings.stream()
                .filter(m -> stream.equals(m.eventSourceArn()))
                .findFirst()
                .or(() -> mappings.stream().findFirst());
        return found.map(m -> {
            uuid = m.uuid();
            return state(
                    m.eventSourceArn(),
                    m.startingPositionAsString(),
                    m.batchSize(),
                    m.maximumBatchingWindowInSeconds(),
                    m.parallelizationFactor(),
                    m.filterCriteria());
        });
    }

    private List<EventSourceMappingConfiguration> mappings(Outputs outputs) {
        try {
            return lambda
                    .listEventSourceMappingsPaginator(r -> r.functionName(target(outputs)))
                    .eventSourceMappings()
                    .stream()
                    .filter(m -> !"Deleting".equals(m.state()))
                    .toList();
        } catch (ResourceNotFoundException noFunction) {
            return List.of();
        }
    }

    private static State state(
            String source,
            String startingPosition,
            Integer batchSize,
            Integer window,
            Integer parallelization,
            software.amazon.awssdk.services.lambda.model.FilterCriteria filter) {
        return new State(
                source,
                startingPosition,
                batchSize == null ? 0 : batchSize,
                window == null ? 0 : window,
                parallelization == null ? 1 : parallelization,
                filter == null || filter.filters().isEmpty()
                        ? ""
                        : filter.filters().get(0).pattern());
    }

    /** Filter patterns compared as JSON: Lambda may answer one with other spacing than it was given. */
    private static Object pattern(String filter) {
        if (filter.isEmpty()) {
            return filter;
        }
        try {
            return dev.wsctl.config.Jackson.mapper().readTree(filter);
        } catch (java.io.IOException e) {
            return filter;
        }
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        return new Diff()
                .field("source", actual.source(), desired.source())
                .field("starting position", actual.startingPosition(), desired.startingPosition())
                .field("batch size", actual.batchSize(), desired.batchSize())
                .field("batching window", actual.batchingWindow(), desired.batchingWindow())
                .field("parallelization factor", actual.parallelization(), desired.parallelization())
                .field("filter", pattern(actual.filter()), pattern(desired.filter()))
                .changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        // Lambda checks that the function's role may read the stream; a new role's policy takes a while to be seen
        // (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency)
        String created = roleRetry
                .run(
                        "create the event source mapping of " + functionName,
                        e -> e instanceof InvalidParameterValueException,
                        () -> lambda.createEventSourceMapping(r -> r.functionName(target(outputs))
                                .eventSourceArn(desired.source())
                                .startingPosition(desired.startingPosition())
                                .batchSize(desired.batchSize())
                                .maximumBatchingWindowInSeconds(desired.batchingWindow())
                                .parallelizationFactor(desired.parallelization())
                                .filterCriteria(f -> f.filters(p -> p.pattern(desired.filter())))))
                .uuid();
        awaitSettled(created);
        uuid = created;
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        if (Diff.names(changes, "source") || Diff.names(changes, "starting position")) {
            deleteMapping(uuid);
            create(desired, outputs);
            return;
        }
        lambda.updateEventSourceMapping(r -> r.uuid(uuid)
                .batchSize(desired.batchSize())
                .maximumBatchingWindowInSeconds(desired.batchingWindow())
                .parallelizationFactor(desired.parallelization())
                .filterCriteria(f -> f.filters(p -> p.pattern(desired.filter()))));
        awaitSettled(uuid);
    }

    @Override
    public void template(State desired, Template template, Outputs outputs) {
        String id = Template.logicalId(function, "EventSource");
        var p = template.resource(id, "AWS::Lambda::EventSourceMapping");
        p.put("EventSourceArn", desired.source());
        p.put("FunctionName", outputs.get("function." + function + ".target"));
        p.put("StartingPosition", desired.startingPosition());
        p.put("BatchSize", desired.batchSize());
        p.put("MaximumBatchingWindowInSeconds", desired.batchingWindow());
        p.put("ParallelizationFactor", desired.parallelization());
        p.putObject("FilterCriteria").putArray("Filters").addObject().put("Pattern", desired.filter());
        // the role's policy must be in place before Lambda checks that the role may read the stream
        template.dependsOn(id, List.of(Template.logicalId(function, "Role")));
    }

    @Override
    public void delete(Outputs outputs) {
        for (EventSourceMappingConfiguration m : mappings(outputs)) {
            deleteMapping(m.uuid());
        }
    }

    private void deleteMapping(String id) {
        try {
            lambda.deleteEventSourceMapping(r -> r.uuid(id));
        } catch (ResourceNotFoundException gone) {
            return;
        }
        Waiter.builder(GetEventSourceMappingResponse.class)
                .acceptors(List.of(
                        WaiterAcceptor.successOnExceptionAcceptor(e -> e instanceof ResourceNotFoundException),
                        WaiterAcceptor.retryOnResponseAcceptor(r -> true)))
                .overrideConfiguration(UNTIL_SETTLED)
                .build()
                .run(() -> lambda.getEventSourceMapping(r -> r.uuid(id)));
    }

    /** Waits until the mapping is no longer Creating, Enabling, Updating or Disabling. */
    private void awaitSettled(String id) {
        Waiter.builder(GetEventSourceMappingResponse.class)
                .acceptors(List.of(
                        WaiterAcceptor.retryOnResponseAcceptor(r -> CHANGING.contains(r.state())),
                        WaiterAcceptor.successOnResponseAcceptor(r -> true)))
                .overrideConfiguration(UNTIL_SETTLED)
                .build()
                .run(() -> lambda.getEventSourceMapping(r -> r.uuid(id)));
    }
}
