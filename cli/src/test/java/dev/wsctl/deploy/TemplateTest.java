package dev.wsctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.aws.SdkAwsClients;
import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.cli.CliRun;
import dev.wsctl.cli.Context;
import dev.wsctl.config.Jackson;
import dev.wsctl.config.StackConfig;
import dev.wsctl.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.apigatewayv2.model.Api;
import software.amazon.awssdk.services.apigatewayv2.model.Authorizer;
import software.amazon.awssdk.services.apigatewayv2.model.Integration;
import software.amazon.awssdk.services.apigatewayv2.model.Route;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;

/**
 * {@code wsctl template}: the checked-in {@code templates/wsctl-stack.yaml} is the render of the default config, and a
 * template describes exactly what {@code wsctl deploy} creates, resource by resource, since both come from the same
 * resources' desired states.
 */
class TemplateTest {
    private static final Path CHECKED_IN = Path.of("../templates/wsctl-stack.yaml");
    private static final String REGENERATE = "scripts/wsctl template --out templates/wsctl-stack.yaml"
            + " (run from the repository root, without a wsctl.yaml there or WSCTL_* variables)";
    private static final YAMLMapper YAML = new YAMLMapper();
    /** What the template's CodeS3Key stands for in the comparisons. */
    private static final String CODE_KEY = "wsctl/wsctl-dev/handlers-0123.jar";

    @TempDir
    Path dir;

    private AwsReadBack aws;
    private boolean deployed;
    private final Map<String, String> env = new HashMap<>();

    /** The tests that deploy share the default names (wsctl-dev) on one server: each destroys what it deployed. */
    @AfterEach
    void close() {
        if (deployed) {
            CliRun r = wsctl("destroy", "--yes", "--region", AwsReadBack.REGION);
            assertThat(r.code()).as(r.err()).isZero();
        }
        if (aws != null) {
            aws.close();
        }
    }

