package dev.wsctl.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import dev.wsctl.metrics.Metric;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.DashboardNotFoundErrorException;
import software.amazon.awssdk.services.cloudwatch.model.ResourceNotFoundException;

/**
 * The CloudWatch dashboard {@code {app}-{stage}}: the metrics the functions write (namespace {@value #NAMESPACE},
 * dimensions app and stage) beside API Gateway's own for the API and stage and each function's errors, throttles and
 * duration. The body is JSON as the dashboard body structure describes it
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html); it names
 * the API's id and the region, so its desired state comes from the outputs of the API before it. Bodies are compared
 * as parsed JSON, so CloudWatch's own formatting of a stored body is no drift. Dashboards take no tags (neither
 * PutDashboard nor {@code AWS::CloudWatch::Dashboard} has any).
 */
final class DashboardResource implements Resource<DashboardResource.State> {
    static final String LOGICAL_ID = "Dashboard";
    /** The namespace of the functions' metrics (Embedded Metric Format lines). */
    static final String NAMESPACE = Metric.NAMESPACE;
    /** One point a minute: the shortest period of standard-resolution metrics. */
    static final int PERIOD_SECONDS = 60;

    private static final int WIDTH = 8;
    private static final int HEIGHT = 6;
    private static final int PER_ROW = 24 / WIDTH;

    /** @param body the dashboard body, parsed; a stored body that is not JSON is kept as text, which never matches */
    record State(JsonNode body) {}

    private final CloudWatchClient cloudWatch;
    private final String name;
    private final String app;
    private final String stage;
    private final Map<String, String> functions;

    /**
     * @param name      {@code {app}-{stage}}
     * @param functions the stack's functions: short name ({@code send}) → function name ({@code chat-dev-send})
     */
    DashboardResource(
            CloudWatchClient cloudWatch, String name, String app, String stage, Map<String, String> functions) {
        this.cloudWatch = cloudWatch;
        this.name = name;
        this.app = app;
        this.stage = stage;
        this.functions = new LinkedHashMap<>(functions);
    }

    @Override
    public Id id() {
        return new Id("dashboard", name);
    }

    @Override
    public State desired(Outputs outputs) {
        // read back as actual() reads, so that both hold numbers as the same kind of node
        return new State(
                parse(body(outputs.get("region"), outputs.get("api.id")).toString()));
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        String body;
        try {
            body = cloudWatch.getDashboard(r -> r.dashboardName(name)).dashboardBody();
        } catch (DashboardNotFoundErrorException | ResourceNotFoundException absent) {
            return Optional.empty();
        }
        return Optional.of(new State(parse(body)));
    }

    private static JsonNode parse(String body) {
        try {
            return Json.read(body);
        } catch (JsonProcessingException e) {
            return JsonNodeFactory.instance.textNode(body);
        }
    }

    /** One change naming the widgets (by title) that differ, are missing or are not the stack's. */
    @Override
    public List<Change> diff(State actual, State desired) {
        if (actual.body().equals(desired.body())) {
            return List.of();
        }
        Map<String, JsonNode> had = byTitle(actual.body());
        Map<String, JsonNode> wanted = byTitle(desired.body());
        List<String> differ = new ArrayList<>();
        wanted.forEach((title, widget) -> {
            if (!widget.equals(had.get(title))) {
                differ.add(title);
            }
        });
        had.keySet().stream().filter(t -> !wanted.containsKey(t)).forEach(differ::add);
        return List.of(new Change(
                "widgets",
                differ.isEmpty() ? "differ in layout" : "differ in " + String.join(", ", differ),
                "as configured"));
    }

    private static Map<String, JsonNode> byTitle(JsonNode body) {
        Map<String, JsonNode> widgets = new LinkedHashMap<>();
        body.path("widgets")
                .forEach(w -> widgets.put(w.path("properties").path("title").asText(), w));
        return widgets;
    }

    @Override
    public void create(State desired, Outputs outputs) {
        put(desired);
    }

