package dev.wsctl.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.wsctl.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a log line against CloudWatch's Embedded Metric Format specification
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * the JSON Schema the page publishes (test resource {@code emf/emf-schema.json}, validated by networknt's validator
 * as draft 7, the draft its {@code $id} forms belong to), plus the page's rules the schema does not state:
 *
 * <ul>
 *   <li>the line is one JSON object and at most 256 KB (the CloudWatch Logs event limit the page names);
 *   <li>{@code _aws.Timestamp} is epoch milliseconds ("Values MUST be expressed as the number of milliseconds after
 *       Jan 1, 1970"): checked to fall after 2001-09-09 in milliseconds, which a value in seconds cannot;
 *   <li>a MetricDirective's {@code Metrics} has at most 100 MetricDefinitions;
 *   <li>each metric named is a member of the root (not nested) holding a number or an array of at most 100 numbers;
 *   <li>each dimension of each DimensionSet is a member of the root holding a string of at most 1024 characters.
 * </ul>
 */
public final class EmfSpec {
    public static final String SPEC_URL =
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html";

    static final int MAX_EVENT_BYTES = 256 * 1024;
    static final int MAX_METRICS = 100;
    static final int MAX_VALUES = 100;
    static final int MAX_DIMENSION_VALUE = 1024;
    /** 2001-09-09T01:46:40Z in ms; in seconds that number is in the year 33658. */
    static final long MIN_TIMESTAMP_MILLIS = 1_000_000_000_000L;

    private static final Schema SCHEMA = load();

    private EmfSpec() {}

    private static Schema load() {
        try (InputStream in = EmfSpec.class.getResourceAsStream("/emf/emf-schema.json")) {
            String schema = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
                    .getSchema(schema, InputFormat.JSON);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What is wrong with {@code line} as an EMF document; empty when nothing is. */
    public static List<String> problems(String line) {
        List<String> problems = new ArrayList<>();
        if (line.getBytes(StandardCharsets.UTF_8).length > MAX_EVENT_BYTES) {
            problems.add("the line is larger than " + MAX_EVENT_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = Json.read(line);
        } catch (IOException e) {
            problems.add("not one JSON value: " + e.getMessage());
            return problems;
        }
        if (root == null || !root.isObject()) {
            problems.add("not a JSON object");
            return problems;
        }
        for (Error error : SCHEMA.validate(line, InputFormat.JSON)) {
            problems.add("schema: " + error);
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        long timestamp = root.path("_aws").path("Timestamp").asLong();
        if (timestamp < MIN_TIMESTAMP_MILLIS) {
            problems.add("_aws.Timestamp " + timestamp + " is not epoch milliseconds");
        }
        for (JsonNode directive : root.path("_aws").path("CloudWatchMetrics")) {
            JsonNode metrics = directive.path("Metrics");
            if (metrics.size() > MAX_METRICS) {
                problems.add("a MetricDirective has " + metrics.size() + " metrics, more than " + MAX_METRICS);
            }
            for (JsonNode definition : metrics) {
                String name = definition.path("Name").asText();
                JsonNode value = root.get(name);
                if (value == null) {
                    problems.add("metric " + name + " is not a member of the root");
                } else if (value.isArray()) {
                    if (value.size() > MAX_VALUES) {
                        problems.add("metric " + name + " has more than " + MAX_VALUES + " values");
                    }
                    value.forEach(v -> {
                        if (!v.isNumber()) {
                            problems.add("metric " + name + " holds a value that is not a number: " + v);
                        }
                    });
                } else if (!value.isNumber()) {
                    problems.add("metric " + name + " is not a number or an array of numbers: " + value);
                }
            }
            for (JsonNode set : directive.path("Dimensions")) {
                for (JsonNode key : set) {
                    JsonNode value = root.get(key.asText());
                    if (value == null || !value.isTextual()) {
                        problems.add("dimension " + key.asText() + " is not a string member of the root");
                    } else if (value.asText().length() > MAX_DIMENSION_VALUE) {
                        problems.add("dimension " + key.asText() + " is longer than " + MAX_DIMENSION_VALUE);
                    }
                }
            }
        }
        return problems;
    }

    /** Whether {@code line} is meant as an EMF document (it has an {@code _aws} member). */
    public static boolean isEmf(String line) {
        try {
            JsonNode root = Json.read(line);
            return root != null && root.has("_aws");
        } catch (IOException e) {
            return false;
        }
    }
}
