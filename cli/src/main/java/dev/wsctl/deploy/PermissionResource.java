package dev.wsctl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.Jackson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * Lets this API, and only this API, invoke one function (its {@code live} alias with SnapStart): from its routes'
 * integrations ({@link #ROUTES}), or, for the authorize function, from its authorizers only ({@link #AUTHORIZERS}).
 */
final class PermissionResource implements Resource<PermissionResource.State> {
    static final String STATEMENT = "wsctl-apigateway";
    /** Source ARN path of integrations: any stage, route and method of this API. */
    static final String ROUTES = "*";
    /** Source ARN path of this API's authorizers. */
    static final String AUTHORIZERS = "authorizers/*";

    record State(String principal, String action, String sourceArn) {}

    private final LambdaClient lambda;
    private final String function;
    private final String functionName;
    private final String qualifier;
    private final String source;

    /**
     * @param function  the function's short name (connect, authorize, …), whose target it reads
     * @param qualifier the alias to grant on, or null for the unqualified function
     * @param source    what of this API may invoke it: {@link #ROUTES} or {@link #AUTHORIZERS}
     */
    PermissionResource(LambdaClient lambda, String function, String functionName, String qualifier, String source) {
        this.lambda = lambda;
        this.function = function;
        this.functionName = functionName;
        this.qualifier = qualifier;
        this.source = source;
    }

    @Override
    public Id id() {
        return new Id("permission", functionName + (qualifier == null ? "" : ":" + qualifier));
    }

    @Override
    public State desired(Outputs outputs) {
        return new State("apigateway.amazonaws.com", "lambda:InvokeFunction", Endpoints.executeApiArn(outputs, source));
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        String policy;
        try {
            policy = lambda.getPolicy(r -> r.functionName(functionName).qualifier(qualifier))
                    .policy();
        } catch (ResourceNotFoundException none) {
            return Optional.empty();
        }
        try {
            for (JsonNode statement : Jackson.mapper().readTree(policy).path("Statement")) {
                if (STATEMENT.equals(statement.path("Sid").asText())) {
                    return Optional.of(new State(
                            statement.path("Principal").path("Service").asText(),
                            statement.path("Action").asText(),
                            statement
                                    .path("Condition")
                                    .path("ArnLike")
                                    .path("AWS:SourceArn")
                                    .asText()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Lambda returned a resource policy that is not JSON", e);
        }
        return Optional.empty();
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        return new Diff()
                .field("principal", actual.principal(), desired.principal())
                .field("action", actual.action(), desired.action())
                .field("source", actual.sourceArn(), desired.sourceArn())
                .changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        lambda.addPermission(r -> r.functionName(functionName)
                .qualifier(qualifier)
                .statementId(STATEMENT)
                .principal(desired.principal())
                .action(desired.action())
                .sourceArn(desired.sourceArn()));
    }

    /** A statement cannot be edited: it is replaced. */
    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        delete(outputs);
        create(desired, outputs);
    }

    /** On the function's target: its alias with SnapStart, as deploy grants on the qualifier. */
    @Override
    public void template(State desired, Template template, Outputs outputs) {
        template.resource(Template.logicalId(function, "Permission"), "AWS::Lambda::Permission")
                .put("FunctionName", outputs.get("function." + function + ".target"))
                .put("Action", desired.action())
                .put("Principal", desired.principal())
                .put("SourceArn", desired.sourceArn());
    }

    @Override
    public void delete(Outputs outputs) {
        try {
            lambda.removePermission(
                    r -> r.functionName(functionName).qualifier(qualifier).statementId(STATEMENT));
        } catch (ResourceNotFoundException gone) {
            // no such statement, or no function
        }
    }
}
