package dev.wsctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.cli.CliRun;
import dev.wsctl.cli.Context;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wsctl template} output passes cfn-lint (the CloudFormation linter, which checks a template against the
 * resource schemas CloudFormation publishes), for the default config and for each config that changes the render's
 * shape: auth with wsctl's HS256 secret (a NoEcho parameter), with an identity provider's JWKS, an origin allowlist
 * (the authorizer without auth), SnapStart off with per-function memory, tags and sharding, and webhooks (with
 * SnapStart and without). cfn-lint runs as a
 * process; without it on PATH the test fails under {@code CI} and is skipped elsewhere, saying so. Errors and
 * warnings both fail: none of the renders has a warning that is not a real problem.
 */
class TemplateLintTest {
    private static final Map<String, String> CONFIGS = Map.of(
            "default", "app: wsctl\nstage: dev\n",
            "hs256", "app: chat\nstage: prod\nauth:\n  mode: jwt\n",
            "jwks",
                    "app: chat\nstage: prod\nauth:\n  mode: jwt\n  jwksUrl: https://idp.example.com/.well-known/jwks.json\n"
                            + "  issuer: https://idp.example.com/\n  audience: chat\n",
            "origins",
                    "app: chat\nstage: prod\nauth:\n  allowedOrigins: [\"https://app.example.com\","
                            + " \"https://*.example.com\"]\n  missingOrigin: deny\n",
            "shape",
                    "app: chat\nstage: prod\nsnapStart: false\nmemory:\n  all: 512\n  send: 2048\ntags:\n  team: chat\n"
                            + "fanout:\n  shardSize: 500\n  maxRate: 2000\n",
            "webhooks", "app: chat\nstage: prod\nwebhooks:\n  url: https://hooks.example.com/wsctl\n",
            "webhooks-without-snapstart",
                    "app: chat\nstage: prod\nsnapStart: false\nwebhooks:\n  url: https://hooks.example.com/wsctl\n"
                            + "  events: [connected, disconnected]\n");

    @TempDir
    Path dir;

    @BeforeAll
    static void cfnLintIsThere() {
        boolean onPath = List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).stream()
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "cfn-lint")));
        if (!onPath && System.getenv("CI") != null) {
            throw new IllegalStateException("cfn-lint is not on PATH (pip install cfn-lint)");
        }
        assumeTrue(onPath, "cfn-lint is not on PATH: the templates are not linted (pip install cfn-lint)");
    }

    @Test
    void everyRenderPassesCfnLint() throws IOException, InterruptedException {
        List<Path> templates = new ArrayList<>();
        for (var c : CONFIGS.entrySet()) {
            Path config = dir.resolve(c.getKey() + ".yaml");
            Files.writeString(config, c.getValue());
            Path template = dir.resolve(c.getKey() + "-template.yaml");
            CliRun r = CliRun.wsctl(
                    new Context(
                            Map.of(), Context.system().aws(), Context.system().roleRetry()),
                    "template",
                    "--config",
                    config.toString(),
                    "--out",
                    template.toString());
            assertThat(r.code()).as(c.getKey() + ": " + r.err()).isZero();
            templates.add(template);
        }
        templates.add(operatorPolicy(dir));
        // and one it must find fault with, so that a linter that finds nothing cannot pass: a Key/Value tag list
        // where the stage's schema wants a map (E3012)
        Path bad = dir.resolve("bad-template.yaml");
        Files.writeString(
                bad,
                "Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n"
                        + "      Name: x\n      ProtocolType: WEBSOCKET\n      RouteSelectionExpression: $request.body.action\n"
                        + "  Stage:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties:\n      ApiId: !Ref Api\n"
                        + "      StageName: dev\n      Tags:\n      - Key: a\n        Value: b\n");
        templates.add(bad);

        // one run for all of them: cfn-lint takes seconds to start
        JsonNode findings = cfnLint(templates);
        Map<String, List<String>> problems = new TreeMap<>();
        findings.forEach(f -> problems.computeIfAbsent(
                        Path.of(f.path("Filename").asText()).getFileName().toString(), k -> new ArrayList<>())
                .add(f.at("/Rule/Id").asText() + " " + f.path("Message").asText() + " at line "
                        + f.at("/Location/Start/LineNumber").asInt()));
        assertThat(problems.remove(bad.getFileName().toString()))
                .as("the template with a tag list")
                .isNotNull()
                .anyMatch(p -> p.startsWith("E3012 "));
        assertThat(problems)
                .as("cfn-lint's findings on the templates of " + CONFIGS.keySet()
                        + " and on templates/policies/operator.json")
                .isEmpty();
    }

    /**
     * templates/policies/operator.json as the document of a managed policy, so that cfn-lint checks its actions and
     * resources too (the functions' policies are in every render): its placeholders become the stack's pseudo
     * parameters in {@code Fn::Sub}.
     */
    private static Path operatorPolicy(Path dir) throws IOException {
        String text;
        try (var in = TemplateLintTest.class.getResourceAsStream("/dev/wsctl/templates/policies/operator.json")) {
            assertThat(in).as("operator.json is in the wsctl jar").isNotNull();
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        text = text.replace("${partition}", "${AWS::Partition}")
                .replace("${region}", "${AWS::Region}")
                .replace("${account}", "${AWS::AccountId}")
                .replace("${apiId}", "${ApiId}")
                .replace("${stage}", "prod")
                .replace(
                        "${tableArn}",
                        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/chat-prod-connections")
                .replace(
                        "${webhooksQueueArn}",
                        "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:chat-prod-webhooks-failed")
                .replace(
                        "${webhooksFunctionArn}",
                        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:chat-prod-webhooks")
                .replace(
                        "${historyTableArn}",
                        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/chat-prod-history");
        assertThat(text).as("operator.json's placeholders").doesNotContainPattern("\\$\\{[a-z]");
        var template = Json.object();
        template.putObject("Parameters").putObject("ApiId").put("Type", "String");
        var policy = template.putObject("Resources").putObject("Operator");
        policy.put("Type", "AWS::IAM::ManagedPolicy");
        policy.putObject("Properties")
                .set("PolicyDocument", substituted(Jackson.mapper().readTree(text)));
        Path file = dir.resolve("operator-policy-template.json");
        Files.writeString(file, Json.write(template));
        return file;
    }

    /** Every string with a {@code ${…}} in {@code Fn::Sub}. */
    private static JsonNode substituted(JsonNode node) {
        if (node.isTextual() && node.asText().contains("${")) {
            return Json.object().put("Fn::Sub", node.asText());
        }
        if (node.isContainerNode()) {
            var copy = node.deepCopy();
            if (copy instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                node.fields().forEachRemaining(e -> o.set(e.getKey(), substituted(e.getValue())));
            } else if (copy instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
                for (int i = 0; i < node.size(); i++) {
                    a.set(i, substituted(node.get(i)));
                }
            }
            return copy;
        }
        return node;
    }

    /** cfn-lint's findings on {@code templates}, as its JSON output lists them. */
    private static JsonNode cfnLint(List<Path> templates) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("cfn-lint", "--format", "json", "--"));
        templates.forEach(t -> command.add(t.toString()));
        Path errors = Files.createTempFile("cfn-lint", ".err");
        Process p = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("cfn-lint finished").isTrue();
        // exit 0: nothing found; 2 errors, 4 warnings, 8 informational (added up); anything else: it did not run
        assertThat(p.exitValue() & ~(2 | 4 | 8))
                .as("cfn-lint exit " + p.exitValue() + ": " + Files.readString(errors))
                .isZero();
        Files.delete(errors);
        return Jackson.mapper().readTree(out);
    }
}
