package dev.wsctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.CallRecorder;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.aws.SdkAwsClients;
import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.cli.CliRun;
import dev.wsctl.cli.Context;
import dev.wsctl.config.Jackson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.lambda.model.EventSourceMappingConfiguration;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * What {@code wsctl deploy / status / destroy} make of {@code webhooks.url} (docs/observability.md#lifecycle-webhooks):
 * the connection table's stream, the dead-letter queue, the webhooks function and its role, and the event source
 * mapping between them, against moto's server and read back with the test's own SDK clients ({@link AwsReadBack}), as
 * {@link DeployTest} does for the rest of the stack.
 */
class WebhooksDeployTest {
    private static final AtomicInteger APPS = new AtomicInteger();
    private static final String HOOK = "https://hooks.example.com/wsctl";

    @TempDir
    Path dir;

    private AwsReadBack aws;
    private final CallRecorder calls = new CallRecorder();
    private Path jar;
    private final Map<String, String> env = new HashMap<>();
    private final String app = "w" + Long.toString(System.nanoTime() % 1_000_000, 36) + APPS.incrementAndGet();
    private final String stack = app + "-dev";
    private final String function = stack + "-webhooks";
    private final String queue = stack + "-webhooks-failed";
    /** What the config file says beyond the app. */
    private String config = webhooks("[channel_occupied, member_added]");

    private static String webhooks(String events) {
        return "webhooks:\n  url: " + HOOK + "\n  events: " + events + "\n";
    }

    @BeforeEach
    void account() throws IOException {
        aws = new AwsReadBack(MotoServer.url());
        jar = StandInJar.write(dir, "v1");
    }

    @AfterEach
    void close() {
        aws.close();
    }

    private CliRun wsctl(String... args) {
        Context context = new Context(
                env,
                (options, c, e) -> new SdkAwsClients(
                        Optional.empty(),
                        c.region(),
                        AwsEndpoints.of(Optional.of(MotoServer.url()), Map.of()),
                        List.of(calls)),
                new FunctionResource.Retry(12, BackoffStrategy.retryImmediately(), d -> {}));
        List<String> all = new ArrayList<>(List.of(args));
        Path file = dir.resolve("wsctl.yaml");
        all.addAll(List.of("--app", app, "--stage", "dev", "--region", "us-east-1", "--config", file.toString()));
        try {
            Files.writeString(file, "app: " + app + "\n" + config);
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

    private software.amazon.awssdk.services.dynamodb.model.TableDescription table() {
        return aws.dynamoDb
                .describeTable(t -> t.tableName(stack + "-connections"))
                .table();
    }

    private String queueUrl() {
        return aws.sqs.getQueueUrl(q -> q.queueName(queue)).queueUrl();
    }

    private List<EventSourceMappingConfiguration> mappings() {
        return aws.lambda
                .listEventSourceMappings(
                        l -> l.functionName("arn:aws:lambda:us-east-1:123456789012:function:" + function + ":live"))
                .eventSourceMappings();
    }

    private Map<String, String> environment() {
        return aws.lambda
                .getFunctionConfiguration(g -> g.functionName(function))
                .environment()
                .variables();
    }

    @Test
    void webhooksGetTheTablesStreamAQueueAFunctionAndAMappingFromOneToTheOther() {
        CliRun r = deploy("-o", "json");
        assertThat(r.code()).as(r.err()).isZero();

        var table = table();
        assertThat(table.streamSpecification().streamEnabled()).isTrue();
        assertThat(table.streamSpecification().streamViewTypeAsString()).isEqualTo("NEW_AND_OLD_IMAGES");
        assertThat(aws.dynamoDb
                        .describeTable(t -> t.tableName(stack + "-history"))
                        .table()
                        .streamSpecification())
                .as("the history table has no stream")
                .isNull();

        Map<QueueAttributeName, String> attributes = aws.sqs
                .getQueueAttributes(q -> q.queueUrl(queueUrl()).attributeNames(QueueAttributeName.ALL))
                .attributes();
        assertThat(attributes)
                .containsEntry(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600")
                .containsEntry(QueueAttributeName.SQS_MANAGED_SSE_ENABLED, "true");
        assertThat(aws.sqs.listQueueTags(q -> q.queueUrl(queueUrl())).tags())
                .containsEntry("wsctl:app", app)
                .containsEntry("wsctl:stage", "dev");

        FunctionConfiguration f =
                aws.lambda.getFunction(g -> g.functionName(function)).configuration();
        assertThat(f.handler()).isEqualTo("dev.wsctl.handlers.WebhooksHandler");
        assertThat(f.timeout()).isEqualTo(420);
        assertThat(f.runtimeAsString()).isEqualTo("java21");
        assertThat(f.role()).endsWith(":role/" + function);
        Map<String, String> env = environment();
        assertThat(env)
                .containsEntry("WSCTL_WEBHOOK_URL", HOOK)
                .containsEntry("WSCTL_WEBHOOK_EVENTS", "channel_occupied member_added")
                .containsEntry("WSCTL_WEBHOOK_DEAD_LETTERS", queueUrl())
                .containsEntry("WSCTL_WEBHOOK_RETRY_SECONDS", "300");
        String secret = env.get("WSCTL_WEBHOOK_SECRET");
        assertThat(secret).matches("[0-9a-f]{64}");
        assertThat(r.out() + r.err()).as("deploy never prints the secret").doesNotContain(secret);
        assertThat(aws.lambda
                        .getAlias(a -> a.functionName(function).name("live"))
                        .functionVersion())
                .isNotEqualTo("$LATEST");

        assertThat(mappings()).singleElement().satisfies(m -> {
            assertThat(m.eventSourceArn()).isEqualTo(table.latestStreamArn());
            assertThat(m.startingPositionAsString()).isEqualTo("LATEST");
            assertThat(m.batchSize()).isEqualTo(100);
            assertThat(m.maximumBatchingWindowInSeconds()).isEqualTo(1);
            assertThat(m.parallelizationFactor()).isEqualTo(1);
            assertThat(m.filterCriteria().filters())
                    .singleElement()
                    .satisfies(filter -> assertThat(parse(filter.pattern()))
                            .isEqualTo(parse("{\"eventName\":[\"INSERT\",\"REMOVE\"],"
                                    + "\"dynamodb\":{\"Keys\":{\"channel\":{\"S\":[{\"prefix\":\"#\"}]}}}}")));
        });

        JsonNode policy = parse(aws.rolePolicy(function, RoleResource.POLICY_NAME));
        assertThat(policy.get("Statement"))
                .anySatisfy(s -> {
                    assertThat(s.get("Action").toString())
                            .contains(
                                    "dynamodb:DescribeStream",
                                    "dynamodb:GetRecords",
                                    "dynamodb:GetShardIterator",
                                    "dynamodb:ListStreams");
                    assertThat(s.get("Resource").asText()).isEqualTo(table.tableArn() + "/stream/*");
                })
                .anySatisfy(s -> {
                    assertThat(s.get("Action").toString()).isEqualTo("[\"sqs:SendMessage\"]");
                    assertThat(s.get("Resource").asText()).isEqualTo(attributes.get(QueueAttributeName.QUEUE_ARN));
                });
        assertThat(policy.toString()).doesNotContain("\"*\"", "dynamodb:Query", "execute-api");

        JsonNode outputs = parse(r.out());
        assertThat(outputs.get("webhooksQueue").asText()).isEqualTo(queueUrl());
        assertThat(outputs.get("function.webhooks").asText()).isEqualTo(function);

        calls.reset();
        CliRun again = deploy();
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(calls.mutatingCalls()).as("a second deploy").isEmpty();
        assertThat(environment()).containsEntry("WSCTL_WEBHOOK_SECRET", secret);
        assertThat(again.out())
                .contains(
                        "= unchanged queue " + queue,
                        "= unchanged function " + function,
                        "= unchanged event source mapping " + function + ":live");

        // status compares with the code wsctl embeds, not this test's stand-in jar: the function differs in code only
        CliRun status = wsctl("status", "-o", "json");
        assertThat(parse(status.out()).get("resources"))
                .filteredOn(n -> n.get("name").asText().startsWith(function))
                .extracting(n -> n.get("kind").asText() + " " + n.get("state").asText())
                .containsExactlyInAnyOrder(
                        "queue present", "role present", "function drifted", "event source mapping present");
        assertThat(wsctl("status").out()).contains("drifted    function   " + function + "  (code: ");
    }

    @Test
    void changedEventsUpdateTheFunctionsEnvironmentAndKeepTheSecret() {
        assertThat(deploy().code()).isZero();
        String secret = environment().get("WSCTL_WEBHOOK_SECRET");
        config = webhooks("[connected, disconnected]");
        calls.reset();

        CliRun r = deploy();

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("~ update function " + function + " (environment: differs in WSCTL_WEBHOOK_EVENTS")
                .contains("WSCTL_WEBHOOK_SECRET: (kept))")
                .doesNotContain(secret);
        assertThat(environment())
                .containsEntry("WSCTL_WEBHOOK_EVENTS", "connected disconnected")
                .containsEntry("WSCTL_WEBHOOK_SECRET", secret);
        assertThat(calls.mutatingCalls())
                .containsOnly("lambda:UpdateFunctionConfiguration", "lambda:PublishVersion", "lambda:UpdateAlias");
    }

    @Test
    void aDriftedMappingIsUpdatedInPlace() {
        assertThat(deploy().code()).isZero();
        String uuid = mappings().get(0).uuid();
        aws.lambda.updateEventSourceMapping(u -> u.uuid(uuid).batchSize(500));
        calls.reset();

        CliRun r = deploy();

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("~ update event source mapping " + function + ":live (batch size: 500 → 100)");
        assertThat(calls.mutatingCalls()).containsExactly("lambda:UpdateEventSourceMapping");
        assertThat(mappings()).singleElement().satisfies(m -> {
            assertThat(m.uuid()).isEqualTo(uuid);
            assertThat(m.batchSize()).isEqualTo(100);
        });
    }

    @Test
    void turningWebhooksOffRemovesThemAndTheStreamAndOnAgainMakesANewStream() {
        assertThat(deploy().code()).isZero();
        String firstStream = table().latestStreamArn();
        config = "";

        CliRun off = deploy();

        assertThat(off.code()).as(off.err()).isZero();
        assertThat(off.out())
                .contains(
                        "~ update table " + stack + "-connections (stream: NEW_AND_OLD_IMAGES → off)",
                        "- delete event source mapping " + function + ":live",
                        "- delete function " + function,
                        "- delete role " + function,
                        "- delete queue " + queue);
        var table = table();
        assertThat(table.streamSpecification() == null
                        || !table.streamSpecification().streamEnabled())
                .isTrue();
        assertThat(aws.functions(function)).isEmpty();
        assertThat(aws.roles(function)).isEmpty();
        assertThatThrownBy(this::queueUrl).isInstanceOf(QueueDoesNotExistException.class);
        assertThat(mappings()).isEmpty();
        calls.reset();
        assertThat(deploy().code()).isZero();
        assertThat(calls.mutatingCalls()).as("off stays off").isEmpty();

        config = webhooks("[channel_vacated]");
        CliRun on = deploy();

        assertThat(on.code()).as(on.err()).isZero();
        String stream = table().latestStreamArn();
        assertThat(stream).isNotEqualTo(firstStream);
        assertThat(mappings())
                .singleElement()
                .satisfies(m -> assertThat(m.eventSourceArn()).isEqualTo(stream));
    }

    @Test
    void destroyRemovesTheWebhooksResourcesToo() {
        assertThat(deploy().code()).isZero();

        CliRun r = wsctl("destroy", "--yes");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .containsSubsequence(
                        "- delete event source mapping " + function + ":live",
                        "- delete function " + function,
                        "- delete role " + function,
                        "- delete queue " + queue,
                        "- delete table " + stack + "-connections");
        assertThat(aws.inventory(stack)).isEmpty();
        assertThatThrownBy(this::queueUrl).isInstanceOf(QueueDoesNotExistException.class);
        assertThat(mappings()).isEmpty();
    }

    @Test
    void withoutWebhooksTheConnectionTableHasNoStreamAndNothingElseIsMade() {
        config = "";
        assertThat(deploy().code()).isZero();
        assertThat(table().streamSpecification()).isNull();
        assertThat(aws.functions(function)).isEmpty();
        assertThatThrownBy(this::queueUrl).isInstanceOf(QueueDoesNotExistException.class);
    }

    private static JsonNode parse(String text) {
        try {
            return Jackson.mapper().readTree(text);
        } catch (IOException e) {
            throw new AssertionError(text, e);
        }
    }
}
