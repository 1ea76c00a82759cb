package dev.wsctl.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.json.Json;
import java.nio.charset.StandardCharsets;

/**
 * A token's {@code info} claim: what the other members of a presence channel learn about its holder. A JSON object of
 * at most {@value #MAX_BYTES} bytes as compact JSON (UTF-8), carried from the authorizer to the routes as that text
 * (API Gateway passes only strings, numbers and booleans in an authorizer's context).
 */
public final class MemberInfo {
    public static final int MAX_BYTES = 1024;

    private MemberInfo() {}

    /** The claim as compact JSON text; throws {@link TokenRejected} when it is not an object or is too large. */
    static String fromClaim(JsonNode claim) {
        if (!claim.isObject()) {
            throw new TokenRejected(TokenRejected.INFO_NOT_OBJECT);
        }
        String compact = Json.write(claim);
        if (compact.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new TokenRejected(TokenRejected.INFO_TOO_LARGE);
        }
        return compact;
    }

    /**
     * {@code text} as compact JSON, for minting a token; throws {@link IllegalArgumentException} with one sentence
     * saying what is wrong (not JSON, not an object, too large).
     */
    public static String parse(String text) {
        JsonNode node;
        try {
            node = Json.read(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("it is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("it must be a JSON object, like {\"name\":\"Alice\"}");
        }
        String compact = Json.write(node);
        int bytes = compact.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new IllegalArgumentException(
                    "it is " + bytes + " bytes as compact JSON; a stack accepts at most " + MAX_BYTES);
        }
        return compact;
    }
}
