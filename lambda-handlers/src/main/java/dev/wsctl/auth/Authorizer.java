package dev.wsctl.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.metrics.Metrics;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code $connect} REQUEST authorizer: the same decision on AWS (the {@code authorize} function) and in
 * {@code wsctl local}.
 *
 * <ol>
 *   <li>The Origin header against the allowlist: a page on another site is refused with 403.
 *   <li>In jwt mode, the token from the {@code token} query parameter (browsers cannot set headers on a
 *       WebSocket) or {@code Authorization: Bearer}: none, or one that does not verify, is a 401.
 *   <li>Allow: an IAM policy for this API's {@code $connect} and a context with {@code sub}, {@code channels}
 *       (grants to join {@code private-*} and {@code presence-*} channels) and {@code publish} (where the holder may
 *       publish), each a space-separated string because API Gateway passes only strings, numbers and booleans; and
 *       {@code info}, the token's info claim as compact JSON text, when it has one ({@link MemberInfo}: a token
 *       whose info is not an object of at most 1 KiB is a 401).
 * </ol>
 *
 * A refusal says nothing to the client beyond its status; the reason goes to the log, one JSON line per
 * decision ({@code decision}, {@code reason}, {@code sub}, {@code origin}), never the token.
 */
public final class Authorizer {
    /** Context keys every later event carries in {@code requestContext.authorizer}. */
    public static final String SUB = "sub";

    public static final String CHANNELS = "channels";
    public static final String PUBLISH = "publish";
    /** The token's {@code info} claim, compact JSON text of an object ({@link MemberInfo}); absent without one. */
    public static final String INFO = "info";

    static final int MAX_LOGGED_ORIGIN = 200;

    private final AuthSettings settings;
    private final Optional<TokenVerifier> verifier;
    private final OriginPolicy origins;
    private final JsonLog log;
    private final Metrics metrics;

    public Authorizer(AuthSettings settings, JsonLog log) {
        this(settings, log, Metrics.NONE);
    }

    /** @param metrics where each deny is counted, by its reason */
    public Authorizer(AuthSettings settings, JsonLog log, Metrics metrics) {
        this.settings = settings;
        this.verifier = settings.verifier();
        this.origins = settings.originPolicy();
        this.log = log;
        this.metrics = metrics;
    }

    public AuthSettings settings() {
        return settings;
    }

    /**
     * Decides on a REQUEST authorizer event. Returns the authorizer response (an Allow, or a Deny that API
     * Gateway answers with 403); throws {@link Unauthorized} for a 401.
     */
    public ObjectNode authorize(JsonNode event) {
        long start = System.nanoTime();
        String methodArn = event.path("methodArn").asText("");
        String origin = header(event, "Origin");
        String connectionId = event.path("requestContext").path("connectionId").asText(null);

        OriginPolicy.Decision byOrigin = origins.check(origin);
        if (!byOrigin.allowed()) {
            log(start, "deny", 403, "origin_" + byOrigin.reason(), null, origin, connectionId);
            return policy("anonymous", "Deny", methodArn, null);
        }
        if (verifier.isEmpty()) {
            log(start, "allow", 200, "ok", null, origin, connectionId);
            return policy("anonymous", "Allow", methodArn, Json.object());
        }
        String token = token(event);
        if (token == null) {
            log(start, "deny", 401, "missing_token", null, origin, connectionId);
            throw new Unauthorized();
        }
        TokenVerifier.Verified verified;
        Grants channels;
        Grants publish;
        try {
            verified = verifier.get().verify(token);
            channels = Grants.of(verified.channels());
            publish = Grants.of(verified.publish());
        } catch (TokenRejected e) {
            log(start, "deny", 401, e.reason(), null, origin, connectionId);
            throw new Unauthorized();
        } catch (IllegalArgumentException e) {
            log(start, "deny", 401, TokenRejected.BAD_CLAIM, null, origin, connectionId);
            throw new Unauthorized();
        }
        ObjectNode context = Json.object();
        context.put(SUB, verified.sub());
        context.put(CHANNELS, channels.encode());
        context.put(PUBLISH, publish.encode());
        if (verified.info() != null) {
            context.put(INFO, verified.info());
        }
        log(start, "allow", 200, "ok", verified.sub(), origin, connectionId);
        return policy(verified.sub(), "Allow", methodArn, context);
    }

    /** The token from {@code ?token=}, else from {@code Authorization: Bearer}; null when neither carries one. */
    static String token(JsonNode event) {
        JsonNode query = event.path("queryStringParameters");
        String fromQuery = query.isObject() ? query.path("token").asText(null) : null;
        if (fromQuery != null && !fromQuery.isBlank()) {
            return fromQuery.strip();
        }
        String authorization = header(event, "Authorization");
        if (authorization != null) {
            String value = authorization.strip();
            if (value.length() > 7 && value.substring(0, 7).equalsIgnoreCase("bearer ")) {
                String t = value.substring(7).strip();
                return t.isEmpty() ? null : t;
            }
        }
        return null;
    }

    /** A request header, whatever the case of its name; null when absent. */
    static String header(JsonNode event, String name) {
        JsonNode headers = event.path("headers");
        if (!headers.isObject()) {
            return null;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isNull()) {
                return e.getValue().asText();
            }
        }
        return null;
    }

    private static ObjectNode policy(String principal, String effect, String methodArn, ObjectNode context) {
        ObjectNode result = Json.object();
        result.put("principalId", principal);
        ObjectNode doc = result.putObject("policyDocument");
        doc.put("Version", "2012-10-17");
        ObjectNode statement = doc.putArray("Statement").addObject();
        statement.put("Action", "execute-api:Invoke");
        statement.put("Effect", effect);
        statement.put("Resource", methodArn);
        if (context != null) {
            result.set("context", context);
        }
        return result;
    }

    private void log(
            long start, String decision, int status, String reason, String sub, String origin, String connectionId) {
        String loggedReason = reason.toLowerCase(Locale.ROOT);
        if (decision.equals("deny")) {
            metrics.denied(loggedReason);
        }
        ObjectNode line = Json.object();
        line.put("route", "authorize");
        line.put("connectionId", connectionId);
        line.put("decision", decision);
        line.put("status", status);
        line.put("reason", loggedReason);
        if (sub != null) {
            line.put("sub", sub);
        }
        if (origin != null) {
            line.put(
                    "origin",
                    origin.length() > MAX_LOGGED_ORIGIN ? origin.substring(0, MAX_LOGGED_ORIGIN) + "…" : origin);
        }
        line.put("millis", (System.nanoTime() - start) / 1_000_000);
        log.write(line);
    }

    /**
     * A 401. The Lambda runtime reports an exception's message as the error; API Gateway turns exactly
     * {@code Unauthorized} into a 401 for the client.
     */
    public static final class Unauthorized extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public static final String MESSAGE = "Unauthorized";

        public Unauthorized() {
            super(MESSAGE, null, false, false);
        }
    }
}
