package dev.wsctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.aws.AwsClients;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.CallRecorder;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.aws.SdkAwsClients;
import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.cli.CliRun;
import dev.wsctl.cli.Context;
import dev.wsctl.config.Jackson;
import dev.wsctl.deploy.fakes.FakeAccount;
import dev.wsctl.deploy.fakes.FakeCloudFormation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;

/**
 * {@code wsctl deploy --engine cloudformation} through {@link dev.wsctl.cli.Wsctl#run}: S3 and STS are moto's server
 * ({@link MotoServer}) through the real SDK clients, CloudFormation is {@link FakeCloudFormation}, a fake that keeps
 * state like the service, because moto's CloudFormation cannot create API Gateway v2 resources (what it assumes, with
 * the AWS documentation it follows, is in its javadoc). The SDK's waiters poll it every millisecond.
 */
class CloudFormationDeployTest {
    private static int buckets;
    private final String BUCKET = "chat-artifacts-" + Long.toString(System.nanoTime() % 1_000_000, 36) + (++buckets);
    private static final String STACK = "chat-dev";
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path dir;

    private final FakeAccount account = new FakeAccount();
    private final FakeCloudFormation cloudFormation = new FakeCloudFormation(account);
    private final CallRecorder calls = new CallRecorder();
    private AwsReadBack moto;
    private Path jar;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void account() throws IOException {
        moto = new AwsReadBack(MotoServer.url());
        moto.s3.createBucket(b -> b.bucket(BUCKET));
        jar = handlersJar("v1");
    }

    @AfterEach
    void close() {
        moto.close();
    }

    /** The real clients on moto, but CloudFormation's calls go to the fake. */
    private AwsClients clients(java.util.Optional<String> region) {
        SdkAwsClients real = new SdkAwsClients(
                java.util.Optional.empty(),
                region,
                AwsEndpoints.of(java.util.Optional.of(MotoServer.url()), Map.of()),
                List.of(calls));
        return new AwsClients() {
            public String region() {
                return real.region();
            }

            public software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials() {
                return real.credentials();
            }

            public software.amazon.awssdk.services.apigateway.ApiGatewayClient apiGatewayAccount() {
                return real.apiGatewayAccount();
            }

            public dev.wsctl.aws.ServiceQuotas serviceQuotas() {
                return real.serviceQuotas();
            }

            public software.amazon.awssdk.services.sts.StsClient sts() {
                return real.sts();
            }

            public software.amazon.awssdk.services.iam.IamClient iam() {
                return real.iam();
            }

            public software.amazon.awssdk.services.sqs.SqsClient sqs() {
                return real.sqs();
            }

            public software.amazon.awssdk.services.lambda.LambdaClient lambda() {
                return real.lambda();
            }

            public software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client apiGateway() {
                return real.apiGateway();
            }

            public software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient dynamoDb() {
                return real.dynamoDb();
            }

            public software.amazon.awssdk.services.s3.S3Client s3() {
                return real.s3();
            }

            public software.amazon.awssdk.services.cloudformation.CloudFormationClient cloudFormation() {
                return cloudFormation;
            }

            public software.amazon.awssdk.services.cloudwatch.CloudWatchClient cloudWatch() {
                return real.cloudWatch();
            }

            public void close() {
                real.close();
            }
        };
    }

    /** The mutating calls since the last reset: moto's, then the fake CloudFormation's. */
    private List<String> mutatingCalls() {
        List<String> all = new ArrayList<>(calls.mutatingCalls());
        all.addAll(account.log().mutatingCalls());
        return all;
    }

    private void resetCalls() {
        calls.reset();
        account.log().reset();
    }

    private byte[] object(String key) {
        return moto.s3.getObjectAsBytes(g -> g.bucket(BUCKET).key(key)).asByteArray();
    }

    private List<String> keys() {
        return moto.s3.listObjectsV2(l -> l.bucket(BUCKET)).contents().stream()
                .map(software.amazon.awssdk.services.s3.model.S3Object::key)
                .toList();
    }

