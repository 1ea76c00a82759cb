package dev.wsctl.auth;

import java.net.URI;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the {@code $connect} authorizer decides: the token mode and the origin allowlist. On AWS they reach
 * the {@code authorize} function as {@code WSCTL_AUTH_*} variables ({@link #toEnvironment()} writes them,
 * {@link #fromEnvironment(Map)} reads them back); {@code wsctl local} builds them from {@code wsctl.yaml}.
 *
 * @param mode           {@link Mode#NONE}: no token is asked for; {@link Mode#JWT}: every connection needs one
 * @param secret         HS256 secret, base64url (at least 32 bytes decoded); jwt mode without a JWKS URL
 * @param jwksUrl        identity provider's JWKS (RS256/ES256); jwt mode without a secret
 * @param issuer         required {@code iss} with a JWKS
 * @param audience       required {@code aud} with a JWKS
 * @param allowedOrigins exact origins and {@code scheme://*.domain} wildcards; empty allows every origin
 * @param missingOrigin  what a handshake without an Origin header (a non-browser client) gets
 */
public record AuthSettings(
        Mode mode,
        Optional<String> secret,
        Optional<URI> jwksUrl,
        Optional<String> issuer,
        Optional<String> audience,
        List<String> allowedOrigins,
        OriginPolicy.MissingOrigin missingOrigin) {

    public static final String ENV_MODE = "WSCTL_AUTH_MODE";
    public static final String ENV_SECRET = "WSCTL_AUTH_SECRET";
    public static final String ENV_JWKS_URL = "WSCTL_AUTH_JWKS_URL";
    public static final String ENV_ISSUER = "WSCTL_AUTH_ISSUER";
    public static final String ENV_AUDIENCE = "WSCTL_AUTH_AUDIENCE";
    public static final String ENV_ALLOWED_ORIGINS = "WSCTL_ALLOWED_ORIGINS";
    public static final String ENV_MISSING_ORIGIN = "WSCTL_MISSING_ORIGIN";

    public enum Mode {
        NONE,
        JWT;

        public static Mode parse(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "none" -> NONE;
                case "jwt" -> JWT;
                default -> throw new IllegalArgumentException("auth mode must be 'none' or 'jwt', not '" + value + "'");
            };
        }

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public AuthSettings {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(jwksUrl, "jwksUrl");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(audience, "audience");
        allowedOrigins = List.copyOf(allowedOrigins);
        Objects.requireNonNull(missingOrigin, "missingOrigin");
        if (mode == Mode.JWT) {
            if (secret.isPresent() == jwksUrl.isPresent()) {
                throw new IllegalArgumentException("jwt auth needs either a secret or a JWKS URL, not "
                        + (secret.isPresent() ? "both" : "neither"));
            }
            if (jwksUrl.isPresent() && (issuer.isEmpty() || audience.isEmpty())) {
                throw new IllegalArgumentException("jwt auth with a JWKS URL needs an issuer and an audience");
            }
            secret.ifPresent(AuthSettings::decodeSecret);
        }
        // fails early, naming the bad entry
        OriginPolicy.of(allowedOrigins, missingOrigin);
    }

    /** No token, every origin, handshakes without Origin allowed: the authorizer is not needed. */
    public static AuthSettings none() {
        return new AuthSettings(
                Mode.NONE,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of(),
                OriginPolicy.MissingOrigin.ALLOW);
    }

    /** True when connections must pass the authorizer: a token is needed or origins are restricted. */
    public boolean enabled() {
        return mode == Mode.JWT || !allowedOrigins.isEmpty() || missingOrigin == OriginPolicy.MissingOrigin.DENY;
    }

    /** True for jwt with a secret that wsctl keeps (deploy generates it; {@code wsctl token} signs with it). */
    public boolean usesSecret() {
        return mode == Mode.JWT && secret.isPresent();
    }

    /** The token verifier, or empty in mode none. */
    public Optional<TokenVerifier> verifier() {
        if (mode == Mode.NONE) {
            return Optional.empty();
        }
        return Optional.of(
                secret.isPresent()
                        ? TokenVerifier.hs256(decodeSecret(secret.get()))
                        : TokenVerifier.jwks(jwksUrl.get(), issuer.get(), audience.get()));
    }

    public OriginPolicy originPolicy() {
        return OriginPolicy.of(allowedOrigins, missingOrigin);
    }

    /** The {@code authorize} function's environment; {@code fromEnvironment(toEnvironment())} equals this. */
    public Map<String, String> toEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(ENV_MODE, mode.value());
        secret.ifPresent(s -> env.put(ENV_SECRET, s));
        jwksUrl.ifPresent(u -> env.put(ENV_JWKS_URL, u.toString()));
        issuer.ifPresent(i -> env.put(ENV_ISSUER, i));
        audience.ifPresent(a -> env.put(ENV_AUDIENCE, a));
        if (!allowedOrigins.isEmpty()) {
            env.put(ENV_ALLOWED_ORIGINS, String.join(",", allowedOrigins));
        }
        env.put(ENV_MISSING_ORIGIN, missingOrigin.name().toLowerCase(Locale.ROOT));
        return Collections.unmodifiableMap(env);
    }

    /** Reads the settings back; a bad value names its variable. */
    public static AuthSettings fromEnvironment(Map<String, String> env) {
        try {
            String origins = env.getOrDefault(ENV_ALLOWED_ORIGINS, "").trim();
            return new AuthSettings(
                    Mode.parse(env.getOrDefault(ENV_MODE, "none")),
                    optional(env, ENV_SECRET),
                    optional(env, ENV_JWKS_URL).map(URI::create),
                    optional(env, ENV_ISSUER),
                    optional(env, ENV_AUDIENCE),
                    origins.isEmpty()
                            ? List.of()
                            : Arrays.stream(origins.split(","))
                                    .map(String::trim)
                                    .toList(),
                    parseMissingOrigin(env.getOrDefault(ENV_MISSING_ORIGIN, "allow")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Bad function environment (" + ENV_MODE + " and related): " + e.getMessage(), e);
        }
    }

    public static OriginPolicy.MissingOrigin parseMissingOrigin(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "allow" -> OriginPolicy.MissingOrigin.ALLOW;
            case "deny" -> OriginPolicy.MissingOrigin.DENY;
            default ->
                throw new IllegalArgumentException("missing origin must be 'allow' or 'deny', not '" + value + "'");
        };
    }

    /** A fresh 256-bit secret from a strong random source. */
    public static byte[] newSecret() {
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        return secret;
    }

    public static String encodeSecret(byte[] secret) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** Decodes a base64url secret and checks its length. */
    public static byte[] decodeSecret(String base64url) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(base64url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the auth secret is not base64url");
        }
        if (raw.length < TokenVerifier.MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(
                    "the auth secret must be at least " + TokenVerifier.MIN_SECRET_BYTES + " bytes, not " + raw.length);
        }
        return raw;
    }

    private static Optional<String> optional(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    @Override
    public String toString() {
        // never the secret
        return "AuthSettings[mode=" + mode.value() + ", secret=" + (secret.isPresent() ? "(set)" : "(none)")
                + ", jwksUrl=" + jwksUrl.orElse(null) + ", issuer=" + issuer.orElse(null) + ", audience="
                + audience.orElse(null) + ", allowedOrigins=" + allowedOrigins + ", missingOrigin=" + missingOrigin
                + "]";
    }
}
