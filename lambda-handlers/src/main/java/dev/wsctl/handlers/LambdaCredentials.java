package dev.wsctl.handlers;

import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;

/**
 * The function role's credentials, from where Lambda puts them for the environment's initialization type:
 * <ul>
 *   <li>on demand and with provisioned concurrency, in {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY} and
 *       {@code AWS_SESSION_TOKEN} ("Defined runtime environment variables",
 *       https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime);</li>
 *   <li>with SnapStart, the Java runtime sets none of these: it gives the container credentials endpoint instead,
 *       {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} with {@code AWS_CONTAINER_AUTHORIZATION_TOKEN} ("Using SnapStart
 *       with AWS SDKs", https://docs.aws.amazon.com/lambda/latest/dg/snapstart-activate.html#snapstart-credentials).</li>
 * </ul>
 *
 * <p>Both are the SDK's own providers, chosen by which of the two Lambda has set (the variables, when set, first, as in
 * the SDK's default chain), so neither the rest of that chain (system properties, profile files, web identity, IMDS)
 * nor a provider that fails first on every call is on the path. Choosing reads only the names of variables:
 * nothing is resolved at init, so a SnapStart snapshot holds no credentials, and restored environments fetch their
 * own at first use. The container provider, built with the SDK's defaults, fetches on the caller's thread (no
 * refresh thread is started into a snapshot), caches the credentials, and fetches again before they expire; see
 * {@code SigV4}.
 */
final class LambdaCredentials {
    static final String ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";

    private LambdaCredentials() {}

    /** The provider for {@code env}, a Lambda function's environment; resolves nothing. */
    static AwsCredentialsProvider provider(Map<String, String> env) {
        String accessKey = env.get(ACCESS_KEY_ID);
        if (accessKey != null && !accessKey.isBlank()) {
            return EnvironmentVariableCredentialsProvider.create();
        }
        // when its variables are missing too, its first use fails saying which ones
        return ContainerCredentialsProvider.builder().build();
    }
}
