package dev.wsctl.ops;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.config.StackConfig;
import java.util.Optional;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * The HS256 secret of a deployed stack with {@code auth.mode: jwt} and no identity provider: {@code wsctl deploy}
 * generates it once and keeps it, base64url, in the variable {@code WSCTL_AUTH_SECRET} of the function
 * {@code {app}-{stage}-authorize}. SDK errors are left to the caller.
 */
public final class AuthorizerSecret {
    public static final String FUNCTION = "authorize";

    /** What the stack has. */
    public enum Found {
        /** the authorize function carries a secret */
        SECRET,
        /** the authorize function has no secret (auth is off, or tokens come from an identity provider) */
        NO_SECRET,
        /** the stack is deployed without an authorize function */
        NO_FUNCTION,
        /** not even the connect function exists */
        NOT_DEPLOYED
    }

    /**
     * @param functionName the authorize function's name
     * @param secret       the variable's value (base64url, not checked), present only for {@link Found#SECRET}
     */
    public record Lookup(Found found, String functionName, Optional<String> secret) {}

    private AuthorizerSecret() {}

    /** One GetFunctionConfiguration; a second one only when there is no authorize function. */
    public static Lookup read(LambdaClient lambda, StackConfig config) {
        String name = config.functionName(FUNCTION);
        GetFunctionConfigurationResponse function;
        try {
            function = lambda.getFunctionConfiguration(r -> r.functionName(name));
        } catch (ResourceNotFoundException absent) {
            return new Lookup(
                    deployed(lambda, config) ? Found.NO_FUNCTION : Found.NOT_DEPLOYED, name, Optional.empty());
        }
        String secret = function.environment() == null || function.environment().variables() == null
                ? null
                : function.environment().variables().get(AuthSettings.ENV_SECRET);
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
