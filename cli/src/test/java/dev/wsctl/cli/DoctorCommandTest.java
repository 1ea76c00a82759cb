package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.config.Jackson;
import dev.wsctl.deploy.FunctionResource;
import dev.wsctl.deploy.Policies;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code wsctl doctor} against moto's server ({@link MotoServer}) through {@link Wsctl#run} with the real SDK clients:
 * stacks deployed by {@code wsctl deploy} (with the handlers jar wsctl embeds, so that a stack as deployed is not
 * drifted), subscribers written into the connection table as $connect and a join write them, and changes made behind
 * wsctl's back with SDK clients of the test's own ({@link AwsReadBack}). What moto answers: API Gateway's GetAccount
 * its default throttle (10,000 requests/s, burst 5,000); Lambda's GetAccountSettings and Service Quotas' API Gateway
 * quota the wsctl extension's answers (1,000 concurrent executions less what functions reserve; 500 new connections
 * per second unless a RequestServiceQuotaIncrease set it); IAM policy simulation is the extension's
 * SimulatePrincipalPolicy. moto's answer for the tests' default credentials ({@code arn:aws:sts::…:user/moto}) is no
 * IAM user or role, so there the permissions finding says it could not check.
 */
class DoctorCommandTest {
    private static int apps;

    private final Map<String, String> env = new HashMap<>();
    private final String app = "dr" + Long.toString(System.nanoTime() % 1_000_000, 36) + (++apps);
    private final String stack = app + "-dev";
    private final String table = stack + "-connections";
    private AwsReadBack aws;

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
        all.addAll(List.of("--app", app, "--stage", "dev"));
        if (!env.containsKey("AWS_ENDPOINT_URL")) {
            all.addAll(List.of("--endpoint-url", MotoServer.url().toString()));
        }
        if (!all.contains("--profile") && !all.contains("--region")) {
            all.addAll(List.of("--region", AwsReadBack.REGION));
        }
        return CliRun.wsctl(
                new Context(env, Context.system().aws(), FunctionResource.Retry.iamPropagation()),
                all.toArray(String[]::new));
    }

    private void deploy() {
        CliRun r = wsctl("deploy");
        assertThat(r.code()).as(r.err()).isZero();
    }

    /** The findings of {@code wsctl doctor -o json}, by check. */
    private static Map<String, JsonNode> findings(CliRun r) throws IOException {
        JsonNode json = Jackson.mapper().readTree(r.out());
        Map<String, JsonNode> byCheck = new LinkedHashMap<>();
        json.get("findings").forEach(f -> byCheck.put(f.get("check").asText(), f));
        return byCheck;
    }

    private static String line(Map<String, JsonNode> findings, String check) {
        JsonNode f = findings.get(check);
        assertThat(f).as(check + " in " + findings.keySet()).isNotNull();
        return f.get("status").asText() + " " + f.get("detail").asText();
    }

    @Test
    void aDeployedStackGetsEveryFindingWithTheLargestChannelAndTheBroadcastTimeFromTheAccountsRate()
            throws IOException {
        deploy();
        for (int i = 0; i < 3; i++) {
            aws.subscribe(table, app + "-c" + i, "news");
        }
        aws.subscribe(table, app + "-c3", "other");

        CliRun r = wsctl("doctor", "-o", "json");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        Map<String, JsonNode> findings = findings(r);
        assertThat(findings.keySet())
                .containsExactly(
                        "region",
                        "credentials",
                        "permissions",
                        "api-throttle",
                        "route-throttle",
                        "lambda-concurrency",
                        "new-connections",
                        "largest-channel",
                        "broadcast-time",
                        "fanout-concurrency",
                        "ttl",
                        "snapstart",
                        "drift");
        assertThat(line(findings, "region")).isEqualTo("OK us-east-1");
        assertThat(line(findings, "credentials")).startsWith("OK ").contains("account 123456789012");
        assertThat(line(findings, "permissions")).startsWith("WARN Could not check what the caller may do");
        assertThat(findings.get("permissions").get("fix").asText()).contains("iam:SimulatePrincipalPolicy");
        assertThat(line(findings, "api-throttle"))
                .isEqualTo("OK Account throttle: 10000 requests/s, burst 5000 (API" + " Gateway GetAccount).");
        assertThat(line(findings, "route-throttle")).startsWith("OK ").contains("500 requests/s, burst 1000");
        assertThat(line(findings, "lambda-concurrency"))
                .isEqualTo("OK 1000 unreserved of 1000 concurrent executions (Lambda GetAccountSettings).");
        assertThat(line(findings, "new-connections"))
                .isEqualTo("OK 500 new WebSocket connections/s in this region (Service Quotas L-9ED1E49A).");
        assertThat(line(findings, "largest-channel")).isEqualTo("OK news: 3 subscribers (of 2 channels).");
        // 3 recipients at min(fanout.maxRate 9000, account throttle 10000) = 9000 calls/s
        assertThat(line(findings, "broadcast-time"))
                .isEqualTo("OK A broadcast to news (3 recipients) takes at least 0.00 s: 3 ÷ 9000 calls/s, the lower"
                        + " of fanout.maxRate (9000) and the account throttle (10000).");
        assertThat(line(findings, "fanout-concurrency")).startsWith("OK ").contains("no fan-out worker");
        assertThat(line(findings, "ttl"))
                .isEqualTo("OK TTL is on: " + table + " on expiresAt, " + stack + "-history on expiresAt.");
        assertThat(line(findings, "snapstart")).startsWith("OK On ").contains("connect", "send", "fanout");
        assertThat(line(findings, "drift")).startsWith("OK Every resource matches the configuration");
        assertThat(findings.values())
                .allSatisfy(f -> assertThat(f.get("fix").isNull())
                        .as(f.toString())
                        .isEqualTo(f.get("status").asText().equals("OK")));
        JsonNode counts = Jackson.mapper().readTree(r.out()).get("counts");
        assertThat(counts.get("ok").asInt()).isEqualTo(12);
        assertThat(counts.get("warn").asInt()).isEqualTo(1);
        assertThat(counts.get("fail").asInt()).isZero();

        CliRun table = wsctl("doctor");
        assertThat(table.code()).isZero();
        assertThat(table.out())
                .contains("OK    largest-channel     news: 3 subscribers (of 2 channels).")
                .contains("WARN  permissions ")
                .containsPattern("(?m)^ {26}fix: Allow iam:SimulatePrincipalPolicy");
    }

    @Test
    void ttlTurnedOffIsAFailureAndAChangeBehindWsctlsBackIsDrift() throws IOException {
        deploy();
        aws.dynamoDb.updateTimeToLive(u ->
                u.tableName(table).timeToLiveSpecification(t -> t.enabled(false).attributeName("expiresAt")));
        aws.iam.untagRole(u -> u.roleName(stack + "-send").tagKeys("wsctl:app"));

        CliRun r = wsctl("doctor", "-o", "json");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        Map<String, JsonNode> findings = findings(r);
        assertThat(line(findings, "ttl")).startsWith("FAIL TTL is off on " + table + ":");
        assertThat(findings.get("ttl").get("fix").asText()).contains("wsctl deploy", "update-time-to-live");
        assertThat(line(findings, "drift"))
                .startsWith("WARN Drifted from the configuration:")
                .contains("role " + stack + "-send (tags)", "table " + table);
        assertThat(line(findings, "largest-channel")).isEqualTo("OK No channel has subscribers.");

        // deploy puts both back
        deploy();
        CliRun again = wsctl("doctor", "-o", "json");
        assertThat(again.code()).as(again.out()).isZero();
        assertThat(line(findings(again), "ttl")).startsWith("OK ");
        assertThat(line(findings(again), "drift")).startsWith("OK ");
    }

    @Test
    void moreShardsThanUnreservedConcurrencyIsAWarningWithTheShardsAndTheirCallsInFlight() throws IOException {
        env.put("WSCTL_FANOUT_SHARD_SIZE", "1");
        env.put("WSCTL_FANOUT_CONCURRENCY", "4");
        deploy();
        for (int i = 0; i < 101; i++) {
            aws.subscribe(table, app + "-c" + i, "crowd");
        }
        // 900 of the account's 1000 reserved for one function: 100 left for every other one
        aws.lambda.putFunctionConcurrency(
                p -> p.functionName(stack + "-default").reservedConcurrentExecutions(900));
        try {
            CliRun r = wsctl("doctor", "-o", "json");

            assertThat(r.code()).as(r.out() + r.err()).isZero();
            Map<String, JsonNode> findings = findings(r);
            assertThat(line(findings, "lambda-concurrency"))
                    .isEqualTo("OK 100 unreserved of 1000 concurrent executions (Lambda GetAccountSettings).");
            assertThat(line(findings, "largest-channel")).isEqualTo("OK crowd: 101 subscribers (of 1 channels).");
            assertThat(line(findings, "fanout-concurrency"))
                    .isEqualTo("WARN 101 shards of 1 × 4 calls in flight = 404 calls in flight, in 101 concurrent"
                            + " fan-out worker executions, more than Lambda's 100 unreserved concurrent executions:"
                            + " the rest are throttled and retried by Lambda's asynchronous invocation, late.");
            assertThat(findings.get("fanout-concurrency").get("fix").asText()).contains("fanout.shardSize");
        } finally {
            aws.lambda.deleteFunctionConcurrency(d -> d.functionName(stack + "-default"));
        }
    }

    @Test
    void aFanOutRateAboveTheAccountThrottleIsAWarningAndTheBroadcastGoesAtTheAccountsRate() throws IOException {
        env.put("WSCTL_FANOUT_MAX_RATE", "20000");
        deploy();
        for (int i = 0; i < 5; i++) {
            aws.subscribe(table, app + "-c" + i, "news");
        }

        CliRun r = wsctl("doctor", "-o", "json");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        Map<String, JsonNode> findings = findings(r);
        assertThat(line(findings, "broadcast-time"))
                .startsWith("WARN A broadcast to news (5 recipients) takes at least 0.00 s: 5 ÷ 10000 calls/s, the"
                        + " lower of fanout.maxRate (20000) and the account throttle (10000).");
        assertThat(findings.get("broadcast-time").get("fix").asText()).contains("fanout.maxRate to at most 9000");
    }

    @Test
    void theNewConnectionsQuotaIsTheAccountsAsServiceQuotasAnswersIt() throws Exception {
        // raised with the AWS CLI, in a region of its own (the quota is the account's, for every test of this server)
        ProcessBuilder cli = new ProcessBuilder(
                        "aws",
                        "service-quotas",
                        "request-service-quota-increase",
                        "--service-code",
                        "apigateway",
                        "--quota-code",
                        "L-9ED1E49A",
                        "--desired-value",
                        "2500",
                        "--region",
                        "eu-north-1",
                        "--endpoint-url",
                        MotoServer.url().toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        cli.environment().put("AWS_ACCESS_KEY_ID", "testing");
        cli.environment().put("AWS_SECRET_ACCESS_KEY", "testing");
        assertThat(cli.start().waitFor()).isZero();

        CliRun r = wsctl("doctor", "-o", "json", "--region", "eu-north-1");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(line(findings(r), "new-connections"))
                .isEqualTo("OK 2500 new WebSocket connections/s in this region (Service Quotas L-9ED1E49A).");
    }

    @Test
    void whenServiceQuotasDoesNotAnswerTheNewConnectionsQuotaIsAwsDefaultAndSaysWhy() throws IOException {
        env.put("AWS_ENDPOINT_URL", MotoServer.url().toString());
        int closed;
        try (java.net.ServerSocket socket =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        env.put("AWS_ENDPOINT_URL_SERVICE_QUOTAS", "http://127.0.0.1:" + closed);

        CliRun r = wsctl("doctor", "-o", "json");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(line(findings(r), "new-connections"))
                .startsWith("OK 500 new WebSocket connections/s, AWS's default: Service Quotas did not answer (")
                .contains("127.0.0.1:" + closed);
    }

    @Test
    void withoutADeployedStackTheStackFindingsSayNotDeployed() throws IOException {
        CliRun r = wsctl("doctor", "-o", "json");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        Map<String, JsonNode> findings = findings(r);
        for (String check :
                List.of("largest-channel", "broadcast-time", "fanout-concurrency", "ttl", "snapstart", "drift")) {
            assertThat(line(findings, check)).isEqualTo("OK Stack " + stack + " is not deployed.");
        }
    }

    /**
     * A role's session is simulated as its role: the session's ARN ({@code arn:aws:sts::…:assumed-role/NAME/SESSION})
     * leaves out the role's path, which IAM's GetRole gives. The credentials are moto's answer to AssumeRole, in a
     * profile of a credentials file of the test's own; the simulation is the wsctl extension's SimulatePrincipalPolicy
     * (an IAM policy evaluator wsctl did not write, over the role's policies as moto's IAM holds them). Without
     * policies every action is denied; with deploy.json and operator.json, their placeholders filled in for the stack,
     * all are allowed; without one statement, its actions are named.
     */
    @Test
    void aRolesSessionIsSimulatedAsItsRoleWithThePathIamGives(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        String role = app + "-operator";
        String roleArn = "arn:aws:iam::123456789012:role/wsctl/ops/" + role;
        aws.iam.createRole(c -> c.roleName(role).path("/wsctl/ops/").assumeRolePolicyDocument("{}"));
        try (var sts = software.amazon.awssdk.services.sts.StsClient.builder()
                .endpointOverride(MotoServer.url())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(AwsReadBack.credentials())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .build()) {
            var session = sts.assumeRole(a -> a.roleArn(roleArn).roleSessionName("doctor"))
                    .credentials();
            java.nio.file.Path credentials = java.nio.file.Files.writeString(
                    dir.resolve("credentials"),
                    "[operator]\naws_access_key_id = " + session.accessKeyId() + "\naws_secret_access_key = "
                            + session.secretAccessKey() + "\naws_session_token = " + session.sessionToken() + "\n");
            Map<String, String> before = SystemProperties.set(Map.of(
                    "aws.sharedCredentialsFile", credentials.toString(),
                    "aws.configFile", dir.resolve("config").toString()));
            try {
                Map<String, JsonNode> findings = doctorAs("operator");
                assertThat(line(findings, "credentials"))
                        .startsWith("OK arn:aws:sts::123456789012:assumed-role/" + role + "/doctor");
                assertThat(line(findings, "permissions"))
                        .startsWith("FAIL " + roleArn + " may not: deploy.json Roles: iam:GetRole, ");

                Map<String, String> values = Map.of(
                        "partition",
                        "aws",
                        "region",
                        "us-east-1",
                        "account",
                        "123456789012",
                        "app",
                        app,
                        "stage",
                        "dev",
                        "apiId",
                        "*",
                        "tableArn",
                        "arn:aws:dynamodb:us-east-1:123456789012:table/" + table,
                        "historyTableArn",
                        "arn:aws:dynamodb:us-east-1:123456789012:table/" + stack + "-history",
                        "webhooksQueueArn",
                        "arn:aws:sqs:us-east-1:123456789012:" + stack + "-webhooks-failed",
                        "webhooksFunctionArn",
                        "arn:aws:lambda:us-east-1:123456789012:function:" + stack + "-webhooks");
                JsonNode deploy = Policies.document("deploy", values);
                aws.iam.putRolePolicy(p -> p.roleName(role).policyName("deploy").policyDocument(deploy.toString()));
                aws.iam.putRolePolicy(p -> p.roleName(role)
                        .policyName("operator")
                        .policyDocument(Policies.document("operator", values).toString()));
                assertThat(line(doctorAs("operator"), "permissions"))
                        .matches(
                                "OK " + java.util.regex.Pattern.quote(roleArn)
                                        + " may do all \\d+ actions of deploy.json and operator.json \\(IAM policy simulation\\)\\.");

                var statements = (com.fasterxml.jackson.databind.node.ArrayNode) deploy.get("Statement");
                for (int i = statements.size() - 1; i >= 0; i--) {
                    if (statements.get(i).get("Sid").asText().equals("Dashboard")) {
                        statements.remove(i);
                    }
                }
                aws.iam.putRolePolicy(p -> p.roleName(role).policyName("deploy").policyDocument(deploy.toString()));
                assertThat(line(doctorAs("operator"), "permissions"))
                        .isEqualTo("FAIL " + roleArn + " may not: deploy.json Dashboard: cloudwatch:GetDashboard,"
                                + " deploy.json Dashboard: cloudwatch:PutDashboard, deploy.json Dashboard:"
                                + " cloudwatch:DeleteDashboards.");
            } finally {
                SystemProperties.restore(before);
            }
        }
    }

    /** {@code wsctl doctor -o json} with the credentials of the profile. */
    private Map<String, JsonNode> doctorAs(String profile) throws IOException {
        CliRun r = wsctl("doctor", "-o", "json", "--profile", profile, "--region", "us-east-1");
        assertThat(r.code()).as(r.out() + r.err()).isIn(0, 1);
        return findings(r);
    }

    @Test
    void credentialsThatCannotBeFoundAreAFailureWithTheFixAndNothingElseIsAsked() throws IOException {
        CliRun r = wsctl("doctor", "-o", "json", "--profile", "wsctl-doctor-no-such-profile", "--region", "us-east-1");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).isEmpty();
        Map<String, JsonNode> findings = findings(r);
        assertThat(findings.keySet()).containsExactly("region", "credentials");
        assertThat(line(findings, "credentials")).startsWith("FAIL ");
        assertThat(findings.get("credentials").get("fix").asText()).startsWith("No AWS credentials found");
    }

    @Test
    void noRegionIsAFailureWithTheFix() throws IOException {
        // no --region, no region in the configuration, and a profile that does not exist (so none from a profile)
        org.junit.jupiter.api.Assumptions.assumeTrue(
                System.getenv("AWS_REGION") == null && System.getProperty("aws.region") == null,
                "the test JVM has a region of its own");
        CliRun r = wsctl("doctor", "-o", "json", "--profile", "wsctl-doctor-no-such-profile");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        Map<String, JsonNode> findings = findings(r);
        assertThat(findings.keySet()).containsExactly("region");
        assertThat(line(findings, "region")).isEqualTo("FAIL No AWS region.");
        assertThat(findings.get("region").get("fix").asText()).contains("--region");
    }

    @Test
    void aBadOutputFormatIsAUsageError() {
        CliRun r = wsctl("doctor", "-o", "xml");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("table, json or yaml");
    }
}
