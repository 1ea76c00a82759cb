package dev.wsctl.ops;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.config.StackConfig;
import dev.wsctl.webhooks.WebhookSettings;
import java.util.Optional;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * A secret that {@code wsctl deploy} generates once and keeps in a function's environment: the authorizer's HS256
 * secret ({@link #AUTHORIZER}: base64url, {@code WSCTL_AUTH_SECRET} of {@code {app}-{stage}-authorize}, with
 * {@code auth.mode: jwt} and no identity provider) and the webhooks' signing secret ({@link #WEBHOOKS}: hex,
 * {@code WSCTL_WEBHOOK_SECRET} of {@code {app}-{stage}-webhooks}, with {@code webhooks.url}). SDK errors are left to
 * the caller.
 *
 * @param function the function's short name
 * @param variable the environment variable that holds the secret
 */
public record FunctionSecret(String function, String variable) {
    public static final FunctionSecret AUTHORIZER = new FunctionSecret("authorize", AuthSettings.ENV_SECRET);
    public static final FunctionSecret WEBHOOKS = new FunctionSecret("webhooks", WebhookSettings.ENV_SECRET);

    /** What the stack has. */
    public enum Found {
        /** the function carries the secret */
        SECRET,
        /** the function has no secret (for the authorizer: auth is off, or tokens come from an identity provider) */
        NO_SECRET,
        /** the stack is deployed without the function */
        NO_FUNCTION,
        /** not even the connect function exists */
        NOT_DEPLOYED
    }

    /**
     * @param functionName the function's name
     * @param secret       the variable's value (not checked), present only for {@link Found#SECRET}
     */
    public record Lookup(Found found, String functionName, Optional<String> secret) {}

    /** One GetFunctionConfiguration; a second one only when there is no such function. */
    public Lookup read(LambdaClient lambda, StackConfig config) {
        String name = config.functionName(function);
        GetFunctionConfigurationResponse got;
        try {
            got = lambda.getFunctionConfiguration(r -> r.functionName(name));
        } catch (ResourceNotFoundException absent) {
            return new Lookup(
                    deployed(lambda, config) ? Found.NO_FUNCTION : Found.NOT_DEPLOYED, name, Optional.empty());
        }
        String secret = got.environment() == null || got.environment().variables() == null
                ? null
                : got.environment().variables().get(variable);
        return secret == null || secret.isBlank()
                ? new Lookup(Found.NO_SECRET, name, Optional.empty())
                : new Lookup(Found.SECRET, name, Optional.of(secret));
    }

    private static boolean deployed(LambdaClient lambda, StackConfig config) {
        try {
            lambda.getFunctionConfiguration(r -> r.functionName(config.functionName("connect")));
            return true;
        } catch (ResourceNotFoundException absent) {
            return false;
        }
    }
}
