package dev.wsctl.cli;

import static dev.wsctl.aws.IamPolicyPatterns.glob;
import static dev.wsctl.deploy.Policies.values;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.CallRecorder;
import dev.wsctl.aws.IamSimulator;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.aws.SdkAwsClients;
import dev.wsctl.config.Jackson;
import dev.wsctl.deploy.FunctionResource;
import dev.wsctl.deploy.StandInJar;
import dev.wsctl.protocol.Member;
import dev.wsctl.store.DynamoDbConnectionStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewayv2.model.ApiGatewayV2Exception;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * {@code templates/policies/operator.json} allows exactly what the operations commands call on a deployed stack,
 * and they call nothing of IAM, Lambda or STS. The calls are not listed by hand: every operations command runs
 * against a stack that {@code wsctl deploy} put into moto's server, through an {@link EmulatorProxy} that turns
 * each request into the IAM action and resource AWS would authorize it as, read from the request itself (the
 * service of its SigV4 scope, DynamoDB's {@code X-Amz-Target} and table or index, API Gateway's method and path,
 * the {@code @connections} method and path). Those pairs are compared with the policy, placeholders filled in:
 * each is allowed, as an IAM policy evaluator wsctl did not write decides ({@link IamSimulator}), and each action and
 * resource the policy names is used.
 *
 * <p>How requests map to IAM: DynamoDB authorizes an action on the table, or on the index a Query or Scan names
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html); API Gateway v2's
 * GetApis is {@code apigateway:GET} on {@code arn:{partition}:apigateway:{region}::/apis}
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html); @connections calls are
 * {@code execute-api:ManageConnections} on {@code arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/@connections/{id}}
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html).
 */
class OperatorPolicyTest {
    private static final Pattern SCOPE = Pattern.compile("Credential=[^/]+/\\d{8}/[^/]+/([^/]+)/aws4_request");
    private static final Pattern CONNECTIONS = Pattern.compile("^/([^/@]+)/@connections/([^/]+)$");
    private static final Pattern FUNCTION_CONFIGURATION =
            Pattern.compile("^/2015-03-31/functions/([^/]+)/configuration$");
    private static int apps;

    @TempDir
    Path dir;

    private final String app = "op" + Long.toString(System.nanoTime() % 1_000_000, 36) + (++apps);
    private final String stack = app + "-dev";
    private final String table = stack + "-connections";
    private final String historyTable = stack + "-history";
    private final CallRecorder calls = new CallRecorder();
    /** "action resource", as IAM authorizes each request that went through the proxy. */
    private final Set<String> authorized = new ConcurrentSkipListSet<>();

    private AwsReadBack aws;
    private EmulatorProxy proxy;
    private String tableArn;
    private String account;
    private String apiId;

    @BeforeEach
    void start() throws IOException {
        aws = new AwsReadBack(MotoServer.url());
        proxy = new EmulatorProxy(MotoServer.url(), this::authorize);
    }

    @AfterEach
    void stop() {
        proxy.close();
        aws.close();
    }

