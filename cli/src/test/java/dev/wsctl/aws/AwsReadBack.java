package dev.wsctl.aws;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.Api;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Reads what a deploy left in the emulator with plain SDK clients of its own, built here and not through
 * wsctl's deploy model, so that a test checks what the services hold rather than what our code believes.
 */
public final class AwsReadBack implements AutoCloseable {
    public static final String REGION = "us-east-1";
    private final SdkHttpClient http = ApacheHttpClient.create();
    public final IamClient iam;
    public final LambdaClient lambda;
    public final ApiGatewayV2Client apiGateway;
    public final DynamoDbClient dynamoDb;
    public final S3Client s3;
    public final SqsClient sqs;
    public final CloudWatchClient cloudWatch;

    public AwsReadBack(URI endpoint) {
        this.iam = build(IamClient.builder(), endpoint);
        this.lambda = build(LambdaClient.builder(), endpoint);
        this.apiGateway = build(ApiGatewayV2Client.builder(), endpoint);
        this.dynamoDb = build(DynamoDbClient.builder(), endpoint);
        this.s3 = build(S3Client.builder().forcePathStyle(true), endpoint);
        this.sqs = build(SqsClient.builder(), endpoint);
        this.cloudWatch = build(CloudWatchClient.builder(), endpoint);
    }

