package dev.wsctl.deploy;

import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizationType;
import software.amazon.awssdk.services.apigatewayv2.model.Integration;
import software.amazon.awssdk.services.apigatewayv2.model.IntegrationType;
import software.amazon.awssdk.services.apigatewayv2.model.Route;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The API's routing table: one AWS_PROXY integration per function and the routes that target them.
 * Every route but {@code $connect} and {@code $disconnect} is two-way (a {@code $default} route
 * response), so a handler's result body reaches the sender. With auth, {@code $connect} is authorized by the
 * stack's authorizer ({@link AuthorizerResource}); every other route is NONE (a WebSocket API authorizes the
 * handshake only). Kept as one resource because routes and integrations change together and one change redeploys
 * the stage once.
 */
final class RoutesResource implements Resource<RoutesResource.State> {

    /** The route response key, and route response selection, of a two-way route. */
    static final String TWO_WAY = "$default";
    /** How API Gateway calls a Lambda integration. */
    private static final String INTEGRATION_METHOD = "POST";

    /** Route key → function, in the order they are created. */
    static final Map<String, String> ROUTES = routes();

    /** The output that holds the {@link #fingerprint} of the routes as they were read, before this run changed them. */
    static final String FINGERPRINT_READ = "routes.fingerprint.read";
    /** The output that holds the {@link #fingerprint} of the routes as they are (read, or just reconciled). */
    static final String FINGERPRINT = "routes.fingerprint";

    /** @param routes route key → "integration uri, one-way|two-way, authorization" */
    record State(Map<String, String> routes) {
    }

    private final ApiGatewayV2Client api;
    private final String name;
    private final boolean authorized;

    /** @param authorized whether {@code $connect} goes through the authorizer, which publishes {@code authorizer.id} */
    RoutesResource(ApiGatewayV2Client api, String name, boolean authorized) {
        this.api = api;
        this.name = name;
        this.authorized = authorized;
    }

