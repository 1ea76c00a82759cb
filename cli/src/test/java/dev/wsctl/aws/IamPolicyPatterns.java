package dev.wsctl.aws;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** How the policy tests read a statement's Action and Resource, as IAM matches them. */
public final class IamPolicyPatterns {
    private IamPolicyPatterns() {}

    /** A statement's {@code Action} or {@code Resource}: one string or a list of them. */
    public static List<String> values(JsonNode node) {
        List<String> all = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> all.add(n.asText()));
        } else {
            all.add(node.asText());
        }
        return all;
    }

    /** An IAM action or resource pattern: {@code *} any run of characters, {@code ?} one. */
    public static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("(?=[*?])|(?<=[*?])")) {
            regex.append(
                    switch (part) {
                        case "*" -> ".*";
                        case "?" -> ".";
                        default -> Pattern.quote(part);
                    });
        }
        return Pattern.compile(regex.toString());
    }
}
