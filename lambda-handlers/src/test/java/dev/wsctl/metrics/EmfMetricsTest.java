package dev.wsctl.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.auth.Authorizer;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.auth.TestAuthSettings;
import dev.wsctl.handlers.AuthorizeHandler;
import dev.wsctl.json.JsonLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The EMF lines the runtime writes, checked against the EMF specification ({@link EmfSpec}). */
class EmfMetricsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long NOW = 1_764_680_000_123L;

    private final List<String> lines = new ArrayList<>();
    private final EmfMetrics metrics = new EmfMetrics(new JsonLog(lines::add), "chat", "dev", () -> NOW);

    private static JsonNode tree(String line) {
        try {
            return MAPPER.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode only() {
        assertThat(lines).hasSize(1);
        assertThat(EmfSpec.problems(lines.get(0))).as(lines.get(0)).isEmpty();
        return tree(lines.get(0));
    }

    @Test
    void aFanOutIsOneLineWithItsReportAndTheInvocationsFields() {
        try (JsonLog.Scope scope = JsonLog.enter(new JsonLog.Invocation("req-1", true))) {
            metrics.fannedOut(7, 2, 1, 3, 42);
        }

        JsonNode line = only();
        JsonNode directive = line.get("_aws").get("CloudWatchMetrics").get(0);
        assertThat(line.get("_aws").get("Timestamp").asLong()).isEqualTo(NOW);
        assertThat(directive.get("Namespace").asText()).isEqualTo("wsctl");
        assertThat(directive.get("Dimensions").toString()).isEqualTo("[[\"app\",\"stage\"]]");
        assertThat(directive.get("Metrics").toString())
                .isEqualTo("[{\"Name\":\"Delivered\",\"Unit\":\"Count\"},{\"Name\":\"Gone\",\"Unit\":\"Count\"},"
                        + "{\"Name\":\"Failed\",\"Unit\":\"Count\"},{\"Name\":\"Throttled\",\"Unit\":\"Count\"},"
                        + "{\"Name\":\"FanoutDuration\",\"Unit\":\"Milliseconds\"}]");
        assertThat(line.get("app").asText()).isEqualTo("chat");
        assertThat(line.get("stage").asText()).isEqualTo("dev");
        assertThat(line.get("Delivered").asLong()).isEqualTo(7);
        assertThat(line.get("Gone").asLong()).isEqualTo(2);
        assertThat(line.get("Failed").asLong()).isEqualTo(1);
        assertThat(line.get("Throttled").asLong()).isEqualTo(3);
        assertThat(line.get("FanoutDuration").asLong()).isEqualTo(42);
        assertThat(line.get("requestId").asText()).isEqualTo("req-1");
        assertThat(line.get("coldStart").asBoolean()).isTrue();
    }

    @Test
    void eachEventIsOneValidLineWithItsMetric() {
        metrics.connected();
        metrics.disconnected();
        metrics.published();
        metrics.sharded(4);

        assertThat(lines)
                .hasSize(4)
                .allSatisfy(l -> assertThat(EmfSpec.problems(l)).as(l).isEmpty());
        assertThat(tree(lines.get(0)).get("Connects").asLong()).isEqualTo(1);
        assertThat(tree(lines.get(1)).get("Disconnects").asLong()).isEqualTo(1);
        assertThat(tree(lines.get(2)).get("Published").asLong()).isEqualTo(1);
        assertThat(tree(lines.get(3)).get("Shards").asLong()).isEqualTo(4);
        assertThat(tree(lines.get(3))
                        .get("_aws")
                        .get("CloudWatchMetrics")
                        .get(0)
                        .get("Metrics")
                        .size())
                .isEqualTo(1);
    }

    /** The authorizer's deny, through its handler: Denied, also under the dimension set with the log line's reason. */
    @Test
    void theAuthorizersDenyCountsDeniedByItsReason() throws IOException {
        List<String> logged = new ArrayList<>();
        JsonLog log = new JsonLog(logged::add);
        AuthorizeHandler handler = new AuthorizeHandler(new Authorizer(
                TestAuthSettings.hs256(
                        "0123456789abcdef0123456789abcdef".getBytes(),
                        List.of("https://app.example.com"),
                        OriginPolicy.MissingOrigin.ALLOW),
                log,
                new EmfMetrics(log, "chat", "dev", System::currentTimeMillis)));
        ObjectNode event;
        try (InputStream in = EmfMetricsTest.class.getResourceAsStream("/events/authorize.json")) {
            event = (ObjectNode) MAPPER.readTree(in);
        }
        ((ObjectNode) event.get("headers")).put("Origin", "https://evil.example.org");

        handler.handleRequest(
                new ByteArrayInputStream(MAPPER.writeValueAsBytes(event)), new ByteArrayOutputStream(), null);

        List<String> emf = logged.stream().filter(EmfSpec::isEmf).toList();
        assertThat(emf).hasSize(1);
        assertThat(EmfSpec.problems(emf.get(0))).as(emf.get(0)).isEmpty();
        JsonNode line = tree(emf.get(0));
        JsonNode decision = logged.stream()
                .filter(l -> !EmfSpec.isEmf(l))
                .map(EmfMetricsTest::tree)
                .findFirst()
                .orElseThrow();
        assertThat(line.get("Denied").asLong()).isEqualTo(1);
        assertThat(line.get("reason").asText())
                .isEqualTo(decision.get("reason").asText())
                .startsWith("origin_");
        assertThat(line.get("_aws")
                        .get("CloudWatchMetrics")
                        .get(0)
                        .get("Dimensions")
                        .toString())
                .isEqualTo("[[\"app\",\"stage\"],[\"app\",\"stage\",\"reason\"]]");
    }

    @Test
    void withoutAppAndStageAFunctionWritesNoMetricsAndSaysSo() {
        Metrics none = EmfMetrics.fromEnvironment(Map.of("WSCTL_APP", "chat"), new JsonLog(lines::add));
        none.connected();
        none.fannedOut(1, 0, 0, 0, 1);

        assertThat(none).isSameAs(Metrics.NONE);
        assertThat(lines).hasSize(1);
        assertThat(tree(lines.get(0)).get("event").asText()).isEqualTo("metrics");
        assertThat(tree(lines.get(0)).get("enabled").asBoolean()).isFalse();
        assertThat(tree(lines.get(0)).get("reason").asText()).contains("WSCTL_APP", "WSCTL_STAGE");

        Metrics some =
                EmfMetrics.fromEnvironment(Map.of("WSCTL_APP", "chat", "WSCTL_STAGE", "dev"), new JsonLog(lines::add));
        some.connected();
        assertThat(lines).hasSize(2);
        assertThat(EmfSpec.problems(lines.get(1))).isEmpty();
    }

    /** The checker finds what the specification forbids: each rule can fail. */
    @Test
    void theCheckerRefusesWhatTheSpecificationForbids() {
        String good = "{\"_aws\":{\"Timestamp\":1764680000000,\"CloudWatchMetrics\":[{\"Namespace\":\"wsctl\","
                + "\"Dimensions\":[[\"app\"]],\"Metrics\":[{\"Name\":\"Connects\",\"Unit\":\"Count\"}]}]},"
                + "\"app\":\"chat\",\"Connects\":1}";
        assertThat(EmfSpec.problems(good)).isEmpty();

        assertThat(EmfSpec.problems(good.replace("\"Unit\":\"Count\"", "\"Unit\":\"Counts\"")))
                .anyMatch(p -> p.startsWith("schema:"));
        assertThat(EmfSpec.problems(good.replace("\"Timestamp\":1764680000000,", "")))
                .anyMatch(p -> p.startsWith("schema:"));
        assertThat(EmfSpec.problems(good.replace("1764680000000", "1764680000")))
                .containsExactly("_aws.Timestamp 1764680000 is not epoch milliseconds");
        assertThat(EmfSpec.problems(good.replace("\"Connects\":1", "\"Connects\":\"1\"")))
                .containsExactly("metric Connects is not a number or an array of numbers: \"1\"");
        assertThat(EmfSpec.problems(good.replace(",\"Connects\":1", "")))
                .containsExactly("metric Connects is not a member of the root");
        assertThat(EmfSpec.problems(good.replace("\"app\":\"chat\"", "\"app\":7")))
                .containsExactly("dimension app is not a string member of the root");
        assertThat(EmfSpec.problems(good.replace("\"app\":\"chat\"", "\"app\":\"" + "x".repeat(1025) + "\"")))
                .containsExactly("dimension app is longer than 1024");
        assertThat(EmfSpec.problems(good.replace("\"Connects\":1", "\"Connects\":[1,\"a\"]")))
                .containsExactly("metric Connects holds a value that is not a number: \"a\"");
        assertThat(EmfSpec.problems("not json")).anyMatch(p -> p.startsWith("not one JSON value"));
    }
}