    private Path handlersJar(String content) throws IOException {
        return StandInJar.write(dir, content);
    }

    private CliRun wsctl(String... args) {
        Context context = new Context(
                env,
                (options, config, e) -> clients(config.region()),
                new FunctionResource.Retry(1, BackoffStrategy.retryImmediately(), d -> {}),
                new CloudFormationDeploy.Polling(Duration.ofMillis(1), Duration.ofSeconds(30)));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--app",
                "chat",
                "--stage",
                "dev",
                "--config",
                dir.resolve("wsctl.yaml").toString()));
        try {
            Files.writeString(dir.resolve("wsctl.yaml"), "app: chat\n");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return CliRun.wsctl(context, all.toArray(String[]::new));
    }

    private CliRun deploy(String... extra) {
        List<String> args =
                new ArrayList<>(List.of("deploy", "--handlers-jar", jar.toString(), "--region", "us-east-1"));
        args.addAll(List.of(extra));
        return wsctl(args.toArray(String[]::new));
    }

    private CliRun cloudFormation(String... extra) {
        List<String> args = new ArrayList<>(List.of("--engine", "cloudformation", "--code-bucket", BUCKET));
        args.addAll(List.of(extra));
        return deploy(args.toArray(String[]::new));
    }

    /** Where the jar should be: under the stack's prefix, named by its SHA-256 in hex. */
    private String key() {
        try {
            return "wsctl/chat-dev/handlers-"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar))) + ".jar";
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theFirstDeployUploadsTheJarAndCreatesTheStackFromTheTemplate() throws Exception {
        CliRun r = cloudFormation();

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(cloudFormation.status(STACK)).isEqualTo(StackStatus.CREATE_COMPLETE);
        assertThat(object(key())).isEqualTo(Files.readAllBytes(jar));
        assertThat(cloudFormation.parameter(STACK, Template.CODE_BUCKET)).isEqualTo(BUCKET);
        assertThat(cloudFormation.parameter(STACK, Template.CODE_KEY)).isEqualTo(key());
        assertThat(cloudFormation.template(STACK))
                .as("the stack is wsctl template's")
                .isEqualTo(YAML.readTree(wsctl("template").out()));
        assertThat(cloudFormation.resources(STACK)).hasSize(55);

        assertThat(r.out())
                .startsWith("Change set (CREATE) of stack chat-dev:\n")
                .contains(
                        "+ add AWS::DynamoDB::Table ConnectionsTable",
                        "+ add AWS::DynamoDB::Table ChannelHistoryTable",
                        "+ add AWS::Lambda::Function SendFunction",
                        "+ add AWS::ApiGatewayV2::Stage Stage")
                .contains(
                        "url                wss://", "callbackUrl        https://", "function.send      chat-dev-send");
        assertThat(r.err()).contains("uploaded handlers.jar to s3://" + BUCKET + "/" + key());
        List<String> events =
                r.err().lines().filter(l -> l.matches("[A-Z_]+ +AWS::.*")).toList();
        assertThat(events.get(0)).matches("CREATE_IN_PROGRESS +AWS::CloudFormation::Stack +chat-dev  User Initiated");
        assertThat(events).anyMatch(l -> l.matches("CREATE_COMPLETE +AWS::Lambda::Function +SendFunction"));
        assertThat(events.get(events.size() - 1)).matches("CREATE_COMPLETE +AWS::CloudFormation::Stack +chat-dev");
        assertThat(events).doesNotHaveDuplicates();
        assertThat(account.log().count("cloudformation:CreateChangeSet")).isEqualTo(1);
        assertThat(account.log().count("cloudformation:DescribeStacks"))
                .as("the waiter polled")
                .isGreaterThan(51);
    }

    @Test
    void aSecondDeployWithoutChangesExecutesNothing() {
        assertThat(cloudFormation().code()).isZero();
        resetCalls();

        CliRun again = cloudFormation();

        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.err()).contains("No changes: stack chat-dev is as configured.", "already");
        assertThat(again.out()).doesNotContain("Change set").contains("url                wss://");
        assertThat(mutatingCalls()).containsExactly("cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet");
        assertThat(cloudFormation.changeSets(STACK)).isEmpty();
    }

    @Test
    void aConfigChangeIsAnUpdateOfTheResourcesItTouches() {
        assertThat(cloudFormation().code()).isZero();
        env.put("WSCTL_MEMORY_SEND", "2048");
        resetCalls();

        CliRun r = cloudFormation();

        assertThat(r.code()).as(r.err()).isZero();
        List<String> changes =
                r.out().lines().filter(l -> l.matches("[+~-] .*")).toList();
        assertThat(changes)
                .contains(
                        "~ modify AWS::Lambda::Function SendFunction (MemorySize)",
                        "~ modify AWS::Lambda::Version SendVersion (Description), replaced",
                        "~ modify AWS::Lambda::Alias SendAlias (Description)");
        assertThat(changes).as("nothing but the send function's").allMatch(l -> l.contains(" Send"));
        assertThat(r.out()).startsWith("Change set (UPDATE) of stack chat-dev:\n");
        assertThat(cloudFormation.status(STACK)).isEqualTo(StackStatus.UPDATE_COMPLETE);
        assertThat(cloudFormation
                        .template(STACK)
                        .at("/Resources/SendFunction/Properties/MemorySize")
                        .asInt())
                .isEqualTo(2048);
        assertThat(mutatingCalls()).as("the jar is there already").doesNotContain("s3:PutObject");
        assertThat(r.err()).contains("UPDATE_COMPLETE");
    }

    @Test
    void newCodeIsANewObjectAndNewVersions() throws IOException {
        assertThat(cloudFormation().code()).isZero();
        jar = handlersJar("v2");

        CliRun r = cloudFormation();

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(keys()).hasSize(2).contains(key());
        assertThat(r.out())
                .contains(
                        "~ modify AWS::Lambda::Function ConnectFunction (Code)",
                        "~ modify AWS::Lambda::Version ConnectVersion (Description), replaced");
        assertThat(cloudFormation.parameter(STACK, Template.CODE_KEY)).isEqualTo(key());
    }

    @Test
    void aDryRunShowsTheChangeSetAndLeavesNothingBehind() throws IOException {
        CliRun dry = cloudFormation("--dry-run");

        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out())
                .startsWith("Change set (CREATE) of stack chat-dev:\n")
                .contains("+ add AWS::Lambda::Function SendFunction")
                .doesNotContain("url ");
        assertThat(dry.err()).contains("Dry run");
        assertThat(cloudFormation.status(STACK))
                .as("the stack the change set made is gone")
                .isNull();
        assertThat(keys()).isEmpty();
        assertThat(account.log().count("cloudformation:ExecuteChangeSet")).isZero();

        assertThat(cloudFormation().code()).isZero();
        JsonNode deployed = cloudFormation.template(STACK);
        env.put("WSCTL_THROTTLING_RATE", "50");
        CliRun json = cloudFormation("--dry-run", "-o", "json");
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode changeSet = Jackson.mapper().readTree(json.out());
        assertThat(changeSet.get("changeSetType").asText()).isEqualTo("UPDATE");
        assertThat(changeSet.get("changes")).singleElement().satisfies(c -> {
            assertThat(c.get("logicalId").asText()).isEqualTo("Stage");
            assertThat(c.get("action").asText()).isEqualTo("Modify");
            assertThat(c.get("properties").toString()).contains("DefaultRouteSettings");
        });
        assertThat(cloudFormation.template(STACK)).isEqualTo(deployed);
        assertThat(cloudFormation.status(STACK)).isEqualTo(StackStatus.CREATE_COMPLETE);
        assertThat(cloudFormation.changeSets(STACK)).isEmpty();
    }

    @Test
    void aFailedCreateIsOneSentenceWithTheResourceAndItsReason() {
        cloudFormation.failOnExecution(
                "SendFunction",
                "Resource handler returned message: \"Code storage"
                        + " limit exceeded.\" (RequestToken: 1, HandlerErrorCode: ServiceLimitExceeded)");

        CliRun r = cloudFormation();

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .contains(
                        "wsctl: Stack chat-dev was not created: SendFunction (AWS::Lambda::Function)"
                                + " CREATE_FAILED: Resource handler returned message: \"Code storage limit exceeded.\"",
                        "It is ROLLBACK_COMPLETE: delete it")
                .doesNotContain("\tat ");
        assertThat(cloudFormation.status(STACK)).isEqualTo(StackStatus.ROLLBACK_COMPLETE);

        CliRun again = cloudFormation();
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err())
                .contains(
                        "is ROLLBACK_COMPLETE after a first deploy that failed",
                        "aws cloudformation delete-stack --stack-name chat-dev");
    }

    @Test
    void aFailedUpdateRollsBackAndTheNextDeployGoesThrough() {
        assertThat(cloudFormation().code()).isZero();
        env.put("WSCTL_MEMORY_SEND", "2048");
        cloudFormation.failOnExecution("SendFunction", "Memory size is over the account's limit");

        CliRun failed = cloudFormation();

        assertThat(failed.code()).isEqualTo(1);
        assertThat(failed.err())
                .contains("Stack chat-dev was not updated: SendFunction (AWS::Lambda::Function)"
                        + " UPDATE_FAILED: Memory size is over the account's limit. It is UPDATE_ROLLBACK_COMPLETE.");
        assertThat(cloudFormation
                        .template(STACK)
                        .at("/Resources/SendFunction/Properties/MemorySize")
                        .asInt())
                .as("rolled back")
                .isEqualTo(1024);

        CliRun r = cloudFormation();
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(cloudFormation.status(STACK)).isEqualTo(StackStatus.UPDATE_COMPLETE);
    }

    @Test
    void jwtGetsASecretOnceAndKeepsItThroughUpdates() {
        env.put("WSCTL_AUTH_MODE", "jwt");
        CliRun first = cloudFormation();
        assertThat(first.code()).as(first.err()).isZero();
        String secret = cloudFormation.parameter(STACK, Template.AUTH_SECRET);
        assertThat(AuthSettings.decodeSecret(secret)).hasSize(32);
        assertThat(first.out()).contains("+ add AWS::ApiGatewayV2::Authorizer Authorizer", "AuthSecret: (generated)");

        env.put("WSCTL_ALLOWED_ORIGINS", "https://app.example.com");
        CliRun update = cloudFormation();
        assertThat(update.code()).as(update.err()).isZero();
        assertThat(update.out())
                .contains("~ modify AWS::Lambda::Function AuthorizeFunction (Environment)", "AuthSecret: (kept)");
        assertThat(cloudFormation.parameter(STACK, Template.AUTH_SECRET)).isEqualTo(secret);

        CliRun same = cloudFormation();
        assertThat(same.code()).as(same.err()).isZero();
        assertThat(same.err()).contains("No changes");
        for (CliRun run : List.of(first, update, same, cloudFormation("-o", "json"), cloudFormation("--dry-run"))) {
            assertThat(run.out() + run.err()).doesNotContain(secret);
        }
    }

    @Test
    void jsonOutputIsTheEndpoints() throws IOException {
        CliRun r = cloudFormation("-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode endpoints = Jackson.mapper().readTree(r.out());
        assertThat(endpoints.get("url").asText())
                .startsWith("wss://")
                .endsWith(".execute-api.us-east-1.amazonaws.com/dev");
        assertThat(endpoints.get("table").asText()).isEqualTo("chat-dev-connections");
        assertThat(endpoints.get("historyTable").asText()).isEqualTo("chat-dev-history");
        assertThat(endpoints.get("function.send").asText()).isEqualTo("chat-dev-send");
    }

    @Test
    void theBucketIsRequiredAndMustExist() {
        CliRun none = deploy("--engine", "cloudformation");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("--engine cloudformation needs --code-bucket BUCKET");

        CliRun wrongEngine = deploy("--code-bucket", BUCKET);
        assertThat(wrongEngine.code()).isEqualTo(2);
        assertThat(wrongEngine.err()).contains("--code-bucket is for --engine cloudformation");

        CliRun unknownEngine = deploy("--engine", "terraform");
        assertThat(unknownEngine.code()).isEqualTo(2);
        assertThat(unknownEngine.err()).contains("must be sdk or cloudformation");

        CliRun missing = deploy("--engine", "cloudformation", "--code-bucket", "no-such-bucket");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err())
                .contains("Could not upload the handlers' jar to s3://no-such-bucket/wsctl/chat-dev/", "NoSuchBucket")
                .doesNotContain("\tat ");
        assertThat(cloudFormation.status(STACK)).as("no change set was made").isNull();
    }

    private CliRun destroy(String... extra) {
        List<String> args =
                new ArrayList<>(List.of("destroy", "--engine", "cloudformation", "--yes", "--region", "us-east-1"));
        args.addAll(List.of(extra));
        return wsctl(args.toArray(String[]::new));
    }

    @Test
    void destroyDeletesTheStackWithItsResourcesAndReportsThem() {
        assertThat(cloudFormation().code()).isZero();
        resetCalls();

        CliRun r = destroy();

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(cloudFormation.status(STACK)).isNull();
        assertThat(mutatingCalls()).containsExactly("cloudformation:DeleteStack");
        List<String> lines = r.out().lines().toList();
        assertThat(lines)
                .hasSize(56)
                .allMatch(l -> l.startsWith("- delete AWS::"))
                .contains(
                        "- delete AWS::Lambda::Function chat-dev-send",
                        "- delete AWS::DynamoDB::Table chat-dev-connections",
                        "- delete AWS::DynamoDB::Table chat-dev-history");
        assertThat(lines.get(55)).isEqualTo("- delete AWS::CloudFormation::Stack chat-dev");
        List<String> events =
                r.err().lines().filter(l -> l.matches("[A-Z_]+ +AWS::.*")).toList();
        assertThat(events.get(0)).matches("DELETE_IN_PROGRESS +AWS::CloudFormation::Stack +chat-dev  User Initiated");
        assertThat(events).anyMatch(l -> l.matches("DELETE_COMPLETE +AWS::Lambda::Function +SendFunction"));
        assertThat(events.get(events.size() - 1)).matches("DELETE_COMPLETE +AWS::CloudFormation::Stack +chat-dev");
        assertThat(events).doesNotHaveDuplicates();
        assertThat(r.err()).doesNotContain("could not read");

        CliRun again = destroy();
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err())
                .contains("wsctl: There is no CloudFormation stack chat-dev in us-east-1, so there is"
                        + " nothing to destroy")
                .doesNotContain("\tat ");
    }

    @Test
    void destroyAsJsonIsThePlanItCarriedOut() throws IOException {
        assertThat(cloudFormation().code()).isZero();

        CliRun r = destroy("-o", "json");

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode plan = Jackson.mapper().readTree(r.out()).get("plan");
        assertThat(plan)
                .hasSize(56)
                .allSatisfy(step -> assertThat(step.get("action").asText()).isEqualTo("delete"));
        assertThat(plan.get(55).get("kind").asText()).isEqualTo("AWS::CloudFormation::Stack");
    }

    @Test
    void aResourceThatCannotBeDeletedIsOneSentenceAndTheStackStays() {
        assertThat(cloudFormation().code()).isZero();
        cloudFormation.failOnExecution("ConnectionsTable", "Table is being used by another operation");

        CliRun r = destroy();

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .contains("wsctl: Stack chat-dev was not deleted: ConnectionsTable (AWS::DynamoDB::Table)"
                        + " DELETE_FAILED: Table is being used by another operation. It is DELETE_FAILED")
                .doesNotContain("\tat ");
        assertThat(cloudFormation.status(STACK)).isEqualTo(StackStatus.DELETE_FAILED);
        assertThat(cloudFormation.resources(STACK)).contains("ConnectionsTable");

        CliRun again = destroy();
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(cloudFormation.status(STACK)).isNull();
    }

    @Test
    void destroyOfAStackTheSdkEngineDeployedSaysThereIsNoCloudFormationStack() {
        CliRun r = destroy();

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("There is no CloudFormation stack chat-dev in us-east-1", "destroy --engine sdk");
        assertThat(account.log().mutatingCalls()).isEmpty();

        CliRun unknownEngine = wsctl("destroy", "--engine", "terraform", "--yes");
        assertThat(unknownEngine.code()).isEqualTo(2);
        assertThat(unknownEngine.err()).contains("must be sdk or cloudformation");
    }

    /**
     * Against moto's CloudFormation, which can hold a stack of the table (it cannot create the API Gateway v2
     * resources of the whole template): DeleteStack, the SDK's waiter and ListStackResources are moto's.
     */
    @Test
    void destroyDeletesAStackAndItsTableInMoto() {
        SdkAwsClients real = new SdkAwsClients(
                java.util.Optional.empty(),
                java.util.Optional.of("us-east-1"),
                AwsEndpoints.of(java.util.Optional.of(MotoServer.url()), Map.of()),
                List.of(calls));
        String stack = "tbl" + Long.toString(System.nanoTime() % 1_000_000, 36) + "-dev";
        String table = stack + "-connections";
        try (real) {
            real.cloudFormation().createStack(c -> c.stackName(stack).templateBody("""
                    {"Resources": {"ConnectionsTable": {"Type": "AWS::DynamoDB::Table", "Properties": {
                      "TableName": "%s", "BillingMode": "PAY_PER_REQUEST",
                      "AttributeDefinitions": [{"AttributeName": "connectionId", "AttributeType": "S"}],
                      "KeySchema": [{"AttributeName": "connectionId", "KeyType": "HASH"}]}}}}""".formatted(table)));
            assertThat(moto.dynamoDb.listTables().tableNames()).contains(table);
            Context context = new Context(
                    env,
                    (options, config, e) -> new SdkAwsClients(
                            java.util.Optional.empty(),
                            config.region(),
                            AwsEndpoints.of(java.util.Optional.of(MotoServer.url()), Map.of()),
                            List.of(calls)),
                    new FunctionResource.Retry(1, BackoffStrategy.retryImmediately(), d -> {}),
                    new CloudFormationDeploy.Polling(Duration.ofMillis(10), Duration.ofSeconds(30)));
            String app = stack.substring(0, stack.length() - "-dev".length());

            CliRun r = CliRun.wsctl(
                    context,
                    "destroy",
                    "--engine",
                    "cloudformation",
                    "--yes",
                    "--region",
                    "us-east-1",
                    "--app",
                    app,
                    "--stage",
                    "dev");

            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out())
                    .isEqualTo("- delete AWS::DynamoDB::Table " + table + "\n" + "- delete AWS::CloudFormation::Stack "
                            + stack + "\n");
            assertThat(r.err())
                    .containsPattern("DELETE_COMPLETE +AWS::CloudFormation::Stack +" + stack)
                    .doesNotContain("could not read");
            assertThat(moto.dynamoDb.listTables().tableNames()).doesNotContain(table);
            assertThat(real.cloudFormation().listStacks().stackSummaries())
                    .filteredOn(s -> s.stackName().equals(stack))
                    .allMatch(s -> s.stackStatus() == StackStatus.DELETE_COMPLETE);

            CliRun again = CliRun.wsctl(
                    context,
                    "destroy",
                    "--engine",
                    "cloudformation",
                    "--yes",
                    "--region",
                    "us-east-1",
                    "--app",
                    app,
                    "--stage",
                    "dev");
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err()).contains("There is no CloudFormation stack " + stack);
        }
    }
}
