package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.config.Jackson;
import dev.wsctl.deploy.StandInJar;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The operations commands against a stack that {@code wsctl deploy} put into moto's server ({@link MotoServer}),
 * through {@link Wsctl#run} with the real SDK clients and {@code --endpoint-url}: the connection rows are in moto's
 * DynamoDB, and {@code @connections} calls go to {@code {endpoint}/{stage}/@connections/{id}}, which the wsctl
 * extension of moto answers (410 for a connection that is not open). Connections are opened through the
 * extension's side door, as a WebSocket client's $connect would open them on AWS; the messages they received
 * are read back the same way.
 */
class OperationsOnMotoTest {
    private static int apps;

    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();
    private final String app = "o" + Long.toString(System.nanoTime() % 1_000_000, 36) + (++apps);
    private final String table = app + "-dev-connections";
    private AwsReadBack aws;

    @BeforeEach
    void deploy() throws IOException {
        aws = new AwsReadBack(MotoServer.url());
        env.put("WSCTL_AUTH_MODE", "jwt");
        CliRun r = wsctl("deploy", "--handlers-jar", StandInJar.write(dir, "v1").toString());
        assertThat(r.code()).as(r.err()).isZero();
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
        return CliRun.wsctl(
                new Context(env, Context.system().aws(), dev.wsctl.deploy.FunctionResource.Retry.iamPropagation()),
                all.toArray(String[]::new));
    }

    private long rows(String connection) {
        return aws.dynamoDb
                .query(q -> q.tableName(table)
                        .keyConditionExpression("connectionId = :c")
                        .expressionAttributeValues(Map.of(":c", AttributeValue.fromS(connection))))
                .count();
    }

    private static JsonNode sideDoor(String method, String connection) {
        try {
            HttpResponse<String> answer = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(MotoServer.url() + "/_wsctl/connections/" + connection))
                                    .method(method, HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return Jackson.mapper().readTree(answer.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> received(String connection) {
        List<String> all = new ArrayList<>();
        sideDoor("GET", connection)
                .get("messages")
                .forEach(m -> all.add(new String(Base64.getDecoder().decode(m.asText()), StandardCharsets.UTF_8)));
        return all;
    }

    @Test
    void broadcastDeliversThroughTheStagesConnectionsAndRemovesGoneOnes() throws IOException {
        String open = app + "-open";
        String gone = app + "-gone";
        sideDoor("POST", open);
        aws.subscribe(table, open, "news");
        aws.subscribe(table, gone, "news");

        CliRun r = wsctl("broadcast", "--channel", "news", "--message", "hi", "-o", "json");

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode report = Jackson.mapper().readTree(r.out());
        assertThat(report.get("delivered").asInt()).isEqualTo(1);
        assertThat(report.get("gone").asInt()).isEqualTo(1);
        assertThat(received(open))
                .singleElement()
                .satisfies(m -> assertThat(
                                Jackson.mapper().readTree(m).get("message").asText())
                        .isEqualTo("hi"));
        assertThat(rows(gone)).as("a gone connection's rows are deleted").isZero();
        assertThat(rows(open)).isEqualTo(2);

        CliRun channels = wsctl("channels", "list", "-o", "json");
        assertThat(channels.code()).as(channels.err()).isZero();
        assertThat(channels.out()).contains("news");
    }

    @Test
    void aBroadcastToAHistoryChannelIsKeptInTheHistoryTableAndChannelsHistoryPrintsIt() throws IOException {
        String open = app + "-open";
        sideDoor("POST", open);
        aws.subscribe(table, open, "news");
        String config = Files.writeString(dir.resolve("wsctl.yaml"), "history:\n  channels: [news]\n")
                .toString();

        for (String text : List.of("one", "two")) {
            CliRun r = wsctl("broadcast", "--channel", "news", "--message", text, "--config", config);
            assertThat(r.code()).as(r.err()).isZero();
        }
        CliRun history = wsctl("channels", "history", "news", "-o", "json", "--config", config);

        assertThat(history.code()).as(history.err()).isZero();
        JsonNode messages = Jackson.mapper().readTree(history.out()).get("messages");
        assertThat(messages).hasSize(2);
        List<JsonNode> delivered = new ArrayList<>();
        for (String m : received(open)) {
            delivered.add(Jackson.mapper().readTree(m));
        }
        assertThat(delivered).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(messages.get(i).get("offset").asLong()).isEqualTo(i + 1);
            assertThat(messages.get(i).get("message").asText()).isEqualTo(i == 0 ? "one" : "two");
            assertThat(messages.get(i).get("sender").asText()).isEqualTo("server");
            // what was kept is what was delivered, offset and epoch included
            assertThat(delivered.get(i).get("offset")).isEqualTo(messages.get(i).get("offset"));
            assertThat(delivered.get(i).get("epoch")).isEqualTo(messages.get(i).get("epoch"));
        }
        CliRun elsewhere = wsctl("channels", "history", "sports", "--config", config);
        assertThat(elsewhere.code()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void connectionsShowKickAndGcUseTheEmulatorsConnections() {
        String open = app + "-a";
        String stale = app + "-b";
        sideDoor("POST", open);
        aws.subscribe(table, open, "news");
        aws.subscribe(table, stale, "news");

        CliRun list = wsctl("connections", "list", "-o", "json");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains(open, stale);
        CliRun show = wsctl("connections", "show", open, "-o", "json");
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out()).contains(open, "news");

        CliRun gc = wsctl("connections", "gc", "-o", "json");
        assertThat(gc.code()).as(gc.err()).isZero();
        assertThat(rows(stale))
                .as("gc removes the rows of a connection @connections calls gone")
                .isZero();
        assertThat(rows(open)).isEqualTo(2);

        CliRun kick = wsctl("connections", "kick", open);
        assertThat(kick.code()).as(kick.err()).isZero();
        assertThat(sideDoor("GET", open).get("connected").asBoolean())
                .as("DeleteConnection closed it")
                .isFalse();
    }

    @Test
    void theEndpointFromTheEnvironmentServesConnectionsShowToo() {
        String open = app + "-e";
        sideDoor("POST", open);
        aws.subscribe(table, open, "news");
        Context context = new Context(
                Map.of("AWS_ENDPOINT_URL", MotoServer.url().toString()),
                Context.system().aws(),
                Context.system().roleRetry());

        CliRun r = CliRun.wsctl(
                context,
                "connections",
                "show",
                open,
                "--app",
                app,
                "--stage",
                "dev",
                "--region",
                AwsReadBack.REGION,
                "-o",
                "json");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains(open, "news", "connectedAt");
    }

    @Test
    void aTokenIsSignedWithTheDeployedSecret() throws Exception {
        CliRun r = wsctl("token", "--sub", "alice", "--channels", "private-team");
        assertThat(r.code()).as(r.err()).isZero();
        String secret = aws.lambda
                .getFunctionConfiguration(g -> g.functionName(app + "-dev-authorize"))
                .environment()
                .variables()
                .get(AuthSettings.ENV_SECRET);
        assertThat(AuthSettings.decodeSecret(secret)).hasSize(32);
        String token = r.out().trim();
        // checked with the JOSE library itself, not with wsctl's verifier
        com.nimbusds.jwt.SignedJWT jwt = com.nimbusds.jwt.SignedJWT.parse(token);
        assertThat(jwt.verify(new com.nimbusds.jose.crypto.MACVerifier(AuthSettings.decodeSecret(secret))))
                .isTrue();
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("alice");
        assertThat(r.out() + r.err()).doesNotContain(secret);
    }
}
