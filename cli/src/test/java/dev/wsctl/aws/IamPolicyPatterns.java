package dev.wsctl.aws;

import java.util.regex.Pattern;

/** How the policy tests match a statement's Action and Resource patterns, as IAM matches them. */
public final class IamPolicyPatterns {
    private IamPolicyPatterns() {}

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
