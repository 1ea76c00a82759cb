package dev.wsctl.deploy.fakes;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.*;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * API Gateway v2 (WebSocket and HTTP) APIs with their integrations, authorizers, routes, route responses, stages,
 * deployments and tags. Updates are PATCHes (members left out stay as they are), list calls page with
 * {@code nextToken} ({@link #pageSize}), and it refuses what API Gateway refuses: a second route with the
 * same key (ConflictException), deleting an integration a route targets or an authorizer a route uses
 * (ConflictException), deleting a deployment a stage points at, deploying an API without routes, a WebSocket
 * authorizer that is not REQUEST or caches results, a route authorized by an authorizer that does not exist, a
 * WebSocket route other than {@code $connect} with an authorizer, an authorizer id without an authorization type
 * (BadRequestException). Setting a route's authorization type to NONE detaches its authorizer, as on AWS.
 */
public final class FakeApiGatewayV2 implements ApiGatewayV2Client {

    private static final class ApiState {
        Api api;
        final Map<String, Integration> integrations = new LinkedHashMap<>();
        final Map<String, Authorizer> authorizers = new LinkedHashMap<>();
        final Map<String, Route> routes = new LinkedHashMap<>();
        final Map<String, Map<String, RouteResponse>> routeResponses = new LinkedHashMap<>(); // routeId -> id -> response
        final Map<String, Stage> stages = new LinkedHashMap<>();
        final Map<String, Deployment> deployments = new LinkedHashMap<>();
        final Map<String, List<Route>> deployedRoutes = new LinkedHashMap<>(); // deploymentId -> routes as deployed
    }

    private final FakeAccount account;
    private final Map<String, ApiState> apis = new LinkedHashMap<>();
    private int pageSize = 100;
    private long ids;

    public FakeApiGatewayV2(FakeAccount account) {
        this.account = account;
    }

    /** Items per page of the Get* list calls when the request gives no maxResults (default 100). */
    public synchronized FakeApiGatewayV2 pageSize(int n) {
        pageSize = n;
        return this;
    }

    /** The API's ARN as TagResource and GetTags take it: {@code arn:aws:apigateway:REGION::/apis/ID}. */
    public String apiArn(String apiId) {
        return "arn:aws:apigateway:" + account.region() + "::/apis/" + apiId;
    }

    public String stageArn(String apiId, String stageName) {
        return apiArn(apiId) + "/stages/" + stageName;
    }

    public synchronized List<String> apiNames() {
        return apis.values().stream().map(a -> a.api.name()).toList();
    }

    /**
     * The routes clients of a stage meet: those of the deployment the stage points at, as they were when it was
     * created (a deployment is a snapshot; changing a route changes nothing live until the next one).
     */
    public synchronized List<Route> liveRoutes(String apiId, String stageName) {
        ApiState a = api(apiId);
        String deployment = stage(a, stageName).deploymentId();
        return deployment == null ? List.of() : a.deployedRoutes.getOrDefault(deployment, List.of());
    }

    /** One line per resource, for "nothing left" assertions. */
    public synchronized List<String> inventory() {
        List<String> out = new ArrayList<>();
        apis.forEach((id, a) -> {
            out.add("apigateway api " + a.api.name() + " (" + id + ")");
            a.integrations.values().forEach(i -> out.add("apigateway integration " + id + "/" + i.integrationId() + " " + i.integrationUri()));
            a.authorizers.values().forEach(z -> out.add("apigateway authorizer " + id + "/" + z.authorizerId() + " "
                    + z.name() + " " + z.authorizerUri()));
            a.routes.values().forEach(r -> out.add("apigateway route " + id + "/" + r.routeKey()));
            a.stages.keySet().forEach(s -> out.add("apigateway stage " + id + "/" + s));
            a.deployments.keySet().forEach(d -> out.add("apigateway deployment " + id + "/" + d));
        });
        return out;
    }

    // ---- APIs

    @Override
    public synchronized CreateApiResponse createApi(CreateApiRequest r) {
        account.log().mutate("apigateway:CreateApi");
        if (r.name() == null || r.protocolType() == null) {
            throw badRequest("Invalid input: " + (r.name() == null ? "Name" : "ProtocolType") + " is required");
        }
        if (r.protocolType() == ProtocolType.WEBSOCKET && r.routeSelectionExpression() == null) {
            throw badRequest("RouteSelectionExpression is required for WEBSOCKET APIs");
        }
        String id = FakeAccount.id(++ids * 8 + 1, 10);
        ApiState a = new ApiState();
        Api.Builder b = Pojos.copy(r, Api.builder()).apiId(id)
                .apiEndpoint((r.protocolType() == ProtocolType.WEBSOCKET ? "wss://" : "https://") + id + ".execute-api."
                        + account.region() + ".amazonaws.com")
                .createdDate(account.now())
                .apiKeySelectionExpression(r.apiKeySelectionExpression() == null ? "$request.header.x-api-key" : r.apiKeySelectionExpression())
                .disableExecuteApiEndpoint(Boolean.TRUE.equals(r.disableExecuteApiEndpoint()))
                .ipAddressType(r.ipAddressType() == null ? IpAddressType.IPV4.toString() : r.ipAddressTypeAsString());
        if (r.protocolType() == ProtocolType.HTTP && r.routeSelectionExpression() == null) {
            b.routeSelectionExpression("$request.method $request.path");
        }
        a.api = b.build();
        apis.put(id, a);
        return Pojos.copy(a.api, CreateApiResponse.builder()).build();
    }

    @Override
    public synchronized GetApiResponse getApi(GetApiRequest r) {
        account.log().read("apigateway:GetApi");
        return Pojos.copy(api(r.apiId()).api, GetApiResponse.builder()).build();
    }

    @Override
    public synchronized GetApisResponse getApis(GetApisRequest r) {
        account.log().read("apigateway:GetApis");
        Page<Api> page = page(apis.values().stream().map(a -> a.api).toList(), r.maxResults(), r.nextToken());
        return GetApisResponse.builder().items(page.items()).nextToken(page.nextToken()).build();
    }

    @Override
    public synchronized UpdateApiResponse updateApi(UpdateApiRequest r) {
        account.log().mutate("apigateway:UpdateApi");
        ApiState a = api(r.apiId());
        a.api = Pojos.patch(r, a.api.toBuilder()).build();
        return Pojos.copy(a.api, UpdateApiResponse.builder()).build();
    }

    @Override
    public synchronized DeleteApiResponse deleteApi(DeleteApiRequest r) {
        account.log().mutate("apigateway:DeleteApi");
        apis.remove(api(r.apiId()).api.apiId());
        return DeleteApiResponse.builder().build();
    }

    // ---- integrations

    @Override
    public synchronized CreateIntegrationResponse createIntegration(CreateIntegrationRequest r) {
        account.log().mutate("apigateway:CreateIntegration");
        ApiState a = api(r.apiId());
        if (r.integrationType() == null) {
            throw badRequest("Invalid input: IntegrationType is required");
        }
        boolean proxy = r.integrationType() == IntegrationType.AWS_PROXY || r.integrationType() == IntegrationType.HTTP_PROXY;
        if (proxy && r.integrationUri() == null && r.integrationSubtype() == null) {
            throw badRequest("Integration URI is required for integration type " + r.integrationTypeAsString());
        }
        boolean ws = a.api.protocolType() == ProtocolType.WEBSOCKET;
        Integration.Builder b = Pojos.copy(r, Integration.builder()).integrationId(FakeAccount.id(++ids * 8 + 2, 7))
                .connectionType(r.connectionType() == null ? ConnectionType.INTERNET.toString() : r.connectionTypeAsString())
                .timeoutInMillis(r.timeoutInMillis() == null ? (ws ? 29000 : 30000) : r.timeoutInMillis())
                .payloadFormatVersion(r.payloadFormatVersion() == null ? "1.0" : r.payloadFormatVersion());
        if (r.integrationType() == IntegrationType.AWS_PROXY && r.integrationMethod() == null) {
            b.integrationMethod("POST");
        }
        if (ws && r.passthroughBehavior() == null) {
            b.passthroughBehavior(PassthroughBehavior.WHEN_NO_MATCH);
        }
        Integration i = b.build();
        a.integrations.put(i.integrationId(), i);
        return Pojos.copy(i, CreateIntegrationResponse.builder()).build();
    }

    @Override
    public synchronized GetIntegrationResponse getIntegration(GetIntegrationRequest r) {
        account.log().read("apigateway:GetIntegration");
        return Pojos.copy(integration(api(r.apiId()), r.integrationId()), GetIntegrationResponse.builder()).build();
    }

    @Override
    public synchronized GetIntegrationsResponse getIntegrations(GetIntegrationsRequest r) {
        account.log().read("apigateway:GetIntegrations");
        Page<Integration> page = page(api(r.apiId()).integrations.values(), r.maxResults(), r.nextToken());
        return GetIntegrationsResponse.builder().items(page.items()).nextToken(page.nextToken()).build();
    }

    @Override
    public synchronized UpdateIntegrationResponse updateIntegration(UpdateIntegrationRequest r) {
        account.log().mutate("apigateway:UpdateIntegration");
        ApiState a = api(r.apiId());
        Integration i = Pojos.patch(r, integration(a, r.integrationId()).toBuilder()).build();
        a.integrations.put(i.integrationId(), i);
        return Pojos.copy(i, UpdateIntegrationResponse.builder()).build();
    }

    @Override
    public synchronized DeleteIntegrationResponse deleteIntegration(DeleteIntegrationRequest r) {
        account.log().mutate("apigateway:DeleteIntegration");
        ApiState a = api(r.apiId());
        String id = integration(a, r.integrationId()).integrationId();
        List<String> users = a.routes.values().stream().filter(rt -> ("integrations/" + id).equals(rt.target()))
                .map(Route::routeId).toList();
        if (!users.isEmpty()) {
            throw conflict("Cannot delete Integration because it is referenced by the following Routes with Ids: " + users);
        }
        a.integrations.remove(id);
        return DeleteIntegrationResponse.builder().build();
    }

    // ---- authorizers

    @Override
    public synchronized CreateAuthorizerResponse createAuthorizer(CreateAuthorizerRequest r) {
        account.log().mutate("apigateway:CreateAuthorizer");
        ApiState a = api(r.apiId());
        if (r.name() == null || r.authorizerType() == null) {
            throw badRequest("Invalid input: " + (r.name() == null ? "Name" : "AuthorizerType") + " is required");
        }
        Authorizer z = Pojos.copy(r, Authorizer.builder()).authorizerId(FakeAccount.id(++ids * 8 + 6, 6)).build();
        checkAuthorizer(a, z, r.authorizerResultTtlInSeconds() != null || r.enableSimpleResponses() != null
                || r.authorizerPayloadFormatVersion() != null);
        a.authorizers.put(z.authorizerId(), z);
        return Pojos.copy(z, CreateAuthorizerResponse.builder()).build();
    }

    @Override
    public synchronized GetAuthorizerResponse getAuthorizer(GetAuthorizerRequest r) {
        account.log().read("apigateway:GetAuthorizer");
        return Pojos.copy(authorizer(api(r.apiId()), r.authorizerId()), GetAuthorizerResponse.builder()).build();
    }

    @Override
    public synchronized GetAuthorizersResponse getAuthorizers(GetAuthorizersRequest r) {
        account.log().read("apigateway:GetAuthorizers");
        Page<Authorizer> page = page(api(r.apiId()).authorizers.values(), r.maxResults(), r.nextToken());
        return GetAuthorizersResponse.builder().items(page.items()).nextToken(page.nextToken()).build();
    }

    @Override
    public synchronized UpdateAuthorizerResponse updateAuthorizer(UpdateAuthorizerRequest r) {
        account.log().mutate("apigateway:UpdateAuthorizer");
        ApiState a = api(r.apiId());
        Authorizer z = Pojos.patch(r, authorizer(a, r.authorizerId()).toBuilder()).build();
        checkAuthorizer(a, z, r.authorizerResultTtlInSeconds() != null || r.enableSimpleResponses() != null
                || r.authorizerPayloadFormatVersion() != null);
        a.authorizers.put(z.authorizerId(), z);
        return Pojos.copy(z, UpdateAuthorizerResponse.builder()).build();
    }

    @Override
    public synchronized DeleteAuthorizerResponse deleteAuthorizer(DeleteAuthorizerRequest r) {
        account.log().mutate("apigateway:DeleteAuthorizer");
        ApiState a = api(r.apiId());
        String id = authorizer(a, r.authorizerId()).authorizerId();
        List<String> users = a.routes.values().stream().filter(rt -> id.equals(rt.authorizerId()))
                .map(Route::routeId).toList();
        if (!users.isEmpty()) {
            throw conflict("Cannot delete Authorizer because it is referenced by the following Routes with Ids: " + users);
        }
        a.authorizers.remove(id);
        return DeleteAuthorizerResponse.builder().build();
    }

    /** What API Gateway checks of an authorizer (created, or as it would be after an update). */
    private void checkAuthorizer(ApiState a, Authorizer z, boolean httpOnlyMembers) {
        if (a.api.protocolType() != ProtocolType.WEBSOCKET) {
            return; // HTTP API authorizers are not modelled further
        }
        if (z.authorizerType() != AuthorizerType.REQUEST) {
            throw badRequest("Only REQUEST authorizers are supported for WebSocket APIs, not " + z.authorizerTypeAsString());
        }
        if (httpOnlyMembers) {
            throw badRequest("AuthorizerResultTtlInSeconds, EnableSimpleResponses and AuthorizerPayloadFormatVersion "
                    + "are supported only for HTTP APIs");
        }
        if (z.authorizerUri() == null || !z.authorizerUri().matches("arn:aws:apigateway:[a-z0-9-]+:lambda:path/"
                + "2015-03-31/functions/arn:aws:lambda:[a-z0-9-]+:\\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?/invocations")) {
            throw badRequest("Invalid authorizer URI " + z.authorizerUri() + ". Authorizer URI should be a valid API "
                    + "Gateway ARN that represents a Lambda function invocation.");
        }
        for (String source : z.identitySource()) {
            if (!source.matches("(route\\.request\\.(header|querystring)|stageVariables|context)\\.[A-Za-z0-9._-]+")) {
                throw badRequest("Invalid identity source " + source + " for a WebSocket API: use route.request.header.*, "
                        + "route.request.querystring.*, stageVariables.* or context.*");
            }
        }
    }

    private Authorizer authorizer(ApiState a, String id) {
        Authorizer z = id == null ? null : a.authorizers.get(id);
        if (z == null) {
            throw notFound("Authorizer", "Invalid Authorizer identifier specified " + account.accountId() + ":"
                    + a.api.apiId() + ":" + id);
        }
        return z;
    }

    /**
     * A route's authorization as API Gateway keeps it: NONE drops the authorizer; CUSTOM needs one that exists, and on
     * a WebSocket API only {@code $connect} may have one.
     */
    private Route authorize(ApiState a, Route route) {
        String type = route.authorizationTypeAsString() == null ? AuthorizationType.NONE.toString()
                : route.authorizationTypeAsString();
        if (type.equals(AuthorizationType.NONE.toString())) {
            return route.toBuilder().authorizationType(type).authorizerId(null).build();
        }
        if (route.authorizerId() == null || !a.authorizers.containsKey(route.authorizerId())) {
            throw badRequest("Invalid authorizer id " + route.authorizerId() + " for authorization type " + type);
        }
        if (a.api.protocolType() == ProtocolType.WEBSOCKET && !"$connect".equals(route.routeKey())) {
            throw badRequest("Currently, authorization is restricted to the $connect route only");
        }
        return route;
    }

    // ---- routes

    @Override
    public synchronized CreateRouteResponse createRoute(CreateRouteRequest r) {
        account.log().mutate("apigateway:CreateRoute");
        ApiState a = api(r.apiId());
        if (r.routeKey() == null) {
            throw badRequest("Invalid input: RouteKey is required");
        }
        checkRouteKey(a, r.routeKey(), null);
        checkTarget(a, r.target());
        if (r.authorizerId() != null && r.authorizationType() == null) {
            throw badRequest("Unable to create route. Authorizer type is invalid or null.");
        }
        Route route = authorize(a, Pojos.copy(r, Route.builder()).routeId(FakeAccount.id(++ids * 8 + 3, 7))
                .apiKeyRequired(Boolean.TRUE.equals(r.apiKeyRequired()))
                .authorizationType(r.authorizationType() == null ? AuthorizationType.NONE.toString() : r.authorizationTypeAsString())
                .build());
        a.routes.put(route.routeId(), route);
        return Pojos.copy(route, CreateRouteResponse.builder()).build();
    }

    @Override
    public synchronized GetRouteResponse getRoute(GetRouteRequest r) {
        account.log().read("apigateway:GetRoute");
        return Pojos.copy(route(api(r.apiId()), r.routeId()), GetRouteResponse.builder()).build();
    }

    @Override
    public synchronized GetRoutesResponse getRoutes(GetRoutesRequest r) {
        account.log().read("apigateway:GetRoutes");
        Page<Route> page = page(api(r.apiId()).routes.values(), r.maxResults(), r.nextToken());
        return GetRoutesResponse.builder().items(page.items()).nextToken(page.nextToken()).build();
    }

    @Override
    public synchronized UpdateRouteResponse updateRoute(UpdateRouteRequest r) {
        account.log().mutate("apigateway:UpdateRoute");
        ApiState a = api(r.apiId());
        Route current = route(a, r.routeId());
        if (r.routeKey() != null) {
            checkRouteKey(a, r.routeKey(), current.routeId());
        }
        if (r.target() != null) {
            checkTarget(a, r.target());
        }
        if (r.authorizerId() != null && r.authorizationType() == null) {
            throw badRequest("Unable to update route. Authorizer type is invalid or null.");
        }
        Route route = authorize(a, Pojos.patch(r, current.toBuilder()).build());
        a.routes.put(route.routeId(), route);
        return Pojos.copy(route, UpdateRouteResponse.builder()).build();
    }

    @Override
    public synchronized DeleteRouteResponse deleteRoute(DeleteRouteRequest r) {
        account.log().mutate("apigateway:DeleteRoute");
        ApiState a = api(r.apiId());
        a.routes.remove(route(a, r.routeId()).routeId());
        a.routeResponses.remove(r.routeId());
        return DeleteRouteResponse.builder().build();
    }

    // ---- route responses

    @Override
    public synchronized CreateRouteResponseResponse createRouteResponse(CreateRouteResponseRequest r) {
        account.log().mutate("apigateway:CreateRouteResponse");
        ApiState a = api(r.apiId());
        route(a, r.routeId());
        if (r.routeResponseKey() == null) {
            throw badRequest("Invalid input: RouteResponseKey is required");
        }
        Map<String, RouteResponse> responses = a.routeResponses.computeIfAbsent(r.routeId(), k -> new LinkedHashMap<>());
        if (responses.values().stream().anyMatch(x -> x.routeResponseKey().equals(r.routeResponseKey()))) {
            throw conflict("Route response with key " + r.routeResponseKey() + " already exists for this route");
        }
        RouteResponse rr = Pojos.copy(r, RouteResponse.builder()).routeResponseId(FakeAccount.id(++ids * 8 + 4, 6)).build();
        responses.put(rr.routeResponseId(), rr);
        return Pojos.copy(rr, CreateRouteResponseResponse.builder()).build();
    }

    @Override
    public synchronized GetRouteResponsesResponse getRouteResponses(GetRouteResponsesRequest r) {
        account.log().read("apigateway:GetRouteResponses");
        ApiState a = api(r.apiId());
        route(a, r.routeId());
        Page<RouteResponse> page = page(a.routeResponses.getOrDefault(r.routeId(), Map.of()).values(), r.maxResults(), r.nextToken());
        return GetRouteResponsesResponse.builder().items(page.items()).nextToken(page.nextToken()).build();
    }

    @Override
    public synchronized DeleteRouteResponseResponse deleteRouteResponse(DeleteRouteResponseRequest r) {
        account.log().mutate("apigateway:DeleteRouteResponse");
        ApiState a = api(r.apiId());
        route(a, r.routeId());
        Map<String, RouteResponse> responses = a.routeResponses.getOrDefault(r.routeId(), new LinkedHashMap<>());
        if (responses.remove(r.routeResponseId()) == null) {
            throw notFound("RouteResponse", "Invalid RouteResponse identifier specified " + account.accountId() + ":"
                    + r.apiId() + ":" + r.routeId() + ":" + r.routeResponseId());
        }
        return DeleteRouteResponseResponse.builder().build();
    }

    // ---- stages

    @Override
    public synchronized CreateStageResponse createStage(CreateStageRequest r) {
        account.log().mutate("apigateway:CreateStage");
        ApiState a = api(r.apiId());
        if (r.stageName() == null) {
            throw badRequest("Invalid input: StageName is required");
        }
        if (a.stages.containsKey(r.stageName())) {
            throw conflict("Stage already exists");
        }
        if (r.deploymentId() != null) {
            deployment(a, r.deploymentId());
        }
        RouteSettings defaults = RouteSettings.builder().dataTraceEnabled(false).detailedMetricsEnabled(false)
                .loggingLevel(a.api.protocolType() == ProtocolType.WEBSOCKET ? LoggingLevel.OFF : null).build();
        var now = account.now();
        Stage s = Pojos.copy(r, Stage.builder()).createdDate(now).lastUpdatedDate(now)
                .autoDeploy(Boolean.TRUE.equals(r.autoDeploy()))
                .defaultRouteSettings(r.defaultRouteSettings() == null ? defaults
                        : Pojos.patch(r.defaultRouteSettings(), defaults.toBuilder()).build())
                .build();
        a.stages.put(s.stageName(), s);
        return Pojos.copy(s, CreateStageResponse.builder()).build();
    }

    @Override
    public synchronized GetStageResponse getStage(GetStageRequest r) {
        account.log().read("apigateway:GetStage");
        return Pojos.copy(stage(api(r.apiId()), r.stageName()), GetStageResponse.builder()).build();
    }

    @Override
    public synchronized GetStagesResponse getStages(GetStagesRequest r) {
        account.log().read("apigateway:GetStages");
        Page<Stage> page = page(api(r.apiId()).stages.values(), r.maxResults(), r.nextToken());
        return GetStagesResponse.builder().items(page.items()).nextToken(page.nextToken()).build();
    }

    /** PATCH: members left out stay; defaultRouteSettings merge member by member. */
    @Override
    public synchronized UpdateStageResponse updateStage(UpdateStageRequest r) {
        account.log().mutate("apigateway:UpdateStage");
        ApiState a = api(r.apiId());
        Stage current = stage(a, r.stageName());
        if (r.deploymentId() != null) {
            deployment(a, r.deploymentId());
        }
        Stage.Builder b = Pojos.patch(r, current.toBuilder()).lastUpdatedDate(account.now());
        if (r.defaultRouteSettings() != null) {
            b.defaultRouteSettings(Pojos.patch(r.defaultRouteSettings(), current.defaultRouteSettings().toBuilder()).build());
        }
        Stage s = b.build();
        a.stages.put(s.stageName(), s);
        return Pojos.copy(s, UpdateStageResponse.builder()).build();
    }

    @Override
    public synchronized DeleteStageResponse deleteStage(DeleteStageRequest r) {
        account.log().mutate("apigateway:DeleteStage");
        ApiState a = api(r.apiId());
        a.stages.remove(stage(a, r.stageName()).stageName());
        return DeleteStageResponse.builder().build();
    }

    // ---- deployments

    @Override
    public synchronized CreateDeploymentResponse createDeployment(CreateDeploymentRequest r) {
        account.log().mutate("apigateway:CreateDeployment");
        ApiState a = api(r.apiId());
        if (r.stageName() != null) {
            stage(a, r.stageName());
        }
        if (a.routes.isEmpty()) {
            throw badRequest("At least one route is required before deploying the Api.");
        }
        Deployment d = Deployment.builder().deploymentId(FakeAccount.id(++ids * 8 + 5, 6)).description(r.description())
                .createdDate(account.now()).deploymentStatus(DeploymentStatus.DEPLOYED).autoDeployed(false).build();
        a.deployments.put(d.deploymentId(), d);
        a.deployedRoutes.put(d.deploymentId(), List.copyOf(a.routes.values()));
        if (r.stageName() != null) {
            a.stages.put(r.stageName(), a.stages.get(r.stageName()).toBuilder().deploymentId(d.deploymentId())
                    .lastUpdatedDate(account.now()).build());
        }
        return Pojos.copy(d, CreateDeploymentResponse.builder()).build();
    }

    @Override
    public synchronized GetDeploymentResponse getDeployment(GetDeploymentRequest r) {
        account.log().read("apigateway:GetDeployment");
        return Pojos.copy(deployment(api(r.apiId()), r.deploymentId()), GetDeploymentResponse.builder()).build();
    }

    @Override
    public synchronized GetDeploymentsResponse getDeployments(GetDeploymentsRequest r) {
        account.log().read("apigateway:GetDeployments");
        Page<Deployment> page = page(api(r.apiId()).deployments.values(), r.maxResults(), r.nextToken());
        return GetDeploymentsResponse.builder().items(page.items()).nextToken(page.nextToken()).build();
    }

    @Override
    public synchronized DeleteDeploymentResponse deleteDeployment(DeleteDeploymentRequest r) {
        account.log().mutate("apigateway:DeleteDeployment");
        ApiState a = api(r.apiId());
        String id = deployment(a, r.deploymentId()).deploymentId();
        if (a.stages.values().stream().anyMatch(s -> id.equals(s.deploymentId()))) {
            throw badRequest("Active stages pointing to this deployment must be moved or deleted");
        }
        a.deployments.remove(id);
        a.deployedRoutes.remove(id);
        return DeleteDeploymentResponse.builder().build();
    }

    // ---- tags (APIs and stages, by ARN)

    @Override
    public synchronized TagResourceResponse tagResource(TagResourceRequest r) {
        account.log().mutate("apigateway:TagResource");
        retag(r.resourceArn(), tags -> {
            Map<String, String> next = new LinkedHashMap<>(tags);
            next.putAll(r.tags());
            return next;
        });
        return TagResourceResponse.builder().build();
    }

    @Override
    public synchronized UntagResourceResponse untagResource(UntagResourceRequest r) {
        account.log().mutate("apigateway:UntagResource");
        retag(r.resourceArn(), tags -> {
            Map<String, String> next = new LinkedHashMap<>(tags);
            next.keySet().removeAll(r.tagKeys());
            return next;
        });
        return UntagResourceResponse.builder().build();
    }

    @Override
    public synchronized GetTagsResponse getTags(GetTagsRequest r) {
        account.log().read("apigateway:GetTags");
        return GetTagsResponse.builder().tags(retag(r.resourceArn(), Function.identity())).build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
    }

    // ---- internals

    private record Page<T>(List<T> items, String nextToken) {
    }

    private <T> Page<T> page(Collection<T> all, String maxResults, String nextToken) {
        List<T> list = new ArrayList<>(all);
        int from = nextToken == null ? 0 : Integer.parseInt(nextToken);
        int to = Math.min(list.size(), from + (maxResults == null ? pageSize : Integer.parseInt(maxResults)));
        return new Page<>(list.subList(from, to), to < list.size() ? String.valueOf(to) : null);
    }

    /** Applies {@code change} to the tags of the API or stage named by {@code arn}; returns the new tags. */
    private Map<String, String> retag(String arn, Function<Map<String, String>, Map<String, String>> change) {
        String prefix = "arn:aws:apigateway:" + account.region() + "::/apis/";
        if (arn == null || !arn.startsWith(prefix)) {
            throw badRequest("Invalid resource ARN: " + arn);
        }
        String[] path = arn.substring(prefix.length()).split("/");
        ApiState a = api(path[0]);
        if (path.length == 1) {
            a.api = a.api.toBuilder().tags(change.apply(a.api.tags())).build();
            return a.api.tags();
        }
        if (path.length == 3 && "stages".equals(path[1])) {
            Stage s = stage(a, path[2]).toBuilder().tags(change.apply(stage(a, path[2]).tags())).build();
            a.stages.put(s.stageName(), s);
            return s.tags();
        }
        throw badRequest("Invalid resource ARN: " + arn);
    }

    private void checkRouteKey(ApiState a, String key, String exceptRouteId) {
        if (a.routes.values().stream().anyMatch(rt -> rt.routeKey().equals(key) && !rt.routeId().equals(exceptRouteId))) {
            throw conflict("Route with key " + key + " already exists for this API");
        }
    }

    private void checkTarget(ApiState a, String target) {
        if (target != null && !(target.startsWith("integrations/") && a.integrations.containsKey(target.substring(13)))) {
            throw badRequest("Invalid target " + target + ": must be integrations/{integrationId} of an existing integration");
        }
    }

    private ApiState api(String apiId) {
        ApiState a = apiId == null ? null : apis.get(apiId);
        if (a == null) {
            throw notFound("Api", "Invalid API identifier specified " + account.accountId() + ":" + apiId);
        }
        return a;
    }

    private Integration integration(ApiState a, String id) {
        Integration i = id == null ? null : a.integrations.get(id);
        if (i == null) {
            throw notFound("Integration", "Invalid Integration identifier specified " + account.accountId() + ":"
                    + a.api.apiId() + ":" + id);
        }
        return i;
    }

    private Route route(ApiState a, String id) {
        Route r = id == null ? null : a.routes.get(id);
        if (r == null) {
            throw notFound("Route", "Invalid Route identifier specified " + account.accountId() + ":" + a.api.apiId() + ":" + id);
        }
        return r;
    }

    private Stage stage(ApiState a, String name) {
        Stage s = name == null ? null : a.stages.get(name);
        if (s == null) {
            throw notFound("Stage", "Invalid stage identifier specified " + account.accountId() + ":" + a.api.apiId() + ":" + name);
        }
        return s;
    }

    private Deployment deployment(ApiState a, String id) {
        Deployment d = id == null ? null : a.deployments.get(id);
        if (d == null) {
            throw notFound("Deployment", "Invalid Deployment identifier specified " + account.accountId() + ":"
                    + a.api.apiId() + ":" + id);
        }
        return d;
    }

    private NotFoundException notFound(String resourceType, String message) {
        return err(NotFoundException.builder().resourceType(resourceType), 404, "NotFoundException", message);
    }

    private ConflictException conflict(String message) {
        return err(ConflictException.builder(), 409, "ConflictException", message);
    }

    private BadRequestException badRequest(String message) {
        return err(BadRequestException.builder(), 400, "BadRequestException", message);
    }

    private <E extends AwsServiceException> E err(AwsServiceException.Builder b, int status, String code, String message) {
        return account.error(b, "ApiGatewayV2", status, code, message);
    }
}
