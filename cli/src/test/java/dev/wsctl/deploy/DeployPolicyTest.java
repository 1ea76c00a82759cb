package dev.wsctl.deploy;

import static dev.wsctl.aws.IamPolicyPatterns.glob;
import static dev.wsctl.aws.IamPolicyPatterns.values;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.aws.SdkAwsClients;
import dev.wsctl.cli.CliRun;
import dev.wsctl.cli.Context;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * {@code templates/policies/deploy.json} allows every call {@code wsctl deploy}, {@code status} and {@code destroy}
 * (SDK engine) make, on the resources they make them on; it is what {@code wsctl doctor} simulates for them. The calls
 * are not listed by hand: a deploy, a redeploy that puts back what was changed behind wsctl's back, a redeploy that
 * turns auth off (removing the authorizer, its function and role), status and destroy run against moto's server
 * through an SDK interceptor that turns each call into the IAM action and resource AWS authorizes it as:
 * IAM, Lambda and DynamoDB actions are named as their operations, on the role, the function (with its qualifier) or
 * the table (or the index a Query names)
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html,
 * list_awsidentityandaccessmanagementiam.html, list_amazondynamodb.html); passing a role to CreateFunction or
 * UpdateFunctionConfiguration is {@code iam:PassRole} on it
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html); an API Gateway v2 call is
 * {@code apigateway:{METHOD}} on {@code arn:aws:apigateway:{region}::{path}}
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html); STS GetCallerIdentity
 * needs no permission (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
 */
class DeployPolicyTest {
    private static final String ACCOUNT = "123456789012";
    private static int apps;

    @TempDir
    Path dir;

    private final String app = "dp" + Long.toString(System.nanoTime() % 1_000_000, 36) + (++apps);
    private final String stack = app + "-dev";
    private final Map<String, String> env = new HashMap<>();
    private final Set<String> authorized = new ConcurrentSkipListSet<>();
    private AwsReadBack aws;

    /** Actions IAM authorizes on no resource type, which only {@code "Resource": "*"} can grant. */
    private static final Set<String> NO_RESOURCE_TYPE =
            Set.of("lambda:ListEventSourceMappings", "lambda:CreateEventSourceMapping");

    /** "action resource" for every call, as IAM authorizes it. */
    private final class Authorizations implements ExecutionInterceptor {
        @Override
        public void beforeTransmission(
                software.amazon.awssdk.core.interceptor.Context.BeforeTransmission context,
                ExecutionAttributes attributes) {
            String service =
                    attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME).toLowerCase(Locale.ROOT);
            String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
            var request = context.request();
            switch (service) {
                case "sts" -> {}
                case "apigatewayv2" -> {
                    String path = context.httpRequest().encodedPath().replaceFirst("^/v2", "");
                    authorized.add("apigateway:"
                            + context.httpRequest().method().name() + " arn:aws:apigateway:us-east-1::" + path);
                }
                case "iam" -> authorized.add("iam:" + operation + " " + role(field(request, "RoleName")));
                case "lambda" -> {
                    if (operation.equals("ListEventSourceMappings") || operation.equals("CreateEventSourceMapping")) {
                        // authorized on no resource type: Resource "*"
                        // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html)
                        authorized.add("lambda:" + operation + " *");
                        return;
                    }
                    String name = request.getValueForField("FunctionName", String.class)
                            .orElseGet(() -> field(request, "Resource")); // TagResource, UntagResource
                    String arn = name.startsWith("arn:")
                            ? name
                            : "arn:aws:lambda:us-east-1:" + ACCOUNT + ":function:" + name;
                    Optional<String> qualifier = request.getValueForField("Qualifier", String.class);
                    if (operation.equals("CreateAlias")
                            || operation.equals("UpdateAlias")
                            || operation.equals("GetAlias")) {
                        qualifier = Optional.empty(); // alias operations are authorized on the function
                    }
                    authorized.add("lambda:" + operation + " " + arn
                            + qualifier.map(q -> ":" + q).orElse(""));
                    request.getValueForField("Role", String.class)
                            .ifPresent(role -> authorized.add("iam:PassRole " + role));
                }
                case "dynamodb" -> {
                    String table = request.getValueForField("TableName", String.class)
                            .map(t -> "arn:aws:dynamodb:us-east-1:" + ACCOUNT + ":table/" + t)
                            .orElseGet(() -> field(request, "ResourceArn"));
                    String index = request.getValueForField("IndexName", String.class)
                            .map(i -> "/index/" + i)
                            .orElse("");
                    authorized.add("dynamodb:" + operation + " " + table + index);
                }
                case "sqs" -> {
                    String queue = request.getValueForField("QueueName", String.class)
                            .orElseGet(() -> field(request, "QueueUrl").replaceFirst(".*/", ""));
                    authorized.add("sqs:" + operation + " arn:aws:sqs:us-east-1:" + ACCOUNT + ":" + queue);
                }
                case "cloudwatch" -> {
                    // dashboards are global: no region in the ARN
                    // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html)
                    List<String> names = request.getValueForField("DashboardNames", List.class)
                            .map(l -> l.stream().map(String::valueOf).toList())
                            .orElseGet(() -> List.of(field(request, "DashboardName")));
                    names.forEach(n -> authorized.add(
                            "cloudwatch:" + operation + " arn:aws:cloudwatch::" + ACCOUNT + ":dashboard/" + n));
                }
                default -> throw new AssertionError("deploy called " + service + ":" + operation);
            }
        }

        private static String field(software.amazon.awssdk.core.SdkRequest request, String name) {
            return request.getValueForField(name, String.class)
                    .orElseThrow(() -> new AssertionError(request + " has no " + name));
        }

        private static String role(String name) {
            return "arn:aws:iam::" + ACCOUNT + ":role/" + name;
        }
    }

    @BeforeEach
    void emulator() {
        aws = new AwsReadBack(MotoServer.url());
    }

    @AfterEach
    void close() {
        aws.close();
    }

    private CliRun wsctl(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--app",
                app,
                "--stage",
                "dev",
                "--region",
                AwsReadBack.REGION,
                "--endpoint-url",
                MotoServer.url().toString()));
        Authorizations recorder = new Authorizations();
        Context context = new Context(
                env,
                (options, config, e) ->
                        new SdkAwsClients(options.profile(), config.region(), options.endpoints(e), List.of(recorder)),
                FunctionResource.Retry.iamPropagation());
        CliRun r = CliRun.wsctl(context, all.toArray(String[]::new));
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isIn(0, 3);
        return r;
    }

    @Test
    void deployStatusAndDestroyCallOnlyWhatDeployJsonAllows() throws IOException {
        String jar = StandInJar.write(dir, "v1").toString();
        env.put("WSCTL_AUTH_MODE", "jwt");
        wsctl("deploy", "--handlers-jar", jar);
        // changed behind wsctl's back, then put back
        aws.iam.untagRole(u -> u.roleName(stack + "-send").tagKeys("wsctl:app"));
        aws.dynamoDb.updateTimeToLive(u -> u.tableName(stack + "-connections")
                .timeToLiveSpecification(t -> t.enabled(false).attributeName("expiresAt")));
        aws.lambda.untagResource(
                u -> u.resource(aws.functions(stack).get(0).functionArn()).tagKeys("wsctl:app"));
        env.put("WSCTL_MEMORY", "2048");
        wsctl("deploy", "--handlers-jar", StandInJar.write(dir, "v2").toString());
        env.remove("WSCTL_AUTH_MODE");
        wsctl("deploy", "--handlers-jar", StandInJar.write(dir, "v2").toString());
        wsctl("status");
        wsctl("destroy", "--yes");

        JsonNode policy = Policies.document(
                "deploy",
                Map.of("partition", "aws", "region", "us-east-1", "account", ACCOUNT, "app", app, "stage", "dev"));
        List<Pattern[]> grants = new ArrayList<>();
        Set<String> named = new TreeSet<>();
        for (JsonNode statement : policy.get("Statement")) {
            assertThat(statement.get("Effect").asText()).isEqualTo("Allow");
            for (String action : values(statement.get("Action"))) {
                named.add(action);
                for (String resource : values(statement.get("Resource"))) {
                    if (!NO_RESOURCE_TYPE.containsAll(values(statement.get("Action")))) {
                        assertThat(resource).as("no * resource").isNotEqualTo("*");
                    }
                    grants.add(new Pattern[] {glob(action), glob(resource)});
                }
            }
        }
        assertThat(authorized).as("the calls were recorded").hasSizeGreaterThan(50);
        for (String call : authorized) {
            String[] ar = call.split(" ", 2);
            assertThat(grants)
                    .as("deploy.json allows " + call)
                    .anyMatch(g ->
                            g[0].matcher(ar[0]).matches() && g[1].matcher(ar[1]).matches());
        }
        Set<String> called = new TreeSet<>();
        authorized.forEach(c -> called.add(c.split(" ", 2)[0]));
        Set<String> uncalled = new TreeSet<>(named);
        uncalled.removeAll(called);
        // the calls of paths this run does not take (each is made by a resource class of the deploy code): a trust
        // policy, an inline policy, a permission or an event invoke configuration that drifted or must go, a tag that
        // must go
        assertThat(uncalled)
                .as("every action deploy.json names is called, or is one of the deploy code's rarer paths")
                .isSubsetOf(
                        "iam:UpdateAssumeRolePolicy",
                        "iam:DeleteRolePolicy",
                        "iam:UntagRole",
                        "lambda:RemovePermission",
                        "lambda:UntagResource",
                        "lambda:DeleteFunctionEventInvokeConfig",
                        "lambda:UpdateFunctionEventInvokeConfig",
                        // not exercised: moto's DynamoDB TagResource appends a tag whose key the table has, where
                        // DynamoDB overwrites it, and the stack's tags then read back twice
                        "dynamodb:TagResource",
                        "dynamodb:UntagResource");
    }
}
