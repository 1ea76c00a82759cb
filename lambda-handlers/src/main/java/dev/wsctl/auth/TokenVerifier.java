package dev.wsctl.auth;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.JWTClaimsSetVerifier;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies the JWT presented on {@code $connect}. Two modes:
 *
 * <ul>
 *   <li>{@link #hs256(byte[])}: a shared HMAC secret (≥ 32 bytes), HS256 only; tokens from {@link #mint}.
 *   <li>{@link #jwks(URI, String, String)}: RS256/ES256 keys from a remote JWKS (cached, short timeouts),
 *       with {@code iss} and {@code aud} enforced.
 * </ul>
 *
 * Every token must carry {@code exp} and a non-blank {@code sub}; {@code nbf}/{@code exp} are checked with
 * 60 s of clock skew. Anything else throws {@link TokenRejected} with a machine reason code. Thread-safe.
 */
public final class TokenVerifier {

    /** Tokens longer than this are refused before any parsing. */
    public static final int MAX_TOKEN_CHARS = 8 * 1024;

    public static final int MIN_SECRET_BYTES = 32;
    public static final int CLOCK_SKEW_SECONDS = 60;

    static final int JWKS_CONNECT_TIMEOUT_MS = 1_000;
    static final int JWKS_READ_TIMEOUT_MS = 1_000;
    static final int JWKS_SIZE_LIMIT_BYTES = 64 * 1024;
    static final long JWKS_CACHE_TTL_MS = Duration.ofMinutes(10).toMillis();
    static final long JWKS_CACHE_REFRESH_TIMEOUT_MS = 2_000;

    private static final Set<JWSAlgorithm> JWKS_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    /** A verified token: subject plus the channels it may subscribe to and publish on. */
    public record Verified(String sub, List<String> channels, List<String> publish) {
        public Verified {
            Objects.requireNonNull(sub, "sub");
            channels = List.copyOf(channels);
            publish = List.copyOf(publish);
        }
    }

    private final Set<JWSAlgorithm> algorithms;
    private final DefaultJWTProcessor<SecurityContext> processor;

    private TokenVerifier(
            Set<JWSAlgorithm> algorithms, JWKSource<SecurityContext> keys, String issuer, String audience) {
        this.algorithms = Set.copyOf(algorithms);
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(this.algorithms, keys));
        p.setJWTClaimsSetVerifier(new ClassifyingClaimsVerifier(issuer, audience));
        this.processor = p;
    }

    /** HS256 with a shared secret of at least 32 bytes. */
    public static TokenVerifier hs256(byte[] secret) {
        checkSecret(secret);
        return new TokenVerifier(Set.of(JWSAlgorithm.HS256), new ImmutableSecret<>(secret.clone()), null, null);
    }

    /** RS256/ES256 with keys from {@code jwksUrl}, requiring the given {@code iss} and {@code aud}. */
    public static TokenVerifier jwks(URI jwksUrl, String issuer, String audience) {
        Objects.requireNonNull(jwksUrl, "jwksUrl");
        requireNonBlank(issuer, "issuer");
        requireNonBlank(audience, "audience");
        String scheme = jwksUrl.getScheme();
        if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("jwksUrl must be http(s)");
        }
        JWKSource<SecurityContext> source;
        try {
            source = JWKSourceBuilder.<SecurityContext>create(
                            jwksUrl.toURL(),
                            new DefaultResourceRetriever(
                                    JWKS_CONNECT_TIMEOUT_MS, JWKS_READ_TIMEOUT_MS, JWKS_SIZE_LIMIT_BYTES))
                    .cache(JWKS_CACHE_TTL_MS, JWKS_CACHE_REFRESH_TIMEOUT_MS)
                    .build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("invalid jwksUrl", e);
        }
        return new TokenVerifier(JWKS_ALGORITHMS, source, issuer, audience);
    }

    /** Verifies {@code token}, or throws {@link TokenRejected}. */
    public Verified verify(String token) {
        if (token == null || token.isEmpty()) {
            throw new TokenRejected(TokenRejected.MALFORMED);
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new TokenRejected(TokenRejected.TOO_LARGE);
        }
        token = token.strip();
        // Look at the header's alg before anything else so that "none", HS256-vs-RSA confusion and
        // every other algorithm get a precise reason.
        int dot = token.indexOf('.');
        if (dot <= 0) {
            throw new TokenRejected(TokenRejected.MALFORMED);
        }
        Algorithm alg;
        try {
            alg = com.nimbusds.jose.Header.parse(new Base64URL(token.substring(0, dot)))
                    .getAlgorithm();
        } catch (ParseException | RuntimeException e) {
            throw new TokenRejected(TokenRejected.MALFORMED);
        }
        if (!(alg instanceof JWSAlgorithm) || !algorithms.contains((JWSAlgorithm) alg)) {
            throw new TokenRejected(TokenRejected.BAD_ALGORITHM);
        }

        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
            jwt.getJWTClaimsSet(); // surfaces a non-JSON / non-object payload as malformed
        } catch (ParseException | RuntimeException e) {
            throw new TokenRejected(TokenRejected.MALFORMED);
        }

        JWTClaimsSet claims;
        try {
            claims = processor.process(jwt, null);
        } catch (ClaimsRejected e) {
            throw new TokenRejected(e.reason);
        } catch (BadJWSException e) {
            throw new TokenRejected(TokenRejected.BAD_SIGNATURE);
        } catch (BadJWTException e) {
            throw new TokenRejected(TokenRejected.BAD_CLAIMS);
        } catch (BadJOSEException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("no matching key")) {
                throw new TokenRejected(TokenRejected.UNKNOWN_KEY);
            }
            if (msg.contains("type")) {
                throw new TokenRejected(TokenRejected.BAD_TYPE);
            }
            throw new TokenRejected(TokenRejected.BAD_SIGNATURE);
        } catch (KeySourceException e) {
            // A kid missing from the cached set triggers a re-fetch; when that is rate-limited the key is
            // simply unknown (the JWKS itself is fine). Anything else means the JWKS could not be had.
            if (causedBy(e, RateLimitReachedException.class)) {
                throw new TokenRejected(TokenRejected.UNKNOWN_KEY);
            }
            throw new TokenRejected(TokenRejected.JWKS_UNAVAILABLE, e);
        } catch (JOSEException | RuntimeException e) {
            throw new TokenRejected(TokenRejected.VERIFICATION_ERROR);
        }

        String sub = claims.getSubject();
        if (sub == null || sub.isBlank()) {
            throw new TokenRejected(TokenRejected.MISSING_SUB);
        }
        return new Verified(sub, stringList(claims.getClaim("channels")), stringList(claims.getClaim("publish")));
    }

    /** Mints an HS256 token ({@code typ: JWT}) with {@code sub}, {@code iat}, {@code exp} and optional lists. */
    public static String mint(byte[] secret, String sub, List<String> channels, List<String> publish, Duration ttl) {
        checkSecret(secret);
        requireNonBlank(sub, "sub");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive");
        }
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .subject(sub)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)));
        if (channels != null && !channels.isEmpty()) {
            claims.claim("channels", List.copyOf(channels));
        }
        if (publish != null && !publish.isEmpty()) {
            claims.claim("publish", List.copyOf(publish));
        }
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims.build());
        try {
            jwt.sign(new MACSigner(secret));
        } catch (JOSEException e) {
            throw new IllegalStateException("HS256 signing failed", e);
        }
        return jwt.serialize();
    }

    /** A claim that is absent, an array of strings, or a comma-separated string. */
    static List<String> stringList(Object claim) {
        if (claim == null) {
            return List.of();
        }
        Collection<?> raw;
        if (claim instanceof String s) {
            raw = List.of(s.split(","));
        } else if (claim instanceof Collection<?> c) {
            raw = c;
        } else {
            throw new TokenRejected(TokenRejected.BAD_CLAIM);
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (Object o : raw) {
            if (!(o instanceof String s)) {
                throw new TokenRejected(TokenRejected.BAD_CLAIM);
            }
            String t = s.strip();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return List.copyOf(out);
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (int i = 0; t != null && i < 10; i++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static void checkSecret(byte[] secret) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("HS256 secret must be at least " + MIN_SECRET_BYTES + " bytes");
        }
    }

    private static void requireNonBlank(String s, String what) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }

    /** Carries a reason code from the claims check out through {@link DefaultJWTProcessor}. */
    private static final class ClaimsRejected extends BadJWTException {
        private static final long serialVersionUID = 1L;
        final String reason;

        ClaimsRejected(String reason) {
            super(reason);
            this.reason = reason;
        }
    }

    /**
     * Runs Nimbus's {@link DefaultJWTClaimsVerifier} (exp required, nbf/exp with skew, iss/aud when
     * configured) and, when it refuses, works out which rule failed from the claims themselves rather than
     * from Nimbus's message text.
     */
    private static final class ClassifyingClaimsVerifier implements JWTClaimsSetVerifier<SecurityContext> {
        private final String issuer;
        private final String audience;
        private final DefaultJWTClaimsVerifier<SecurityContext> delegate;

        ClassifyingClaimsVerifier(String issuer, String audience) {
            this.issuer = issuer;
            this.audience = audience;
            Set<String> required = new HashSet<>(Set.of("exp"));
            JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
            if (issuer != null) {
                exact.issuer(issuer);
                required.add("iss");
            }
            if (audience != null) {
                required.add("aud");
            }
            this.delegate = new DefaultJWTClaimsVerifier<>(
                    audience == null ? null : Set.of(audience), exact.build(), required, null);
            this.delegate.setMaxClockSkew(CLOCK_SKEW_SECONDS);
        }

        @Override
        public void verify(JWTClaimsSet claims, SecurityContext ctx) throws BadJWTException {
            try {
                delegate.verify(claims, ctx);
            } catch (BadJWTException e) {
                throw new ClaimsRejected(classify(claims));
            }
        }

        private String classify(JWTClaimsSet claims) {
            long nowMs = System.currentTimeMillis();
            long skewMs = CLOCK_SKEW_SECONDS * 1000L;
            Date exp = claims.getExpirationTime();
            if (exp == null) {
                return TokenRejected.MISSING_EXP;
            }
            if (exp.getTime() + skewMs < nowMs) {
                return TokenRejected.EXPIRED;
            }
            Date nbf = claims.getNotBeforeTime();
            if (nbf != null && nbf.getTime() - skewMs > nowMs) {
                return TokenRejected.NOT_YET_VALID;
            }
            if (issuer != null && !issuer.equals(claims.getIssuer())) {
                return TokenRejected.WRONG_ISSUER;
            }
            List<String> aud = claims.getAudience();
            if (audience != null && (aud == null || !aud.contains(audience))) {
                return TokenRejected.WRONG_AUDIENCE;
            }
            return TokenRejected.BAD_CLAIMS;
        }
    }
}
