package dev.wsctl.deploy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.Api;
import software.amazon.awssdk.services.apigatewayv2.model.NotFoundException;
import software.amazon.awssdk.services.apigatewayv2.model.ProtocolType;

/** The WebSocket API: routes on {@code $request.body.action}. Found by name, since API ids are generated. */
final class ApiResource implements Resource<ApiResource.State> {
    static final String ROUTE_SELECTION = "$request.body.action";
    static final String LOGICAL_ID = "Api";
    private static final String DESCRIPTION = "wsctl WebSocket pub/sub";

    record State(String protocol, String routeSelection, Map<String, String> tags) {}

    private final ApiGatewayV2Client api;
    private final String name;
    private final Map<String, String> tags;

    ApiResource(ApiGatewayV2Client api, String name, Map<String, String> tags) {
        this.api = api;
        this.name = name;
        this.tags = Map.copyOf(tags);
    }

    @Override
    public Id id() {
        return new Id("api", name);
    }

    @Override
    public State desired(Outputs outputs) {
        return new State(ProtocolType.WEBSOCKET.toString(), ROUTE_SELECTION, tags);
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        Optional<Api> found = DeployedApi.find(api, name);
        found.ifPresent(a -> publish(a.apiId(), a.apiEndpoint(), outputs));
        return found.map(a -> new State(
                a.protocolTypeAsString(), a.routeSelectionExpression(), a.tags() == null ? Map.of() : a.tags()));
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        if (!actual.protocol().equals(desired.protocol())) {
            throw new DeployException("API " + name + " exists but is a " + actual.protocol()
                    + " API; remove it or pick another app or stage.");
        }
        return new Diff()
                .field("route selection", actual.routeSelection(), desired.routeSelection())
                .tags(actual.tags(), desired.tags())
                .changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        var created = api.createApi(r -> r.name(name)
                .protocolType(ProtocolType.WEBSOCKET)
                .routeSelectionExpression(desired.routeSelection())
                .tags(desired.tags())
                .description(DESCRIPTION));
        publish(created.apiId(), created.apiEndpoint(), outputs);
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        String id = outputs.get("api.id");
        if (Diff.names(changes, "route selection")) {
            api.updateApi(r -> r.apiId(id).routeSelectionExpression(desired.routeSelection()));
        }
        if (Diff.names(changes, "tags")) {
            String arn = outputs.get("api.arn");
            Diff.syncTags(
                    actual.tags(),
                    desired.tags(),
                    stale -> api.untagResource(r -> r.resourceArn(arn).tagKeys(stale)),
                    () -> api.tagResource(r -> r.resourceArn(arn).tags(desired.tags())));
        }
    }

    @Override
    public void template(State desired, Template template, Outputs outputs) {
        var p = template.resource(LOGICAL_ID, "AWS::ApiGatewayV2::Api");
        p.put("Name", name);
        p.put("ProtocolType", desired.protocol());
        p.put("RouteSelectionExpression", desired.routeSelection());
        p.put("Description", DESCRIPTION);
        p.set("Tags", Template.object(desired.tags()));
        publish(Template.ref(LOGICAL_ID), Template.attribute(LOGICAL_ID, "ApiEndpoint"), outputs);
    }

    @Override
    public void delete(Outputs outputs) {
        if (!outputs.known("api.id")) {
            return;
        }
        try {
            api.deleteApi(r -> r.apiId(outputs.get("api.id")));
        } catch (NotFoundException gone) {
            // already deleted
        }
    }

    private static void publish(String id, String endpoint, Outputs outputs) {
        outputs.put("api.id", id);
        outputs.put("api.endpoint", endpoint);
        outputs.put("api.arn", Endpoints.apiArn(outputs));
    }
}