    /** PutDashboard replaces the whole body: the one way to change a dashboard. */
    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        put(desired);
    }

    private void put(State desired) {
        cloudWatch.putDashboard(
                r -> r.dashboardName(name).dashboardBody(desired.body().toString()));
    }

    /** The body as text with references to the API and the region, which the template turns into {@code Fn::Sub}. */
    @Override
    public void template(State desired, Template template, Outputs outputs) {
        template.resource(LOGICAL_ID, "AWS::CloudWatch::Dashboard")
                .put("DashboardName", name)
                .put("DashboardBody", desired.body().toString());
    }

    @Override
    public void delete(Outputs outputs) {
        try {
            cloudWatch.deleteDashboards(r -> r.dashboardNames(name));
        } catch (DashboardNotFoundErrorException | ResourceNotFoundException gone) {
            // already deleted
        }
    }

    /** The dashboard body: rows of three graphs, one point a minute. */
    JsonNode body(String region, String apiId) {
        List<ObjectNode> graphs = new ArrayList<>();
        graphs.add(graph("Connects and disconnects", "Sum", region, wsctl(Metric.CONNECTS), wsctl(Metric.DISCONNECTS)));
        graphs.add(graph("Authorizer denials by reason", "Sum", region, deniedByReason()));
        graphs.add(graph("Published and delivered", "Sum", region, wsctl(Metric.PUBLISHED), wsctl(Metric.DELIVERED)));
        graphs.add(graph(
                "Gone, throttled, failed",
                "Sum",
                region,
                wsctl(Metric.GONE),
                wsctl(Metric.THROTTLED),
                wsctl(Metric.FAILED)));
        graphs.add(graph(
                "Fan-out duration (ms)",
                "p50",
                region,
                wsctl(Metric.FANOUT_DURATION).add(Json.object().put("stat", "p50")),
                wsctl(Metric.FANOUT_DURATION).add(Json.object().put("stat", "p99"))));
        graphs.add(graph("Fan-out shards", "Sum", region, wsctl(Metric.SHARDS)));
        graphs.add(graph(
                "API Gateway: connects and messages",
                "Sum",
                region,
                apiGateway("ConnectCount", apiId),
                apiGateway("MessageCount", apiId)));
        graphs.add(graph(
                "API Gateway: errors",
                "Sum",
                region,
                apiGateway("IntegrationError", apiId),
                apiGateway("ClientError", apiId),
                apiGateway("ExecutionError", apiId)));
        graphs.add(graph("Lambda errors", "Sum", region, lambda("Errors")));
        graphs.add(graph("Lambda throttles", "Sum", region, lambda("Throttles")));
        graphs.add(graph("Lambda duration p99 (ms)", "p99", region, lambda("Duration")));
        ObjectNode body = Json.object();
        ArrayNode widgets = body.putArray("widgets");
        for (int i = 0; i < graphs.size(); i++) {
            widgets.addObject()
                    .put("type", "metric")
                    .put("x", (i % PER_ROW) * WIDTH)
                    .put("y", (i / PER_ROW) * HEIGHT)
                    .put("width", WIDTH)
                    .put("height", HEIGHT)
                    .set("properties", graphs.get(i));
        }
        return body;
    }

    private static ObjectNode graph(String title, String stat, String region, ArrayNode... metrics) {
        ObjectNode properties = Json.object()
                .put("title", title)
                .put("view", "timeSeries")
                .put("stacked", false)
                .put("region", region)
                .put("stat", stat)
                .put("period", PERIOD_SECONDS);
        ArrayNode list = properties.putArray("metrics");
        for (ArrayNode m : metrics) {
            list.add(m);
        }
        return properties;
    }

    /** {@code [namespace, metric, dimension, value, …]}: one metric in a graph's {@code metrics} array. */
    private static ArrayNode metric(String namespace, String metric, String... dimensions) {
        ArrayNode line = JsonNodeFactory.instance.arrayNode().add(namespace).add(metric);
        for (String d : dimensions) {
            line.add(Objects.requireNonNull(d));
        }
        return line;
    }

    private ArrayNode wsctl(Metric metric) {
        return metric(NAMESPACE, metric.cloudWatch(), Metric.APP, app, Metric.STAGE, stage);
    }

    /**
     * One line per reason the authorizer denied, whatever reasons there are: a metric search over the dimension set
     * {@code [app, stage, reason]}
     * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html).
     */
    private ArrayNode deniedByReason() {
        String search = "SEARCH('{" + NAMESPACE + ",app,reason,stage} MetricName=\"" + Metric.DENIED.cloudWatch()
                + "\" app=\"" + app + "\" stage=\"" + stage + "\"', 'Sum', " + PERIOD_SECONDS + ")";
        return JsonNodeFactory.instance
                .arrayNode()
                .add(Json.object().put("expression", search).put("id", "denied"));
    }

    /** A WebSocket API's metric for this API and stage (dimensions ApiId, Stage). */
    private ArrayNode apiGateway(String metric, String apiId) {
        return metric("AWS/ApiGateway", metric, "ApiId", apiId, "Stage", stage);
    }

    /** Lambda's {@code metric}, one line per function, labelled with its short name. */
    private ArrayNode[] lambda(String metric) {
        return functions.entrySet().stream()
                .map(f -> metric("AWS/Lambda", metric, "FunctionName", f.getValue())
                        .add(Json.object().put("label", f.getKey())))
                .toArray(ArrayNode[]::new);
    }
}
