package dev.wsctl.deploy;

import dev.wsctl.config.Routes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizationType;
import software.amazon.awssdk.services.apigatewayv2.model.Integration;
import software.amazon.awssdk.services.apigatewayv2.model.IntegrationType;
import software.amazon.awssdk.services.apigatewayv2.model.Route;

/**
 * The API's routing table ({@link Routes}): one AWS_PROXY integration per function and the routes that target them;
 * a two-way route has a {@code $default} route response, so its handler's result body reaches the sender. With auth, {@code $connect} is authorized by the
 * stack's authorizer ({@link AuthorizerResource}); every other route is NONE (a WebSocket API authorizes the
 * handshake only). Kept as one resource because routes and integrations change together and one change redeploys
 * the stage once.
 */
final class RoutesResource implements Resource<RoutesResource.State> {

    /** The route response key, and route response selection, of a two-way route. */
    static final String TWO_WAY = "$default";
    /** How API Gateway calls a Lambda integration. */
    private static final String INTEGRATION_METHOD = "POST";

    /** The output that holds the {@link #fingerprint} of the routes as they were read, before this run changed them. */
    static final String FINGERPRINT_READ = "routes.fingerprint.read";
    /** The output that holds the {@link #fingerprint} of the routes as they are (read, or just reconciled). */
    static final String FINGERPRINT = "routes.fingerprint";

    /** @param routes route key → "integration uri, one-way|two-way, authorization" */
    record State(Map<String, String> routes) {}

    private final ApiGatewayV2Client api;
    private final String name;
    private final boolean authorized;

    /** @param authorized whether {@code $connect} goes through the authorizer, which publishes {@code authorizer.id} */
    RoutesResource(ApiGatewayV2Client api, String name, boolean authorized) {
        this.api = api;
        this.name = name;
        this.authorized = authorized;
    }

    /** The route's authorization: CUSTOM with the authorizer's id, or NONE. */
    private record Authorization(String type, String authorizerId) {
        static Authorization of(Route route) {
            return new Authorization(
                    route.authorizationTypeAsString() == null
                            ? AuthorizationType.NONE.toString()
                            : route.authorizationTypeAsString(),
                    route.authorizerId());
        }

        @Override
        public String toString() {
            return authorizerId == null ? type : type + " " + authorizerId;
        }
    }

    private Authorization authorization(String routeKey, Outputs outputs) {
        return authorized && routeKey.equals(Routes.CONNECT)
                ? new Authorization(AuthorizationType.CUSTOM.toString(), outputs.get("authorizer.id"))
                : new Authorization(AuthorizationType.NONE.toString(), null);
    }

    @Override
    public Id id() {
        return new Id("routes", name);
    }

    @Override
    public State desired(Outputs outputs) {
        Map<String, String> routes = new TreeMap<>();
        Routes.ALL.forEach(r -> routes.put(
                r.key(),
                describe(Endpoints.invokeUri(outputs, r.function()), r.twoWay(), authorization(r.key(), outputs))));
        return new State(routes);
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        if (!outputs.known("api.id")) {
            return Optional.empty();
        }
        String apiId = outputs.get("api.id");
        Map<String, String> uris = new HashMap<>();
        integrations(apiId).forEach(i -> uris.put(i.integrationId(), i.integrationUri()));
        Map<String, String> routes = new TreeMap<>();
        for (Route route : routes(apiId)) {
            String target = route.target() == null ? "" : route.target().replace("integrations/", "");
            boolean responds = TWO_WAY.equals(route.routeResponseSelectionExpression())
                    && !api.getRouteResponses(r -> r.apiId(apiId).routeId(route.routeId()))
                            .items()
                            .isEmpty();
            routes.put(
                    route.routeKey(), describe(uris.getOrDefault(target, "none"), responds, Authorization.of(route)));
        }
        if (routes.isEmpty()) {
            return Optional.empty();
        }
        State state = new State(routes);
        outputs.put(FINGERPRINT_READ, fingerprint(state));
        outputs.put(FINGERPRINT, fingerprint(state));
        return Optional.of(state);
    }

