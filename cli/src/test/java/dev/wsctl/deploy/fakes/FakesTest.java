package dev.wsctl.deploy.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wsctl.runtime.ConnectionTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.apigatewayv2.model.BadRequestException;
import software.amazon.awssdk.services.apigatewayv2.model.ConflictException;
import software.amazon.awssdk.services.apigatewayv2.model.CreateApiResponse;
import software.amazon.awssdk.services.apigatewayv2.model.NotFoundException;
import software.amazon.awssdk.services.apigatewayv2.model.ProtocolType;
import software.amazon.awssdk.services.cloudformation.model.ChangeAction;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetStatus;
import software.amazon.awssdk.services.cloudformation.model.ChangeSetType;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.InsufficientCapabilitiesException;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.iam.model.DeleteConflictException;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.MalformedPolicyDocumentException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;
import software.amazon.awssdk.services.lambda.model.Architecture;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetFunctionRequest;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationRequest;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.LastUpdateStatus;
import software.amazon.awssdk.services.lambda.model.LogFormat;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.SnapStartApplyOn;
import software.amazon.awssdk.services.lambda.model.SnapStartOptimizationStatus;
import software.amazon.awssdk.services.lambda.model.State;
import software.amazon.awssdk.services.sts.model.StsException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fakes behave like the services on the points wsctl deploy depends on. */
class FakesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRUST = "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", "
            + "\"Principal\": {\"Service\": \"lambda.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}";
    private static final String POLICY = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Action\":\"dynamodb:*\",\"Resource\":\"*\"}]}";
    private static final WaiterOverrideConfiguration FAST = WaiterOverrideConfiguration.builder()
            .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(5))).maxAttempts(10).build();

    private final FakeAws aws = new FakeAws();

    @AfterEach
    void close() {
        aws.close();
    }

    // ---- IAM

    @Test
    void iamRoleComesBackWithUrlEncodedTrustPolicyAndArn() {
        Role created = aws.iam().createRole(r -> r.roleName("app-dev-fn").assumeRolePolicyDocument(TRUST)).role();

        assertThat(created.arn()).isEqualTo("arn:aws:iam::123456789012:role/app-dev-fn");
        assertThat(created.roleId()).startsWith("AROA").hasSize(21);
        assertThat(created.path()).isEqualTo("/");
        String returned = aws.iam().getRole(r -> r.roleName("app-dev-fn")).role().assumeRolePolicyDocument();
        assertThat(returned).startsWith("%7B%22Version%22%3A%20%222012-10-17%22").doesNotContain("{", " ", "+");
        assertThat(FakeIam.urlDecode(returned)).isEqualTo(TRUST);
        assertThat(aws.iam().assumeRolePolicy("app-dev-fn")).isEqualTo(TRUST);
    }

    @Test
    void iamErrorsAreIamsOwn() {
        aws.iam().createRole(r -> r.roleName("app-dev-fn").assumeRolePolicyDocument(TRUST));

        assertThatThrownBy(() -> aws.iam().createRole(r -> r.roleName("APP-dev-FN").assumeRolePolicyDocument(TRUST)))
                .isInstanceOfSatisfying(EntityAlreadyExistsException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(409);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("EntityAlreadyExists");
                });
        assertThatThrownBy(() -> aws.iam().getRole(r -> r.roleName("nope")))
                .isInstanceOfSatisfying(NoSuchEntityException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchEntity");
                    assertThat(e.getMessage()).startsWith("The role with name nope cannot be found. (Service: Iam, Status Code: 404");
                });
        assertThatThrownBy(() -> aws.iam().putRolePolicy(r -> r.roleName("app-dev-fn").policyName("p").policyDocument("{oops")))
                .isInstanceOf(MalformedPolicyDocumentException.class);
        assertThatThrownBy(() -> aws.iam().getRolePolicy(r -> r.roleName("app-dev-fn").policyName("p")))
                .isInstanceOf(NoSuchEntityException.class);
    }

    @Test
    void iamInlineAndAttachedPoliciesBlockRoleDeletion() {
        aws.iam().createRole(r -> r.roleName("role").assumeRolePolicyDocument(TRUST));
        aws.iam().putRolePolicy(r -> r.roleName("role").policyName("table").policyDocument(POLICY));

        assertThat(aws.iam().getRolePolicy(r -> r.roleName("role").policyName("table")).policyDocument())
                .isEqualTo(FakeIam.urlEncode(POLICY)).contains("%22Resource%22%3A%22%2A%22");
        assertThat(aws.iam().policyDocument("role", "table")).isEqualTo(POLICY);
        assertThat(aws.iam().listRolePolicies(r -> r.roleName("role")).policyNames()).containsExactly("table");
        assertThatThrownBy(() -> aws.iam().deleteRole(r -> r.roleName("role")))
                .isInstanceOfSatisfying(DeleteConflictException.class, e -> assertThat(e.statusCode()).isEqualTo(409))
                .hasMessageContaining("must delete policies first");

        aws.iam().deleteRolePolicy(r -> r.roleName("role").policyName("table"));
        String basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
        aws.iam().attachRolePolicy(r -> r.roleName("role").policyArn(basic));
        assertThat(aws.iam().listAttachedRolePolicies(r -> r.roleName("role")).attachedPolicies())
                .singleElement().satisfies(p -> assertThat(p.policyName()).isEqualTo("AWSLambdaBasicExecutionRole"));
        assertThatThrownBy(() -> aws.iam().deleteRole(r -> r.roleName("role")))
                .isInstanceOf(DeleteConflictException.class).hasMessageContaining("must detach all policies first");

        aws.iam().detachRolePolicy(r -> r.roleName("role").policyArn(basic));
        aws.iam().tagRole(r -> r.roleName("role").tags(Tag.builder().key("app").value("x").build(), Tag.builder().key("stage").value("dev").build()));
        aws.iam().untagRole(r -> r.roleName("role").tagKeys("stage"));
        assertThat(aws.iam().listRoleTags(r -> r.roleName("role")).tags()).singleElement()
                .satisfies(t -> assertThat(t.key()).isEqualTo("app"));
        aws.iam().deleteRole(r -> r.roleName("role"));
        assertThat(aws.inventory()).isEmpty();
    }

    // ---- Lambda

    @Test
    void lambdaCreatesLikeLambda() throws Exception {
        String role = role("fn-role");
        byte[] zip = zip("a");
        CreateFunctionResponse created = createFunction("app-dev-connect", role, zip);

        assertThat(created.state()).isEqualTo(State.PENDING);
        assertThat(created.lastUpdateStatus()).isEqualTo(LastUpdateStatus.IN_PROGRESS);
        assertThat(created.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:app-dev-connect");
        assertThat(created.version()).isEqualTo("$LATEST");
        assertThat(created.codeSha256()).isEqualTo(java.util.Base64.getEncoder().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(zip)));
        assertThat(created.codeSize()).isEqualTo(zip.length);
        assertThat(created.architectures()).containsExactly(Architecture.ARM64);
        assertThat(created.timeout()).isEqualTo(3);
        assertThat(created.memorySize()).isEqualTo(512);
        assertThat(created.environment().variables()).containsEntry("TABLE", "t");
        assertThat(created.loggingConfig().logFormat()).isEqualTo(LogFormat.TEXT);
        assertThat(created.loggingConfig().logGroup()).isEqualTo("/aws/lambda/app-dev-connect");
        assertThat(created.snapStart().applyOn()).isEqualTo(SnapStartApplyOn.PUBLISHED_VERSIONS);
        assertThat(created.snapStart().optimizationStatus()).isEqualTo(SnapStartOptimizationStatus.OFF);

        assertThatThrownBy(() -> createFunction("app-dev-connect", role, zip))
                .isInstanceOfSatisfying(ResourceConflictException.class, e -> assertThat(e.statusCode()).isEqualTo(409))
                .hasMessageStartingWith("Function already exist: app-dev-connect");
        assertThatThrownBy(() -> createFunction("other", role, "not a zip".getBytes()))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("Could not unzip");
        assertThatThrownBy(() -> aws.lambda().getFunction(r -> r.functionName("nope")))
                .isInstanceOfSatisfying(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class,
                        e -> assertThat(e.statusCode()).isEqualTo(404))
                .hasMessageStartingWith("Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope");
    }

    @Test
    void lambdaRejectsRolesIamHasNotPropagatedYet() {
        String role = role("fn-role");
        aws.lambda().rejectNewRolesFor(2);

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> createFunction("fn", role, zip("a")))
                    .isInstanceOfSatisfying(InvalidParameterValueException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(400);
                        assertThat(e.awsErrorDetails().errorMessage())
                                .isEqualTo("The role defined for the function cannot be assumed by Lambda.");
                    });
            assertThat(aws.lambda().functionNames()).isEmpty();
        }
        createFunction("fn", role, zip("a"));
        assertThat(aws.lambda().functionNames()).containsExactly("fn");
        // and a role that does not exist (or does not trust Lambda) is never accepted
        assertThatThrownBy(() -> createFunction("fn2", "arn:aws:iam::123456789012:role/ghost", zip("a")))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("cannot be assumed");
    }

    @Test
    void lambdaStateMachineRefusesUpdatesUntilARead() {
        String role = role("fn-role");
        createFunction("fn", role, zip("a"));

        assertThatThrownBy(() -> aws.lambda().updateFunctionCode(r -> r.functionName("fn").zipFile(SdkBytes.fromByteArray(zip("b")))))
                .isInstanceOf(ResourceConflictException.class)
                .hasMessageStartingWith("The operation cannot be performed at this time. The function is currently in the following state: Pending");
        assertThat(aws.lambda().peek("fn").codeSha256()).isEqualTo(FakeLambda.codeSha256(zip("a")));

        FunctionConfiguration read = aws.lambda().getFunction(r -> r.functionName("fn")).configuration();
        assertThat(read.state()).isEqualTo(State.ACTIVE);
        assertThat(read.lastUpdateStatus()).isEqualTo(LastUpdateStatus.SUCCESSFUL);

        var updated = aws.lambda().updateFunctionCode(r -> r.functionName("fn").zipFile(SdkBytes.fromByteArray(zip("b"))));
        assertThat(updated.lastUpdateStatus()).isEqualTo(LastUpdateStatus.IN_PROGRESS);
        assertThat(updated.codeSha256()).isEqualTo(FakeLambda.codeSha256(zip("b")));
        assertThatThrownBy(() -> aws.lambda().updateFunctionConfiguration(r -> r.functionName("fn").memorySize(1024)))
                .isInstanceOf(ResourceConflictException.class)
                .hasMessageStartingWith("The operation cannot be performed at this time. An update is in progress for resource: "
                        + "arn:aws:lambda:us-east-1:123456789012:function:fn");
        assertThatThrownBy(() -> aws.lambda().publishVersion(r -> r.functionName("fn")))
                .isInstanceOf(ResourceConflictException.class);

        aws.log().reset();
        aws.lambda().waiter().waitUntilFunctionUpdatedV2(GetFunctionRequest.builder().functionName("fn").build());
        assertThat(aws.log().calls()).containsExactly("lambda:GetFunction");
        aws.lambda().updateFunctionConfiguration(r -> r.functionName("fn").memorySize(1024)
                .environment(e -> e.variables(Map.of("TABLE", "u"))));
        aws.lambda().waiter().waitUntilFunctionUpdated(GetFunctionConfigurationRequest.builder().functionName("fn").build());
        assertThat(aws.log().calls()).endsWith("lambda:UpdateFunctionConfiguration", "lambda:GetFunctionConfiguration");
        FunctionConfiguration now = aws.lambda().peek("fn");
        assertThat(now.memorySize()).isEqualTo(1024);
        assertThat(now.environment().variables()).containsExactly(Map.entry("TABLE", "u"));
        assertThat(now.timeout()).isEqualTo(3); // untouched members stay
    }

    @Test
    void lambdaWaitersPollUntilSettled() {
        aws.lambda().readsToSettle(3);
        createFunction("fn", role("fn-role"), zip("a"));

        var response = aws.lambda().waiter().waitUntilFunctionActiveV2(GetFunctionRequest.builder().functionName("fn").build(), FAST);

        assertThat(response.attemptsExecuted()).isEqualTo(3);
        assertThat(response.matched().response()).hasValueSatisfying(r -> assertThat(r.configuration().state()).isEqualTo(State.ACTIVE));
        assertThat(aws.log().count("lambda:GetFunction")).isEqualTo(3);
    }

    @Test
    void lambdaVersionsAliasesPermissionsAndTags() throws Exception {
        createFunction("fn", role("fn-role"), zip("a"));
        aws.lambda().getFunction(r -> r.functionName("fn"));

        var v1 = aws.lambda().publishVersion(r -> r.functionName("fn"));
        assertThat(v1.version()).isEqualTo("1");
        assertThat(v1.functionArn()).endsWith(":function:fn:1");
        assertThat(v1.state()).isEqualTo(State.PENDING); // SnapStart optimizes published versions
        assertThat(v1.snapStart().optimizationStatus()).isEqualTo(SnapStartOptimizationStatus.ON);
        assertThat(aws.lambda().publishVersion(r -> r.functionName("fn")).version()).isEqualTo("1"); // nothing changed
        aws.lambda().waiter().waitUntilPublishedVersionActive(r -> r.functionName("fn").qualifier("1"));

        aws.lambda().createAlias(r -> r.functionName("fn").name("live").functionVersion("1"));
        assertThatThrownBy(() -> aws.lambda().createAlias(r -> r.functionName("fn").name("live").functionVersion("1")))
                .isInstanceOf(ResourceConflictException.class);
        assertThatThrownBy(() -> aws.lambda().createAlias(r -> r.functionName("fn").name("next").functionVersion("7")))
                .isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
        assertThatThrownBy(() -> aws.lambda().getAlias(r -> r.functionName("fn").name("nope")))
                .isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
        assertThatThrownBy(() -> aws.lambda().deleteFunction(r -> r.functionName("fn").qualifier("1")))
                .isInstanceOf(ResourceConflictException.class).hasMessageContaining("[live]");

        aws.lambda().updateFunctionCode(r -> r.functionName("fn").zipFile(SdkBytes.fromByteArray(zip("b"))));
        aws.lambda().waiter().waitUntilFunctionUpdatedV2(r -> r.functionName("fn"));
        assertThat(aws.lambda().publishVersion(r -> r.functionName("fn")).version()).isEqualTo("2");
        aws.lambda().updateAlias(r -> r.functionName("fn").name("live").functionVersion("2"));
        assertThat(aws.lambda().getAlias(r -> r.functionName("fn").name("live")).functionVersion()).isEqualTo("2");
        assertThat(aws.lambda().listVersionsByFunction(r -> r.functionName("fn")).versions())
                .extracting(FunctionConfiguration::version).containsExactly("$LATEST", "1", "2");
        assertThat(aws.lambda().listVersionsByFunctionPaginator(r -> r.functionName("fn").maxItems(1)).versions())
                .hasSize(3);

        String source = "arn:aws:execute-api:us-east-1:123456789012:abc/*";
        var added = aws.lambda().addPermission(r -> r.functionName("fn").statementId("apigw").action("lambda:InvokeFunction")
                .principal("apigateway.amazonaws.com").sourceArn(source));
        assertThat(JSON.readTree(added.statement()).path("Condition").path("ArnLike").path("AWS:SourceArn").asText()).isEqualTo(source);
        assertThatThrownBy(() -> aws.lambda().addPermission(r -> r.functionName("fn").statementId("apigw")
                .action("lambda:InvokeFunction").principal("apigateway.amazonaws.com")))
                .isInstanceOf(ResourceConflictException.class).hasMessageContaining("The statement id (apigw) provided already exists");
        JsonNode policy = JSON.readTree(aws.lambda().getPolicy(r -> r.functionName("fn")).policy());
        assertThat(policy.path("Statement").get(0).path("Principal").path("Service").asText()).isEqualTo("apigateway.amazonaws.com");
        assertThat(policy.path("Statement").get(0).path("Resource").asText()).isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:fn");
        aws.lambda().removePermission(r -> r.functionName("fn").statementId("apigw"));
        assertThatThrownBy(() -> aws.lambda().getPolicy(r -> r.functionName("fn")))
                .isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class)
                .hasMessageStartingWith("The resource you requested does not exist.");

        String arn = "arn:aws:lambda:us-east-1:123456789012:function:fn";
        aws.lambda().tagResource(r -> r.resource(arn).tags(Map.of("stage", "dev")));
        aws.lambda().untagResource(r -> r.resource(arn).tagKeys("app"));
        assertThat(aws.lambda().listTags(r -> r.resource(arn)).tags()).containsExactly(Map.entry("stage", "dev"));
        assertThat(aws.lambda().getFunction(r -> r.functionName(arn)).tags()).containsOnlyKeys("stage");

        aws.lambda().deleteFunction(r -> r.functionName("fn"));
        assertThat(aws.lambda().inventory()).isEmpty();
    }

    @Test
    void lambdaKeepsAsyncInvokeConfigsPerQualifierUntilTheirFunctionGoes() {
        createFunction("fn", role("fn-role"), zip("a"));
        aws.lambda().getFunction(r -> r.functionName("fn"));
        aws.lambda().publishVersion(r -> r.functionName("fn"));
        aws.lambda().createAlias(r -> r.functionName("fn").name("live").functionVersion("1"));
        String arn = "arn:aws:lambda:us-east-1:123456789012:function:fn";

        aws.log().reset();
        assertThatThrownBy(() -> aws.lambda().getFunctionEventInvokeConfig(r -> r.functionName("fn").qualifier("live")))
                .isInstanceOfSatisfying(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class,
                        e -> assertThat(e.statusCode()).isEqualTo(404))
                .hasMessageStartingWith("The function " + arn + ":live doesn't have an EventInvokeConfig");
        assertThatThrownBy(() -> aws.lambda().updateFunctionEventInvokeConfig(r -> r.functionName("fn").qualifier("live")
                .maximumRetryAttempts(0))).isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
        assertThatThrownBy(() -> aws.lambda().deleteFunctionEventInvokeConfig(r -> r.functionName("fn").qualifier("live")))
                .isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
        assertThatThrownBy(() -> aws.lambda().putFunctionEventInvokeConfig(r -> r.functionName("fn").qualifier("next")
                .maximumRetryAttempts(0))).isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class)
                .hasMessageStartingWith("Function not found: " + arn + ":next");
        assertThatThrownBy(() -> aws.lambda().putFunctionEventInvokeConfig(r -> r.functionName("fn").maximumRetryAttempts(3)))
                .isInstanceOfSatisfying(software.amazon.awssdk.services.lambda.model.LambdaException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                }).hasMessageContaining("maximumRetryAttempts");
        assertThatThrownBy(() -> aws.lambda().putFunctionEventInvokeConfig(r -> r.functionName("fn").maximumEventAgeInSeconds(59)))
                .hasMessageContaining("maximumEventAgeInSeconds");

        var put = aws.lambda().putFunctionEventInvokeConfig(r -> r.functionName("fn").qualifier("live")
                .maximumRetryAttempts(0).maximumEventAgeInSeconds(300));
        assertThat(put.functionArn()).isEqualTo(arn + ":live");
        assertThat(put.lastModified()).isNotNull();
        aws.lambda().putFunctionEventInvokeConfig(r -> r.functionName(arn).maximumRetryAttempts(1));
        var unqualified = aws.lambda().getFunctionEventInvokeConfig(r -> r.functionName("fn"));
        assertThat(unqualified.functionArn()).isEqualTo(arn + ":$LATEST");
        assertThat(unqualified.maximumRetryAttempts()).isEqualTo(1);
        assertThat(unqualified.maximumEventAgeInSeconds()).as("left to Lambda's default").isNull();

        aws.lambda().updateFunctionEventInvokeConfig(r -> r.functionName("fn:live").maximumEventAgeInSeconds(600));
        var live = aws.lambda().getFunctionEventInvokeConfig(r -> r.functionName("fn").qualifier("live"));
        assertThat(live.maximumRetryAttempts()).as("an update keeps what it does not name").isZero();
        assertThat(live.maximumEventAgeInSeconds()).isEqualTo(600);
        aws.lambda().putFunctionEventInvokeConfig(r -> r.functionName("fn").qualifier("live").maximumRetryAttempts(2));
        assertThat(aws.lambda().getFunctionEventInvokeConfig(r -> r.functionName("fn").qualifier("live"))
                .maximumEventAgeInSeconds()).as("a put replaces the whole config").isNull();
        assertThat(aws.lambda().inventory()).contains("lambda async config fn:live", "lambda async config fn:$LATEST");
        assertThat(aws.log().mutatingCalls()).containsOnly("lambda:PutFunctionEventInvokeConfig",
                "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig");
        assertThat(aws.log().count("lambda:GetFunctionEventInvokeConfig")).isEqualTo(4);

        aws.lambda().deleteFunctionEventInvokeConfig(r -> r.functionName("fn"));
        assertThatThrownBy(() -> aws.lambda().getFunctionEventInvokeConfig(r -> r.functionName("fn")))
                .isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
        aws.lambda().deleteAlias(r -> r.functionName("fn").name("live"));
        assertThat(aws.lambda().inventory()).noneMatch(l -> l.startsWith("lambda async config"));
        aws.lambda().createAlias(r -> r.functionName("fn").name("live").functionVersion("1"));
        assertThatThrownBy(() -> aws.lambda().getFunctionEventInvokeConfig(r -> r.functionName("fn").qualifier("live")))
                .as("gone with its alias").isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);

        aws.lambda().putFunctionEventInvokeConfig(r -> r.functionName("fn").qualifier("live").maximumRetryAttempts(0));
        aws.lambda().putFunctionEventInvokeConfig(r -> r.functionName("fn").maximumRetryAttempts(0));
        aws.lambda().deleteFunction(r -> r.functionName("fn"));
        assertThat(aws.lambda().inventory()).isEmpty();
        createFunction("fn", role("fn-role-2"), zip("a"));
        assertThatThrownBy(() -> aws.lambda().getFunctionEventInvokeConfig(r -> r.functionName("fn")))
                .as("gone with its function").isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
    }

    // ---- API Gateway v2

    @Test
    void apiGatewayKeepsAWebSocketApi() {
        CreateApiResponse api = aws.apiGateway().createApi(r -> r.name("app-dev").protocolType(ProtocolType.WEBSOCKET)
                .routeSelectionExpression("$request.body.action").tags(Map.of("app", "a")));
        String id = api.apiId();
        assertThat(id).hasSize(10).matches("[a-z0-9]+");
        assertThat(api.apiEndpoint()).isEqualTo("wss://" + id + ".execute-api.us-east-1.amazonaws.com");
        assertThatThrownBy(() -> aws.apiGateway().getApi(r -> r.apiId("missing123")))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.statusCode()).isEqualTo(404));

        String fn = "arn:aws:lambda:us-east-1:123456789012:function:fn";
        String uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fn + "/invocations";
        var integration = aws.apiGateway().createIntegration(r -> r.apiId(id).integrationType("AWS_PROXY").integrationUri(uri));
        assertThat(integration.integrationMethod()).isEqualTo("POST");
        assertThat(integration.timeoutInMillis()).isEqualTo(29000);
        var route = aws.apiGateway().createRoute(r -> r.apiId(id).routeKey("$connect")
                .target("integrations/" + integration.integrationId()).routeResponseSelectionExpression("$default"));
        assertThatThrownBy(() -> aws.apiGateway().createRoute(r -> r.apiId(id).routeKey("$connect")))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.statusCode()).isEqualTo(409));
        assertThatThrownBy(() -> aws.apiGateway().createRoute(r -> r.apiId(id).routeKey("$default").target("integrations/zzz")))
                .isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> aws.apiGateway().deleteIntegration(r -> r.apiId(id).integrationId(integration.integrationId())))
                .isInstanceOf(ConflictException.class).hasMessageContaining("referenced by the following Routes with Ids: [" + route.routeId() + "]");
        var rr = aws.apiGateway().createRouteResponse(r -> r.apiId(id).routeId(route.routeId()).routeResponseKey("$default"));
        assertThat(aws.apiGateway().getRouteResponses(r -> r.apiId(id).routeId(route.routeId())).items()).hasSize(1);
        aws.apiGateway().deleteRouteResponse(r -> r.apiId(id).routeId(route.routeId()).routeResponseId(rr.routeResponseId()));

        aws.apiGateway().updateRoute(r -> r.apiId(id).routeId(route.routeId()).authorizationType("NONE"));
        assertThat(aws.apiGateway().getRoute(r -> r.apiId(id).routeId(route.routeId())).target())
                .isEqualTo("integrations/" + integration.integrationId()); // a PATCH keeps the rest

        aws.apiGateway().createStage(r -> r.apiId(id).stageName("dev")
                .defaultRouteSettings(s -> s.throttlingRateLimit(100.0).throttlingBurstLimit(50)));
        assertThatThrownBy(() -> aws.apiGateway().createStage(r -> r.apiId(id).stageName("dev")))
                .isInstanceOf(ConflictException.class);
        String deployment = aws.apiGateway().createDeployment(r -> r.apiId(id).stageName("dev")).deploymentId();
        assertThat(aws.apiGateway().getStage(r -> r.apiId(id).stageName("dev")).deploymentId()).isEqualTo(deployment);
        aws.apiGateway().updateStage(r -> r.apiId(id).stageName("dev").defaultRouteSettings(s -> s.throttlingBurstLimit(80)));
        var stage = aws.apiGateway().getStage(r -> r.apiId(id).stageName("dev"));
        assertThat(stage.defaultRouteSettings().throttlingBurstLimit()).isEqualTo(80);
        assertThat(stage.defaultRouteSettings().throttlingRateLimit()).isEqualTo(100.0);
        assertThat(stage.deploymentId()).isEqualTo(deployment);
        assertThatThrownBy(() -> aws.apiGateway().deleteDeployment(r -> r.apiId(id).deploymentId(deployment)))
                .isInstanceOf(BadRequestException.class);

        String arn = aws.apiGateway().apiArn(id);
        assertThat(arn).isEqualTo("arn:aws:apigateway:us-east-1::/apis/" + id);
        aws.apiGateway().tagResource(r -> r.resourceArn(arn).tags(Map.of("stage", "dev")));
        aws.apiGateway().untagResource(r -> r.resourceArn(arn).tagKeys("app"));
        assertThat(aws.apiGateway().getTags(r -> r.resourceArn(arn)).tags()).containsExactly(Map.entry("stage", "dev"));
        assertThat(aws.apiGateway().getApi(r -> r.apiId(id)).tags()).containsExactly(Map.entry("stage", "dev"));

        aws.apiGateway().deleteApi(r -> r.apiId(id));
        assertThat(aws.inventory()).isEmpty();
        assertThatThrownBy(() -> aws.apiGateway().deleteApi(r -> r.apiId(id))).isInstanceOf(NotFoundException.class);
    }

    @Test
    void apiGatewayKeepsAuthorizersAndRefusesToDeleteOneARouteUses() {
        String id = aws.apiGateway().createApi(r -> r.name("app-dev").protocolType(ProtocolType.WEBSOCKET)
                .routeSelectionExpression("$request.body.action")).apiId();
        String fn = "arn:aws:lambda:us-east-1:123456789012:function:app-dev-authorize:live";
        String uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fn + "/invocations";
        String integration = aws.apiGateway().createIntegration(r -> r.apiId(id).integrationType("AWS_PROXY")
                .integrationUri(uri.replace("authorize", "connect"))).integrationId();

        assertThatThrownBy(() -> aws.apiGateway().createAuthorizer(r -> r.apiId(id).name("jwt").authorizerType("JWT")
                .identitySource("route.request.header.Host")))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("REQUEST");
        assertThatThrownBy(() -> aws.apiGateway().createAuthorizer(r -> r.apiId(id).name("a").authorizerType("REQUEST")
                .authorizerUri(uri).identitySource("route.request.header.Host").authorizerResultTtlInSeconds(300)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("only for HTTP APIs");
        assertThatThrownBy(() -> aws.apiGateway().createAuthorizer(r -> r.apiId(id).name("a").authorizerType("REQUEST")
                .authorizerUri(uri).identitySource("$request.header.Authorization")))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("identity source");
        assertThatThrownBy(() -> aws.apiGateway().createAuthorizer(r -> r.apiId(id).name("a").authorizerType("REQUEST")
                .authorizerUri("https://example.com").identitySource("route.request.header.Host")))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("Invalid authorizer URI");

        var created = aws.apiGateway().createAuthorizer(r -> r.apiId(id).name("app-dev-authorize").authorizerType("REQUEST")
                .authorizerUri(uri).identitySource("route.request.header.Host"));
        String authorizer = created.authorizerId();
        assertThat(created.identitySource()).containsExactly("route.request.header.Host");
        assertThat(aws.apiGateway().getAuthorizers(r -> r.apiId(id)).items()).singleElement()
                .satisfies(z -> assertThat(z.name()).isEqualTo("app-dev-authorize"));
        aws.apiGateway().updateAuthorizer(r -> r.apiId(id).authorizerId(authorizer).authorizerUri(uri.replace(":live", "")));
        var got = aws.apiGateway().getAuthorizer(r -> r.apiId(id).authorizerId(authorizer));
        assertThat(got.authorizerUri()).doesNotContain(":live");
        assertThat(got.authorizerTypeAsString()).as("a PATCH keeps the rest").isEqualTo("REQUEST");
        assertThatThrownBy(() -> aws.apiGateway().getAuthorizer(r -> r.apiId(id).authorizerId("nope12")))
                .isInstanceOf(NotFoundException.class);

        assertThatThrownBy(() -> aws.apiGateway().createRoute(r -> r.apiId(id).routeKey("$connect")
                .target("integrations/" + integration).authorizationType("CUSTOM").authorizerId("nope12")))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("authorizer");
        assertThatThrownBy(() -> aws.apiGateway().createRoute(r -> r.apiId(id).routeKey("sendmessage")
                .target("integrations/" + integration).authorizationType("CUSTOM").authorizerId(authorizer)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("$connect route only");
        var connect = aws.apiGateway().createRoute(r -> r.apiId(id).routeKey("$connect")
                .target("integrations/" + integration).authorizationType("CUSTOM").authorizerId(authorizer));
        assertThat(connect.authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(connect.authorizerId()).isEqualTo(authorizer);
        assertThatThrownBy(() -> aws.apiGateway().updateRoute(r -> r.apiId(id).routeId(connect.routeId()).authorizerId(authorizer)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("Authorizer type is invalid or null");
        assertThatThrownBy(() -> aws.apiGateway().deleteAuthorizer(r -> r.apiId(id).authorizerId(authorizer)))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.statusCode()).isEqualTo(409))
                .hasMessageContaining("referenced by the following Routes with Ids: [" + connect.routeId() + "]");

        aws.apiGateway().updateRoute(r -> r.apiId(id).routeId(connect.routeId()).authorizationType("NONE"));
        var detached = aws.apiGateway().getRoute(r -> r.apiId(id).routeId(connect.routeId()));
        assertThat(detached.authorizationTypeAsString()).isEqualTo("NONE");
        assertThat(detached.authorizerId()).as("NONE lets go of the authorizer").isNull();
        assertThat(aws.log().mutatingCalls()).contains("apigateway:CreateAuthorizer", "apigateway:UpdateAuthorizer");
        aws.apiGateway().deleteAuthorizer(r -> r.apiId(id).authorizerId(authorizer));
        assertThat(aws.apiGateway().getAuthorizers(r -> r.apiId(id)).items()).isEmpty();
        assertThatThrownBy(() -> aws.apiGateway().deleteAuthorizer(r -> r.apiId(id).authorizerId(authorizer)))
                .isInstanceOf(NotFoundException.class);

        aws.apiGateway().createAuthorizer(r -> r.apiId(id).name("again").authorizerType("REQUEST").authorizerUri(uri));
        assertThat(aws.inventory()).anyMatch(l -> l.startsWith("apigateway authorizer " + id + "/"));
        aws.apiGateway().deleteApi(r -> r.apiId(id));
        assertThat(aws.inventory()).as("deleting the API deletes its authorizers").isEmpty();
    }

    @Test
    void apiGatewayRefusesDeployingWithoutRoutesAndPagesLists() {
        String id = aws.apiGateway().createApi(r -> r.name("a").protocolType(ProtocolType.WEBSOCKET)
                .routeSelectionExpression("$request.body.action")).apiId();
        aws.apiGateway().createApi(r -> r.name("b").protocolType(ProtocolType.WEBSOCKET).routeSelectionExpression("$request.body.action"));
        assertThatThrownBy(() -> aws.apiGateway().createDeployment(r -> r.apiId(id)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("At least one route");

        aws.apiGateway().pageSize(1);
        var first = aws.apiGateway().getApis(r -> { });
        assertThat(first.items()).extracting(a -> a.name()).containsExactly("a");
        var second = aws.apiGateway().getApis(r -> r.nextToken(first.nextToken()));
        assertThat(second.items()).extracting(a -> a.name()).containsExactly("b");
        assertThat(second.nextToken()).isNull();
    }

    // ---- DynamoDB

    @Test
    void dynamoTableIsCreatedByTheProjectCodeThroughTheWaiter() {
        var result = ConnectionTable.create(aws.dynamo(), "app-dev-connections", Map.of("app", "a"));

        assertThat(result.created()).isTrue();
        assertThat(result.ttl()).isEqualTo(ConnectionTable.TtlStatus.ENABLED);
        assertThat(aws.log().calls()).containsExactly("dynamodb:CreateTable", "dynamodb:DescribeTable",
                "dynamodb:DescribeTimeToLive", "dynamodb:UpdateTimeToLive");
        var table = aws.dynamo().describeTable(r -> r.tableName("app-dev-connections")).join().table();
        assertThat(table.tableStatus()).isEqualTo(TableStatus.ACTIVE);
        assertThat(table.tableArn()).isEqualTo("arn:aws:dynamodb:us-east-1:123456789012:table/app-dev-connections");
        assertThat(table.billingModeSummary().billingModeAsString()).isEqualTo("PAY_PER_REQUEST");
        assertThat(table.globalSecondaryIndexes()).singleElement()
                .satisfies(g -> assertThat(g.indexName() + g.projection().projectionTypeAsString()).isEqualTo("by-channelKEYS_ONLY"));
        var ttl = aws.dynamo().describeTimeToLive(r -> r.tableName("app-dev-connections")).join().timeToLiveDescription();
        assertThat(ttl.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
        assertThat(ttl.attributeName()).isEqualTo("expiresAt");
        assertThat(aws.dynamo().listTagsOfResource(r -> r.resourceArn(table.tableArn())).join().tags())
                .singleElement().satisfies(t -> assertThat(t.key() + "=" + t.value()).isEqualTo("app=a"));

        var again = ConnectionTable.create(aws.dynamo(), "app-dev-connections", Map.of());
        assertThat(again.created()).isFalse();
        assertThat(again.ttl()).isEqualTo(ConnectionTable.TtlStatus.ALREADY_ENABLED);
    }

    @Test
    void dynamoErrorsAreFailedFuturesLikeTheSdks() {
        var created = aws.dynamo().createTable(ConnectionTable.createTableRequest("tbl1", Map.of())).join();
        assertThat(created.tableDescription().tableStatus()).isEqualTo(TableStatus.CREATING);
        assertThat(cause(() -> aws.dynamo().updateTimeToLive(ConnectionTable.enableTtlRequest("tbl1")).join()))
                .isInstanceOf(ResourceInUseException.class).hasMessageContaining("Table is being created: tbl1");
        assertThat(cause(() -> aws.dynamo().createTable(ConnectionTable.createTableRequest("tbl1", Map.of())).join()))
                .isInstanceOfSatisfying(ResourceInUseException.class, e -> assertThat(e.statusCode()).isEqualTo(400));
        assertThat(cause(() -> aws.dynamo().describeTable(r -> r.tableName("nope")).join()))
                .isInstanceOfSatisfying(software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ResourceNotFoundException"));
        assertThat(cause(() -> aws.dynamo().createTable(ConnectionTable.createTableRequest("tbl2", Map.of()).toBuilder()
                .attributeDefinitions(attribute("connectionId"), attribute("channel"), attribute("extra"))
                .build()).join()))
                .isInstanceOfSatisfying(DynamoDbException.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException"))
                .hasMessageContaining("Some AttributeDefinitions are not used");

        var waited = aws.dynamo().waiter().waitUntilTableExists(DescribeTableRequest.builder().tableName("tbl1").build()).join();
        assertThat(waited.attemptsExecuted()).isEqualTo(1);
        aws.dynamo().deleteTable(r -> r.tableName("tbl1")).join();
        assertThat(aws.inventory()).isEmpty();
    }

    // ---- STS

    @Test
    void stsAnswersOrFailsLikeTheSdk() {
        var me = aws.sts().getCallerIdentity();
        assertThat(me.account()).isEqualTo("123456789012");
        assertThat(me.arn()).isEqualTo("arn:aws:iam::123456789012:user/wsctl-test");

        aws.sts().failWithMissingCredentials();
        assertThatThrownBy(() -> aws.sts().getCallerIdentity()).isExactlyInstanceOf(SdkClientException.class)
                .hasMessageStartingWith(FakeSts.NO_CREDENTIALS);
        aws.sts().failWithExpiredToken();
        assertThatThrownBy(() -> aws.sts().getCallerIdentity()).isInstanceOfSatisfying(StsException.class, e -> {
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ExpiredToken");
            assertThat(e.statusCode()).isEqualTo(403);
        });
        aws.sts().succeed();
        assertThat(aws.sts().getCallerIdentity().account()).isEqualTo("123456789012");
    }

    // ---- call log and failure injection

    @Test
    void mutatingCallsAreCountedApartFromReads() {
        aws.iam().createRole(r -> r.roleName("r").assumeRolePolicyDocument(TRUST));
        aws.iam().getRole(r -> r.roleName("r"));
        aws.iam().listRolePolicies(r -> r.roleName("r"));
        aws.sts().getCallerIdentity();

        assertThat(aws.mutatingCalls()).containsExactly("iam:CreateRole");
        assertThat(aws.log().readCount()).isEqualTo(3);
        assertThat(aws.log().calls()).containsExactly("iam:CreateRole", "iam:GetRole", "iam:ListRolePolicies", "sts:GetCallerIdentity");
        aws.log().reset();
        assertThat(aws.log().calls()).isEmpty();
        assertThat(aws.log().mutatingCount()).isZero();
    }

    @Test
    void injectedFailureHitsTheKthMutatingCallAcrossServicesAndChangesNothing() {
        RuntimeException boom = new IllegalStateException("boom");
        aws.failOnMutatingCall(3, boom);

        aws.iam().createRole(r -> r.roleName("r").assumeRolePolicyDocument(TRUST)); // 1
        aws.iam().getRole(r -> r.roleName("r")); // reads do not count
        aws.iam().putRolePolicy(r -> r.roleName("r").policyName("p").policyDocument(POLICY)); // 2
        var failed = aws.dynamo().createTable(ConnectionTable.createTableRequest("tbl", Map.of())); // 3
        assertThat(cause(failed::join)).isSameAs(boom);
        assertThat(aws.dynamo().tableNames()).isEmpty();

        aws.failOnMutatingCall(1, boom);
        assertThatThrownBy(() -> aws.iam().deleteRolePolicy(r -> r.roleName("r").policyName("p"))).isSameAs(boom);
        assertThat(aws.iam().policyDocument("r", "p")).isEqualTo(POLICY);
        aws.iam().deleteRolePolicy(r -> r.roleName("r").policyName("p")); // the rerun goes through
        assertThat(aws.iam().policyDocument("r", "p")).isNull();
        assertThat(aws.mutatingCalls()).containsExactly("iam:CreateRole", "iam:PutRolePolicy", "dynamodb:CreateTable",
                "iam:DeleteRolePolicy", "iam:DeleteRolePolicy");
    }

    // ---- helpers

    private String role(String name) {
        return aws.iam().createRole(r -> r.roleName(name).assumeRolePolicyDocument(TRUST)).role().arn();
    }

    private CreateFunctionResponse createFunction(String name, String role, byte[] zip) {
        return aws.lambda().createFunction(r -> r.functionName(name).role(role).runtime("java21").handler("h::handle")
                .code(c -> c.zipFile(SdkBytes.fromByteArray(zip))).memorySize(512).architectures(Architecture.ARM64)
                .environment(e -> e.variables(Map.of("TABLE", "t"))).snapStart(s -> s.applyOn(SnapStartApplyOn.PUBLISHED_VERSIONS))
                .tags(Map.of("app", "a")));
    }

    // ---- S3

    @Test
    void s3KeepsObjectsInBucketsThatExist() {
        aws.s3().createBucket(b -> b.bucket("artifacts"));
        assertThatThrownBy(() -> aws.s3().headObject(h -> h.bucket("artifacts").key("a.jar")))
                .isInstanceOf(software.amazon.awssdk.services.s3.model.NoSuchKeyException.class);
        aws.s3().putObject(p -> p.bucket("artifacts").key("a.jar"), RequestBody.fromBytes(new byte[] {1, 2}));
        assertThat(aws.s3().headObject(h -> h.bucket("artifacts").key("a.jar")).contentLength()).isEqualTo(2);
        assertThatThrownBy(() -> aws.s3().putObject(p -> p.bucket("nope").key("a.jar"), RequestBody.empty()))
                .isInstanceOf(software.amazon.awssdk.services.s3.model.NoSuchBucketException.class)
                .hasMessageContaining("The specified bucket does not exist");
    }

    // ---- CloudFormation

    private static final String TOPIC = """
            Parameters:
              Name: {Type: String}
              Secret: {Type: String, NoEcho: true, AllowedPattern: "[a-z]{4,}"}
            Resources:
              Topic:
                Type: AWS::SNS::Topic
                Properties:
                  TopicName: {"Fn::Sub": "${Name}-${AWS::Region}"}
                  DisplayName: {Ref: Secret}
            Outputs:
              TopicName: {Value: {"Fn::Sub": "${Topic}"}}
            """;

    private void createChangeSet(String name, ChangeSetType type, String body, Parameter... parameters) {
        aws.cloudFormation().createChangeSet(c -> c.stackName("s").changeSetName(name).changeSetType(type)
                .templateBody(body).parameters(parameters));
    }

    private static Parameter parameter(String key, String value) {
        return Parameter.builder().parameterKey(key).parameterValue(value).build();
    }

    @Test
    void cloudFormationRefusesTemplatesItCannotResolveAndIamWithoutTheCapability() {
        assertThatThrownBy(() -> createChangeSet("c1", ChangeSetType.CREATE, TOPIC.replace("${Name}", "${Nom}"),
                parameter("Name", "n"), parameter("Secret", "abcd")))
                .isInstanceOf(CloudFormationException.class).hasMessageContaining("Unresolved resource dependencies [Nom]");
        assertThatThrownBy(() -> createChangeSet("c1", ChangeSetType.CREATE, TOPIC, parameter("Name", "n")))
                .hasMessageContaining("Parameters: [Secret] must have values");
        assertThatThrownBy(() -> createChangeSet("c1", ChangeSetType.CREATE, TOPIC, parameter("Name", "n"),
                parameter("Secret", "AB")))
                .hasMessageContaining("must match pattern");
        assertThatThrownBy(() -> createChangeSet("c1", ChangeSetType.CREATE, TOPIC, parameter("Name", "n"),
                Parameter.builder().parameterKey("Secret").usePreviousValue(true).build()))
                .hasMessageContaining("usePreviousValue");
        assertThatThrownBy(() -> createChangeSet("c1", ChangeSetType.CREATE, """
                Resources:
                  Role: {Type: AWS::IAM::Role, Properties: {RoleName: r}}
                """)).isInstanceOf(InsufficientCapabilitiesException.class)
                .hasMessageContaining("CAPABILITY_NAMED_IAM");
        assertThatThrownBy(() -> createChangeSet("c1", ChangeSetType.UPDATE, TOPIC))
                .hasMessageContaining("does not exist");
        assertThat(aws.cloudFormation().status("s")).isNull();
    }

    @Test
    void cloudFormationPlansExecutesAndHidesNoEchoValues() {
        createChangeSet("c1", ChangeSetType.CREATE, TOPIC, parameter("Name", "n"), parameter("Secret", "abcd"));
        assertThat(aws.cloudFormation().status("s")).isEqualTo(StackStatus.REVIEW_IN_PROGRESS);
        var cf = aws.cloudFormation();
        var planned = cf.waiter().waitUntilChangeSetCreateComplete(r -> r.stackName("s").changeSetName("c1"),
                o -> o.backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(1))).maxAttempts(10));
        assertThat(planned.attemptsExecuted()).as("planning takes a few polls").isGreaterThan(1);
        var described = cf.describeChangeSet(r -> r.stackName("s").changeSetName("c1"));
        assertThat(described.changes()).singleElement().satisfies(c -> {
            assertThat(c.resourceChange().action()).isEqualTo(ChangeAction.ADD);
            assertThat(c.resourceChange().logicalResourceId()).isEqualTo("Topic");
        });
        assertThat(described.parameters()).extracting(Parameter::parameterValue).containsExactly("n", "****");

        cf.executeChangeSet(r -> r.stackName("s").changeSetName("c1"));
        cf.waiter().waitUntilStackCreateComplete(r -> r.stackName("s"), o -> o.backoffStrategyV2(
                BackoffStrategy.fixedDelayWithoutJitter(Duration.ofMillis(1))).maxAttempts(10));
        var stack = cf.describeStacks(r -> r.stackName("s")).stacks().get(0);
        assertThat(stack.stackStatus()).isEqualTo(StackStatus.CREATE_COMPLETE);
        assertThat(stack.outputs()).singleElement().satisfies(o -> assertThat(o.outputValue()).isNotBlank());
        assertThat(cf.describeStackEvents(r -> r.stackName("s")).stackEvents().get(0).resourceStatusAsString())
                .as("newest first").isEqualTo("CREATE_COMPLETE");

        createChangeSet("c2", ChangeSetType.UPDATE, TOPIC, parameter("Name", "n"),
                Parameter.builder().parameterKey("Secret").usePreviousValue(true).build());
        cf.describeChangeSet(r -> r.stackName("s").changeSetName("c2"));
        var same = cf.describeChangeSet(r -> r.stackName("s").changeSetName("c2"));
        assertThat(same.status()).isEqualTo(ChangeSetStatus.FAILED);
        assertThat(same.statusReason()).contains("didn't contain changes");

        createChangeSet("c3", ChangeSetType.UPDATE, TOPIC, parameter("Name", "m"), parameter("Secret", "efgh"));
        cf.describeChangeSet(r -> r.stackName("s").changeSetName("c3"));
        var renamed = cf.describeChangeSet(r -> r.stackName("s").changeSetName("c3"));
        assertThat(renamed.changes()).singleElement().satisfies(c -> {
            assertThat(c.resourceChange().action()).isEqualTo(ChangeAction.MODIFY);
            assertThat(c.resourceChange().details()).extracting(d -> d.target().name())
                    .containsExactly("TopicName", "DisplayName");
        });
    }

    private static byte[] zip(String content) {
        var bytes = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(bytes)) {
            ZipEntry entry = new ZipEntry("handler.txt");
            entry.setTime(0); // same content, same bytes, same sha
            zip.putNextEntry(entry);
            zip.write(content.getBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType("S").build();
    }

    private static Throwable cause(Runnable join) {
        try {
            join.run();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("no failure");
    }
}