    /** The credentials every test signs with; moto takes any, and files them under its default account. */
    public static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
    }

    private <
                    B extends
                            AwsClientBuilder<B, C>
                                    & software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, C>,
                    C>
            C build(B builder, URI endpoint) {
        builder.httpClient(http);
        return builder.region(Region.of(REGION))
                .credentialsProvider(credentials())
                .endpointOverride(endpoint)
                .build();
    }

    public Optional<Api> api(String name) {
        return apiGateway.getApis(r -> {}).items().stream()
                .filter(a -> a.name().equals(name))
                .findFirst();
    }

    public String apiId(String name) {
        return api(name).orElseThrow(() -> new AssertionError("no API " + name)).apiId();
    }

    public List<Role> roles(String prefix) {
        return iam.listRolesPaginator(r -> {}).roles().stream()
                .filter(r -> r.roleName().startsWith(prefix))
                .toList();
    }

    public String rolePolicy(String role, String policy) {
        return URLDecoder.decode(
                iam.getRolePolicy(r -> r.roleName(role).policyName(policy)).policyDocument(), StandardCharsets.UTF_8);
    }

    public List<FunctionConfiguration> functions(String prefix) {
        return lambda.listFunctionsPaginator(r -> {}).functions().stream()
                .filter(f -> f.functionName().startsWith(prefix))
                .toList();
    }

    /**
     * Every resource named {@code prefix…} (or the API named {@code prefix}), one line each with what defines
     * it, ids and generated values left out: equal for two stacks deployed from the same configuration.
     */
    public List<String> inventory(String prefix) {
        List<String> all = new ArrayList<>();
        for (Role role : roles(prefix)) {
            String name = role.roleName();
            var tags = new TreeMap<String, String>();
            iam.listRoleTags(r -> r.roleName(name)).tags().forEach(t -> tags.put(t.key(), t.value()));
            all.add("iam role " + name + " tags " + tags + " trust "
                    + URLDecoder.decode(
                            iam.getRole(r -> r.roleName(name)).role().assumeRolePolicyDocument(),
                            StandardCharsets.UTF_8));
            for (String policy : iam.listRolePolicies(r -> r.roleName(name)).policyNames()) {
                all.add("iam policy " + name + "/" + policy + " " + rolePolicy(name, policy));
            }
        }
        for (FunctionConfiguration f : functions(prefix)) {
            String name = f.functionName();
            all.add("lambda function " + name + " " + f.runtimeAsString() + " " + f.architecturesAsStrings() + " "
                    + f.memorySize() + " MB " + f.handler() + " role " + f.role() + " snapstart "
                    + f.snapStart().applyOnAsString() + " logs "
                    + f.loggingConfig().logFormatAsString() + " env "
                    + new TreeMap<>(
                            f.environment() == null
                                    ? java.util.Map.of()
                                    : f.environment().variables())
                    + " tags "
                    + new TreeMap<>(
                            lambda.listTags(r -> r.resource(f.functionArn())).tags()));
            lambda.listAliases(r -> r.functionName(name))
                    .aliases()
                    .forEach(a -> all.add("lambda alias " + name + ":" + a.name()));
            // deploy grants on the alias when there is one, else on the function (moto files both under the function)
            boolean aliased = optional(
                            () -> lambda.getAlias(r -> r.functionName(name).name("live")))
                    .isPresent();
            String qualifier = aliased ? "live" : null;
            optional(() -> lambda.getPolicy(r -> r.functionName(name).qualifier(qualifier))
                            .policy())
                    .ifPresent(p -> all.add("lambda permission " + name + (qualifier == null ? "" : ":" + qualifier)
                            + " " + p.replaceAll("\"Sid\":\"[^\"]*\"", "\"Sid\":\"…\"")));
            optional(() -> lambda.getFunctionEventInvokeConfig(
                            r -> r.functionName(name).qualifier("live")))
                    .ifPresent(c -> all.add("lambda async " + name + ":live retries " + c.maximumRetryAttempts()
                            + " age " + c.maximumEventAgeInSeconds()));
        }
        api(prefix).ifPresent(api -> {
            String id = api.apiId();
            all.add("apigateway api " + api.name() + " " + api.protocolTypeAsString() + " "
                    + api.routeSelectionExpression() + " tags " + new TreeMap<>(api.tags()));
            var integrations = new TreeMap<String, String>();
            apiGateway.getIntegrations(r -> r.apiId(id)).items().forEach(i -> {
                integrations.put(i.integrationId(), i.description());
                all.add("apigateway integration " + i.integrationTypeAsString() + " "
                        + i.integrationUri().replace(id, "{api}"));
            });
            var authorizers = new TreeMap<String, String>();
            apiGateway.getAuthorizers(r -> r.apiId(id)).items().forEach(a -> {
                authorizers.put(a.authorizerId(), a.name());
                all.add("apigateway authorizer " + a.name() + " " + a.authorizerTypeAsString() + " "
                        + a.identitySource() + " " + a.authorizerUri());
            });
            apiGateway
                    .getRoutes(r -> r.apiId(id))
                    .items()
                    .forEach(route -> all.add("apigateway route "
                            + route.routeKey() + " → "
                            + integrations.get(
                                    route.target() == null ? "" : route.target().replace("integrations/", ""))
                            + " auth " + route.authorizationTypeAsString()
                            + (route.authorizerId() == null ? "" : " " + authorizers.get(route.authorizerId()))
                            + " responses "
                            + apiGateway.getRouteResponses(r -> r.apiId(id).routeId(route.routeId())).items().stream()
                                    .map(rr -> rr.routeResponseKey())
                                    .toList()));
            apiGateway
                    .getStages(r -> r.apiId(id))
                    .items()
                    .forEach(stage -> all.add("apigateway stage "
                            + stage.stageName() + " deployed " + (stage.deploymentId() != null) + " rate "
                            + stage.defaultRouteSettings().throttlingRateLimit() + " burst "
                            + stage.defaultRouteSettings().throttlingBurstLimit() + " tags "
                            + new TreeMap<>(stage.tags())));
        });
        // the connection table and the history table
        for (String table : List.of(prefix + "-connections", prefix + "-history")) {
            optional(() -> dynamoDb.describeTable(r -> r.tableName(table)).table())
                    .ifPresent(t -> {
                        all.add("dynamodb table " + t.tableName() + " keys " + t.keySchema() + " billing "
                                + (t.billingModeSummary() == null
                                        ? null
                                        : t.billingModeSummary().billingModeAsString())
                                + " indexes "
                                + (t.globalSecondaryIndexes() == null
                                        ? List.of()
                                        : t.globalSecondaryIndexes().stream()
                                                .map(i -> i.indexName() + " " + i.keySchema() + " "
                                                        + i.projection().projectionTypeAsString())
                                                .toList())
                                + " tags "
                                + dynamoDb.listTagsOfResource(r -> r.resourceArn(t.tableArn()))
                                        .tags());
                        all.add("dynamodb ttl " + t.tableName() + " "
                                + dynamoDb.describeTimeToLive(r -> r.tableName(t.tableName()))
                                        .timeToLiveDescription()
                                        .attributeName());
                    });
        }
        dashboard(prefix).ifPresent(body -> all.add("cloudwatch dashboard " + prefix + " " + body));
        String apiId = api(prefix).map(Api::apiId).orElse("{none}");
        return all.stream().map(l -> l.replace(apiId, "{api}")).sorted().toList();
    }

    /** The body of the dashboard {@code name}, as CloudWatch keeps it; empty when there is none. */
    public Optional<String> dashboard(String name) {
        return optional(
                () -> cloudWatch.getDashboard(r -> r.dashboardName(name)).dashboardBody());
    }

    /** Writes the rows a $connect and a join write into {@code table}: the connection's meta row and one per channel. */
    public void subscribe(String table, String connection, String... channels) {
        long now = System.currentTimeMillis();
        List<String> rows = new ArrayList<>(List.of("#connection"));
        rows.addAll(List.of(channels));
        for (String channel : rows) {
            dynamoDb.putItem(r -> r.tableName(table)
                    .item(Map.of(
                            "connectionId",
                            AttributeValue.fromS(connection),
                            "channel",
                            AttributeValue.fromS(channel),
                            "connectedAt",
                            AttributeValue.fromN(Long.toString(now)),
                            "expiresAt",
                            AttributeValue.fromN(Long.toString(now / 1000 + 7800)))));
        }
    }

    /** What {@code read} answers, or empty when the service answers 404 (NotFound). */
    public static <T> Optional<T> optional(Supplier<T> read) {
        try {
            return Optional.ofNullable(read.get());
        } catch (AwsServiceException e) {
            String code =
                    e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (e.statusCode() == 404 || (code != null && (code.contains("NotFound") || code.equals("NoSuchEntity")))) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public void close() {
        iam.close();
        lambda.close();
        apiGateway.close();
        dynamoDb.close();
        s3.close();
        sqs.close();
        cloudWatch.close();
        http.close();
    }
}
