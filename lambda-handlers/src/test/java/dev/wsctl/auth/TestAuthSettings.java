package dev.wsctl.auth;

import java.util.List;
import java.util.Optional;

/** Auth settings for tests: jwt mode with an HS256 secret given as raw bytes. */
public final class TestAuthSettings {
    private TestAuthSettings() {}

    public static AuthSettings hs256(byte[] secret, List<String> allowedOrigins, OriginPolicy.MissingOrigin missing) {
        return new AuthSettings(
                AuthSettings.Mode.JWT,
                Optional.of(AuthSettings.encodeSecret(secret)),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                allowedOrigins,
                missing);
    }
}
