package dev.wsctl.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class TokenVerifierTest {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef-wsctl".getBytes(StandardCharsets.UTF_8);
    static final byte[] OTHER_SECRET = "fedcba9876543210fedcba9876543210-other".getBytes(StandardCharsets.UTF_8);
    static final String ISS = "https://issuer.example";
    static final String AUD = "wsctl";

    static RSAKey rsa;
    static RSAKey otherRsa;
    static ECKey ec;
    static HttpServer server;
    static final AtomicInteger jwksHits = new AtomicInteger();
    static URI jwksUri;

    @BeforeAll
    static void start() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa1").generate();
        otherRsa = new RSAKeyGenerator(2048).keyID("rsa-other").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec1").generate();
        byte[] body = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK()))
                .toString()
                .getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks.json", ex -> {
            jwksHits.incrementAndGet();
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        jwksUri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    static JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .subject("alice")
                .issuer(ISS)
                .audience(AUD)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)));
    }

    static String sign(JWSAlgorithm alg, JWSSigner signer, String kid, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    static String hs(byte[] secret, JWTClaimsSet claims) throws Exception {
        return sign(JWSAlgorithm.HS256, new MACSigner(secret), null, claims);
    }

    static String rs(RSAKey key, JWTClaimsSet claims) throws Exception {
        return sign(JWSAlgorithm.RS256, new RSASSASigner(key), key.getKeyID(), claims);
    }

    static String es(ECKey key, JWTClaimsSet claims) throws Exception {
        return sign(JWSAlgorithm.ES256, new ECDSASigner(key), key.getKeyID(), claims);
    }

    static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    static Date ago(long s) {
        return Date.from(Instant.now().minusSeconds(s));
    }

    static Date ahead(long s) {
        return Date.from(Instant.now().plusSeconds(s));
    }

    /** Replace the payload with a modified one, keeping header and signature. */
    static String tamper(String token, String from, String to) {
        String[] p = token.split("\\.");
        String payload = new String(Base64URL.from(p[1]).decode(), StandardCharsets.UTF_8);
        assertThat(payload).contains(from);
        return p[0] + "." + b64(payload.replace(from, to)) + "." + p[2];
    }

    static TokenVerifier hsVerifier() {
        return TokenVerifier.hs256(SECRET);
    }

    static TokenVerifier jwksVerifier() {
        return TokenVerifier.jwks(jwksUri, ISS, AUD);
    }

    static void assertRejected(TokenVerifier v, String token, String reason) {
        assertThatThrownBy(() -> v.verify(token))
                .isInstanceOf(TokenRejected.class)
                .satisfies((Consumer<Throwable>) e -> {
                    assertThat(((TokenRejected) e).reason()).isEqualTo(reason);
                    if (token != null && token.length() > 10) {
                        assertThat(String.valueOf(e.getMessage())).doesNotContain(token);
                        assertThat(String.valueOf(e.getMessage())).hasSizeLessThan(40);
                    }
                });
    }

    record Bad(String name, TokenVerifier verifier, String token, String reason) {}

    // ---- the corpus of bad tokens ---------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> badTokenCorpus() throws Exception {
        TokenVerifier hsv = hsVerifier();
        TokenVerifier jv = jwksVerifier();
        JWTClaimsSet good = claims().build();
        String goodHs = TokenVerifier.mint(SECRET, "alice", List.of("news"), List.of(), Duration.ofMinutes(5));
        String goodRs = rs(rsa, good);
        List<Bad> corpus = new ArrayList<>();

        // alg none, in several spellings, with and without a trailing signature part
        String unsigned = new PlainJWT(good).serialize();
        corpus.add(new Bad("alg none (hs256 verifier)", hsv, unsigned, "bad_algorithm"));
        corpus.add(new Bad("alg none (jwks verifier)", jv, unsigned, "bad_algorithm"));
        String payload = goodHs.split("\\.")[1];
        corpus.add(new Bad("alg None", hsv, b64("{\"alg\":\"None\"}") + "." + payload + ".", "bad_algorithm"));
        corpus.add(new Bad(
                "alg none with old signature",
                hsv,
                b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + "." + goodHs.split("\\.")[2],
                "bad_algorithm"));

        corpus.add(new Bad("HS256 wrong key", hsv, hs(OTHER_SECRET, good), "bad_signature"));

        // algorithm confusion: HS256 keyed with the RSA public key the JWKS publishes
        byte[] der = rsa.toRSAPublicKey().getEncoded();
        byte[] jwkJson = rsa.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
        corpus.add(new Bad(
                "HS256 keyed with RSA public key (DER)",
                jv,
                sign(JWSAlgorithm.HS256, new MACSigner(der), "rsa1", good),
                "bad_algorithm"));
        corpus.add(new Bad(
                "HS256 keyed with RSA public key (JWK JSON)",
                jv,
                sign(JWSAlgorithm.HS256, new MACSigner(jwkJson), null, good),
                "bad_algorithm"));
        corpus.add(new Bad("RS256 token to HS256 verifier", hsv, goodRs, "bad_algorithm"));
        corpus.add(new Bad(
                "HS384 to HS256 verifier",
                hsv,
                sign(JWSAlgorithm.HS384, new MACSigner(new byte[48]), null, good),
                "bad_algorithm"));
        corpus.add(new Bad(
                "PS256 to JWKS verifier",
                jv,
                sign(JWSAlgorithm.PS256, new RSASSASigner(rsa), "rsa1", good),
                "bad_algorithm"));

        corpus.add(new Bad(
                "expired (HS256)",
                hsv,
                hs(SECRET, claims().expirationTime(ago(300)).build()),
                "expired"));
        corpus.add(new Bad(
                "expired (RS256)", jv, rs(rsa, claims().expirationTime(ago(300)).build()), "expired"));
        corpus.add(new Bad(
                "not yet valid", jv, rs(rsa, claims().notBeforeTime(ahead(300)).build()), "not_yet_valid"));
        corpus.add(
                new Bad("no exp", hsv, hs(SECRET, claims().expirationTime(null).build()), "missing_exp"));
        corpus.add(new Bad(
                "wrong issuer",
                jv,
                rs(rsa, claims().issuer("https://evil.example").build()),
                "wrong_issuer"));
        corpus.add(new Bad("missing issuer", jv, es(ec, claims().issuer(null).build()), "wrong_issuer"));
        corpus.add(
                new Bad("wrong audience", jv, rs(rsa, claims().audience("other").build()), "wrong_audience"));
        corpus.add(new Bad(
                "missing audience", jv, es(ec, claims().audience((String) null).build()), "wrong_audience"));

        corpus.add(new Bad("tampered payload (HS256)", hsv, tamper(goodHs, "\"alice\"", "\"admin\""), "bad_signature"));
        corpus.add(new Bad("tampered payload (RS256)", jv, tamper(goodRs, "\"alice\"", "\"admin\""), "bad_signature"));
        corpus.add(new Bad(
                "tampered payload (ES256)", jv, tamper(es(ec, good), "\"alice\"", "\"admin\""), "bad_signature"));

        corpus.add(new Bad("truncated signature", hsv, goodHs.substring(0, goodHs.length() - 10), "bad_signature"));
        corpus.add(new Bad("signature removed", hsv, goodHs.substring(0, goodHs.lastIndexOf('.')), "malformed"));
        corpus.add(new Bad("signature part empty", hsv, goodHs.substring(0, goodHs.lastIndexOf('.') + 1), "malformed"));
        corpus.add(new Bad("truncated in payload", hsv, goodHs.substring(0, goodHs.indexOf('.') + 12), "malformed"));
        corpus.add(new Bad("truncated in header", hsv, goodHs.substring(0, 10), "malformed"));
        corpus.add(new Bad("empty", hsv, "", "malformed"));
        corpus.add(new Bad("blank", hsv, "   ", "malformed"));
        corpus.add(new Bad("null", hsv, null, "malformed"));
        corpus.add(new Bad("garbage", hsv, "not.a.jwt", "malformed"));
        corpus.add(new Bad(
                "payload not JSON",
                hsv,
                goodHs.split("\\.")[0] + "." + b64("hello") + "." + goodHs.split("\\.")[2],
                "malformed"));
        corpus.add(new Bad("100 KB long", hsv, "a".repeat(100 * 1024), "too_large"));
        corpus.add(new Bad(
                "100 KB claim, validly signed",
                hsv,
                hs(SECRET, claims().claim("pad", "x".repeat(100 * 1024)).build()),
                "too_large"));
        corpus.add(new Bad("8 KiB + 1", hsv, "a".repeat(8 * 1024 + 1), "too_large"));

        corpus.add(new Bad("unknown kid", jv, rs(otherRsa, good), "unknown_key"));
        corpus.add(new Bad(
                "unknown kid, fresh verifier",
                jwksVerifier(),
                es(new ECKeyGenerator(Curve.P_256).keyID("nope").generate(), good),
                "unknown_key"));
        corpus.add(new Bad(
                "known kid, wrong RSA key",
                jv,
                sign(JWSAlgorithm.RS256, new RSASSASigner(otherRsa), "rsa1", good),
                "bad_signature"));
        corpus.add(new Bad(
                "ES256 header with RSA kid",
                jv,
                sign(JWSAlgorithm.ES256, new ECDSASigner(new ECKeyGenerator(Curve.P_256).generate()), "rsa1", good),
                "unknown_key"));

        corpus.add(new Bad("missing sub", hsv, hs(SECRET, claims().subject(null).build()), "missing_sub"));
        corpus.add(new Bad("blank sub", jv, rs(rsa, claims().subject("  ").build()), "missing_sub"));
        corpus.add(new Bad(
                "channels not strings",
                hsv,
                hs(SECRET, claims().claim("channels", List.of(1, 2)).build()),
                "bad_claim"));
        corpus.add(new Bad(
                "publish is a number",
                hsv,
                hs(SECRET, claims().claim("publish", 7).build()),
                "bad_claim"));

        return corpus.stream()
                .map(b -> dynamicTest(
                        b.name() + " -> " + b.reason(), () -> assertRejected(b.verifier(), b.token(), b.reason())));
    }

    // ---- good tokens ----------------------------------------------------------------------------

    @Test
    void mintedHs256TokenIsAccepted() {
        String t = TokenVerifier.mint(
                SECRET, "alice", List.of("news", "chat.1"), List.of("chat.1"), Duration.ofMinutes(5));
        TokenVerifier.Verified v = hsVerifier().verify(t);
        assertThat(v.sub()).isEqualTo("alice");
        assertThat(v.channels()).containsExactly("news", "chat.1");
        assertThat(v.publish()).containsExactly("chat.1");
    }

    @Test
    void mintWithoutListsGivesEmptyLists() {
        String t = TokenVerifier.mint(SECRET, "bob", null, List.of(), Duration.ofSeconds(30));
        TokenVerifier.Verified v = hsVerifier().verify(t);
        assertThat(v.sub()).isEqualTo("bob");
        assertThat(v.channels()).isEmpty();
        assertThat(v.publish()).isEmpty();
    }

    @Test
    void rs256AndEs256FromJwksAreAccepted() throws Exception {
        TokenVerifier v = jwksVerifier();
        JWTClaimsSet c = claims().claim("channels", List.of("a", "b"))
                .claim("publish", "a")
                .build();
        assertThat(v.verify(rs(rsa, c)))
                .isEqualTo(new TokenVerifier.Verified("alice", List.of("a", "b"), List.of("a")));
        assertThat(v.verify(es(ec, c))).isEqualTo(new TokenVerifier.Verified("alice", List.of("a", "b"), List.of("a")));
    }

    @Test
    void audienceArrayContainingOursIsAccepted() throws Exception {
        JWTClaimsSet c = claims().audience(List.of("someone-else", AUD)).build();
        assertThat(jwksVerifier().verify(rs(rsa, c)).sub()).isEqualTo("alice");
    }

    @Test
    void clockSkewToleratesSlightlyExpiredAndSlightlyEarly() throws Exception {
        TokenVerifier v = hsVerifier();
        assertThat(v.verify(hs(SECRET, claims().expirationTime(ago(30)).build()))
                        .sub())
                .isEqualTo("alice");
        assertThat(v.verify(hs(SECRET, claims().notBeforeTime(ahead(30)).build()))
                        .sub())
                .isEqualTo("alice");
    }

    @Test
    void channelsAndPublishParseInBothShapes() throws Exception {
        TokenVerifier v = hsVerifier();
        TokenVerifier.Verified csv = v.verify(hs(
                SECRET,
                claims().claim("channels", "news, chat.1 ,,sports")
                        .claim("publish", "chat.1")
                        .build()));
        assertThat(csv.channels()).containsExactly("news", "chat.1", "sports");
        assertThat(csv.publish()).containsExactly("chat.1");

        TokenVerifier.Verified arr = v.verify(hs(
                SECRET,
                claims().claim("channels", List.of("news", "chat.1"))
                        .claim("publish", List.of())
                        .build()));
        assertThat(arr.channels()).containsExactly("news", "chat.1");
        assertThat(arr.publish()).isEmpty();

        TokenVerifier.Verified none = v.verify(hs(SECRET, claims().build()));
        assertThat(none.channels()).isEmpty();
        assertThat(none.publish()).isEmpty();
    }

    @Test
    void surroundingWhitespaceIsTolerated() {
        String t = TokenVerifier.mint(SECRET, "alice", null, null, Duration.ofMinutes(1));
        assertThat(hsVerifier().verify(" " + t + "\n").sub()).isEqualTo("alice");
    }

    // ---- JWKS behaviour -------------------------------------------------------------------------

    @Test
    void jwksIsFetchedOnceAndCached() throws Exception {
        TokenVerifier v = jwksVerifier();
        int before = jwksHits.get();
        for (int i = 0; i < 5; i++) {
            v.verify(rs(rsa, claims().build()));
            v.verify(es(ec, claims().build()));
        }
        assertThat(jwksHits.get() - before).isEqualTo(1);
    }

    @Test
    void unreachableJwksIsRefusedQuickly() throws Exception {
        HttpServer dead = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int port = dead.getAddress().getPort();
        dead.stop(0);
        TokenVerifier v = TokenVerifier.jwks(URI.create("http://127.0.0.1:" + port + "/jwks.json"), ISS, AUD);
        long t0 = System.nanoTime();
        assertRejected(v, rs(rsa, claims().build()), "jwks_unavailable");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    // ---- configuration --------------------------------------------------------------------------

    @Test
    void shortSecretsAreRefused() {
        assertThatThrownBy(() -> TokenVerifier.hs256(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenVerifier.hs256(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenVerifier.mint(new byte[16], "a", null, null, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(TokenVerifier.hs256(new byte[32])).isNotNull();
    }

    @Test
    void mintValidatesArguments() {
        assertThatThrownBy(() -> TokenVerifier.mint(SECRET, " ", null, null, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenVerifier.mint(SECRET, "a", null, null, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jwksConfigurationIsValidated() {
        assertThatThrownBy(() -> TokenVerifier.jwks(URI.create("file:///etc/passwd"), ISS, AUD))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenVerifier.jwks(jwksUri, "", AUD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenVerifier.jwks(jwksUri, ISS, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void secretIsCopied() throws IOException {
        byte[] secret = SECRET.clone();
        TokenVerifier v = TokenVerifier.hs256(secret);
        java.util.Arrays.fill(secret, (byte) 0);
        String t = TokenVerifier.mint(SECRET, "alice", null, null, Duration.ofMinutes(1));
        assertThat(v.verify(t).sub()).isEqualTo("alice");
    }
}