    private void deploy(String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "deploy",
                "--handlers-jar",
                StandInJar.write(dir, "v1").toString(),
                "--app",
                app,
                "--stage",
                "dev",
                "--region",
                AwsReadBack.REGION,
                "--endpoint-url",
                MotoServer.url().toString()));
        args.addAll(List.of(extra));
        CliRun r = CliRun.wsctl(
                new Context(Map.of(), Context.system().aws(), FunctionResource.Retry.iamPropagation()),
                args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        tableArn = aws.dynamoDb.describeTable(d -> d.tableName(table)).table().tableArn();
        account = tableArn.split(":")[4];
        apiId = aws.apiId(stack);
    }

    /** An operations command through the proxy, its SDK calls recorded. */
    private CliRun operate(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--app",
                app,
                "--stage",
                "dev",
                "--region",
                AwsReadBack.REGION,
                "--endpoint-url",
                proxy.uri().toString()));
        Context context = new Context(
                Map.of(),
                (options, config, env) ->
                        new SdkAwsClients(options.profile(), config.region(), options.endpoints(env), List.of(calls)),
                FunctionResource.Retry.iamPropagation());
        return CliRun.wsctl(context, all.toArray(String[]::new));
    }

    /** Records the request as IAM would authorize it; moto answers it. */
    private boolean authorize(HttpExchange exchange, byte[] body) throws IOException {
        String signature = exchange.getRequestHeaders().getFirst("Authorization");
        Matcher scope = signature == null ? null : SCOPE.matcher(signature);
        String service = scope != null && scope.find() ? scope.group(1) : "unsigned";
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        switch (service) {
            case "dynamodb" -> {
                String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
                String action = "dynamodb:" + target.substring(target.indexOf('.') + 1);
                JsonNode request = Jackson.mapper().readTree(body);
                if (request.has("TableName")) {
                    authorized.add(action + " "
                            + tableArn(request.get("TableName").asText())
                            + (request.has("IndexName")
                                    ? "/index/" + request.get("IndexName").asText()
                                    : ""));
                } else {
                    // BatchGetItem, BatchWriteItem: each table of RequestItems
                    request.get("RequestItems")
                            .fieldNames()
                            .forEachRemaining(t -> authorized.add(action + " " + tableArn(t)));
                }
            }
            case "apigateway" ->
                authorized.add("apigateway:" + method + " arn:aws:apigateway:" + AwsReadBack.REGION + "::"
                        + path.replaceFirst("^/v2", ""));
            // SQS's JSON protocol: the action in X-Amz-Target, the queue by name (GetQueueUrl) or URL; a batch call is
            // authorized as its single action
            // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html)
            case "sqs" -> {
                String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
                String action =
                        "sqs:" + target.substring(target.indexOf('.') + 1).replace("Batch", "");
                JsonNode request = Jackson.mapper().readTree(body);
                String queue = request.has("QueueName")
                        ? request.get("QueueName").asText()
                        : request.get("QueueUrl").asText().replaceFirst(".*/", "");
                authorized.add(action + " arn:aws:sqs:" + AwsReadBack.REGION + ":" + account + ":" + queue);
            }
            // Lambda's REST paths: GetFunctionConfiguration is GET /2015-03-31/functions/{name}/configuration
            case "lambda" -> {
                Matcher m = FUNCTION_CONFIGURATION.matcher(path);
                authorized.add(
                        m.matches() && method.equals("GET")
                                ? "lambda:GetFunctionConfiguration arn:aws:lambda:" + AwsReadBack.REGION + ":" + account
                                        + ":function:" + m.group(1)
                                : "lambda:" + method + " " + path);
            }
            case "execute-api" -> {
                Matcher m = CONNECTIONS.matcher(path);
                authorized.add("execute-api:ManageConnections "
                        + (m.matches()
                                ? "arn:aws:execute-api:" + AwsReadBack.REGION + ":" + account + ":" + apiId + "/"
                                        + m.group(1) + "/" + method + "/@connections/" + m.group(2)
                                : path));
            }
            // CloudWatch (signing name monitoring) names its operation in X-Amz-Target (JSON), in the path (CBOR) or
            // in the form's Action (query); GetMetricData has no resource type, so IAM authorizes it on *
            // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html)
            case "monitoring" -> {
                String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
                String form = new String(body, StandardCharsets.UTF_8);
                Matcher action = Pattern.compile("(?:^|&)Action=(\\w+)").matcher(form);
                String operation = target != null
                        ? target.substring(target.indexOf('.') + 1)
                        : path.contains("/operation/")
                                ? path.substring(path.lastIndexOf('/') + 1)
                                : action.find() ? action.group(1) : path;
                authorized.add("cloudwatch:" + operation + " *");
            }
            default -> authorized.add(service + ":" + method + " " + path);
        }
        return false;
    }

    private String tableArn(String name) {
        return "arn:aws:dynamodb:" + AwsReadBack.REGION + ":" + account + ":table/" + name;
    }

    /** Opens a connection in moto's @connections, as a client's $connect does on AWS. */
    private static void open(String connection) throws IOException, InterruptedException {
        HttpResponse<String> answer = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(MotoServer.url() + "/_wsctl/connections/" + connection))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isLessThan(300);
    }

    /** Joins each connection to presence-room as a member of its own (no auth: the user is the connection). */
    private void join(String... connections) {
        try (DynamoDbAsyncClient client = DynamoDbAsyncClient.builder()
                .region(Region.of(AwsReadBack.REGION))
                .credentialsProvider(AwsReadBack.credentials())
                .endpointOverride(MotoServer.url())
                .build()) {
            DynamoDbConnectionStore store = new DynamoDbConnectionStore(client, table);
            for (String connection : connections) {
                assertThat(store.join(connection, "presence-room", new Member(connection, null), Long.MAX_VALUE / 2))
                        .isTrue();
            }
        }
    }

    /** operator.json as it ships in the wsctl jar, its placeholders filled in for this stack. */
    private JsonNode operatorPolicy() throws IOException {
        String text;
        try (InputStream in = getClass().getResourceAsStream("/dev/wsctl/templates/policies/operator.json")) {
            assertThat(in).as("operator.json is in the wsctl jar").isNotNull();
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> values = Map.of(
                "webhooksQueueArn",
                "arn:aws:sqs:" + AwsReadBack.REGION + ":" + account + ":" + stack + "-webhooks-failed",
                "webhooksFunctionArn",
                "arn:aws:lambda:" + AwsReadBack.REGION + ":" + account + ":function:" + stack + "-webhooks",
                "partition",
                "aws",
                "region",
                AwsReadBack.REGION,
                "account",
                account,
                "apiId",
                apiId,
                "stage",
                "dev",
                "tableArn",
                tableArn,
                "historyTableArn",
                tableArn(historyTable));
        for (Map.Entry<String, String> e : values.entrySet()) {
            text = text.replace("${" + e.getKey() + "}", e.getValue());
        }
        assertThat(text)
                .as("every placeholder of operator.json is one of " + values.keySet())
                .doesNotContain("${");
        return Jackson.mapper().readTree(text);
    }

    @Test
    void theOperationsCallExactlyWhatOperatorJsonAllowsAndNoIamOrSts() throws Exception {
        // news keeps history: broadcast appends to it, channels history reads it; webhooks go to a local receiver
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        Path config = Files.writeString(
                dir.resolve("wsctl.yaml"),
                "history:\n  channels: [news]\nwebhooks:\n  url: http://127.0.0.1:"
                        + receiver.getAddress().getPort() + "/hook\n");
        try {
            operateEverything(config);
        } finally {
            receiver.stop(0);
        }
    }

    private void operateEverything(Path config) throws Exception {
        deploy("--config", config.toString());
        // a body the webhooks function gave up on, for failed and redrive
        aws.sqs.sendMessage(m -> m.queueUrl(aws.sqs
                        .getQueueUrl(q -> q.queueName(stack + "-webhooks-failed"))
                        .queueUrl())
                .messageBody("{\"timeMs\":1,\"events\":[]}"));
        String live = app + "-live";
        String kicked = app + "-kicked";
        String stale = app + "-stale";
        open(live);
        open(kicked);
        aws.subscribe(table, live, "news");
        aws.subscribe(table, kicked, "news");
        aws.subscribe(table, stale, "news");
        // kicked and stale are also members of a presence channel: kick and gc count them down there, delete their
        // member rows at zero and post member_removed to the members left (live)
        join(live, kicked, stale);
        calls.reset();

        List<List<String>> commands = List.of(
                List.of("webhooks", "secret", "--config", config.toString()),
                List.of("webhooks", "test", "--config", config.toString()),
                List.of("webhooks", "failed", "--config", config.toString()),
                List.of("webhooks", "redrive", "--config", config.toString()),
                List.of("broadcast", "--channel", "news", "--message", "hi", "--config", config.toString()),
                List.of("channels", "history", "news", "--config", config.toString()),
                List.of("connections", "list"),
                List.of("connections", "list", "--channel", "news"),
                List.of("connections", "show", live),
                List.of("channels", "list"),
                List.of("channels", "inspect", "news"),
                List.of("connections", "kick", kicked, "--reason", "maintenance"),
                List.of("connections", "gc"),
                List.of("stats", "--since", "2h"));
        for (List<String> command : commands) {
            CliRun r = operate(command.toArray(String[]::new));
            assertThat(r.code()).as(command + ": " + r.err()).isZero();
        }

        assertThat(calls.calls())
                .as("no IAM or STS call, of Lambda only the webhooks function's configuration")
                .isNotEmpty()
                .allMatch(c -> c.equals("apigateway:GetApis")
                        || c.startsWith("dynamodb:")
                        || c.equals("cloudwatch:GetMetricData")
                        || c.startsWith("sqs:")
                        || c.equals("lambda:GetFunctionConfiguration"));
        Set<String> grants = new TreeSet<>();
        List<Pattern[]> used = new ArrayList<>();
        for (JsonNode statement : operatorPolicy().get("Statement")) {
            assertThat(statement.get("Effect").asText()).isEqualTo("Allow");
            for (String action : values(statement.get("Action"))) {
                for (String resource : values(statement.get("Resource"))) {
                    grants.add(action + " " + resource);
                    used.add(new Pattern[] {glob(action), glob(resource)});
                }
            }
        }
        List<IamSimulator.Call> made = authorized.stream()
                .map(c -> c.split(" ", 2))
                .map(ar -> new IamSimulator.Call(ar[0], ar[1]))
                .distinct()
                .toList();
        assertThat(IamSimulator.decide(operatorPolicy(), made).stream()
                        .filter(d -> !d.allowed())
                        .toList())
                .as("the calls operator.json does not allow; it grants " + grants)
                .isEmpty();
        for (Pattern[] grant : used) {
            assertThat(authorized)
                    .as("a command uses " + grant[0] + " on " + grant[1] + "; the calls: " + authorized)
                    .anyMatch(call -> {
                        String[] ar = call.split(" ", 2);
                        return grant[0].matcher(ar[0]).matches()
                                && grant[1].matcher(ar[1]).matches();
                    });
        }
    }

    @Test
    void aStackThatIsNotDeployedSaysSoAfterOneApiGatewayRead() {
        CliRun r = operate("broadcast", "--channel", "news", "--message", "hi");

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .isEqualTo("wsctl: Stack " + stack + " is not deployed in us-east-1. Run `wsctl deploy`,"
                        + " or pass --local for the local stack.\n");
        assertThat(calls.calls()).containsOnly("apigateway:GetApis");
    }

    @Test
    void aDeniedApiGatewayReadIsOneSentenceNamingTheCall() throws IOException {
        deploy();
        calls.fail(
                "apigateway:GetApis",
                1,
                () -> ApiGatewayV2Exception.builder()
                        .statusCode(403)
                        .awsErrorDetails(AwsErrorDetails.builder()
                                .errorCode("AccessDeniedException")
                                .errorMessage("User is not authorized to perform: apigateway:GET")
                                .build())
                        .build());

        CliRun r = operate("channels", "list");

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .isEqualTo("wsctl: Access denied while trying to read API " + stack
                        + " (API Gateway GetApis): User is not authorized to perform: apigateway:GET. Grant that action on that"
                        + " resource to the credentials wsctl uses.\n");
    }
}
