package dev.wsctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.CallRecorder;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.aws.SdkAwsClients;
import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.cli.CliRun;
import dev.wsctl.cli.Context;
import dev.wsctl.cli.Wsctl;
import dev.wsctl.config.Jackson;
import dev.wsctl.metrics.EmfMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.apigatewayv2.model.Authorizer;
import software.amazon.awssdk.services.apigatewayv2.model.Route;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;

/**
 * {@code wsctl deploy / status / destroy} through {@link Wsctl#run} with the real SDK clients
 * ({@link SdkAwsClients}) against moto's server ({@link MotoServer}), read back through clients of the test's
 * own ({@link AwsReadBack}). Calls are counted, and failures injected, by an SDK interceptor on the real
 * clients ({@link CallRecorder}). Each test deploys its own app, so tests share one server without meeting.
 */
class DeployTest {
    private static final AtomicInteger APPS = new AtomicInteger();
    /** The functions behind routes; the fan-out worker ({@link #WORKER}) is behind none. */
    private static final List<String> FUNCTIONS = List.of("connect", "disconnect", "channels", "send", "default");

    @TempDir
    Path dir;

    private AwsReadBack aws;
    private final CallRecorder calls = new CallRecorder();
    private Path jar;
    private final Map<String, String> env = new HashMap<>();
    /** This test's app, unique on the server. */
    private String app = nextApp();
    /** The stack's name prefix: {@code {app}-dev}. */
    private String stack = app + "-dev";

    private String WORKER = stack + "-fanout";
    private String WORKER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:" + WORKER;
    private String AUTHORIZE = stack + "-authorize";

    private static String nextApp() {
        return "d" + Long.toString(System.nanoTime() % 1_000_000, 36) + APPS.incrementAndGet();
    }

    /** A new app on the same server: an empty account as far as this test can tell. */
    private void newApp() {
        app = nextApp();
        stack = app + "-dev";
        WORKER = stack + "-fanout";
        WORKER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:" + WORKER;
        AUTHORIZE = stack + "-authorize";
    }

    @BeforeEach
    void account() throws IOException {
        aws = new AwsReadBack(MotoServer.url());
        jar = handlersJar("v1");
    }

    @AfterEach
    void close() {
        aws.close();
    }

    private Path handlersJar(String content) throws IOException {
        return StandInJar.write(dir, content);
    }

