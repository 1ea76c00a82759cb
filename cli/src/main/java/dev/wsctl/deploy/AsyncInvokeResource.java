package dev.wsctl.deploy;

import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetFunctionEventInvokeConfigResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * How Lambda handles asynchronous invocations of one function (its event invoke config), on the qualifier that is
 * invoked: the fan-out worker's {@code live} alias with SnapStart. No retries, because a batch retried after a
 * failure would reach its recipients twice (the fan-out engine retries throttled calls itself, and at-most-once
 * beats twice); and a batch that waited longer than {@link #MAX_EVENT_AGE_SECONDS} in Lambda's queue is dropped
 * rather than delivered that late.
 */
final class AsyncInvokeResource implements Resource<AsyncInvokeResource.State> {
    static final int MAX_RETRY_ATTEMPTS = 0;
    static final int MAX_EVENT_AGE_SECONDS = 300;

    /** Null where Lambda's default applies (2 retries, 6 hours). */
    record State(Integer maxRetryAttempts, Integer maxEventAgeSeconds) {}

    /** The qualifier of the unpublished function, which an unqualified call configures. */
    static final String LATEST = "$LATEST";

    private final LambdaClient lambda;
    private final String function;
    private final String functionName;
    private final String qualifier;

    /**
     * @param function  the function's short name (fanout), whose logical ids a template refers to
     * @param qualifier the alias that is invoked, or null for the unqualified function
     */
    AsyncInvokeResource(LambdaClient lambda, String function, String functionName, String qualifier) {
        this.lambda = lambda;
        this.function = function;
        this.functionName = functionName;
        this.qualifier = qualifier;
    }

    @Override
    public Id id() {
        return new Id("async", functionName + (qualifier == null ? "" : ":" + qualifier));
    }

    @Override
    public State desired(Outputs outputs) {
        return new State(MAX_RETRY_ATTEMPTS, MAX_EVENT_AGE_SECONDS);
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        GetFunctionEventInvokeConfigResponse got;
        try {
            got = lambda.getFunctionEventInvokeConfig(
                    r -> r.functionName(functionName).qualifier(qualifier));
        } catch (ResourceNotFoundException absent) {
            return Optional.empty(); // no config, or no function or alias yet
        }
        return Optional.of(new State(got.maximumRetryAttempts(), got.maximumEventAgeInSeconds()));
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        return new Diff()
                .field("retries", actual.maxRetryAttempts(), desired.maxRetryAttempts())
                .field("max event age", actual.maxEventAgeSeconds(), desired.maxEventAgeSeconds())
                .changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        lambda.putFunctionEventInvokeConfig(r -> r.functionName(functionName)
                .qualifier(qualifier)
                .maximumRetryAttempts(desired.maxRetryAttempts())
                .maximumEventAgeInSeconds(desired.maxEventAgeSeconds()));
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        lambda.updateFunctionEventInvokeConfig(r -> r.functionName(functionName)
                .qualifier(qualifier)
                .maximumRetryAttempts(Diff.names(changes, "retries") ? desired.maxRetryAttempts() : null)
                .maximumEventAgeInSeconds(Diff.names(changes, "max event age") ? desired.maxEventAgeSeconds() : null));
    }

    /**
     * On the function (its {@code Ref} is its name, which EventInvokeConfig takes, not an ARN) and the qualifier deploy
     * configures: the alias, which the config must wait for since it names it rather than refers to it, or
     * {@code $LATEST}, what an unqualified call configures.
     */
    @Override
    public void template(State desired, Template template, Outputs outputs) {
        String id = Template.logicalId(function, "AsyncConfig");
        template.resource(id, "AWS::Lambda::EventInvokeConfig")
                .put("FunctionName", Template.ref(Template.logicalId(function, "Function")))
                .put("Qualifier", qualifier == null ? LATEST : qualifier)
                .put("MaximumRetryAttempts", desired.maxRetryAttempts())
                .put("MaximumEventAgeInSeconds", desired.maxEventAgeSeconds());
        if (qualifier != null) {
            template.dependsOn(id, List.of(Template.logicalId(function, "Alias")));
        }
    }

    @Override
    public void delete(Outputs outputs) {
        try {
            lambda.deleteFunctionEventInvokeConfig(
                    r -> r.functionName(functionName).qualifier(qualifier));
        } catch (ResourceNotFoundException gone) {
            // no config, or no function
        }
    }
}
