package dev.wsctl.deploy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.GetStageResponse;
import software.amazon.awssdk.services.apigatewayv2.model.NotFoundException;

/**
 * The stage clients connect to, with default route throttling, and its deployment. A new deployment
 * is created only when the routing table changed in this run, or the stage's deployment was made from other
 * routes than those there are (a deploy stopped between changing the routes and deploying them: until the next
 * deployment clients would still meet the old routes, say a {@code $connect} without its authorizer). Each
 * deployment's description records the routes' fingerprint ({@link RoutesResource#fingerprint}).
 */
final class StageResource implements Resource<StageResource.State> {
    static final String CURRENT = "current";
    static final String OUTDATED = "outdated";
    static final String LOGICAL_ID = "Stage";

    record State(double rate, int burst, String deployment, Map<String, String> tags) {}

    private final ApiGatewayV2Client api;
    private final String stage;
    private final double rate;
    private final int burst;
    private final Map<String, String> tags;
    private final String routesChanged;
    private final String routesRead;
    private final String routesNow;

    /**
     * @param routesChanged the output set when the routes change in this run
     * @param routesRead    the output that holds the fingerprint of the routes as read, before this run changed
     *                      them: what the deployment is compared with, so that plan and apply say the same
     * @param routesNow     the output that holds the fingerprint of the routes as they are: what a new deployment
     *                      records
     */
    StageResource(
            ApiGatewayV2Client api,
            String stage,
            double rate,
            int burst,
            Map<String, String> tags,
            String routesChanged,
            String routesRead,
            String routesNow) {
        this.api = api;
        this.stage = stage;
        this.rate = rate;
        this.burst = burst;
        this.tags = Map.copyOf(tags);
        this.routesChanged = routesChanged;
        this.routesRead = routesRead;
        this.routesNow = routesNow;
    }

    @Override
    public Id id() {
        return new Id("stage", stage);
    }

    @Override
    public State desired(Outputs outputs) {
        return new State(rate, burst, outputs.known(routesChanged) ? "new" : CURRENT, tags);
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        if (!outputs.known("api.id")) {
            return Optional.empty();
        }
        GetStageResponse got;
        try {
            got = api.getStage(r -> r.apiId(outputs.get("api.id")).stageName(stage));
        } catch (NotFoundException absent) {
            return Optional.empty();
        }
        var settings = got.defaultRouteSettings();
        return Optional.of(new State(
                settings == null || settings.throttlingRateLimit() == null ? 0 : settings.throttlingRateLimit(),
                settings == null || settings.throttlingBurstLimit() == null ? 0 : settings.throttlingBurstLimit(),
                deployment(outputs.get("api.id"), got.deploymentId(), outputs),
                got.tags() == null ? Map.of() : got.tags()));
    }

    /** Whether the stage's deployment was made from the routes there are. */
    private String deployment(String apiId, String deploymentId, Outputs outputs) {
        if (deploymentId == null) {
            return "none";
        }
        String madeFrom;
        try {
            madeFrom = api.getDeployment(r -> r.apiId(apiId).deploymentId(deploymentId))
                    .description();
        } catch (NotFoundException gone) {
            return "none";
        }
        return outputs.known(routesRead) && !outputs.get(routesRead).equals(madeFrom) ? OUTDATED : CURRENT;
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        return new Diff()
                .field("throttling rate", actual.rate(), desired.rate())
                .field("throttling burst", actual.burst(), desired.burst())
                .field("deployment", actual.deployment(), desired.deployment())
                .tags(actual.tags(), desired.tags())
                .changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        String apiId = outputs.get("api.id");
        String deployment = deploy(apiId, outputs);
        api.createStage(r -> r.apiId(apiId)
                .stageName(stage)
                .deploymentId(deployment)
                .tags(desired.tags())
                .defaultRouteSettings(
                        s -> s.throttlingRateLimit(desired.rate()).throttlingBurstLimit(desired.burst())));
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        String apiId = outputs.get("api.id");
        String deployment = Diff.names(changes, "deployment") ? deploy(apiId, outputs) : null;
        if (deployment != null || Diff.names(changes, "throttling rate") || Diff.names(changes, "throttling burst")) {
            api.updateStage(r -> r.apiId(apiId)
                    .stageName(stage)
                    .deploymentId(deployment)
                    .defaultRouteSettings(
                            s -> s.throttlingRateLimit(desired.rate()).throttlingBurstLimit(desired.burst())));
        }
        if (Diff.names(changes, "tags")) {
            String arn = Endpoints.stageArn(outputs, stage);
            Diff.syncTags(
                    actual.tags(),
                    desired.tags(),
                    stale -> api.untagResource(r -> r.resourceArn(arn).tagKeys(stale)),
                    () -> api.tagResource(r -> r.resourceArn(arn).tags(desired.tags())));
        }
    }

    /**
     * The stage, on a deployment made after every route and route response. CloudFormation makes a deployment once
     * per Deployment resource, so the deployment's logical id holds a digest of the routes' fingerprint (which its
     * description records, as in deploy): other routes, another Deployment resource, a new deployment.
     */
    @Override
    public void template(State desired, Template template, Outputs outputs) {
        String routes = outputs.get(routesNow);
        String deployment = Template.logicalId("Deployment", Template.digest(routes));
        template.resource(deployment, "AWS::ApiGatewayV2::Deployment")
                .put("ApiId", outputs.get("api.id"))
                .put("Description", routes);
        List<String> routing = new java.util.ArrayList<>(template.logicalIds("AWS::ApiGatewayV2::Route"));
        routing.addAll(template.logicalIds("AWS::ApiGatewayV2::RouteResponse"));
        template.dependsOn(deployment, routing);
        var p = template.resource(LOGICAL_ID, "AWS::ApiGatewayV2::Stage")
                .put("ApiId", outputs.get("api.id"))
                .put("StageName", stage)
                .put("DeploymentId", Template.ref(deployment));
        p.putObject("DefaultRouteSettings")
                .put("ThrottlingRateLimit", desired.rate())
                .put("ThrottlingBurstLimit", desired.burst());
        // a map, as for the API, not the Key/Value list most types take: the resource's schema types it Json
        // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-stage.html)
        p.set("Tags", Template.object(desired.tags()));
    }

    /** Deleting the API deletes its stages and deployments. */
    @Override
    public void delete(Outputs outputs) {}

    private String deploy(String apiId, Outputs outputs) {
        String routes = outputs.known(routesNow) ? outputs.get(routesNow) : "wsctl";
        return api.createDeployment(r -> r.apiId(apiId).description(routes)).deploymentId();
    }
}