    private CliRun wsctl(String... args) {
        Context context = new Context(
                env,
                (options, config, e) -> new SdkAwsClients(
                        Optional.empty(),
                        config.region(),
                        AwsEndpoints.of(Optional.of(MotoServer.url()), Map.of()),
                        List.of(calls)),
                new FunctionResource.Retry(12, BackoffStrategy.retryImmediately(), d -> {}));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--app",
                app,
                "--stage",
                "dev",
                "--region",
                "us-east-1",
                "--config",
                dir.resolve("none.yaml").toString()));
        try {
            Files.writeString(dir.resolve("none.yaml"), "app: " + app + "\n");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return CliRun.wsctl(context, all.toArray(String[]::new));
    }

    private CliRun deploy(String... extra) {
        List<String> args = new ArrayList<>(List.of("deploy", "--handlers-jar", jar.toString()));
        args.addAll(List.of(extra));
        return wsctl(args.toArray(String[]::new));
    }

    private String apiId() {
        return aws.apiId(stack);
    }

    /** An error as the service would answer it: status, error code and message. */
    private static Supplier<RuntimeException> serviceError(int status, String code, String message) {
        return () -> AwsServiceException.builder()
                .message(message)
                .statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode(code)
                        .errorMessage(message)
                        .build())
                .build();
    }

    @Test
    void anEmptyAccountGetsTheWholeStack() {
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        String api = apiId();

        var table = aws.dynamoDb
                .describeTable(t -> t.tableName(stack + "-connections"))
                .table();
        assertThat(table.keySchema()).extracting(k -> k.attributeName()).containsExactly("connectionId", "channel");
        assertThat(table.globalSecondaryIndexes()).singleElement().satisfies(i -> {
            assertThat(i.indexName()).isEqualTo("by-channel");
            assertThat(i.projection().projectionTypeAsString()).isEqualTo("KEYS_ONLY");
        });
        assertThat(aws.dynamoDb
                        .describeTimeToLive(t -> t.tableName(stack + "-connections"))
                        .timeToLiveDescription()
                        .attributeName())
                .isEqualTo("expiresAt");
        assertThat(table.billingModeSummary().billingModeAsString()).isEqualTo("PAY_PER_REQUEST");
        assertThat(aws.dynamoDb
                        .listTagsOfResource(t -> t.resourceArn(table.tableArn()))
                        .tags())
                .extracting(tag -> tag.key() + "=" + tag.value())
                .contains("wsctl:app=" + app, "wsctl:stage=dev");
        var history =
                aws.dynamoDb.describeTable(t -> t.tableName(stack + "-history")).table();
        assertThat(history.keySchema())
                .extracting(k -> k.attributeName() + " " + k.keyTypeAsString())
                .containsExactly("channel HASH", "offset RANGE");
        assertThat(history.attributeDefinitions())
                .extracting(a -> a.attributeName() + " " + a.attributeTypeAsString())
                .containsExactlyInAnyOrder("channel S", "offset N");
        assertThat(history.globalSecondaryIndexes()).isEmpty();
        assertThat(history.billingModeSummary().billingModeAsString()).isEqualTo("PAY_PER_REQUEST");
        assertThat(aws.dynamoDb
                        .describeTimeToLive(t -> t.tableName(stack + "-history"))
                        .timeToLiveDescription())
                .satisfies(ttl -> {
                    assertThat(ttl.attributeName()).isEqualTo("expiresAt");
                    assertThat(ttl.timeToLiveStatusAsString()).isEqualTo("ENABLED");
                });
        assertThat(aws.dynamoDb
                        .listTagsOfResource(t -> t.resourceArn(history.tableArn()))
                        .tags())
                .extracting(tag -> tag.key() + "=" + tag.value())
                .contains("wsctl:app=" + app, "wsctl:stage=dev");
        assertThat(aws.api(stack).orElseThrow().tags())
                .containsEntry("wsctl:app", app)
                .containsEntry("wsctl:stage", "dev");
        assertThat(stage().tags()).containsEntry("wsctl:app", app).containsEntry("wsctl:stage", "dev");

        for (String fn : aws.functions(stack).stream()
                .map(FunctionConfiguration::functionName)
                .toList()) {
            JsonNode policy = parse(aws.rolePolicy(fn, RoleResource.POLICY_NAME));
            assertThat(policy.toString()).contains("log-group:/aws/lambda/" + fn);
            for (JsonNode statement : policy.get("Statement")) {
                assertThat(Policies.values(statement.get("Resource")))
                        .as(fn)
                        .isNotEmpty()
                        .allSatisfy(resource -> assertThat(resource)
                                .isNotEqualTo("*")
                                .doesNotContain(":*:")
                                .startsWith("arn:aws:"));
            }
        }
        for (String fn : FUNCTIONS) {
            String name = stack + "-" + fn;
            FunctionConfiguration f =
                    aws.lambda.getFunction(g -> g.functionName(name)).configuration();
            assertThat(f.runtimeAsString()).isEqualTo("java21");
            assertThat(f.architecturesAsStrings()).containsExactly("arm64");
            assertThat(f.role()).endsWith(":role/" + name);
            assertThat(f.environment().variables())
                    .containsEntry("WSCTL_TABLE", stack + "-connections")
                    .containsEntry("WSCTL_HISTORY_TABLE", stack + "-history")
                    .containsEntry("WSCTL_CALLBACK_URL", "https://" + api + ".execute-api.us-east-1.amazonaws.com/dev");
            assertThat(f.loggingConfig().logFormatAsString()).isEqualTo("JSON");
            assertThat(f.memorySize()).isEqualTo(1024);
            assertThat(f.handler()).startsWith("dev.wsctl.handlers.").endsWith("Handler");
            assertThat(f.snapStart().applyOnAsString()).isEqualTo("PublishedVersions");
            String live =
                    aws.lambda.getAlias(a -> a.functionName(name).name("live")).functionVersion();
            assertThat(live).isNotBlank().isNotEqualTo("$LATEST");
            assertThat(aws.lambda
                            .getFunctionConfiguration(g -> g.functionName(name).qualifier(live))
                            .snapStart()
                            .optimizationStatusAsString())
                    .as("the alias serves a published, SnapStart version")
                    .isEqualTo("On");
            assertThat(aws.lambda.listTags(t -> t.resource(f.functionArn())).tags())
                    .containsEntry("wsctl:app", app)
                    .containsEntry("wsctl:stage", "dev");
            assertThat(aws.iam.listRoleTags(t -> t.roleName(name)).tags())
                    .extracting(tag -> tag.key() + "=" + tag.value())
                    .contains("wsctl:app=" + app, "wsctl:stage=dev");
            String permission = aws.lambda
                    .getPolicy(p -> p.functionName(name).qualifier("live"))
                    .policy();
            assertThat(permission)
                    .contains("arn:aws:execute-api:us-east-1:123456789012:" + api + "/*", "apigateway.amazonaws.com");
        }
        JsonNode send = parse(aws.rolePolicy(stack + "-send", RoleResource.POLICY_NAME));
        assertThat(send.toString())
                .contains(
                        "arn:aws:execute-api:us-east-1:123456789012:" + api + "/dev/POST/@connections/*",
                        "table/" + stack + "-connections/index/by-channel");
        assertThat(send.toString()).contains("table/" + stack + "-history\"");
        assertThat(parse(aws.rolePolicy(stack + "-channels", RoleResource.POLICY_NAME))
                        .toString())
                .contains("table/" + stack + "-history\"");
        for (String fn : List.of("connect", "disconnect", "default", "fanout")) {
            assertThat(aws.rolePolicy(stack + "-" + fn, RoleResource.POLICY_NAME)
                            .toString())
                    .as(fn + " has no grant on the history table")
                    .doesNotContain("-history");
        }
        assertThat(aws.rolePolicy(stack + "-connect", RoleResource.POLICY_NAME).toString())
                .doesNotContain("execute-api");

        List<Route> routes = aws.apiGateway.getRoutes(g -> g.apiId(api)).items();
        assertThat(routes)
                .extracting(Route::routeKey)
                .containsExactlyInAnyOrder(
                        "$connect",
                        "$disconnect",
                        "$default",
                        "ping",
                        "joinchannel",
                        "leavechannel",
                        "presence",
                        "sendmessage");
        var integrations = aws.apiGateway.getIntegrations(g -> g.apiId(api)).items();
        assertThat(integrations).hasSize(5).allSatisfy(i -> {
            assertThat(i.integrationUri()).doesNotContain("fanout");
            assertThat(i.integrationTypeAsString()).isEqualTo("AWS_PROXY");
            assertThat(i.integrationUri()).contains(":function:" + stack + "-").endsWith(":live/invocations");
        });
        for (Route route : routes) {
            int responses = aws.apiGateway
                    .getRouteResponses(g -> g.apiId(api).routeId(route.routeId()))
                    .items()
                    .size();
            assertThat(responses)
                    .as(route.routeKey())
                    .isEqualTo(
                            route.routeKey().equals("$connect")
                                            || route.routeKey().equals("$disconnect")
                                    ? 0
                                    : 1);
        }
        var stage = aws.apiGateway.getStage(g -> g.apiId(api).stageName("dev"));
        assertThat(stage.deploymentId()).isNotBlank();
        assertThat(stage.defaultRouteSettings().throttlingRateLimit()).isEqualTo(500.0);
        assertThat(stage.defaultRouteSettings().throttlingBurstLimit()).isEqualTo(1000);

        assertThat(r.out())
                .contains(
                        "+ create table " + stack + "-connections",
                        "+ create table " + stack + "-history",
                        "+ create function " + stack + "-send",
                        "wss://" + api + ".execute-api.us-east-1.amazonaws.com/dev",
                        "https://" + api + ".execute-api.us-east-1.amazonaws.com/dev");
        assertThat(r.err()).contains("[1/", "+ create api " + stack);
    }

    @Test
    void aSecondDeployChangesNothingAndMakesNoMutatingCall() {
        assertThat(deploy().code()).isZero();
        List<String> before = aws.inventory(stack);
        String deployment = stage().deploymentId();
        calls.reset();
        CliRun again = deploy();
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
        assertThat(calls.calls()).as("it did read").isNotEmpty();
        assertThat(aws.inventory(stack)).isEqualTo(before);
        assertThat(stage().deploymentId()).isEqualTo(deployment);
        assertThat(again.out().lines().filter(l -> l.startsWith("= unchanged")).count())
                .isEqualTo(24);
        assertThat(again.out()).doesNotContain("+ create", "~ update");
    }

    @Test
    void withoutSnapStartApiGatewayInvokesTheFunctionsThemselves() {
        env.put("WSCTL_SNAP_START", "false");
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        String api = apiId();
        assertThat(aws.apiGateway.getIntegrations(g -> g.apiId(api)).items())
                .allSatisfy(
                        i -> assertThat(i.integrationUri()).matches(".*:function:" + stack + "-[a-z]+/invocations"));
        for (String fn : FUNCTIONS) {
            assertThat(aws.lambda
                            .getPolicy(p -> p.functionName(stack + "-" + fn))
                            .policy())
                    .contains(api);
        }
        assertThat(aws.inventory(stack)).noneMatch(l -> l.startsWith("lambda alias"));
        assertThat(workerEnvironment()).containsEntry("WSCTL_FANOUT_FUNCTION", WORKER);
        assertThat(aws.lambda
                        .getFunctionEventInvokeConfig(g -> g.functionName(WORKER))
                        .maximumRetryAttempts())
                .as("the function itself is what the send path invokes")
                .isZero();
        calls.reset();
        assertThat(deploy().code()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
    }

    @Test
    void driftIsUndoneWithExactlyThoseUpdates() throws IOException {
        assertThat(deploy().code()).isZero();
        String api = apiId();
        Route ping = aws.apiGateway.getRoutes(g -> g.apiId(api)).items().stream()
                .filter(route -> route.routeKey().equals("ping"))
                .findFirst()
                .orElseThrow();
        aws.apiGateway.deleteRoute(d -> d.apiId(api).routeId(ping.routeId()));
        aws.iam.untagRole(u -> u.roleName(stack + "-channels").tagKeys("wsctl:stage"));
        env.put("WSCTL_MEMORY_SEND", "2048");
        jar = handlersJar("v2");
        calls.reset();

        CliRun r = deploy();

        assertThat(r.code()).as(r.err()).isZero();
        List<String> changed = r.out()
                .lines()
                .filter(l -> l.startsWith("~ ") || l.startsWith("+ "))
                .toList();
        assertThat(changed).hasSize(9);
        assertThat(changed)
                .anySatisfy(l -> assertThat(l)
                        .startsWith("~ update function " + stack + "-send (")
                        .contains("memory: 1024 → 2048", "code: "));
        assertThat(changed).anySatisfy(l -> assertThat(l).startsWith("~ update role " + stack + "-channels (tags"));
        assertThat(changed).anySatisfy(l -> assertThat(l).startsWith("~ update routes " + stack + " ("));
        // the ping route deleted by hand: the live deployment was made from other routes than there are
        assertThat(changed).anySatisfy(l -> assertThat(l).startsWith("~ update stage dev (deployment: outdated → new"));
        assertThat(changed.stream()
                        .filter(l -> l.startsWith("~ update function"))
                        .count())
                .as("code changed in all six")
                .isEqualTo(6);
        assertThat(aws.lambda
                        .getFunction(g -> g.functionName(stack + "-send"))
                        .configuration()
                        .memorySize())
                .isEqualTo(2048);
        assertThat(aws.apiGateway.getRoutes(g -> g.apiId(api)).items())
                .extracting(Route::routeKey)
                .contains("ping");
        assertThat(calls.mutatingCalls())
                .doesNotContain("iam:PutRolePolicy", "dynamodb:UpdateTimeToLive", "apigateway:CreateIntegration");

        calls.reset();
        assertThat(deploy().code()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
    }

    @Test
    void aDeployThatFailsAtAnyStepConvergesWhenRunAgain() {
        convergesAfterAFailureAtEachMutatingCall();
    }

    @Test
    void aDeployWithAuthThatFailsAtAnyStepConvergesWhenRunAgain() {
        env.put("WSCTL_AUTH_MODE", "jwt");
        env.put("WSCTL_ALLOWED_ORIGINS", "https://app.example.com");
        convergesAfterAFailureAtEachMutatingCall();
    }

    /**
     * Several k, from the first mutating call to the last: a deploy of a new app fails at its k-th mutating call
     * (an interceptor throws a 500 instead of sending it); the next run converges to what a clean deploy leaves, and
     * a third makes no mutating call. (Every k would be some 200 deploys against the emulator; these four spread
     * over the whole plan.)
     */
    private void convergesAfterAFailureAtEachMutatingCall() {
        assertThat(deploy().code()).isZero();
        List<String> clean = withoutApp(aws.inventory(stack));
        int steps = calls.mutatingCalls().size();
        for (int k : spread(steps)) {
            newApp();
            calls.reset();
            int step = k;
            calls.failMutatingCall(k, serviceError(500, "InternalFailure", "injected failure " + k));
            CliRun failed = deploy();
            assertThat(failed.code()).as("step " + k).isEqualTo(1);
            assertThat(failed.err())
                    .as("step " + k)
                    .contains("injected failure " + k)
                    .doesNotContain("\tat ");
            CliRun rerun = deploy("--stacktrace");
            assertThat(rerun.code())
                    .as("rerun after step " + k + ": " + rerun.err())
                    .isZero();
            assertThat(withoutApp(aws.inventory(stack))).as("after step " + k).isEqualTo(clean);
            String deployment = stage().deploymentId();
            assertThat(aws.apiGateway
                            .getDeployment(g -> g.apiId(apiId()).deploymentId(deployment))
                            .deploymentStatusAsString())
                    .as("the stage serves a deployment after step " + step)
                    .isEqualTo("DEPLOYED");
            if (env.containsKey("WSCTL_AUTH_MODE")) {
                String secret = secret();
                assertThat(AuthSettings.decodeSecret(secret))
                        .as("after step " + k)
                        .hasSize(32);
                assertThat(failed.out() + failed.err() + rerun.out() + rerun.err())
                        .doesNotContain(secret);
            }
            calls.reset();
            assertThat(deploy().code()).isZero();
            assertThat(calls.mutatingCalls()).as("third run after step " + k).isEmpty();
        }
    }

    /** The first, a third of the way, two thirds, and the last of {@code steps}. */
    private static List<Integer> spread(int steps) {
        return java.util.stream.IntStream.of(1, steps / 3, 2 * steps / 3, steps)
                .filter(k -> k >= 1 && k <= steps)
                .distinct()
                .boxed()
                .toList();
    }

    /** An inventory with this test's app name taken out, to compare stacks of two apps. */
    private List<String> withoutApp(List<String> inventory) {
        return inventory.stream()
                .map(l -> l.replace(app, "{app}")
                        .replaceAll(AuthSettings.ENV_SECRET + "=[^,}]*", AuthSettings.ENV_SECRET + "=…"))
                .sorted()
                .toList();
    }

    private software.amazon.awssdk.services.apigatewayv2.model.GetStageResponse stage() {
        return aws.apiGateway.getStage(g -> g.apiId(apiId()).stageName("dev"));
    }

    @Test
    void aRoleThatIsNotYetAssumableIsWaitedFor() {
        // what Lambda answers while a new role has not reached it yet
        // (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-deployment.html)
        calls.fail(
                "lambda:CreateFunction",
                3,
                () -> software.amazon.awssdk.services.lambda.model.InvalidParameterValueException.builder()
                        .statusCode(400)
                        .message("The role defined for the function" + " cannot be assumed by Lambda.")
                        .awsErrorDetails(AwsErrorDetails.builder()
                                .errorCode("InvalidParameterValueException")
                                .errorMessage("The role defined for the function" + " cannot be assumed by Lambda.")
                                .build())
                        .build());
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(calls.count("lambda:CreateFunction")).isEqualTo(6 + 3);
    }

    @Test
    void dryRunChangesNothingAndShowsThePlanDeployCarriesOut() {
        CliRun dry = deploy("--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
        assertThat(aws.inventory(stack)).isEmpty();
        assertThat(dry.out())
                .contains(
                        "+ create role " + stack + "-fanout",
                        "+ create function " + stack + "-fanout",
                        "+ create async " + stack + "-fanout:live")
                .doesNotContain("permission " + stack + "-fanout");
        CliRun real = deploy();
        List<String> planned = dry.out().lines().filter(l -> !l.isBlank()).toList();
        assertThat(real.out().lines().limit(planned.size()).toList()).isEqualTo(planned);
        assertThat(real.err()
                        .lines()
                        .filter(l -> l.startsWith("["))
                        .map(l -> l.substring(l.indexOf("] ") + 2))
                        .toList())
                .isEqualTo(planned);

        CliRun dryJson = deploy("--dry-run", "-o", "json");
        JsonNode plan = parse(dryJson.out()).get("plan");
        assertThat(plan)
                .hasSize(24)
                .allSatisfy(s -> assertThat(s.get("action").asText()).isEqualTo("unchanged"));
    }

    @Test
    void destroyRemovesEverythingAndCanRunAgain() {
        assertThat(deploy().code()).isZero();
        CliRun r = wsctl("destroy", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(aws.inventory(stack)).isEmpty();
        CliRun again = wsctl("destroy", "--yes");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(aws.inventory(stack)).isEmpty();
    }

    /**
     * The dashboard as CloudWatch keeps it, read with the test's own client: its graphs name the API, the stage, every
     * function and the functions' metrics; a redeploy leaves it alone, a hand edit is drift that deploy undoes, auth
     * adds the authorize function's lines, destroy removes it.
     */
    @Test
    void theDashboardShowsTheStacksMetricsAndFollowsTheConfig() throws IOException {
        assertThat(deploy().code()).isZero();
        String api = apiId();
        JsonNode body = dashboard();
        List<JsonNode> metrics = new ArrayList<>();
        body.get("widgets").forEach(w -> {
            assertThat(w.get("type").asText()).isEqualTo("metric");
            assertThat(w.at("/properties/region").asText()).isEqualTo("us-east-1");
            w.at("/properties/metrics").forEach(metrics::add);
        });
        List<String> wsctl = metrics.stream()
                .filter(m -> m.get(0).asText().equals("wsctl"))
                .map(m -> m.get(1).asText() + " " + m.get(2).asText() + "="
                        + m.get(3).asText() + " " + m.get(4).asText() + "="
                        + m.get(5).asText())
                .toList();
        for (String metric : List.of(
                "Connects",
                "Disconnects",
                "Published",
                "Delivered",
                "Gone",
                "Throttled",
                "Failed",
                "FanoutDuration",
                "Shards")) {
            assertThat(wsctl).contains(metric + " app=" + app + " stage=dev");
        }
        assertThat(metrics)
                .anySatisfy(m -> assertThat(m.get(0).path("expression").asText())
                        .contains(
                                "{wsctl,app,reason,stage}",
                                "MetricName=\"Denied\"",
                                "app=\"" + app + "\"",
                                "stage=\"dev\""));
        List<String> apiGateway = metrics.stream()
                .filter(m -> m.get(0).asText().equals("AWS/ApiGateway"))
                .map(m -> m.get(1).asText() + " " + m.get(2).asText() + "="
                        + m.get(3).asText() + " " + m.get(4).asText() + "="
                        + m.get(5).asText())
                .toList();
        assertThat(apiGateway)
                .containsExactlyInAnyOrder(
                        "ConnectCount ApiId=" + api + " Stage=dev",
                        "MessageCount ApiId=" + api + " Stage=dev",
                        "IntegrationError ApiId=" + api + " Stage=dev",
                        "ClientError ApiId=" + api + " Stage=dev",
                        "ExecutionError ApiId=" + api + " Stage=dev");
        List<String> deployed = aws.functions(stack).stream()
                .map(FunctionConfiguration::functionName)
                .toList();
        assertThat(deployed).hasSize(6);
        assertThat(lambdaLines(metrics))
                .containsExactlyInAnyOrderElementsOf(deployed.stream()
                        .flatMap(fn -> java.util.stream.Stream.of("Errors " + fn, "Throttles " + fn, "Duration " + fn))
                        .toList());

        calls.reset();
        assertThat(deploy().code()).isZero();
        assertThat(calls.calls()).contains("cloudwatch:GetDashboard");
        assertThat(calls.mutatingCalls()).isEmpty();

        // a graph removed by hand is drift, which deploy undoes with one PutDashboard
        com.fasterxml.jackson.databind.node.ObjectNode edited = (com.fasterxml.jackson.databind.node.ObjectNode) body;
        ((com.fasterxml.jackson.databind.node.ArrayNode) edited.get("widgets")).remove(0);
        aws.cloudWatch.putDashboard(p -> p.dashboardName(stack).dashboardBody(edited.toString()));
        CliRun status = wsctl("status");
        assertThat(status.out())
                .contains("drifted    dashboard  " + stack + "  (widgets: differ in Connects and disconnects → as"
                        + " configured)");
        calls.reset();
        CliRun repaired = deploy();
        assertThat(repaired.out()).contains("~ update dashboard " + stack);
        assertThat(calls.mutatingCalls()).containsExactly("cloudwatch:PutDashboard");
        assertThat(dashboard())
                .isEqualTo(Jackson.mapper().readTree(aws.dashboard(stack).orElseThrow()));
        assertThat(dashboard().get("widgets")).hasSize(11);

        env.put("WSCTL_AUTH_MODE", "jwt");
        calls.reset();
        CliRun withAuth = deploy();
        assertThat(withAuth.out()).contains("~ update dashboard " + stack);
        assertThat(calls.count("cloudwatch:PutDashboard")).isEqualTo(1);
        assertThat(lambdaLines(metrics(dashboard())))
                .contains("Errors " + AUTHORIZE, "Throttles " + AUTHORIZE, "Duration " + AUTHORIZE)
                .hasSize(21);

        assertThat(wsctl("destroy", "--yes").code()).isZero();
        assertThat(aws.dashboard(stack)).isEmpty();
        assertThat(wsctl("destroy", "--yes").code())
                .as("a dashboard already gone is no failure")
                .isZero();
    }

    private JsonNode dashboard() throws IOException {
        return Jackson.mapper().readTree(aws.dashboard(stack).orElseThrow(() -> new AssertionError("no dashboard")));
    }

    private static List<JsonNode> metrics(JsonNode body) {
        List<JsonNode> metrics = new ArrayList<>();
        body.get("widgets").forEach(w -> w.at("/properties/metrics").forEach(metrics::add));
        return metrics;
    }

    /** {@code "Errors chat-dev-send"}: each AWS/Lambda line of {@code metrics}, by metric and function. */
    private static List<String> lambdaLines(List<JsonNode> metrics) {
        return metrics.stream()
                .filter(m -> m.get(0).asText().equals("AWS/Lambda"))
                .peek(m -> assertThat(m.get(2).asText()).isEqualTo("FunctionName"))
                .map(m -> m.get(1).asText() + " " + m.get(3).asText())
                .toList();
    }

    @Test
    void destroyWithoutATerminalNeedsYes() {
        CliRun r = wsctl("destroy");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--yes");
    }

    @Test
    void statusShowsMissingPresentAndDrifted() {
        CliRun before = wsctl("status");
        assertThat(before.code()).isEqualTo(3);
        assertThat(before.out())
                .contains(
                        "missing    table      " + stack + "-connections",
                        "missing    table      " + stack + "-history");
        deploy();
        aws.iam.untagRole(u -> u.roleName(stack + "-send").tagKeys("wsctl:app"));
        CliRun after = wsctl("status", "-o", "json");
        JsonNode json = parse(after.out());
        assertThat(json.get("resources")).hasSize(24);
        assertThat(json.get("resources").findValuesAsText("state")).containsOnly("present", "drifted");
        assertThat(json.get("endpoints").get("url").asText()).startsWith("wss://");
        assertThat(json.get("connections").asLong()).isZero();
        assertThat(wsctl("status").out()).contains("connections        0");
    }

    /**
     * The resources of a stack deployed with --engine cloudformation carry the tags CloudFormation adds
     * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html); moto's
     * CloudFormation cannot create the API Gateway v2 resources, so the tags are put on a deployed stack here (on every
     * tagged resource but the stage: moto's TagResource answers 404 for a stage's ARN).
     */
    @Test
    void statusSeesAStackWithCloudFormationsTagsAsPresent() {
        assertThat(deploy().code()).isZero();
        Map<String, String> cloudFormation = Map.of(
                "aws:cloudformation:stack-name",
                stack,
                "aws:cloudformation:stack-id",
                "arn:aws:cloudformation:us-east-1:123456789012:stack/" + stack + "/1",
                "aws:cloudformation:logical-id",
                "Resource");
        String tableArn = aws.dynamoDb
                .describeTable(d -> d.tableName(stack + "-connections"))
                .table()
                .tableArn();
        aws.dynamoDb.tagResource(t -> t.resourceArn(tableArn)
                .tags(cloudFormation.entrySet().stream()
                        .map(e -> software.amazon.awssdk.services.dynamodb.model.Tag.builder()
                                .key(e.getKey())
                                .value(e.getValue())
                                .build())
                        .toList()));
        aws.roles(stack)
                .forEach(role -> aws.iam.tagRole(t -> t.roleName(role.roleName())
                        .tags(cloudFormation.entrySet().stream()
                                .map(e -> software.amazon.awssdk.services.iam.model.Tag.builder()
                                        .key(e.getKey())
                                        .value(e.getValue())
                                        .build())
                                .toList())));
        aws.functions(stack)
                .forEach(f ->
                        aws.lambda.tagResource(t -> t.resource(f.functionArn()).tags(cloudFormation)));
        String api = "arn:aws:apigateway:us-east-1::/apis/" + apiId();
        aws.apiGateway.tagResource(t -> t.resourceArn(api).tags(cloudFormation));
        assertThat(aws.lambda
                        .listTags(l -> l.resource(aws.functions(stack).get(0).functionArn()))
                        .tags())
                .containsKey("aws:cloudformation:stack-name");

        CliRun status = wsctl("status");

        // status reads the code wsctl embeds, not this test's stand-in jar: the functions differ in code, no more
        List<String> lines = status.out()
                .lines()
                .filter(l -> l.matches("[a-z]+ +[a-z]+ +" + stack + ".*"))
                .toList();
        assertThat(lines)
                .as(status.out())
                .hasSize(23)
                .doesNotContain("tags")
                .allMatch(l -> l.startsWith("present ") || l.startsWith("drifted    function ") && !l.contains("tags"));
        assertThat(lines)
                .contains(
                        "present    table      " + stack + "-connections",
                        "present    table      " + stack + "-history",
                        "present    api        " + stack,
                        "present    role       " + stack + "-send");
        calls.reset();
        CliRun again = deploy();
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(calls.mutatingCalls()).as("AWS's own tags are left alone").isEmpty();
    }

    @Test
    void noRegionAndAQuotaHitAreOneSentenceEach() {
        calls.failMutatingCall(
                1,
                () -> software.amazon.awssdk.services.lambda.model.CodeStorageExceededException.builder()
                        .message("Code storage limit exceeded.")
                        .statusCode(400)
                        .awsErrorDetails(AwsErrorDetails.builder()
                                .errorCode("CodeStorageExceededException")
                                .errorMessage("Code storage limit exceeded.")
                                .serviceName("Lambda")
                                .build())
                        .build());
        CliRun quota = deploy();
        assertThat(quota.code()).isEqualTo(1);
        assertThat(quota.err())
                .contains("quota", "Code storage limit exceeded.")
                .doesNotContain("\tat ");

        org.junit.jupiter.api.Assumptions.assumeTrue(
                System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null,
                "the environment names a region");
        String configFile = System.getProperty("aws.configFile");
        System.setProperty("aws.configFile", dir.resolve("no-aws-config").toString());
        try {
            assertThatThrownBy(() -> new dev.wsctl.aws.SdkAwsClients(
                            java.util.Optional.empty(),
                            java.util.Optional.empty(),
                            dev.wsctl.awshttp.AwsEndpoints.of(java.util.Map.of())))
                    .isInstanceOf(dev.wsctl.aws.AwsSetupException.class)
                    .hasMessageContaining("--region");
        } finally {
            if (configFile == null) {
                System.clearProperty("aws.configFile");
            } else {
                System.setProperty("aws.configFile", configFile);
            }
        }
    }

    @Test
    void awsProblemsAreOneSentence() {
        // the SDK's words when no provider in the default chain has credentials; it fails before sending anything
        calls.fail(
                "sts:GetCallerIdentity",
                1,
                () -> SdkClientException.create("Unable to load credentials from any of"
                        + " the providers in the chain AwsCredentialsProviderChain(credentialsProviders=[SystemPropertyCredentials"
                        + "Provider(), EnvironmentVariableCredentialsProvider()]) : [SystemPropertyCredentialsProvider(): Unable to"
                        + " load credentials from system settings.]"));
        CliRun r = deploy();
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("No AWS credentials").doesNotContain("\tat ");
        calls.fail(
                "sts:GetCallerIdentity",
                1,
                () -> software.amazon.awssdk.services.sts.model.StsException.builder()
                        .message("denied")
                        .statusCode(403)
                        .awsErrorDetails(AwsErrorDetails.builder()
                                .errorCode("AccessDenied")
                                .serviceName("Sts")
                                .errorMessage(
                                        "User: arn:aws:iam::123456789012:user/ci is not authorized to"
                                                + " perform: sts:GetCallerIdentity with an explicit deny in a service control policy")
                                .build())
                        .build());
        CliRun denied = deploy();
        assertThat(denied.code()).isEqualTo(1);
        assertThat(denied.err())
                .contains("Access denied", "sts:GetCallerIdentity")
                .doesNotContain("\tat ");
        calls.reset();
        // after CreateTable and UpdateTimeToLive of each table, and CreateApi
        calls.failMutatingCall(
                6,
                () -> software.amazon.awssdk.services.iam.model.IamException.builder()
                        .message("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:CreateRole")
                        .statusCode(403)
                        .awsErrorDetails(AwsErrorDetails.builder()
                                .errorCode("AccessDenied")
                                .serviceName("IAM")
                                .errorMessage(
                                        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:CreateRole"
                                                + " on resource: arn:aws:iam::123456789012:role/" + stack + "-connect")
                                .build())
                        .build());
        CliRun step = deploy();
        assertThat(step.code()).isEqualTo(1);
        assertThat(step.err())
                .contains(
                        "Access denied while trying to create role " + stack + "-connect",
                        "iam:CreateRole on resource: arn:aws:iam::123456789012:role/" + stack + "-connect")
                .doesNotContain("\tat ");
    }

    @Test
    void aBadConfigFileIsAUsageErrorThatNamesTheKey() throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "app: chat\nmemroy:\n  all: 512\n");
        CliRun r = CliRun.wsctl("deploy", "--config", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("line 2", "memroy");
    }

    // ---- auth

    /** The authorize function's environment, read as {@code wsctl token} reads the secret. */
    private Map<String, String> authorizeEnvironment() {
        return aws.lambda
                .getFunctionConfiguration(g -> g.functionName(AUTHORIZE))
                .environment()
                .variables();
    }

    /** What every function, the authorizer too, names its metrics' dimensions by. */
    private Map<String, String> metricsEnvironment() {
        return Map.of(EmfMetrics.ENV_APP, app, EmfMetrics.ENV_STAGE, "dev");
    }

    private String secret() {
        return authorizeEnvironment().get(AuthSettings.ENV_SECRET);
    }

    private Route route(String api, String key) {
        return aws.apiGateway.getRoutes(g -> g.apiId(api)).items().stream()
                .filter(r -> r.routeKey().equals(key))
                .findFirst()
                .orElseThrow();
    }

    private List<Authorizer> authorizers(String api) {
        return aws.apiGateway.getAuthorizers(g -> g.apiId(api)).items();
    }

    @Test
    void jwtPutsARequestAuthorizerOnConnectWithAGeneratedSecret() {
        env.put("WSCTL_AUTH_MODE", "jwt");
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        String api = apiId();

        Authorizer authorizer = authorizers(api).stream()
                .filter(a -> a.name().equals(AUTHORIZE))
                .findFirst()
                .orElseThrow();
        assertThat(authorizers(api)).hasSize(1);
        assertThat(authorizer.authorizerTypeAsString()).isEqualTo("REQUEST");
        assertThat(authorizer.identitySource()).containsExactly("route.request.header.Host");
        assertThat(authorizer.authorizerUri())
                .isEqualTo("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                        + "arn:aws:lambda:us-east-1:123456789012:function:" + stack + "-authorize:live/invocations");
        assertThat(authorizer.authorizerResultTtlInSeconds())
                .as("WebSocket APIs cache nothing")
                .isNull();

        Route connect = route(api, "$connect");
        assertThat(connect.authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(connect.authorizerId()).isEqualTo(authorizer.authorizerId());
        for (Route other : aws.apiGateway.getRoutes(g -> g.apiId(api)).items()) {
            if (!other.routeKey().equals("$connect")) {
                assertThat(other.authorizationTypeAsString())
                        .as(other.routeKey())
                        .isEqualTo("NONE");
                assertThat(other.authorizerId()).as(other.routeKey()).isNull();
            }
        }

        JsonNode permission = parse(aws.lambda
                .getPolicy(p -> p.functionName(AUTHORIZE).qualifier("live"))
                .policy());
        assertThat(permission.get("Statement")).singleElement().satisfies(st -> {
            assertThat(st.at("/Principal/Service").asText()).isEqualTo("apigateway.amazonaws.com");
            assertThat(st.at("/Condition/ArnLike/AWS:SourceArn").asText())
                    .isEqualTo("arn:aws:execute-api:us-east-1:123456789012:" + api + "/authorizers/*");
        });

        JsonNode policy = parse(aws.rolePolicy(AUTHORIZE, RoleResource.POLICY_NAME));
        assertThat(policy.get("Statement")).isNotEmpty().allSatisfy(st -> {
            assertThat(st.get("Resource").asText())
                    .startsWith("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/" + stack + "-authorize");
            assertThat(st.get("Action").toString()).contains("logs:").doesNotContain("dynamodb", "execute-api");
        });

        FunctionConfiguration f =
                aws.lambda.getFunction(g -> g.functionName(AUTHORIZE)).configuration();
        assertThat(f.handler()).isEqualTo("dev.wsctl.handlers.AuthorizeHandler");
        assertThat(f.runtimeAsString()).isEqualTo("java21");
        assertThat(f.architecturesAsStrings()).containsExactly("arm64");
        assertThat(f.memorySize()).isEqualTo(1024);
        assertThat(f.role()).endsWith(":role/" + AUTHORIZE);
        assertThat(aws.lambda
                        .getAlias(a -> a.functionName(AUTHORIZE).name("live"))
                        .functionVersion())
                .isNotBlank();

        String secret = secret();
        assertThat(AuthSettings.decodeSecret(secret)).hasSize(32);
        Map<String, String> expected = new java.util.HashMap<>(new AuthSettings(
                        AuthSettings.Mode.JWT,
                        Optional.of(secret),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        List.of(),
                        OriginPolicy.MissingOrigin.ALLOW)
                .toEnvironment());
        expected.putAll(metricsEnvironment());
        assertThat(authorizeEnvironment())
                .as("exactly the authorizer's settings, and the stack its metrics name")
                .isEqualTo(expected);

        assertThat(r.out())
                .contains(
                        "+ create role " + stack + "-authorize",
                        "+ create function " + stack + "-authorize (WSCTL_AUTH_SECRET: (none) → (generated))",
                        "+ create permission " + stack + "-authorize:live",
                        "+ create authorizer " + stack + "-authorize",
                        "function.authorize");
        assertThat(r.out() + r.err()).doesNotContain(secret);
    }

    @Test
    void aRedeployKeepsTheSecretAndChangesNothing() {
        env.put("WSCTL_AUTH_MODE", "jwt");
        assertThat(deploy().code()).isZero();
        String secret = secret();
        calls.reset();
        CliRun again = deploy();
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
        assertThat(again.out().lines().filter(l -> l.startsWith("= unchanged")).count())
                .isEqualTo(28);
        assertThat(secret()).isEqualTo(secret);
        assertThat(again.out() + again.err()).doesNotContain(secret);
    }

    @Test
    void theSecretIsKeptThroughUnrelatedChanges() throws IOException {
        env.put("WSCTL_AUTH_MODE", "jwt");
        assertThat(deploy().code()).isZero();
        String secret = secret();
        String version =
                aws.lambda.getAlias(a -> a.functionName(AUTHORIZE).name("live")).functionVersion();

        env.put("WSCTL_MEMORY_AUTHORIZE", "512");
        env.put("WSCTL_ALLOWED_ORIGINS", "https://app.example.com,https://*.example.com");
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("~ update function " + stack + "-authorize (")))
                .singleElement()
                .asString()
                .contains(
                        "memory: 1024 → 512",
                        "environment: differs in WSCTL_ALLOWED_ORIGINS → as configured",
                        "WSCTL_AUTH_SECRET: (kept)");
        assertThat(secret()).isEqualTo(secret);
        assertThat(authorizeEnvironment())
                .containsEntry(AuthSettings.ENV_ALLOWED_ORIGINS, "https://app.example.com,https://*.example.com");
        assertThat(aws.lambda
                        .getFunctionConfiguration(g -> g.functionName(AUTHORIZE))
                        .memorySize())
                .isEqualTo(512);
        assertThat(aws.lambda
                        .getAlias(a -> a.functionName(AUTHORIZE).name("live"))
                        .functionVersion())
                .as("the authorizer runs the new settings")
                .isNotEqualTo(version);

        env.put("WSCTL_MEMORY", "2048");
        env.put("WSCTL_MISSING_ORIGIN", "deny");
        jar = handlersJar("v2");
        assertThat(deploy().code()).isZero();
        assertThat(secret()).isEqualTo(secret);

        calls.reset();
        assertThat(deploy().code()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
    }

    @Test
    void anInvalidDeployedSecretIsReplaced() {
        env.put("WSCTL_AUTH_MODE", "jwt");
        assertThat(deploy().code()).isZero();
        Map<String, String> tampered = new HashMap<>(authorizeEnvironment());
        tampered.put(AuthSettings.ENV_SECRET, "too-short");
        aws.lambda.updateFunctionConfiguration(u -> u.functionName(AUTHORIZE).environment(e -> e.variables(tampered)));

        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("~ update function " + stack + "-authorize (")
                .contains("WSCTL_AUTH_SECRET: (invalid) → (generated)")
                .doesNotContain("too-short");
        assertThat(AuthSettings.decodeSecret(secret())).hasSize(32);
        calls.reset();
        assertThat(deploy().code()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
    }

    @Test
    void withAJwksUrlTheAuthorizerHasNoSecret() {
        env.put("WSCTL_AUTH_MODE", "jwt");
        assertThat(deploy().code()).isZero();
        String secret = secret();

        env.put("WSCTL_AUTH_JWKS_URL", "https://idp.example.com/.well-known/jwks.json");
        env.put("WSCTL_AUTH_ISSUER", "https://idp.example.com/");
        env.put("WSCTL_AUTH_AUDIENCE", "chat");
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(authorizeEnvironment())
                .doesNotContainKey(AuthSettings.ENV_SECRET)
                .containsEntry(AuthSettings.ENV_MODE, "jwt")
                .containsEntry(AuthSettings.ENV_JWKS_URL, "https://idp.example.com/.well-known/jwks.json")
                .containsEntry(AuthSettings.ENV_ISSUER, "https://idp.example.com/")
                .containsEntry(AuthSettings.ENV_AUDIENCE, "chat");
        assertThat(r.out() + r.err()).doesNotContain(secret);

        newApp();
        CliRun fresh = deploy();
        assertThat(fresh.code()).as(fresh.err()).isZero();
        assertThat(authorizeEnvironment())
                .doesNotContainKey(AuthSettings.ENV_SECRET)
                .containsEntry(AuthSettings.ENV_JWKS_URL, "https://idp.example.com/.well-known/jwks.json");
        assertThat(fresh.out()).contains("+ create function " + stack + "-authorize\n");
    }

    @Test
    void allowedOriginsAloneDeployTheAuthorizer() {
        env.put("WSCTL_ALLOWED_ORIGINS", "https://app.example.com");
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        String api = apiId();
        assertThat(authorizers(api)).extracting(Authorizer::name).containsExactly(AUTHORIZE);
        assertThat(route(api, "$connect").authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(authorizeEnvironment())
                .isEqualTo(Map.of(
                        AuthSettings.ENV_MODE,
                        "none",
                        AuthSettings.ENV_ALLOWED_ORIGINS,
                        "https://app.example.com",
                        AuthSettings.ENV_MISSING_ORIGIN,
                        "allow",
                        EmfMetrics.ENV_APP,
                        app,
                        EmfMetrics.ENV_STAGE,
                        "dev"));
    }

    @Test
    void turningAuthOffRemovesTheAuthorizerAndWhatServesIt() {
        env.put("WSCTL_AUTH_MODE", "jwt");
        assertThat(deploy().code()).isZero();
        String api = apiId();
        String deployment =
                aws.apiGateway.getStage(g -> g.apiId(api).stageName("dev")).deploymentId();
        String secret = secret();
        env.remove("WSCTL_AUTH_MODE");

        CliRun status = wsctl("status");
        assertThat(status.code()).isEqualTo(3);
        assertThat(status.out())
                .contains(
                        "unwanted   authorizer " + stack + "-authorize",
                        "unwanted   function   " + stack + "-authorize");

        CliRun dry = deploy("--dry-run");
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(r.err()
                        .lines()
                        .filter(l -> l.startsWith("["))
                        .map(l -> l.substring(l.indexOf("] ") + 2))
                        .toList())
                .as("apply does what the dry run said")
                .isEqualTo(dry.out().lines().filter(l -> !l.isBlank()).toList());
        assertThat(lines)
                .containsSubsequence(
                        "~ update routes " + stack + " (routes: differs in $connect → as configured)",
                        "~ update stage dev (deployment: current → new)",
                        "- delete authorizer " + stack + "-authorize",
                        "- delete permission " + stack + "-authorize:live",
                        "- delete function " + stack + "-authorize",
                        "- delete role " + stack + "-authorize");
        assertThat(aws.inventory(stack)).noneMatch(l -> l.contains("authorize"));
        assertThat(authorizers(api)).isEmpty();
        Route connect = route(api, "$connect");
        assertThat(connect.authorizationTypeAsString()).isEqualTo("NONE");
        assertThat(connect.authorizerId()).isNull();
        assertThat(aws.apiGateway.getStage(g -> g.apiId(api).stageName("dev")).deploymentId())
                .isNotEqualTo(deployment);
        assertThat(r.out()).doesNotContain("function.authorize");
        assertThat(r.out() + r.err() + status.out() + status.err()).doesNotContain(secret);

        calls.reset();
        CliRun again = deploy();
        assertThat(again.code()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
        assertThat(again.out()).doesNotContain("authorize");
        assertThat(wsctl("status").out())
                .as("status uses the embedded handlers.jar, hence code drift; nothing else")
                .doesNotContain("authorize", "unwanted");
    }

    @Test
    void authOnOffOnLeavesWhatEachConfigurationAsks() {
        assertThat(deploy().code()).isZero();
        List<String> without = aws.inventory(stack);
        assertThat(without).noneMatch(l -> l.contains("authorize"));

        env.put("WSCTL_AUTH_MODE", "jwt");
        assertThat(deploy().code()).isZero();
        List<String> with = aws.inventory(stack);
        assertThat(route(apiId(), "$connect").authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(with)
                .anyMatch(l -> l.startsWith("apigateway authorizer " + AUTHORIZE))
                .anyMatch(l -> l.startsWith("lambda function " + AUTHORIZE))
                .anyMatch(l -> l.startsWith("iam role " + AUTHORIZE))
                .anyMatch(l -> l.startsWith("apigateway route $connect → connect auth CUSTOM " + AUTHORIZE));
        String firstSecret = secret();

        env.remove("WSCTL_AUTH_MODE");
        assertThat(deploy().code()).isZero();
        assertThat(aws.inventory(stack))
                .as("auth off: as if it had never been on")
                .isEqualTo(without);

        env.put("WSCTL_AUTH_MODE", "jwt");
        assertThat(deploy().code()).isZero();
        assertThat(withoutSecret(aws.inventory(stack))).as("auth on again").isEqualTo(withoutSecret(with));
        assertThat(secret())
                .as("a new secret: the old one went with its function")
                .isNotEqualTo(firstSecret);
        calls.reset();
        assertThat(deploy().code()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
    }

    private static List<String> withoutSecret(List<String> inventory) {
        return inventory.stream()
                .map(l -> l.replaceAll(AuthSettings.ENV_SECRET + "=[^,}]*", AuthSettings.ENV_SECRET + "=…"))
                .toList();
    }

    @Test
    void turningAuthOffConvergesAfterAFailureAtAnyStep() {
        changeConvergesAfterAFailureAtAnyStep(
                () -> env.put("WSCTL_AUTH_MODE", "jwt"), () -> env.remove("WSCTL_AUTH_MODE"), "NONE");
    }

    @Test
    void turningAuthOnConvergesAfterAFailureAtAnyStep() {
        changeConvergesAfterAFailureAtAnyStep(
                () -> env.remove("WSCTL_AUTH_MODE"), () -> env.put("WSCTL_AUTH_MODE", "jwt"), "CUSTOM");
    }

    /**
     * For several k ({@link #spread}): a stack deployed with {@code before}, then a deploy with {@code after} that fails
     * at its k-th mutating call; the next deploy converges, and clients meet $connect with {@code liveConnect} authorization.
     */
    private void changeConvergesAfterAFailureAtAnyStep(Runnable before, Runnable after, String liveConnect) {
        before.run();
        assertThat(deploy().code()).isZero();
        after.run();
        calls.reset();
        assertThat(deploy().code()).isZero();
        int steps = calls.mutatingCalls().size();
        assertThat(steps).as("the change's mutating calls").isGreaterThan(5);
        for (int k : spread(steps)) {
            newApp();
            calls.reset();
            before.run();
            assertThat(deploy().code()).isZero();
            String deployedBefore = stage().deploymentId();
            after.run();
            calls.reset();
            calls.failMutatingCall(k, serviceError(500, "InternalFailure", "injected failure " + k));
            CliRun failed = deploy();
            assertThat(failed.code()).as("step " + k).isEqualTo(1);
            assertThat(failed.err())
                    .as("step " + k)
                    .contains("injected failure " + k)
                    .doesNotContain("\tat ");
            calls.reset();
            CliRun rerun = deploy();
            assertThat(rerun.code())
                    .as("rerun after step " + k + ": " + rerun.err())
                    .isZero();
            assertThat(route(apiId(), "$connect").authorizationTypeAsString()).isEqualTo(liveConnect);
            assertThat(stage().deploymentId())
                    .as("the changed routes are deployed after step " + k)
                    .isNotEqualTo(deployedBefore);
            assertThat(aws.inventory(stack).stream().anyMatch(l -> l.contains("authorize")))
                    .as("after step " + k)
                    .isEqualTo(liveConnect.equals("CUSTOM"));
            calls.reset();
            assertThat(deploy().code()).isZero();
            assertThat(calls.mutatingCalls()).as("third run after step " + k).isEmpty();
        }
    }

    @Test
    void withoutSnapStartTheAuthorizerInvokesTheFunctionItself() {
        env.put("WSCTL_AUTH_MODE", "jwt");
        env.put("WSCTL_SNAP_START", "false");
        assertThat(deploy().code()).isZero();
        String api = apiId();
        assertThat(authorizers(api))
                .singleElement()
                .satisfies(
                        a -> assertThat(a.authorizerUri()).endsWith(":function:" + stack + "-authorize/invocations"));
        assertThat(aws.lambda.getPolicy(p -> p.functionName(AUTHORIZE)).policy())
                .contains(api + "/authorizers/*");
        calls.reset();
        assertThat(deploy().code()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
    }

    @Test
    void dryRunShowsTheAuthResourcesAndNoOutputEverHoldsTheSecret() {
        env.put("WSCTL_AUTH_MODE", "jwt");
        CliRun dry = deploy("--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(aws.inventory(stack)).isEmpty();
        assertThat(dry.out())
                .contains(
                        "+ create role " + stack + "-authorize",
                        "+ create function " + stack + "-authorize (WSCTL_AUTH_SECRET: (none) → (generated))",
                        "+ create permission " + stack + "-authorize:live",
                        "+ create authorizer " + stack + "-authorize");
        JsonNode planned = parse(deploy("--dry-run", "-o", "json").out()).get("plan");
        assertThat(planned).hasSize(28).anySatisfy(step -> {
            assertThat(step.get("kind").asText()).isEqualTo("authorizer");
            assertThat(step.get("action").asText()).isEqualTo("create");
        });

        List<CliRun> runs = new ArrayList<>();
        runs.add(deploy());
        String secret = secret();
        runs.add(deploy("-o", "json"));
        runs.add(deploy("-o", "yaml"));
        env.put("WSCTL_ALLOWED_ORIGINS", "https://app.example.com");
        CliRun changeDry = deploy("--dry-run");
        assertThat(changeDry.out()).contains("WSCTL_AUTH_SECRET: (kept)");
        runs.add(changeDry);
        CliRun changeJson = deploy("--dry-run", "-o", "json");
        assertThat(parse(changeJson.out()).findValues("field"))
                .extracting(JsonNode::asText)
                .contains("WSCTL_AUTH_SECRET");
        runs.add(changeJson);
        runs.add(wsctl("status"));
        runs.add(wsctl("status", "-o", "json"));
        runs.add(deploy("--verbose", "--stacktrace"));
        runs.add(wsctl("destroy", "--yes"));
        for (CliRun run : runs) {
            assertThat(run.code()).as(run.err()).isIn(0, 3);
            assertThat(run.out()).doesNotContain(secret);
            assertThat(run.err()).doesNotContain(secret);
        }
        assertThat(aws.inventory(stack))
                .as("destroy removes the authorizer too")
                .isEmpty();
    }

    // ---- the fan-out worker

    private Map<String, String> workerEnvironment() {
        return aws.lambda
                .getFunctionConfiguration(g -> g.functionName(WORKER))
                .environment()
                .variables();
    }

    /** The statements of a role's policy by Sid, each as "actions on resources". */
    private Map<String, String> statements(String role) {
        Map<String, String> bySid = new java.util.TreeMap<>();
        for (JsonNode st : parse(aws.rolePolicy(role, RoleResource.POLICY_NAME)).get("Statement")) {
            assertThat(st.get("Effect").asText()).isEqualTo("Allow");
            List<String> actions = new ArrayList<>();
            st.get("Action").forEach(a -> actions.add(a.asText()));
            bySid.put(st.get("Sid").asText(), actions + " on " + Policies.values(st.get("Resource")));
        }
        return bySid;
    }

    @Test
    void theFanoutWorkerIsAFunctionThatOnlyTheSendRoleMayInvoke() {
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        String api = apiId();

        FunctionConfiguration f =
                aws.lambda.getFunction(g -> g.functionName(WORKER)).configuration();
        assertThat(f.handler()).isEqualTo("dev.wsctl.handlers.FanoutHandler");
        assertThat(f.runtimeAsString()).isEqualTo("java21");
        assertThat(f.architecturesAsStrings()).containsExactly("arm64");
        assertThat(f.memorySize()).isEqualTo(1024);
        assertThat(f.role()).endsWith(":role/" + WORKER);
        assertThat(f.loggingConfig().logFormatAsString()).isEqualTo("JSON");
        assertThat(aws.lambda.getAlias(a -> a.functionName(WORKER).name("live")).functionVersion())
                .isNotBlank();
        Map<String, String> send = aws.lambda
                .getFunctionConfiguration(g -> g.functionName(stack + "-send"))
                .environment()
                .variables();
        assertThat(workerEnvironment())
                .as("the stack's settings, as every function but the authorizer has them")
                .isEqualTo(send)
                .containsEntry("WSCTL_FANOUT_FUNCTION", WORKER + ":live")
                .containsEntry("WSCTL_FANOUT_SHARD_SIZE", "2000")
                .containsEntry("WSCTL_FANOUT_MAX_RATE", "9000.0")
                .containsEntry("WSCTL_FANOUT_BURST", "2000")
                .containsEntry("WSCTL_CALLBACK_URL", "https://" + api + ".execute-api.us-east-1.amazonaws.com/dev");

        assertThat(statements(WORKER))
                .containsExactly(
                        Map.entry(
                                "OwnLogGroup",
                                "[logs:CreateLogGroup] on "
                                        + "[arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/" + stack
                                        + "-fanout]"),
                        Map.entry(
                                "OwnLogStreams",
                                "[logs:CreateLogStream, logs:PutLogEvents] on "
                                        + "[arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/" + stack
                                        + "-fanout:*]"),
                        Map.entry(
                                "PostToConnections",
                                "[execute-api:ManageConnections] on " + "[arn:aws:execute-api:us-east-1:123456789012:"
                                        + api + "/dev/POST/@connections/*]"),
                        Map.entry(
                                "ReadChannelIndex",
                                "[dynamodb:Query] on [arn:aws:dynamodb:us-east-1:123456789012:table/" + stack
                                        + "-connections/index/by-channel]"),
                        Map.entry(
                                "RemoveGoneConnection",
                                "[dynamodb:Query, dynamodb:BatchWriteItem, dynamodb:UpdateItem, dynamodb:DeleteItem] on "
                                        + "[arn:aws:dynamodb:us-east-1:123456789012:table/" + stack + "-connections]"));
        assertThat(statements(stack + "-send"))
                .containsEntry(
                        "InvokeFanoutWorker",
                        "[lambda:InvokeFunction] on [" + WORKER_ARN + ", " + WORKER_ARN + ":live]");
        for (String fn : List.of("connect", "disconnect", "channels", "default")) {
            assertThat(aws.rolePolicy(stack + "-" + fn, RoleResource.POLICY_NAME))
                    .as(fn)
                    .doesNotContain("lambda:", "fanout");
        }

        assertThatThrownBy(
                        () -> aws.lambda.getPolicy(p -> p.functionName(WORKER).qualifier("live")))
                .as("no resource policy: API Gateway may not invoke the worker")
                .isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
        assertThatThrownBy(() -> aws.lambda.getPolicy(p -> p.functionName(WORKER)))
                .isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
        assertThat(aws.apiGateway.getIntegrations(g -> g.apiId(api)).items())
                .noneSatisfy(i -> assertThat(i.integrationUri()).contains("fanout"));

        var async = aws.lambda.getFunctionEventInvokeConfig(
                g -> g.functionName(WORKER).qualifier("live"));
        assertThat(async.maximumRetryAttempts())
                .as("a retried batch would be delivered twice")
                .isZero();
        assertThat(async.maximumEventAgeInSeconds()).isEqualTo(300);
        assertThat(aws.inventory(stack))
                .filteredOn(l -> l.startsWith("lambda async " + WORKER + ":live"))
                .containsExactly("lambda async " + WORKER + ":live retries 0 age 300");

        assertThat(r.out())
                .contains(
                        "+ create role " + stack + "-fanout",
                        "+ create function " + stack + "-fanout",
                        "+ create async " + stack + "-fanout:live",
                        "function.fanout")
                .doesNotContain("permission " + stack + "-fanout");
    }

    @Test
    void changingTheRateCapUpdatesTheFunctionsEnvironmentsOnly() {
        assertThat(deploy().code()).isZero();
        env.put("WSCTL_FANOUT_MAX_RATE", "4500");
        calls.reset();

        CliRun r = deploy();

        assertThat(r.code()).as(r.err()).isZero();
        List<String> changed = r.out()
                .lines()
                .filter(l -> l.startsWith("~ ") || l.startsWith("+ ") || l.startsWith("- "))
                .toList();
        assertThat(changed)
                .hasSize(6)
                .allSatisfy(l -> assertThat(l)
                        .startsWith("~ update function " + stack + "-")
                        .contains(" (environment: differs in WSCTL_FANOUT_MAX_RATE → as configured, alias live: wsctl ")
                        .doesNotContain("role:", "memory:", "code:"));
        assertThat(calls.mutatingCalls())
                .containsOnly("lambda:UpdateFunctionConfiguration", "lambda:PublishVersion", "lambda:UpdateAlias");
        assertThat(calls.count("lambda:UpdateFunctionConfiguration")).isEqualTo(6);
        for (String fn : aws.functions(stack).stream()
                .map(FunctionConfiguration::functionName)
                .toList()) {
            assertThat(aws.lambda
                            .getFunctionConfiguration(g -> g.functionName(fn + ":live"))
                            .environment()
                            .variables())
                    .as(fn + ", as published")
                    .containsEntry("WSCTL_FANOUT_MAX_RATE", "4500.0");
        }

        aws.lambda.updateFunctionEventInvokeConfig(
                u -> u.functionName(WORKER).qualifier("live").maximumRetryAttempts(2));
        calls.reset();
        CliRun drift = deploy();
        assertThat(drift.out().lines().filter(l -> l.startsWith("~ ")))
                .containsExactly("~ update async " + stack + "-fanout:live (retries: 2 → 0)");
        assertThat(calls.mutatingCalls()).containsExactly("lambda:UpdateFunctionEventInvokeConfig");

        calls.reset();
        assertThat(deploy().code()).isZero();
        assertThat(calls.mutatingCalls()).isEmpty();
    }

    private static JsonNode parse(String text) {
        try {
            return Jackson.mapper().readTree(text);
        } catch (IOException e) {
            throw new AssertionError(text, e);
        }
    }
}
