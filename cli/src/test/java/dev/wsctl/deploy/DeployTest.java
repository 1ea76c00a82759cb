package dev.wsctl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.aws.AwsClients;
import dev.wsctl.cli.CliRun;
import dev.wsctl.cli.Context;
import dev.wsctl.cli.DeployCommand;
import dev.wsctl.cli.DestroyCommand;
import dev.wsctl.cli.StatusCommand;
import dev.wsctl.cli.Wsctl;
import dev.wsctl.deploy.fakes.FakeAws;
import dev.wsctl.runtime.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.Route;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.sts.StsClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code wsctl deploy / status / destroy} through {@link Wsctl#run} against in-memory fakes of the
 * SDK clients that keep state like the services.
 */
class DeployTest {
    private static final List<String> FUNCTIONS = List.of("connect", "disconnect", "channels", "send", "default");

    @TempDir
    Path dir;
    private FakeAws aws;
    private Path jar;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void account() throws IOException {
        aws = new FakeAws();
        jar = handlersJar("v1");
    }

    @AfterEach
    void close() {
        aws.close();
    }

    private Path handlersJar(String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("dev/wsctl/handlers/version.txt"));
            zip.write(content.getBytes());
            zip.closeEntry();
        }
        Path file = dir.resolve("handlers-" + content + ".jar");
        Files.write(file, bytes.toByteArray());
        return file;
    }

    private CliRun wsctl(String... args) {
        Context context = new Context(env, (options, config, e) -> clients(), new FunctionResource.Retry(12,
                Duration.ofMillis(1), Duration.ofMillis(1), d -> { }));
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                if (type == DeployCommand.class) {
                    return type.cast(new DeployCommand(context));
                }
                if (type == StatusCommand.class) {
                    return type.cast(new StatusCommand(context));
                }
                if (type == DestroyCommand.class) {
                    return type.cast(new DestroyCommand(context));
                }
                return CommandLine.defaultFactory().create(type);
            }
        };
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--app", "chat", "--stage", "dev", "--region", "us-east-1",
                "--config", dir.resolve("none.yaml").toString()));
        try {
            Files.writeString(dir.resolve("none.yaml"), "app: chat\n");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return CliRun.wsctl(factory, all.toArray(String[]::new));
    }

    private CliRun deploy(String... extra) {
        List<String> args = new ArrayList<>(List.of("deploy", "--handlers-jar", jar.toString()));
        args.addAll(List.of(extra));
        return wsctl(args.toArray(String[]::new));
    }

    private AwsClients clients() {
        return new AwsClients() {
            public String region() {
                return "us-east-1";
            }

            public software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials() {
                return software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create();
            }

            public StsClient sts() {
                return aws.sts();
            }

            public IamClient iam() {
                return aws.iam();
            }

            public LambdaClient lambda() {
                return aws.lambda();
            }

            public ApiGatewayV2Client apiGateway() {
                return aws.apiGateway();
            }

            public DynamoDbAsyncClient dynamoDb() {
                return aws.dynamo();
            }

            public void close() {
            }
        };
    }

    private String apiId() {
        return aws.apiGateway().getApis(r -> { }).items().stream().filter(a -> a.name().equals("chat-dev"))
                .findFirst().orElseThrow().apiId();
    }

    @Test
    void anEmptyAccountGetsTheWholeStack() {
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        String api = apiId();

        var table = aws.dynamo().describeTable(t -> t.tableName("chat-dev-connections")).join().table();
        assertThat(table.keySchema()).extracting(k -> k.attributeName()).containsExactly("connectionId", "channel");
        assertThat(table.globalSecondaryIndexes()).singleElement().satisfies(i -> {
            assertThat(i.indexName()).isEqualTo("by-channel");
            assertThat(i.projection().projectionTypeAsString()).isEqualTo("KEYS_ONLY");
        });
        assertThat(aws.dynamo().describeTimeToLive(t -> t.tableName("chat-dev-connections")).join()
                .timeToLiveDescription().attributeName()).isEqualTo("expiresAt");

        for (String fn : FUNCTIONS) {
            String name = "chat-dev-" + fn;
            JsonNode policy = parse(aws.iam().policyDocument(name, RoleResource.POLICY_NAME));
            for (JsonNode statement : policy.get("Statement")) {
                assertThat(statement.get("Resource").asText()).as(name).isNotEqualTo("*")
                        .doesNotContain(":*:").startsWith("arn:aws:");
            }
            assertThat(policy.toString()).contains("log-group:/aws/lambda/" + name);
            FunctionConfiguration f = aws.lambda().getFunction(g -> g.functionName(name)).configuration();
            assertThat(f.runtimeAsString()).isEqualTo("java21");
            assertThat(f.architecturesAsStrings()).containsExactly("arm64");
            assertThat(f.role()).endsWith(":role/" + name);
            assertThat(f.environment().variables()).containsEntry("WSCTL_TABLE", "chat-dev-connections")
                    .containsEntry("WSCTL_CALLBACK_URL", "https://" + api + ".execute-api.us-east-1.amazonaws.com/dev");
            assertThat(f.loggingConfig().logFormatAsString()).isEqualTo("JSON");
            assertThat(aws.lambda().getAlias(a -> a.functionName(name).name("live")).functionVersion()).isNotBlank();
            String permission = aws.lambda().getPolicy(p -> p.functionName(name).qualifier("live")).policy();
            assertThat(permission).contains("arn:aws:execute-api:us-east-1:123456789012:" + api + "/*",
                    "apigateway.amazonaws.com");
        }
        JsonNode send = parse(aws.iam().policyDocument("chat-dev-send", RoleResource.POLICY_NAME));
        assertThat(send.toString()).contains("arn:aws:execute-api:us-east-1:123456789012:" + api + "/dev/POST/@connections/*",
                "table/chat-dev-connections/index/by-channel");
        assertThat(aws.iam().policyDocument("chat-dev-connect", RoleResource.POLICY_NAME).toString())
                .doesNotContain("execute-api");

        List<Route> routes = aws.apiGateway().getRoutes(g -> g.apiId(api)).items();
        assertThat(routes).extracting(Route::routeKey).containsExactlyInAnyOrder("$connect", "$disconnect", "$default",
                "ping", "joinchannel", "leavechannel", "sendmessage");
        var integrations = aws.apiGateway().getIntegrations(g -> g.apiId(api)).items();
        assertThat(integrations).hasSize(5).allSatisfy(i -> {
            assertThat(i.integrationTypeAsString()).isEqualTo("AWS_PROXY");
            assertThat(i.integrationUri()).contains(":function:chat-dev-").endsWith(":live/invocations");
        });
        for (Route route : routes) {
            int responses = aws.apiGateway().getRouteResponses(g -> g.apiId(api).routeId(route.routeId())).items().size();
            assertThat(responses).as(route.routeKey()).isEqualTo(route.routeKey().equals("$connect")
                    || route.routeKey().equals("$disconnect") ? 0 : 1);
        }
        var stage = aws.apiGateway().getStage(g -> g.apiId(api).stageName("dev"));
        assertThat(stage.deploymentId()).isNotBlank();
        assertThat(stage.defaultRouteSettings().throttlingRateLimit()).isEqualTo(500.0);
        assertThat(stage.defaultRouteSettings().throttlingBurstLimit()).isEqualTo(1000);

        assertThat(r.out()).contains("+ create table chat-dev-connections", "+ create function chat-dev-send",
                "wss://" + api + ".execute-api.us-east-1.amazonaws.com/dev",
                "https://" + api + ".execute-api.us-east-1.amazonaws.com/dev");
        assertThat(r.err()).contains("[1/", "+ create api chat-dev");
    }

    @Test
    void aSecondDeployChangesNothingAndMakesNoMutatingCall() {
        assertThat(deploy().code()).isZero();
        aws.log().reset();
        CliRun again = deploy();
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(aws.mutatingCalls()).isEmpty();
        assertThat(again.out().lines().filter(l -> l.startsWith("= unchanged")).count()).isEqualTo(19);
        assertThat(again.out()).doesNotContain("+ create", "~ update");
    }

    @Test
    void withoutSnapStartApiGatewayInvokesTheFunctionsThemselves() {
        env.put("WSCTL_SNAP_START", "false");
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        String api = apiId();
        assertThat(aws.apiGateway().getIntegrations(g -> g.apiId(api)).items()).allSatisfy(i ->
                assertThat(i.integrationUri()).matches(".*:function:chat-dev-[a-z]+/invocations"));
        for (String fn : FUNCTIONS) {
            assertThat(aws.lambda().getPolicy(p -> p.functionName("chat-dev-" + fn)).policy()).contains(api);
        }
        assertThat(aws.inventory()).noneMatch(l -> l.startsWith("lambda alias"));
        aws.log().reset();
        assertThat(deploy().code()).isZero();
        assertThat(aws.mutatingCalls()).isEmpty();
    }

    @Test
    void driftIsUndoneWithExactlyThoseUpdates() throws IOException {
        assertThat(deploy().code()).isZero();
        String api = apiId();
        Route ping = aws.apiGateway().getRoutes(g -> g.apiId(api)).items().stream()
                .filter(route -> route.routeKey().equals("ping")).findFirst().orElseThrow();
        aws.apiGateway().deleteRoute(d -> d.apiId(api).routeId(ping.routeId()));
        aws.iam().untagRole(u -> u.roleName("chat-dev-channels").tagKeys("wsctl:stage"));
        env.put("WSCTL_MEMORY_SEND", "2048");
        jar = handlersJar("v2");
        aws.log().reset();

        CliRun r = deploy();

        assertThat(r.code()).as(r.err()).isZero();
        List<String> changed = r.out().lines().filter(l -> l.startsWith("~ ") || l.startsWith("+ ")).toList();
        assertThat(changed).hasSize(8);
        assertThat(changed).anySatisfy(l -> assertThat(l).startsWith("~ update function chat-dev-send (")
                .contains("memory: 1024 → 2048", "code: "));
        assertThat(changed).anySatisfy(l -> assertThat(l).startsWith("~ update role chat-dev-channels (tags"));
        assertThat(changed).anySatisfy(l -> assertThat(l).startsWith("~ update routes chat-dev ("));
        assertThat(changed).anySatisfy(l -> assertThat(l).startsWith("~ update stage dev (deployment: current → new"));
        assertThat(changed.stream().filter(l -> l.startsWith("~ update function")).count())
                .as("code changed in all five").isEqualTo(5);
        assertThat(aws.lambda().getFunction(g -> g.functionName("chat-dev-send")).configuration().memorySize())
                .isEqualTo(2048);
        assertThat(aws.apiGateway().getRoutes(g -> g.apiId(api)).items()).extracting(Route::routeKey).contains("ping");
        assertThat(aws.mutatingCalls()).doesNotContain("iam:PutRolePolicy", "dynamodb:UpdateTimeToLive",
                "apigateway:CreateIntegration");

        aws.log().reset();
        assertThat(deploy().code()).isZero();
        assertThat(aws.mutatingCalls()).isEmpty();
    }

    @Test
    void aDeployThatFailsAtAnyStepConvergesWhenRunAgain() {
        assertThat(deploy().code()).isZero();
        List<String> clean = normalized(aws.inventory());
        int steps = aws.log().mutatingCount();
        aws.close();
        for (int k = 1; k <= steps; k++) {
            aws = new FakeAws();
            aws.failOnMutatingCall(k, software.amazon.awssdk.services.lambda.model.ServiceException.builder()
                    .message("injected failure " + k).statusCode(500).build());
            CliRun failed = deploy();
            assertThat(failed.code()).as("step " + k).isEqualTo(1);
            assertThat(failed.err()).as("step " + k).contains("injected failure " + k).doesNotContain("\tat ");
            CliRun rerun = deploy("--stacktrace");
            assertThat(rerun.code()).as("rerun after step " + k + ": " + rerun.err()).isZero();
            assertThat(normalized(aws.inventory())).as("after step " + k).isEqualTo(clean);
            aws.log().reset();
            assertThat(deploy().code()).isZero();
            assertThat(aws.mutatingCalls()).as("third run after step " + k).isEmpty();
            aws.close();
        }
        aws = new FakeAws();
    }

    @Test
    void aRoleThatIsNotYetAssumableIsWaitedFor() {
        aws.lambda().rejectNewRolesFor(3);
        CliRun r = deploy();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(aws.log().count("lambda:CreateFunction")).isEqualTo(5 + 3);
    }

    @Test
    void dryRunChangesNothingAndShowsThePlanDeployCarriesOut() {
        CliRun dry = deploy("--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(aws.mutatingCalls()).isEmpty();
        assertThat(aws.inventory()).isEmpty();
        CliRun real = deploy();
        List<String> planned = dry.out().lines().filter(l -> !l.isBlank()).toList();
        assertThat(real.out().lines().limit(planned.size()).toList()).isEqualTo(planned);
        assertThat(real.err().lines().filter(l -> l.startsWith("[")).map(l -> l.substring(l.indexOf("] ") + 2))
                .toList()).isEqualTo(planned);

        CliRun dryJson = deploy("--dry-run", "-o", "json");
        JsonNode plan = parse(dryJson.out()).get("plan");
        assertThat(plan).hasSize(19).allSatisfy(s -> assertThat(s.get("action").asText()).isEqualTo("unchanged"));
    }

    @Test
    void destroyRemovesEverythingAndCanRunAgain() {
        assertThat(deploy().code()).isZero();
        CliRun r = wsctl("destroy", "--yes");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(aws.inventory()).isEmpty();
        CliRun again = wsctl("destroy", "--yes");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(aws.inventory()).isEmpty();
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
        assertThat(before.out()).contains("missing    table      chat-dev-connections");
        deploy();
        aws.iam().untagRole(u -> u.roleName("chat-dev-send").tagKeys("wsctl:app"));
        CliRun after = wsctl("status", "-o", "json");
        JsonNode json = parse(after.out());
        assertThat(json.get("resources")).hasSize(19);
        assertThat(json.get("resources").findValuesAsText("state")).containsOnly("present", "drifted");
        assertThat(json.get("endpoints").get("url").asText()).startsWith("wss://");
        assertThat(json.get("connections").asLong()).isZero();
        assertThat(wsctl("status").out()).contains("connections        0");
    }

    @Test
    void noRegionAndAQuotaHitAreOneSentenceEach() {
        aws.failOnMutatingCall(1, software.amazon.awssdk.services.lambda.model.CodeStorageExceededException.builder()
                .message("Code storage limit exceeded.").statusCode(400)
                .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                        .errorCode("CodeStorageExceededException").errorMessage("Code storage limit exceeded.")
                        .serviceName("Lambda").build()).build());
        CliRun quota = deploy();
        assertThat(quota.code()).isEqualTo(1);
        assertThat(quota.err()).contains("quota", "Code storage limit exceeded.").doesNotContain("\tat ");

        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("AWS_REGION") == null
                && System.getenv("AWS_DEFAULT_REGION") == null, "the environment names a region");
        String configFile = System.getProperty("aws.configFile");
        System.setProperty("aws.configFile", dir.resolve("no-aws-config").toString());
        try {
            assertThatThrownBy(() -> new dev.wsctl.aws.SdkAwsClients(java.util.Optional.empty(),
                    java.util.Optional.empty(), java.util.Optional.empty()))
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
        aws.sts().failWithMissingCredentials();
        CliRun r = deploy();
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("No AWS credentials").doesNotContain("\tat ");
        aws.sts().failWithAccessDenied();
        CliRun denied = deploy();
        assertThat(denied.code()).isEqualTo(1);
        assertThat(denied.err()).contains("Access denied", "sts:GetCallerIdentity").doesNotContain("\tat ");
        aws.sts().succeed();
        aws.failOnMutatingCall(4, software.amazon.awssdk.services.iam.model.IamException.builder()
                .message("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:CreateRole")
                .statusCode(403).awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                        .errorCode("AccessDenied").serviceName("IAM").errorMessage(
                                "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:CreateRole"
                                        + " on resource: arn:aws:iam::123456789012:role/chat-dev-connect").build()).build());
        CliRun step = deploy();
        assertThat(step.code()).isEqualTo(1);
        assertThat(step.err()).contains("Access denied while trying to create role chat-dev-connect",
                "iam:CreateRole on resource: arn:aws:iam::123456789012:role/chat-dev-connect").doesNotContain("\tat ");
    }

    @Test
    void aBadConfigFileIsAUsageErrorThatNamesTheKey() throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "app: chat\nmemroy:\n  all: 512\n");
        CliRun r = CliRun.wsctl("deploy", "--config", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("line 2", "memroy");
    }

    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(text, e);
        }
    }

    /** The inventory without generated ids, versions and deployments (a rerun may publish one more). */
    private static List<String> normalized(List<String> inventory) {
        return inventory.stream()
                .filter(l -> !l.startsWith("lambda version") && !l.startsWith("apigateway deployment"))
                .map(l -> l.replaceAll("\\([a-z0-9]{10}\\)", "(id)").replaceAll("/[a-z0-9]{7,10}( |/|$)", "/id$1")
                        .replaceAll("/[a-z0-9]{10}/", "/id/"))
                .sorted().toList();
    }
}
