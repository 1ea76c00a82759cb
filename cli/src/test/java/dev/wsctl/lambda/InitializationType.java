package dev.wsctl.lambda;

/**
 * How Lambda initializes an execution environment, as it says in {@code AWS_LAMBDA_INITIALIZATION_TYPE}
 * ("Defined runtime environment variables",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime), and where
 * the function's credentials are in each:
 * <ul>
 *   <li>{@code on-demand}: init runs when an invocation needs an environment, the invocation waiting for it; the
 *       role's credentials are in {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}
 *       (same page);</li>
 *   <li>{@code provisioned-concurrency}: init runs ahead of any invocation; credentials as on demand (the page
 *       lists no difference, nor does "Configuring provisioned concurrency",
 *       https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html);</li>
 *   <li>{@code snap-start}: init runs when a version is published, and Lambda snapshots the environment; invocations
 *       run in environments restored from it. The Java runtime sets none of the three credential variables: it
 *       gives {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} and {@code AWS_CONTAINER_AUTHORIZATION_TOKEN} ("Using
 *       SnapStart with AWS SDKs",
 *       https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html#snapstart-credentials).</li>
 * </ul>
 */
public enum InitializationType {
    ON_DEMAND("on-demand"),
    PROVISIONED_CONCURRENCY("provisioned-concurrency"),
    SNAP_START("snap-start");

    final String value;

    InitializationType(String value) {
        this.value = value;
    }

    /** True when Lambda gives the credentials through the container credentials endpoint, not in variables. */
    boolean containerCredentials() {
        return this == SNAP_START;
    }

    /** True when init runs before any invocation is waiting (a snapshot's, or provisioned concurrency's). */
    boolean initAhead() {
        return this != ON_DEMAND;
    }

    /** {@code on-demand}, {@code snap-start}, …: the variable's value, also accepted by {@link #of}. */
    @Override
    public String toString() {
        return value;
    }

    static InitializationType of(String value) {
        for (InitializationType t : values()) {
            if (t.value.equals(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                "unknown initialization type " + value + " (on-demand, provisioned-concurrency, snap-start)");
    }
}