    private static Map<String, String> routes() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("$connect", "connect");
        r.put("$disconnect", "disconnect");
        r.put("$default", "default");
        r.put("ping", "default");
        r.put("joinchannel", "channels");
        r.put("leavechannel", "channels");
        r.put("sendmessage", "send");
        return r;
    }

    static boolean twoWay(String routeKey) {
        return !routeKey.equals("$connect") && !routeKey.equals("$disconnect");
    }

    /** The route's authorization: CUSTOM with the authorizer's id, or NONE. */
    private record Authorization(String type, String authorizerId) {
        static Authorization of(Route route) {
            return new Authorization(route.authorizationTypeAsString() == null ? AuthorizationType.NONE.toString()
                    : route.authorizationTypeAsString(), route.authorizerId());
        }

        @Override
        public String toString() {
            return authorizerId == null ? type : type + " " + authorizerId;
        }
    }

    private Authorization authorization(String routeKey, Outputs outputs) {
        return authorized && routeKey.equals("$connect")
                ? new Authorization(AuthorizationType.CUSTOM.toString(), outputs.get("authorizer.id"))
                : new Authorization(AuthorizationType.NONE.toString(), null);
    }

    /** The URI by which API Gateway invokes a Lambda function (or alias). */
    static String integrationUri(Outputs outputs, String target) {
        return "arn:" + outputs.get("partition") + ":apigateway:" + outputs.get("region")
                + ":lambda:path/2015-03-31/functions/" + target + "/invocations";
    }

    @Override
    public String kind() {
        return "routes";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public State desired(Outputs outputs) {
        Map<String, String> routes = new TreeMap<>();
        ROUTES.forEach((key, fn) -> routes.put(key, describe(
                integrationUri(outputs, outputs.get("function." + fn + ".target")), twoWay(key),
                authorization(key, outputs))));
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
                    && !api.getRouteResponses(r -> r.apiId(apiId).routeId(route.routeId())).items().isEmpty();
            routes.put(route.routeKey(), describe(uris.getOrDefault(target, "none"), responds, Authorization.of(route)));
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
        return "wsctl routes " + FunctionCode.of(new TreeMap<>(state.routes()).toString()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).sha256();
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
        reconcile(outputs);
        outputs.put(FINGERPRINT, fingerprint(desired));
    }

    /** Creates or corrects every integration and route; removes routes wsctl does not define. */
    private void reconcile(Outputs outputs) {
        String apiId = outputs.get("api.id");
        Map<String, Integration> byFunction = new HashMap<>();
        for (Integration i : integrations(apiId)) {
            byFunction.put(i.description(), i);
        }
        Map<String, String> integrationIds = new HashMap<>();
        for (String fn : new java.util.LinkedHashSet<>(ROUTES.values())) {
            String uri = integrationUri(outputs, outputs.get("function." + fn + ".target"));
            Integration existing = byFunction.get(fn);
            if (existing == null) {
                integrationIds.put(fn, api.createIntegration(r -> r.apiId(apiId).description(fn)
                        .integrationType(IntegrationType.AWS_PROXY).integrationUri(uri)
                        .integrationMethod(INTEGRATION_METHOD)).integrationId());
            } else {
                if (!uri.equals(existing.integrationUri())) {
                    api.updateIntegration(r -> r.apiId(apiId).integrationId(existing.integrationId()).integrationUri(uri));
                }
                integrationIds.put(fn, existing.integrationId());
            }
        }
        Map<String, Route> existingRoutes = new HashMap<>();
        routes(apiId).forEach(r -> existingRoutes.put(r.routeKey(), r));
        for (Map.Entry<String, String> e : ROUTES.entrySet()) {
            String key = e.getKey();
            String target = "integrations/" + integrationIds.get(e.getValue());
            String selection = twoWay(key) ? TWO_WAY : null;
            Authorization auth = authorization(key, outputs);
            Route route = existingRoutes.remove(key);
            String routeId;
            if (route == null) {
                routeId = api.createRoute(r -> r.apiId(apiId).routeKey(key).target(target)
                        .routeResponseSelectionExpression(selection)
                        .authorizationType(auth.type()).authorizerId(auth.authorizerId())).routeId();
            } else {
                routeId = route.routeId();
                if (!target.equals(route.target()) || !java.util.Objects.equals(selection,
                        route.routeResponseSelectionExpression()) || !auth.equals(Authorization.of(route))) {
                    // the type goes with the id, always: API Gateway refuses an id alone, and NONE detaches
                    api.updateRoute(r -> r.apiId(apiId).routeId(route.routeId()).target(target)
                            .routeResponseSelectionExpression(selection)
                            .authorizationType(auth.type()).authorizerId(auth.authorizerId()));
                }
            }
            if (twoWay(key) && api.getRouteResponses(r -> r.apiId(apiId).routeId(routeId)).items().isEmpty()) {
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
        for (String fn : new java.util.LinkedHashSet<>(ROUTES.values())) {
            template.resource(Template.logicalId(fn, "Integration"), "AWS::ApiGatewayV2::Integration")
                    .put("ApiId", apiId)
                    .put("Description", fn)
                    .put("IntegrationType", IntegrationType.AWS_PROXY.toString())
                    .put("IntegrationUri", integrationUri(outputs, outputs.get("function." + fn + ".target")))
                    .put("IntegrationMethod", INTEGRATION_METHOD);
        }
        for (Map.Entry<String, String> e : ROUTES.entrySet()) {
            String key = e.getKey();
            String route = Template.logicalId(key, "Route");
            var p = template.resource(route, "AWS::ApiGatewayV2::Route")
                    .put("ApiId", apiId)
                    .put("RouteKey", key)
                    .put("Target", "integrations/" + Template.ref(Template.logicalId(e.getValue(), "Integration")));
            if (twoWay(key)) {
                p.put("RouteResponseSelectionExpression", TWO_WAY);
            }
            Authorization auth = authorization(key, outputs);
            p.put("AuthorizationType", auth.type());
            if (auth.authorizerId() != null) {
                p.put("AuthorizerId", auth.authorizerId());
            }
            if (twoWay(key)) {
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
    public void delete(Outputs outputs) {
    }

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