    private CliRun wsctl(String... args) {
        Context context = new Context(
                env,
                (options, config, e) -> new SdkAwsClients(
                        Optional.empty(),
                        config.region(),
                        AwsEndpoints.of(Optional.of(MotoServer.url()), Map.of()),
                        List.of()),
                new FunctionResource.Retry(12, BackoffStrategy.retryImmediately(), d -> {}));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config().toString()));
        return CliRun.wsctl(context, all.toArray(String[]::new));
    }

    /** A configuration file that sets nothing but what the defaults say: app wsctl, stage dev. */
    private Path config() {
        Path file = dir.resolve("wsctl.yaml");
        try {
            Files.writeString(file, "app: wsctl\nstage: dev\n");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return file;
    }

    private String render() {
        CliRun r = wsctl("template");
        assertThat(r.code()).as(r.err()).isZero();
        return r.out();
    }

    private void deploy() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("dev/wsctl/handlers/version.txt"));
            zip.write("v1".getBytes());
            zip.closeEntry();
        }
        Path jar = dir.resolve("handlers.jar");
        Files.write(jar, bytes.toByteArray());
        aws = new AwsReadBack(MotoServer.url());
        deployed = true;
        CliRun r = wsctl("deploy", "--handlers-jar", jar.toString(), "--region", AwsReadBack.REGION);
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void theCheckedInTemplateIsTheRenderOfTheDefaultConfig() throws IOException {
        String rendered = render();
        assertThat(Files.exists(CHECKED_IN))
                .as("templates/wsctl-stack.yaml is missing; create it: " + REGENERATE)
                .isTrue();
        assertThat(rendered)
                .as("templates/wsctl-stack.yaml differs from what wsctl template renders for the default"
                        + " config; if the change is intended, regenerate it: " + REGENERATE)
                .isEqualTo(Files.readString(CHECKED_IN));
    }

    @Test
    void theTemplateReadsBackAsWrittenAndRefersOnlyToWhatItDeclares() throws IOException {
        Template template = Stack.template(StackConfig.defaults());
        JsonNode read = YAML.readTree(template.yaml());
        assertThat(read).isEqualTo(template.json());
        assertThat(read.get("AWSTemplateFormatVersion").isTextual()).isTrue();
        List<String> declared = new ArrayList<>();
        read.get("Parameters").fieldNames().forEachRemaining(declared::add);
        read.get("Resources").fieldNames().forEachRemaining(declared::add);
        assertThat(Intrinsics.references(read.get("Resources")).stream()
                        .map(n -> n.split("\\.")[0])
                        .filter(n -> !n.startsWith("AWS::")))
                .isSubsetOf(declared);
        read.get("Resources")
                .forEach(r ->
                        r.path("DependsOn").forEach(d -> assertThat(declared).contains(d.asText())));
        assertThat(declared).contains(Template.CODE_BUCKET, Template.CODE_KEY).doesNotContain(Template.AUTH_SECRET);
        assertThat(template.yaml().getBytes().length)
                .as("CloudFormation takes a template body up to 51,200 bytes")
                .isLessThan(51_200);
    }

    @Test
    void theTemplateDescribesWhatDeployCreates() throws IOException {
        deploy();
        compare(YAML.readTree(render()));
    }

    @Test
    void theFanoutWorkerIsInvokedBySendAloneAndNeverRetried() throws IOException {
        JsonNode template = YAML.readTree(render());
        JsonNode resources = template.get("Resources");
        assertThat(resources.has("FanoutRole")).isTrue();
        assertThat(resources.at("/FanoutFunction/Properties/Handler").asText())
                .isEqualTo("dev.wsctl.handlers.FanoutHandler");
        assertThat(resources.has("FanoutPermission"))
                .as("API Gateway never invokes the worker")
                .isFalse();
        assertThat(resources
                        .at("/SendFunction/Properties/Environment/Variables/WSCTL_FANOUT_FUNCTION")
                        .asText())
                .isEqualTo("wsctl-dev-fanout:live");
        JsonNode invoke = findStatement(
                resources.at("/SendRole/Properties/Policies/0/PolicyDocument/Statement"), "lambda:InvokeFunction");
        assertThat(invoke).as("the send role may invoke the worker").isNotNull();
        assertThat(invoke.toString()).contains("function:wsctl-dev-fanout:live");
        JsonNode async = resources.get("FanoutAsyncConfig");
        assertThat(async.get("Type").asText()).isEqualTo("AWS::Lambda::EventInvokeConfig");
        assertThat(async.at("/Properties/FunctionName")).isEqualTo(Json.object().put("Ref", "FanoutFunction"));
        assertThat(async.at("/Properties/Qualifier").asText()).isEqualTo("live");
        assertThat(async.at("/Properties/MaximumRetryAttempts").asInt()).isZero();
        assertThat(async.at("/Properties/MaximumEventAgeInSeconds").asInt()).isEqualTo(300);
        assertThat(async.at("/DependsOn/0").asText())
                .as("names the alias, so waits for it")
                .isEqualTo("FanoutAlias");
        deploy();
        compare(template);
    }

    private static JsonNode findStatement(JsonNode statements, String action) {
        for (JsonNode statement : statements) {
            if (statement.path("Action").toString().contains("\"" + action + "\"")) {
                return statement;
            }
        }
        return null;
    }

    @Test
    void withJwtTheTemplateHasTheAuthorizerAndTakesTheSecretAsANoEchoParameter() throws IOException {
        env.put("WSCTL_AUTH_MODE", "jwt");
        String rendered = render();
        assertThat(render()).as("no secret is generated into a template").isEqualTo(rendered);
        JsonNode template = YAML.readTree(rendered);

        JsonNode secret = template.at("/Parameters/" + Template.AUTH_SECRET);
        assertThat(secret.path("NoEcho").asBoolean()).isTrue();
        assertThat(secret.path("Type").asText()).isEqualTo("String");
        assertThat(template.at(
                        "/Resources/AuthorizeFunction/Properties/Environment/Variables/" + AuthSettings.ENV_SECRET))
                .isEqualTo(Json.object().put("Ref", Template.AUTH_SECRET));
        assertThat(template.at("/Resources/Authorizer/Type").asText()).isEqualTo("AWS::ApiGatewayV2::Authorizer");
        assertThat(template.at("/Resources/ConnectRoute/Properties/AuthorizationType")
                        .asText())
                .isEqualTo("CUSTOM");
        assertThat(template.at("/Resources/ConnectRoute/Properties/AuthorizerId"))
                .isEqualTo(Json.object().put("Ref", "Authorizer"));
        assertThat(template.at("/Resources/PingRoute/Properties/AuthorizationType")
                        .asText())
                .isEqualTo("NONE");
        assertThat(template.at("/Outputs/FunctionAuthorize/Value").asText()).isEqualTo("wsctl-dev-authorize");

        deploy();
        assertThat(rendered).doesNotContain(authorizeEnvironment().get(AuthSettings.ENV_SECRET));
        compare(template);
    }

    @Test
    void withAJwksUrlThereIsNoSecretParameter() throws IOException {
        env.put("WSCTL_AUTH_MODE", "jwt");
        env.put("WSCTL_AUTH_JWKS_URL", "https://idp.example.com/.well-known/jwks.json");
        env.put("WSCTL_AUTH_ISSUER", "https://idp.example.com/");
        env.put("WSCTL_AUTH_AUDIENCE", "chat");
        JsonNode template = YAML.readTree(render());
        assertThat(template.get("Parameters").has(Template.AUTH_SECRET)).isFalse();
        assertThat(template.at("/Resources/AuthorizeFunction/Properties/Environment/Variables/"
                                + AuthSettings.ENV_SECRET)
                        .isMissingNode())
                .isTrue();
        deploy();
        compare(template);
    }

    @Test
    void withoutSnapStartTheFunctionsAreInvokedThemselves() throws IOException {
        env.put("WSCTL_SNAP_START", "false");
        JsonNode template = YAML.readTree(render());
        assertThat(types(template)).doesNotContainKeys("AWS::Lambda::Version", "AWS::Lambda::Alias");
        assertThat(template.at("/Resources/FanoutAsyncConfig/Properties/Qualifier")
                        .asText())
                .isEqualTo("$LATEST");
        assertThat(template.at("/Resources/FanoutAsyncConfig/DependsOn").isMissingNode())
                .isTrue();
        deploy();
        compare(template);
    }

    @Test
    void outFileGetsTheSameTemplate() throws IOException {
        Path out = dir.resolve("out/stack.yaml");
        CliRun r = wsctl("template", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("wrote " + out, "55 resources");
        assertThat(Files.readString(out)).isEqualTo(render());
    }

    @Test
    void aResourceThatLeavesItselfOutOfTheTemplateIsAnError() {
        Resource<String> silent = new Resource<>() {
            public Id id() {
                return new Id("gadget", "wsctl-dev-gadget");
            }

            public String desired(Outputs outputs) {
                return "on";
            }

            public Optional<String> actual(Outputs outputs) {
                return Optional.empty();
            }

            public List<Change> diff(String actual, String desired) {
                return List.of();
            }

            public void create(String desired, Outputs outputs) {}

            public void update(String actual, String desired, List<Change> changes, Outputs outputs) {}

            public void template(String desired, Template template, Outputs outputs) {}

            public void delete(Outputs outputs) {}
        };
        assertThatThrownBy(() -> new Engine(List.of(silent), Map.of()).template(new Template("t")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("gadget wsctl-dev-gadget");
    }

    @Test
    void aReferenceToWhatTheTemplateDoesNotDeclareIsAnError() {
        Template template = new Template("t");
        template.resource("Thing", "AWS::SNS::Topic").put("TopicName", "x-" + Template.ref("Nothing"));
        assertThatThrownBy(template::json)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Nothing");
    }

    // ---- the comparison

    private static String id(String... words) {
        return Template.logicalId(words);
    }

    private static Map<String, Long> types(JsonNode template) {
        Map<String, Long> counts = new TreeMap<>();
        template.get("Resources").forEach(r -> counts.merge(r.get("Type").asText(), 1L, Long::sum));
        return counts;
    }

    private String apiId() {
        return api().apiId();
    }

    private Api api() {
        return aws.apiGateway.getApis(r -> {}).items().stream()
                .filter(a -> a.name().equals("wsctl-dev"))
                .findFirst()
                .orElseThrow();
    }

    private Map<String, String> authorizeEnvironment() {
        return aws.lambda
                .getFunctionConfiguration(g -> g.functionName("wsctl-dev-authorize"))
                .environment()
                .variables();
    }

    /** What each name and attribute the template refers to is in the account deploy just built. */
    private Map<String, String> values(JsonNode template) {
        Map<String, String> values = new HashMap<>();
        values.put("AWS::Region", AwsReadBack.REGION);
        values.put("AWS::AccountId", "123456789012");
        values.put("AWS::URLSuffix", "amazonaws.com");
        values.put("AWS::Partition", "aws");
        values.put(Template.CODE_BUCKET, "bucket");
        values.put(Template.CODE_KEY, CODE_KEY);
        Api api = api();
        values.put("Api", api.apiId());
        values.put("Api.ApiEndpoint", api.apiEndpoint());
        var table = aws.dynamoDb
                .describeTable(t -> t.tableName("wsctl-dev-connections"))
                .table();
        values.put("ConnectionsTable", table.tableName());
        values.put("ConnectionsTable.Arn", table.tableArn());
        var history = aws.dynamoDb
                .describeTable(t -> t.tableName("wsctl-dev-history"))
                .table();
        values.put("ChannelHistoryTable", history.tableName());
        values.put("ChannelHistoryTable.Arn", history.tableArn());
        for (String fn : StackConfig.FUNCTIONS) {
            String name = "wsctl-dev-" + fn;
            AwsReadBack.optional(() -> aws.iam.getRole(g -> g.roleName(name)).role())
                    .ifPresent(role -> values.put(id(fn, "Role") + ".Arn", role.arn()));
            if (AwsReadBack.optional(() -> aws.lambda.getFunction(g -> g.functionName(name)))
                    .isPresent()) {
                values.put(id(fn, "Function"), name);
                values.put(
                        id(fn, "Function") + ".Arn",
                        aws.lambda
                                .getFunction(g -> g.functionName(name))
                                .configuration()
                                .functionArn());
            }
            if (AwsReadBack.optional(
                            () -> aws.lambda.getAlias(g -> g.functionName(name).name("live")))
                    .isPresent()) {
                var alias = aws.lambda.getAlias(g -> g.functionName(name).name("live"));
                values.put(id(fn, "Alias"), alias.aliasArn());
                values.put(id(fn, "Version") + ".Version", alias.functionVersion());
            }
        }
        aws.apiGateway
                .getIntegrations(g -> g.apiId(api.apiId()))
                .items()
                .forEach(i -> values.put(id(i.description(), "Integration"), i.integrationId()));
        aws.apiGateway
                .getRoutes(g -> g.apiId(api.apiId()))
                .items()
                .forEach(r -> values.put(id(r.routeKey(), "Route"), r.routeId()));
        aws.apiGateway
                .getAuthorizers(g -> g.apiId(api.apiId()))
                .items()
                .forEach(a -> values.put("Authorizer", a.authorizerId()));
        String deployment = aws.apiGateway
                .getStage(g -> g.apiId(api.apiId()).stageName("dev"))
                .deploymentId();
        template.get("Resources").fieldNames().forEachRemaining(n -> {
            if (n.startsWith("Deployment")) {
                values.put(n, deployment);
            }
        });
        if (template.get("Parameters").has(Template.AUTH_SECRET)) {
            values.put(Template.AUTH_SECRET, authorizeEnvironment().get(AuthSettings.ENV_SECRET));
        }
        return values;
    }

    /**
     * Every resource of {@code template}, its references resolved to what deploy created, equals that resource in
     * the account; and the account has nothing the template lacks.
     */
    private void compare(JsonNode template) {
        JsonNode resources = Intrinsics.resolve(template.get("Resources"), values(template)::get);
        assertThat(types(template))
                .as("the template has a resource for each one deploy created")
                .containsAllEntriesOf(deployedTypes());
        resources.fields().forEachRemaining(e -> {
            String logicalId = e.getKey();
            JsonNode p = e.getValue().get("Properties");
            String type = e.getValue().get("Type").asText();
            switch (type) {
                case "AWS::DynamoDB::Table" -> table(p);
                case "AWS::ApiGatewayV2::Api" -> api(p);
                case "AWS::IAM::Role" -> role(p);
                case "AWS::Lambda::Function" -> function(p);
                case "AWS::Lambda::Version" -> version(logicalId, p);
                case "AWS::Lambda::Alias" -> alias(p);
                case "AWS::Lambda::Permission" -> permission(p);
                case "AWS::Lambda::EventInvokeConfig" -> eventInvokeConfig(resources, e.getValue());
                case "AWS::ApiGatewayV2::Authorizer" -> authorizer(p);
                case "AWS::ApiGatewayV2::Integration" -> integration(p);
                case "AWS::ApiGatewayV2::Route" -> route(p);
                case "AWS::ApiGatewayV2::RouteResponse" -> routeResponse(p);
                case "AWS::ApiGatewayV2::Deployment" -> deployment(e.getValue());
                case "AWS::ApiGatewayV2::Stage" -> stage(p);
                case "AWS::CloudWatch::Dashboard" -> dashboard(p);
                default ->
                    fail("TemplateTest has no comparison for " + type + " (" + logicalId + "): add one that"
                            + " checks it against what deploy creates");
            }
        });
    }

    /** What deploy created, counted by the CloudFormation type that describes it (versions and deployments aside). */
    private Map<String, Long> deployedTypes() {
        Map<String, String> kinds = Map.ofEntries(
                Map.entry("iam role", "AWS::IAM::Role"),
                Map.entry("lambda function", "AWS::Lambda::Function"),
                Map.entry("lambda alias", "AWS::Lambda::Alias"),
                Map.entry("lambda permission", "AWS::Lambda::Permission"),
                Map.entry("lambda async", "AWS::Lambda::EventInvokeConfig"),
                Map.entry("apigateway api", "AWS::ApiGatewayV2::Api"),
                Map.entry("apigateway integration", "AWS::ApiGatewayV2::Integration"),
                Map.entry("apigateway authorizer", "AWS::ApiGatewayV2::Authorizer"),
                Map.entry("apigateway route", "AWS::ApiGatewayV2::Route"),
                Map.entry("apigateway stage", "AWS::ApiGatewayV2::Stage"),
                Map.entry("dynamodb table", "AWS::DynamoDB::Table"),
                Map.entry("cloudwatch dashboard", "AWS::CloudWatch::Dashboard"));
        Map<String, Long> counts = new TreeMap<>();
        for (String line : aws.inventory("wsctl-dev")) {
            String kind = line.split(" ")[0] + " " + line.split(" ")[1];
            // a role's inline policy and a table's TTL are properties of the role and the table in a template
            if (!kind.equals("iam policy") && !kind.equals("dynamodb ttl")) {
                assertThat(kinds).as("a CloudFormation type for " + line).containsKey(kind);
                counts.merge(kinds.get(kind), 1L, Long::sum);
            }
        }
        return counts;
    }

    private static Map<String, String> tags(JsonNode list) {
        Map<String, String> tags = new TreeMap<>();
        list.forEach(t -> tags.put(t.get("Key").asText(), t.get("Value").asText()));
        return tags;
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> map = new TreeMap<>();
        object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    private void table(JsonNode p) {
        String name = p.get("TableName").asText();
        var table = aws.dynamoDb.describeTable(t -> t.tableName(name)).table();
        assertThat(table.billingModeSummary().billingModeAsString())
                .isEqualTo(p.get("BillingMode").asText());
        assertThat(table.keySchema().stream()
                        .map(k -> k.attributeName() + " " + k.keyTypeAsString())
                        .toList())
                .isEqualTo(keys(p.get("KeySchema")));
        List<String> attributes = new ArrayList<>();
        p.get("AttributeDefinitions")
                .forEach(a -> attributes.add(a.get("AttributeName").asText() + " "
                        + a.get("AttributeType").asText()));
        assertThat(table.attributeDefinitions().stream()
                        .map(a -> a.attributeName() + " " + a.attributeTypeAsString())
                        .toList())
                .isEqualTo(attributes);
        assertThat(table.globalSecondaryIndexes())
                .hasSize(p.path("GlobalSecondaryIndexes").size());
        for (JsonNode index : p.path("GlobalSecondaryIndexes")) {
            var actual = table.globalSecondaryIndexes().stream()
                    .filter(i -> i.indexName().equals(index.get("IndexName").asText()))
                    .findFirst()
                    .orElseThrow();
            assertThat(actual.keySchema().stream()
                            .map(k -> k.attributeName() + " " + k.keyTypeAsString())
                            .toList())
                    .isEqualTo(keys(index.get("KeySchema")));
            assertThat(actual.projection().projectionTypeAsString())
                    .isEqualTo(index.at("/Projection/ProjectionType").asText());
        }
        var ttl = aws.dynamoDb.describeTimeToLive(t -> t.tableName(name)).timeToLiveDescription();
        assertThat(ttl.attributeName())
                .isEqualTo(p.at("/TimeToLiveSpecification/AttributeName").asText());
        assertThat(p.at("/TimeToLiveSpecification/Enabled").asBoolean()).isTrue();
        assertThat(aws.dynamoDb.listTagsOfResource(t -> t.resourceArn(table.tableArn())).tags().stream()
                        .collect(Collectors.toMap(t -> t.key(), t -> t.value())))
                .isEqualTo(tags(p.get("Tags")));
    }

    private static List<String> keys(JsonNode schema) {
        List<String> keys = new ArrayList<>();
        schema.forEach(k -> keys.add(
                k.get("AttributeName").asText() + " " + k.get("KeyType").asText()));
        return keys;
    }

    private void api(JsonNode p) {
        Api api = api();
        assertThat(api.name()).isEqualTo(p.get("Name").asText());
        assertThat(api.protocolTypeAsString()).isEqualTo(p.get("ProtocolType").asText());
        assertThat(api.routeSelectionExpression())
                .isEqualTo(p.get("RouteSelectionExpression").asText());
        assertThat(api.description()).isEqualTo(p.get("Description").asText());
        assertThat(api.tags()).isEqualTo(strings(p.get("Tags")));
    }

    private void role(JsonNode p) {
        String name = p.get("RoleName").asText();
        assertThat(parse(java.net.URLDecoder.decode(
                        aws.iam.getRole(g -> g.roleName(name)).role().assumeRolePolicyDocument(),
                        java.nio.charset.StandardCharsets.UTF_8)))
                .as(name + " trust")
                .isEqualTo(p.get("AssumeRolePolicyDocument"));
        assertThat(p.get("Policies")).hasSize(1);
        JsonNode policy = p.get("Policies").get(0);
        assertThat(parse(aws.rolePolicy(name, policy.get("PolicyName").asText())))
                .as(name + " policy")
                .isEqualTo(policy.get("PolicyDocument"));
        assertThat(aws.iam.getRole(g -> g.roleName(name)).role().description())
                .isEqualTo(p.get("Description").asText());
        assertThat(aws.iam.listRoleTags(t -> t.roleName(name)).tags().stream()
                        .collect(Collectors.toMap(t -> t.key(), t -> t.value())))
                .isEqualTo(tags(p.get("Tags")));
    }

    private static JsonNode parse(String json) {
        try {
            return Jackson.mapper().readTree(json);
        } catch (IOException e) {
            throw new AssertionError(json, e);
        }
    }

    private void function(JsonNode p) {
        String name = p.get("FunctionName").asText();
        var got = aws.lambda.getFunction(g -> g.functionName(name));
        FunctionConfiguration f = got.configuration();
        assertThat(f.handler()).as(name).isEqualTo(p.get("Handler").asText());
        assertThat(f.runtimeAsString()).as(name).isEqualTo(p.get("Runtime").asText());
        assertThat(f.architecturesAsStrings())
                .as(name)
                .containsExactly(p.at("/Architectures/0").asText());
        assertThat(f.memorySize()).as(name).isEqualTo(p.get("MemorySize").asInt());
        assertThat(f.timeout()).as(name).isEqualTo(p.get("Timeout").asInt());
        assertThat(f.role()).as(name).isEqualTo(p.get("Role").asText());
        assertThat(f.environment().variables())
                .as(name + " environment")
                .isEqualTo(strings(p.at("/Environment/Variables")));
        assertThat(f.loggingConfig().logFormatAsString())
                .as(name)
                .isEqualTo(p.at("/LoggingConfig/LogFormat").asText());
        assertThat(f.snapStart().applyOnAsString())
                .as(name)
                .isEqualTo(p.at("/SnapStart/ApplyOn").asText());
        assertThat(f.description()).as(name).isEqualTo(p.get("Description").asText());
        assertThat(p.at("/Code/S3Key").asText()).isEqualTo(CODE_KEY);
        assertThat(got.tags()).as(name).isEqualTo(tags(p.get("Tags")));
    }

    private void version(String logicalId, JsonNode p) {
        String name = p.get("FunctionName").asText();
        assertThat(aws.lambda.listVersionsByFunction(g -> g.functionName(name)).versions())
                .as(logicalId)
                .anyMatch(v -> !v.version().equals("$LATEST"));
        assertThat(p.get("Description").asText())
                .as("a new version when the code's key changes")
                .endsWith(" " + CODE_KEY);
    }

    private void alias(JsonNode p) {
        String name = p.get("FunctionName").asText();
        var alias =
                aws.lambda.getAlias(g -> g.functionName(name).name(p.get("Name").asText()));
        assertThat(alias.functionVersion()).isEqualTo(p.get("FunctionVersion").asText());
    }

    private void permission(JsonNode p) {
        String target = p.get("FunctionName").asText(); // the alias's ARN, or the function's
        String function = target.replaceAll(".*:function:([^:]+).*", "$1");
        String qualifier =
                target.matches(".*:function:[^:]+:[^:]+") ? target.substring(target.lastIndexOf(':') + 1) : null;
        JsonNode policy = parse(aws.lambda
                .getPolicy(g -> g.functionName(function).qualifier(qualifier))
                .policy());
        JsonNode statement = policy.get("Statement").get(0);
        assertThat(policy.get("Statement")).as(target).hasSize(1);
        assertThat(statement.at("/Principal/Service").asText())
                .isEqualTo(p.get("Principal").asText());
        assertThat(statement.get("Action").asText()).isEqualTo(p.get("Action").asText());
        assertThat(statement.at("/Condition/ArnLike/AWS:SourceArn").asText())
                .isEqualTo(p.get("SourceArn").asText());
        assertThat(statement.get("Resource").asText()).isEqualTo(target);
    }

    /** The config deploy put on the same qualifier; one the template names waits for the alias that has that name. */
    private void eventInvokeConfig(JsonNode resources, JsonNode resource) {
        JsonNode p = resource.get("Properties");
        String name = p.get("FunctionName").asText();
        String qualifier = p.get("Qualifier").asText();
        var config = aws.lambda.getFunctionEventInvokeConfig(
                g -> g.functionName(name).qualifier(qualifier.equals("$LATEST") ? null : qualifier));
        // moto 5.2.1 keeps one event invoke configuration per function, whatever the qualifier, and answers the
        // function's unqualified ARN: the qualifier itself cannot be read back from it
        assertThat(config.functionArn()).as(name).contains(":function:" + name);
        assertThat(config.maximumRetryAttempts())
                .as(name)
                .isEqualTo(p.get("MaximumRetryAttempts").asInt());
        assertThat(config.maximumEventAgeInSeconds())
                .as(name)
                .isEqualTo(p.get("MaximumEventAgeInSeconds").asInt());
        assertThat(config.destinationConfig())
                .as(name + ": neither sets destinations")
                .isNull();
        if (!qualifier.equals("$LATEST")) {
            List<String> aliases = new ArrayList<>();
            resource.path("DependsOn").forEach(d -> {
                JsonNode other = resources.get(d.asText());
                if (other.get("Type").asText().equals("AWS::Lambda::Alias")
                        && other.at("/Properties/FunctionName").asText().equals(name)) {
                    aliases.add(other.at("/Properties/Name").asText());
                }
            });
            assertThat(aliases).as(name + ": waits for the alias it names").containsExactly(qualifier);
        }
    }

    private void authorizer(JsonNode p) {
        Authorizer a = aws.apiGateway.getAuthorizers(g -> g.apiId(p.get("ApiId").asText())).items().stream()
                .filter(z -> z.name().equals(p.get("Name").asText()))
                .findFirst()
                .orElseThrow();
        assertThat(a.authorizerTypeAsString()).isEqualTo(p.get("AuthorizerType").asText());
        assertThat(a.authorizerUri()).isEqualTo(p.get("AuthorizerUri").asText());
        List<String> sources = new ArrayList<>();
        p.get("IdentitySource").forEach(s -> sources.add(s.asText()));
        assertThat(a.identitySource()).isEqualTo(sources);
    }

    private void integration(JsonNode p) {
        Integration i = aws
                .apiGateway
                .getIntegrations(g -> g.apiId(p.get("ApiId").asText()))
                .items()
                .stream()
                .filter(x -> x.description().equals(p.get("Description").asText()))
                .findFirst()
                .orElseThrow();
        assertThat(i.integrationTypeAsString())
                .isEqualTo(p.get("IntegrationType").asText());
        assertThat(i.integrationUri()).isEqualTo(p.get("IntegrationUri").asText());
        assertThat(i.integrationMethod()).isEqualTo(p.get("IntegrationMethod").asText());
    }

    private void route(JsonNode p) {
        Route r = aws.apiGateway.getRoutes(g -> g.apiId(p.get("ApiId").asText())).items().stream()
                .filter(x -> x.routeKey().equals(p.get("RouteKey").asText()))
                .findFirst()
                .orElseThrow();
        assertThat(r.target()).as(r.routeKey()).isEqualTo(p.get("Target").asText());
        assertThat(r.routeResponseSelectionExpression())
                .as(r.routeKey())
                .isEqualTo(p.path("RouteResponseSelectionExpression").textValue());
        assertThat(r.authorizationTypeAsString())
                .as(r.routeKey())
                .isEqualTo(p.get("AuthorizationType").asText());
        assertThat(r.authorizerId())
                .as(r.routeKey())
                .isEqualTo(p.path("AuthorizerId").textValue());
    }

    private void routeResponse(JsonNode p) {
        var responses = aws.apiGateway
                .getRouteResponses(g -> g.apiId(p.get("ApiId").asText())
                        .routeId(p.get("RouteId").asText()))
                .items();
        assertThat(responses)
                .extracting(r -> r.routeResponseKey())
                .containsExactly(p.get("RouteResponseKey").asText());
    }

    private void deployment(JsonNode resource) {
        List<String> routes = new ArrayList<>();
        resource.get("DependsOn").forEach(d -> routes.add(d.asText()));
        long routed = aws.apiGateway.getRoutes(g -> g.apiId(apiId())).items().size();
        assertThat(routes.stream().filter(r -> r.endsWith("Route")).count())
                .as("made after every route")
                .isEqualTo(routed);
        assertThat(aws.apiGateway
                        .getDeployment(g -> g.apiId(apiId())
                                .deploymentId(aws.apiGateway
                                        .getStage(st -> st.apiId(apiId()).stageName("dev"))
                                        .deploymentId()))
                        .deploymentStatusAsString())
                .isEqualTo("DEPLOYED");
    }

    /** The body deploy put, as CloudWatch keeps it, is the template's body with the API's id and the region filled in. */
    private void dashboard(JsonNode p) {
        String name = p.get("DashboardName").asText();
        assertThat(parse(aws.dashboard(name).orElseThrow()))
                .isEqualTo(parse(p.get("DashboardBody").asText()));
    }

    private void stage(JsonNode p) {
        var stage = aws.apiGateway.getStage(g ->
                g.apiId(p.get("ApiId").asText()).stageName(p.get("StageName").asText()));
        assertThat(stage.deploymentId()).isEqualTo(p.get("DeploymentId").asText());
        assertThat(stage.defaultRouteSettings().throttlingRateLimit())
                .isEqualTo(p.at("/DefaultRouteSettings/ThrottlingRateLimit").asDouble());
        assertThat(stage.defaultRouteSettings().throttlingBurstLimit())
                .isEqualTo(p.at("/DefaultRouteSettings/ThrottlingBurstLimit").asInt());
        assertThat(stage.tags()).isEqualTo(strings(p.get("Tags")));
    }
}
