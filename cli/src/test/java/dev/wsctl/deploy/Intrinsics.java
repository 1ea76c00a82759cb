package dev.wsctl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CloudFormation's {@code Ref}, {@code Fn::GetAtt} and {@code Fn::Sub} (the string form), as the service evaluates
 * them: every name ({@code Api}, {@code AWS::Region}) or attribute ({@code Api.ApiEndpoint}) is looked up in
 * {@code values}, and one it cannot find is an error, as an unresolved dependency is for CloudFormation.
 */
public final class Intrinsics {
    private static final Pattern SUB = Pattern.compile("\\$\\{([^}]+)}");

    private Intrinsics() {}

    /** A copy of {@code node} with every intrinsic function replaced by its value. */
    public static JsonNode resolve(JsonNode node, Function<String, String> values) {
        if (node.isObject() && node.size() == 1 && (node.has("Ref") || node.has("Fn::GetAtt") || node.has("Fn::Sub"))) {
            return JsonNodeFactory.instance.textNode(evaluate(node, values));
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(e -> copy.set(e.getKey(), resolve(e.getValue(), values)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(n -> copy.add(resolve(n, values)));
            return copy;
        }
        return node.deepCopy();
    }

    /** The names and attributes {@code node} refers to, anywhere in it: {@code Api}, {@code ConnectRole.Arn}. */
    public static List<String> references(JsonNode node) {
        List<String> found = new ArrayList<>();
        collect(node, found);
        return found;
    }

    private static void collect(JsonNode node, List<String> found) {
        if (node.isObject() && node.has("Ref")) {
            found.add(node.get("Ref").asText());
        } else if (node.isObject() && node.has("Fn::GetAtt")) {
            found.add(node.get("Fn::GetAtt").get(0).asText() + "."
                    + node.get("Fn::GetAtt").get(1).asText());
        } else if (node.isObject() && node.has("Fn::Sub")) {
            Matcher m = SUB.matcher(node.get("Fn::Sub").asText());
            while (m.find()) {
                if (!m.group(1).startsWith("!")) {
                    found.add(m.group(1));
                }
            }
        } else {
            node.forEach(n -> collect(n, found));
        }
    }

    private static String evaluate(JsonNode function, Function<String, String> values) {
        if (function.has("Ref")) {
            return lookup(function.get("Ref").asText(), values);
        }
        if (function.has("Fn::GetAtt")) {
            JsonNode args = function.get("Fn::GetAtt");
            return lookup(args.get(0).asText() + "." + args.get(1).asText(), values);
        }
        Matcher m = SUB.matcher(function.get("Fn::Sub").asText());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            m.appendReplacement(
                    out,
                    Matcher.quoteReplacement(
                            name.startsWith("!") ? "${" + name.substring(1) + "}" : lookup(name, values)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String lookup(String name, Function<String, String> values) {
        String value = values.apply(name);
        if (value == null) {
            throw new IllegalArgumentException("Unresolved resource dependencies [" + name + "]");
        }
        return value;
    }
}
