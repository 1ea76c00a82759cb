package dev.wsctl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.Jackson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The IAM policy documents in {@code templates/policies/}: one per function, scoped to this stack's
 * table, index, API, log group and fan-out worker, plus the logging statements every function gets.
 */
public final class Policies {
    private Policies() {}

    /**
     * A policy document of {@code templates/policies/} ({@code deploy}, {@code operator}, a function's), placeholders
     * filled in: what {@code wsctl doctor} asks IAM about.
     */
    public static JsonNode document(String name, Map<String, String> values) {
        return read(name + ".json", values);
    }

    /** A policy element IAM takes as one string or a list of them: Action, Resource, a condition's values. */
    public static List<String> values(JsonNode element) {
        List<String> values = new ArrayList<>();
        if (element.isArray()) {
            element.forEach(n -> values.add(n.asText()));
        } else {
            values.add(element.asText());
        }
        return values;
    }

    /** The trust policy that lets Lambda assume a function's role. */
    static JsonNode assumeRole() {
        return read("assume-role.json", Map.of());
    }

    /** The function's inline policy: its own statements and its log group's, placeholders filled in. */
    static JsonNode forFunction(String function, Map<String, String> values) {
        ObjectNode policy = (ObjectNode) read(function + ".json", values);
        ArrayNode statements = Jackson.mapper().createArrayNode();
        read("logs.json", values).get("Statement").forEach(statements::add);
        policy.get("Statement").forEach(statements::add);
        policy.set("Statement", statements);
        return policy;
    }

    /** A policy document as IAM returns it (URL-encoded JSON), parsed for comparison. */
    static JsonNode parseReturned(String document) {
        try {
            return Jackson.mapper().readTree(URLDecoder.decode(document, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("IAM returned a policy that is not JSON", e);
        }
    }

    private static JsonNode read(String name, Map<String, String> values) {
        try (InputStream in = Policies.class.getResourceAsStream("/dev/wsctl/templates/policies/" + name)) {
            if (in == null) {
                throw new IllegalStateException("policy template " + name + " is missing from the wsctl jar");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (Map.Entry<String, String> e : values.entrySet()) {
                text = text.replace("${" + e.getKey() + "}", e.getValue());
            }
            return Jackson.mapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read policy template " + name, e);
        }
    }
}
