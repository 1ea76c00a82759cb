package dev.wsctl.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wsctl.awshttp.ContainerCredentialsEndpoint;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Where a function's credentials come from in each initialization type. The SDK reads the container endpoint's
 * settings from the system properties {@code aws.containerCredentialsFullUri} and
 * {@code aws.containerAuthorizationToken} before the variables, which is how this JVM stands in for a SnapStart
 * function's environment here; {@code LambdaContractTest} (cli) runs the functions with the variables themselves.
 */
class LambdaCredentialsTest {
    private static final String FULL_URI = "aws.containerCredentialsFullUri";
    private static final String TOKEN = "aws.containerAuthorizationToken";

    @AfterEach
    void clear() {
        System.clearProperty(FULL_URI);
        System.clearProperty(TOKEN);
    }

    @Test
    void onDemandAndProvisionedConcurrencyTakeTheVariables() {
        AwsCredentialsProvider provider = LambdaCredentials.provider(Map.of(
                "AWS_ACCESS_KEY_ID", "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY", "secret", "AWS_SESSION_TOKEN", "token"));

        assertThat(provider).isInstanceOf(EnvironmentVariableCredentialsProvider.class);
    }

    @Test
    void snapStartTakesTheContainerEndpointAtFirstUseAndAgainBeforeExpiry() throws Exception {
        // expiring in 90 s: stale in 30 s, prefetched at every use after the first (see ContainerCredentialsEndpoint)
        try (ContainerCredentialsEndpoint endpoint = new ContainerCredentialsEndpoint(Duration.ofSeconds(90))) {
            System.setProperty(FULL_URI, endpoint.uri().toString());
            System.setProperty(TOKEN, endpoint.token());
            Map<String, String> snapStart = Map.of(
                    "AWS_LAMBDA_INITIALIZATION_TYPE",
                    "snap-start",
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    endpoint.uri().toString(),
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                    endpoint.token());

            AwsCredentialsProvider provider = LambdaCredentials.provider(snapStart);
            assertThat(endpoint.fetches())
                    .as("nothing fetched while the provider is built (init)")
                    .isEmpty();

            AwsCredentials first = provider.resolveCredentials();
            AwsCredentials second = provider.resolveCredentials();

            assertThat(first.accessKeyId()).isEqualTo("ASIACONTAINER0001");
            assertThat(((AwsSessionCredentials) first).sessionToken()).isEqualTo("container-session-ASIACONTAINER0001");
            assertThat(first.expirationTime()).isPresent();
            assertThat(second.accessKeyId())
                    .as("fetched again before they expire")
                    .isEqualTo("ASIACONTAINER0002");
            assertThat(endpoint.fetches())
                    .allMatch(ContainerCredentialsEndpoint.Fetch::authorized)
                    .hasSize(2);
        }
    }

    @Test
    void aWrongTokenIsRefusedByTheEndpointAndNotRetriedIntoSuccess() throws Exception {
        try (ContainerCredentialsEndpoint endpoint = new ContainerCredentialsEndpoint(Duration.ofMinutes(30))) {
            System.setProperty(FULL_URI, endpoint.uri().toString());
            System.setProperty(TOKEN, "not-the-token");

            AwsCredentialsProvider provider = LambdaCredentials.provider(Map.of());

            assertThatThrownBy(provider::resolveCredentials).isInstanceOf(SdkClientException.class);
            assertThat(endpoint.handedOut()).isEmpty();
            assertThat(endpoint.fetches()).isNotEmpty();
        }
    }
}