    /** Identifies a routing table; a stage's deployment records the one it was made from. */
    static String fingerprint(State state) {
        return "wsctl routes "
                + FunctionCode.of(new TreeMap<>(state.routes())
                                .toString()
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .sha256();
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        return new Diff().map("routes", actual.routes(), desired.routes()).changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        reconcile(outputs);
        outputs.put(FINGERPRINT, fingerprint(desired));
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        create(desired, outputs);
    }

    /** Creates or corrects every integration and route; removes routes wsctl does not define. */
    private void reconcile(Outputs outputs) {
        String apiId = outputs.get("api.id");
        Map<String, Integration> byFunction = new HashMap<>();
        for (Integration i : integrations(apiId)) {
            byFunction.put(i.description(), i);
        }
        Map<String, String> integrationIds = new HashMap<>();
        for (String fn : Routes.functions()) {
            String uri = Endpoints.invokeUri(outputs, fn);
            Integration existing = byFunction.get(fn);
            if (existing == null) {
                integrationIds.put(
                        fn,
                        api.createIntegration(r -> r.apiId(apiId)
                                        .description(fn)
                                        .integrationType(IntegrationType.AWS_PROXY)
                                        .integrationUri(uri)
                                        .integrationMethod(INTEGRATION_METHOD))
                                .integrationId());
            } else {
                if (!uri.equals(existing.integrationUri())) {
                    api.updateIntegration(r -> r.apiId(apiId)
                            .integrationId(existing.integrationId())
                            .integrationUri(uri));
                }
                integrationIds.put(fn, existing.integrationId());
            }
        }
        Map<String, Route> existingRoutes = new HashMap<>();
        routes(apiId).forEach(r -> existingRoutes.put(r.routeKey(), r));
        for (var spec : Routes.ALL) {
            String key = spec.key();
            String target = "integrations/" + integrationIds.get(spec.function());
            String selection = spec.twoWay() ? TWO_WAY : null;
            Authorization auth = authorization(key, outputs);
            Route route = existingRoutes.remove(key);
            String routeId;
            if (route == null) {
                routeId = api.createRoute(r -> r.apiId(apiId)
                                .routeKey(key)
                                .target(target)
                                .routeResponseSelectionExpression(selection)
                                .authorizationType(auth.type())
                                .authorizerId(auth.authorizerId()))
                        .routeId();
            } else {
                routeId = route.routeId();
                if (!target.equals(route.target())
                        || !java.util.Objects.equals(selection, route.routeResponseSelectionExpression())
                        || !auth.equals(Authorization.of(route))) {
                    // the type goes with the id, always: API Gateway refuses an id alone, and NONE detaches
                    api.updateRoute(r -> r.apiId(apiId)
                            .routeId(route.routeId())
                            .target(target)
                            .routeResponseSelectionExpression(selection)
                            .authorizationType(auth.type())
                            .authorizerId(auth.authorizerId()));
                }
            }
            if (spec.twoWay()
                    && api.getRouteResponses(r -> r.apiId(apiId).routeId(routeId))
                            .items()
                            .isEmpty()) {
                api.createRouteResponse(r -> r.apiId(apiId).routeId(routeId).routeResponseKey(TWO_WAY));
            }
        }
        for (Route stray : existingRoutes.values()) {
            api.deleteRoute(r -> r.apiId(apiId).routeId(stray.routeId()));
        }
    }

    /** As {@link #reconcile} makes them: an integration per function, the routes on them, two-way routes' responses. */
    @Override
    public void template(State desired, Template template, Outputs outputs) {
        String apiId = outputs.get("api.id");
        for (String fn : Routes.functions()) {
            template.resource(Template.logicalId(fn, "Integration"), "AWS::ApiGatewayV2::Integration")
                    .put("ApiId", apiId)
                    .put("Description", fn)
                    .put("IntegrationType", IntegrationType.AWS_PROXY.toString())
                    .put("IntegrationUri", Endpoints.invokeUri(outputs, fn))
                    .put("IntegrationMethod", INTEGRATION_METHOD);
        }
        for (var r : Routes.ALL) {
            String key = r.key();
            String route = Template.logicalId(key, "Route");
            var p = template.resource(route, "AWS::ApiGatewayV2::Route")
                    .put("ApiId", apiId)
                    .put("RouteKey", key)
                    .put("Target", "integrations/" + Template.ref(Template.logicalId(r.function(), "Integration")));
            if (r.twoWay()) {
                p.put("RouteResponseSelectionExpression", TWO_WAY);
            }
            Authorization auth = authorization(key, outputs);
            p.put("AuthorizationType", auth.type());
            if (auth.authorizerId() != null) {
                p.put("AuthorizerId", auth.authorizerId());
            }
            if (r.twoWay()) {
                template.resource(Template.logicalId(key, "RouteResponse"), "AWS::ApiGatewayV2::RouteResponse")
                        .put("ApiId", apiId)
                        .put("RouteId", Template.ref(route))
                        .put("RouteResponseKey", TWO_WAY);
            }
        }
        outputs.put(FINGERPRINT, fingerprint(desired));
    }

    /** Deleting the API deletes its routes and integrations. */
    @Override
    public void delete(Outputs outputs) {}

    private List<Integration> integrations(String apiId) {
        return api.getIntegrations(r -> r.apiId(apiId).maxResults("500")).items();
    }

    private List<Route> routes(String apiId) {
        return api.getRoutes(r -> r.apiId(apiId).maxResults("500")).items();
    }

    private static String describe(String uri, boolean twoWay, Authorization authorization) {
        return uri + (twoWay ? ", two-way" : ", one-way") + ", " + authorization;
    }
}
