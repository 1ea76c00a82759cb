package dev.wsctl.deploy;

import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizationType;
import software.amazon.awssdk.services.apigatewayv2.model.Authorizer;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizerType;
import software.amazon.awssdk.services.apigatewayv2.model.GetAuthorizersResponse;
import software.amazon.awssdk.services.apigatewayv2.model.NotFoundException;
import software.amazon.awssdk.services.apigatewayv2.model.Route;

/**
 * The {@code $connect} REQUEST authorizer: before API Gateway accepts a socket it invokes the authorize function
 * (its {@code live} alias with SnapStart, as integrations do), which allows the connection with a policy whose
 * context (sub, channel and publish grants) reaches every later route, or refuses it. Found by name, since ids are
 * generated; publishes {@code authorizer.id} for the routes.
 *
 * <p>The identity source is {@code route.request.header.Host}, deliberately: API Gateway answers 401 without invoking
 * the authorizer when any identity source is missing from the handshake, and the token may come either as
 * {@code ?token=} (browsers cannot set headers on a WebSocket) or as {@code Authorization: Bearer}, so neither can be
 * an identity source. Host is a header every handshake carries; the function reads the token from either place
 * itself. No result caching: WebSocket APIs have none.
 */
final class AuthorizerResource implements Resource<AuthorizerResource.State> {
    /** A header every handshake carries; see the class comment for why it is the only identity source. */
    static final String IDENTITY_SOURCE = "route.request.header.Host";

    static final String LOGICAL_ID = "Authorizer";

    record State(String type, String uri, List<String> identitySource) {}

    private final ApiGatewayV2Client api;
    private final String name;
    private final String function;

    /**
     * @param name     the authorizer's name, {@code {app}-{stage}-authorize}
     * @param function the short name of the function it invokes ({@code authorize}), whose target it reads
     */
    AuthorizerResource(ApiGatewayV2Client api, String name, String function) {
        this.api = api;
        this.name = name;
        this.function = function;
    }

    @Override
    public Id id() {
        return new Id("authorizer", name);
    }

    @Override
    public State desired(Outputs outputs) {
        return new State(
                AuthorizerType.REQUEST.toString(),
                Endpoints.invokeUri(outputs, function),
                // the only identity source, on purpose: a missing one is a 401 before the function runs
                List.of(IDENTITY_SOURCE));
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        if (!outputs.known("api.id")) {
            return Optional.empty();
        }
        Optional<Authorizer> found = find(outputs.get("api.id"));
        found.ifPresent(a -> outputs.put("authorizer.id", a.authorizerId()));
        return found.map(
                a -> new State(a.authorizerTypeAsString(), a.authorizerUri(), List.copyOf(a.identitySource())));
    }

    private Optional<Authorizer> find(String apiId) {
        return Listings.find(
                token -> api.getAuthorizers(r -> r.apiId(apiId).nextToken(token).maxResults("500")),
                GetAuthorizersResponse::items,
                GetAuthorizersResponse::nextToken,
                a -> name.equals(a.name()));
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        return new Diff()
                .field("type", actual.type(), desired.type())
                .field("uri", actual.uri(), desired.uri())
                .field("identity source", actual.identitySource(), desired.identitySource())
                .changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        String id = api.createAuthorizer(r -> r.apiId(outputs.get("api.id"))
                        .name(name)
                        .authorizerType(desired.type())
                        .authorizerUri(desired.uri())
                        .identitySource(desired.identitySource()))
                .authorizerId();
        outputs.put("authorizer.id", id);
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        api.updateAuthorizer(r -> r.apiId(outputs.get("api.id"))
                .authorizerId(outputs.get("authorizer.id"))
                .authorizerType(Diff.names(changes, "type") ? desired.type() : null)
                .authorizerUri(Diff.names(changes, "uri") ? desired.uri() : null)
                .identitySource(Diff.names(changes, "identity source") ? desired.identitySource() : null));
    }

    @Override
    public void template(State desired, Template template, Outputs outputs) {
        var p = template.resource(LOGICAL_ID, "AWS::ApiGatewayV2::Authorizer");
        p.put("ApiId", outputs.get("api.id"));
        p.put("Name", name);
        p.put("AuthorizerType", desired.type());
        p.put("AuthorizerUri", desired.uri());
        var sources = p.putArray("IdentitySource");
        desired.identitySource().forEach(sources::add);
        outputs.put("authorizer.id", Template.ref(LOGICAL_ID));
    }

    /**
     * Routes that still use it let go first, since API Gateway refuses to delete an authorizer in use: a deploy that
     * turns auth off has already detached it from {@code $connect}, but destroy gets here while the routes are still
     * there (the API, deleted next, takes them along).
     */
    @Override
    public void delete(Outputs outputs) {
        if (!outputs.known("api.id") || !outputs.known("authorizer.id")) {
            return;
        }
        String apiId = outputs.get("api.id");
        String id = outputs.get("authorizer.id");
        try {
            for (Route route :
                    api.getRoutes(r -> r.apiId(apiId).maxResults("500")).items()) {
                if (id.equals(route.authorizerId())) {
                    api.updateRoute(
                            r -> r.apiId(apiId).routeId(route.routeId()).authorizationType(AuthorizationType.NONE));
                }
            }
            api.deleteAuthorizer(r -> r.apiId(apiId).authorizerId(id));
        } catch (NotFoundException gone) {
            // the API or the authorizer is already deleted
        }
    }
}
