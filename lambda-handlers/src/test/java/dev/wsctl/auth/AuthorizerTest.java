package dev.wsctl.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.wsctl.handlers.AuthorizeHandler;
import dev.wsctl.json.JsonLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The $connect authorizer fed API Gateway's REQUEST authorizer event (src/test/resources/events/authorize.json). */
class AuthorizerTest {
    /** An ObjectMapper of the test's own: what the runtime wrote, read by Jackson's binder. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();
    private static final byte[] WRONG = "fedcba9876543210fedcba9876543210".getBytes();
    private static final String METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/dev/$connect";

    private final List<String> log = new ArrayList<>();

    private AuthorizeHandler handler(List<String> origins, OriginPolicy.MissingOrigin missing) {
        return new AuthorizeHandler(
                new Authorizer(TestAuthSettings.hs256(SECRET, origins, missing), new JsonLog(log::add)));
    }

    private AuthorizeHandler jwt() {
        return handler(List.of("https://app.example.com", "https://*.example.com"), OriginPolicy.MissingOrigin.ALLOW);
    }

    private static ObjectNode event() throws IOException {
        try (InputStream in = AuthorizerTest.class.getResourceAsStream("/events/authorize.json")) {
            return (ObjectNode) MAPPER.readTree(in);
        }
    }

    private static ObjectNode event(String token, String origin) throws IOException {
        ObjectNode e = event();
        if (token == null) {
            e.remove("queryStringParameters");
            e.remove("multiValueQueryStringParameters");
        } else {
            ((ObjectNode) e.get("queryStringParameters")).put("token", token);
        }
        ObjectNode headers = (ObjectNode) e.get("headers");
        if (origin == null) {
            headers.remove("Origin");
        } else {
            headers.put("Origin", origin);
        }
        return e;
    }

    private static JsonNode invoke(AuthorizeHandler h, JsonNode event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        h.handleRequest(new ByteArrayInputStream(MAPPER.writeValueAsBytes(event)), out, null);
        return MAPPER.readTree(out.toByteArray());
    }

    private static String token(String sub, List<String> channels, List<String> publish) {
        return TokenVerifier.mint(SECRET, sub, channels, publish, Duration.ofMinutes(5));
    }

    private JsonNode lastLog() throws IOException {
        return MAPPER.readTree(log.get(log.size() - 1));
    }

    @Test
    void allowsAValidTokenWithAPolicyForThisConnectAndTheGrantsAsContext() throws Exception {
        String token = token("alice", List.of("news", "private-team-*"), List.of("news"));
        JsonNode result = invoke(jwt(), event(token, "https://app.example.com"));

        assertThat(result.get("principalId").asText()).isEqualTo("alice");
        JsonNode statement = result.get("policyDocument").get("Statement").get(0);
        assertThat(statement.get("Effect").asText()).isEqualTo("Allow");
        assertThat(statement.get("Action").asText()).isEqualTo("execute-api:Invoke");
        assertThat(statement.get("Resource").asText()).isEqualTo(METHOD_ARN);
        JsonNode context = result.get("context");
        assertThat(context.get("sub").asText()).isEqualTo("alice");
        assertThat(context.get("channels").asText()).isEqualTo("news private-team-*");
        assertThat(context.get("publish").asText()).isEqualTo("news");
        context.fields()
                .forEachRemaining(f -> assertThat(f.getValue().isValueNode())
                        .as("API Gateway passes only strings, numbers and booleans in the context")
                        .isTrue());

        JsonNode line = lastLog();
        assertThat(line.get("decision").asText()).isEqualTo("allow");
        assertThat(line.get("sub").asText()).isEqualTo("alice");
        assertThat(line.get("origin").asText()).isEqualTo("https://app.example.com");
        assertThat(line.get("connectionId").asText()).isEqualTo("UPfuYdpvIAMCK0g=");
        assertThat(String.join("\n", log)).doesNotContain(token).doesNotContain(token.split("\\.")[2]);
    }

    @Test
    void takesTheTokenFromABearerHeaderWhenTheQueryHasNone() throws Exception {
        ObjectNode e = event(null, "https://app.example.com");
        ((ObjectNode) e.get("headers")).put("authorization", "Bearer " + token("bob", List.of(), List.of()));
        assertThat(invoke(jwt(), e).get("principalId").asText()).isEqualTo("bob");
    }

    @Test
    void noTokenIsA401() throws Exception {
        assertThatThrownBy(() -> invoke(jwt(), event(null, "https://app.example.com")))
                .isInstanceOf(Authorizer.Unauthorized.class)
                .hasMessage("Unauthorized");
        assertThat(lastLog().get("reason").asText()).isEqualTo("missing_token");
        assertThat(lastLog().get("status").asInt()).isEqualTo(401);

        ObjectNode basic = event(null, "https://app.example.com");
        ((ObjectNode) basic.get("headers")).put("Authorization", "Basic YWxpY2U6c2VjcmV0");
        assertThatThrownBy(() -> invoke(jwt(), basic)).isInstanceOf(Authorizer.Unauthorized.class);
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> badTokens() throws Exception {
        JWTClaimsSet good = new JWTClaimsSet.Builder()
                .subject("alice")
                .expirationTime(new Date(System.currentTimeMillis() + 300_000))
                .build();
        String valid = token("alice", List.of(), List.of());
        String[] parts = valid.split("\\.");
        SignedJWT wrongKey = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), good);
        wrongKey.sign(new MACSigner(WRONG));
        SignedJWT expired = new SignedJWT(
                new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder()
                        .subject("alice")
                        .expirationTime(new Date(System.currentTimeMillis() - 600_000))
                        .build());
        expired.sign(new MACSigner(SECRET));
        SignedJWT future = new SignedJWT(
                new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder()
                        .subject("alice")
                        .notBeforeTime(new Date(System.currentTimeMillis() + 600_000))
                        .expirationTime(new Date(System.currentTimeMillis() + 900_000))
                        .build());
        future.sign(new MACSigner(SECRET));
        SignedJWT badGrant = new SignedJWT(
                new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder()
                        .subject("alice")
                        .claim("channels", List.of("a*b"))
                        .expirationTime(new Date(System.currentTimeMillis() + 300_000))
                        .build());
        badGrant.sign(new MACSigner(SECRET));
        String tampered = parts[0] + "."
                + java.util.Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString("{\"sub\":\"admin\",\"exp\":9999999999}".getBytes())
                + "." + parts[2];
        return Stream.of(
                arguments("alg none", new PlainJWT(good).serialize(), "bad_algorithm"),
                arguments("HS256 with the wrong key", wrongKey.serialize(), "bad_signature"),
                arguments("expired", expired.serialize(), "expired"),
                arguments("not yet valid", future.serialize(), "not_yet_valid"),
                arguments("tampered payload", tampered, "bad_signature"),
                arguments("truncated", valid.substring(0, valid.length() - 5), "bad_signature"),
                arguments("100 KB long", "x".repeat(100 * 1024), "too_large"),
                arguments("not a JWT", "hello", "malformed"),
                arguments("grant that is not a pattern", badGrant.serialize(), "bad_claim"));
    }

    @ParameterizedTest(name = "{0} -> 401 {2}")
    @MethodSource("badTokens")
    void badTokensAreA401WithTheReasonOnlyInTheLog(String name, String token, String reason) throws Exception {
        assertThatThrownBy(() -> invoke(jwt(), event(token, "https://app.example.com")))
                .isInstanceOf(Authorizer.Unauthorized.class)
                .hasMessage("Unauthorized");
        JsonNode line = lastLog();
        assertThat(line.get("decision").asText()).isEqualTo("deny");
        assertThat(line.get("reason").asText()).isEqualTo(reason);
        assertThat(log.get(log.size() - 1)).doesNotContain(token.length() > 40 ? token.substring(0, 40) : token);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://example.com.evil.com",
                "https://evilexample.com",
                "http://app.example.com",
                "https://app.example.com:8443",
                "null",
                "https://APP.EXAMPLE.COM.evil.com",
                "https://app.example.com.",
                "https://evil.com"
            })
    void originsNotAllowedAreA403BeforeTheTokenIsLookedAt(String origin) throws Exception {
        JsonNode result = invoke(jwt(), event(token("alice", List.of(), List.of()), origin));
        assertThat(result.get("policyDocument")
                        .get("Statement")
                        .get(0)
                        .get("Effect")
                        .asText())
                .isEqualTo("Deny");
        assertThat(result.has("context")).isFalse();
        assertThat(lastLog().get("reason").asText()).startsWith("origin_");
        assertThat(lastLog().get("status").asInt()).isEqualTo(403);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://app.example.com",
                "https://APP.example.com",
                "https://x.example.com",
                "https://a.b.example.com:443"
            })
    void allowedOriginsPass(String origin) throws Exception {
        JsonNode result = invoke(jwt(), event(token("alice", List.of(), List.of()), origin));
        assertThat(result.get("policyDocument")
                        .get("Statement")
                        .get(0)
                        .get("Effect")
                        .asText())
                .isEqualTo("Allow");
    }

    @Test
    void aMissingOriginFollowsTheSetting() throws Exception {
        String t = token("cli", List.of(), List.of());
        assertThat(invoke(jwt(), event(t, null)).get("principalId").asText()).isEqualTo("cli");
        JsonNode denied =
                invoke(handler(List.of("https://app.example.com"), OriginPolicy.MissingOrigin.DENY), event(t, null));
        assertThat(denied.get("policyDocument")
                        .get("Statement")
                        .get(0)
                        .get("Effect")
                        .asText())
                .isEqualTo("Deny");
        assertThat(lastLog().get("reason").asText()).isEqualTo("origin_missing");
    }

    @Test
    void withoutJwtOnlyTheOriginIsCheckedAndTheContextIsEmpty() throws Exception {
        AuthSettings originsOnly = new AuthSettings(
                AuthSettings.Mode.NONE,
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                List.of("https://app.example.com"),
                OriginPolicy.MissingOrigin.ALLOW);
        AuthorizeHandler h = new AuthorizeHandler(new Authorizer(originsOnly, new JsonLog(log::add)));
        JsonNode allowed = invoke(h, event(null, "https://app.example.com"));
        assertThat(allowed.get("policyDocument")
                        .get("Statement")
                        .get(0)
                        .get("Effect")
                        .asText())
                .isEqualTo("Allow");
        assertThat(allowed.get("context").size()).isZero();
        JsonNode denied = invoke(h, event(null, "https://evil.com"));
        assertThat(denied.get("policyDocument")
                        .get("Statement")
                        .get(0)
                        .get("Effect")
                        .asText())
                .isEqualTo("Deny");
    }

    @Test
    void settingsRoundTripThroughTheFunctionEnvironmentWithoutShowingTheSecret() {
        AuthSettings s =
                TestAuthSettings.hs256(SECRET, List.of("https://*.example.com"), OriginPolicy.MissingOrigin.DENY);
        assertThat(AuthSettings.fromEnvironment(s.toEnvironment())).isEqualTo(s);
        assertThat(s.toString()).doesNotContain(AuthSettings.encodeSecret(SECRET));
        assertThat(AuthSettings.none().enabled()).isFalse();
        assertThat(s.enabled()).isTrue();
        assertThatThrownBy(() -> AuthSettings.fromEnvironment(java.util.Map.of(AuthSettings.ENV_MODE, "jwt")))
                .hasMessageContaining("secret or a JWKS URL");
        assertThatThrownBy(() -> AuthSettings.fromEnvironment(
                        java.util.Map.of(AuthSettings.ENV_MODE, "jwt", AuthSettings.ENV_SECRET, "c2hvcnQ")))
                .hasMessageContaining("at least 32 bytes");
    }
}
