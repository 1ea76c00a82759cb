package dev.wsctl.auth;

import java.util.Objects;

/**
 * A token was refused. {@link #reason()} is a short machine code (e.g. {@code expired}); the message is
 * the same code and never contains the token or any of its claims.
 */
public final class TokenRejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final String MALFORMED = "malformed";
    public static final String TOO_LARGE = "too_large";
    public static final String BAD_ALGORITHM = "bad_algorithm";
    public static final String BAD_SIGNATURE = "bad_signature";
    public static final String UNKNOWN_KEY = "unknown_key";
    public static final String BAD_TYPE = "bad_type";
    public static final String EXPIRED = "expired";
    public static final String NOT_YET_VALID = "not_yet_valid";
    public static final String MISSING_EXP = "missing_exp";
    public static final String WRONG_ISSUER = "wrong_issuer";
    public static final String WRONG_AUDIENCE = "wrong_audience";
    public static final String MISSING_SUB = "missing_sub";
    public static final String BAD_CLAIM = "bad_claim";
    public static final String BAD_CLAIMS = "bad_claims";
    /** The {@code info} claim is not a JSON object. */
    public static final String INFO_NOT_OBJECT = "info_not_object";
    /** The {@code info} claim is larger than {@link MemberInfo#MAX_BYTES} as compact JSON. */
    public static final String INFO_TOO_LARGE = "info_too_large";

    public static final String JWKS_UNAVAILABLE = "jwks_unavailable";
    public static final String VERIFICATION_ERROR = "verification_error";

    private final String reason;

    public TokenRejected(String reason) {
        this(reason, null);
    }

    public TokenRejected(String reason, Throwable cause) {
        // No stack trace: rejections are routine on the $connect path and must stay cheap.
        super(Objects.requireNonNull(reason, "reason"), cause, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
