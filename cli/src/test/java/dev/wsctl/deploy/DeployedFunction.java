package dev.wsctl.deploy;

import dev.wsctl.config.StackConfig;
import java.util.Map;
import java.util.Optional;

/**
 * A function as {@code wsctl deploy} configures it, from the deploy model itself ({@link Stack}'s function specs,
 * which the SDK engine creates and {@code wsctl template} renders): its name, handler string, memory, SnapStart
 * setting and environment variables, for tests that run the function the way Lambda would.
 *
 * @param environment the variables deploy writes, for {@code callbackUrl} and the deployed auth secret
 */
public record DeployedFunction(
        String function, String name, String handler, int memory, boolean snapStart, Map<String, String> environment) {

    /**
     * Function {@code fn} of the stack {@code config} describes, whose API's callback URL is {@code callbackUrl};
     * {@code authSecret} is the authorizer's deployed HS256 secret (base64url), when the config uses one.
     */
    public static DeployedFunction of(StackConfig config, String fn, String callbackUrl, Optional<String> authSecret) {
        if (!config.functions().contains(fn)) {
            throw new IllegalArgumentException("the stack has no function " + fn + " (" + config.functions() + ")");
        }
        FunctionResource.Spec spec = Stack.spec(config, fn, config.allTags(), Stack.AUTH_SECRET);
        return new DeployedFunction(
                fn,
                spec.name(),
                spec.handler(),
                spec.memory(),
                spec.snapStart(),
                Map.copyOf(spec.environment().of(callbackUrl, authSecret, new Outputs())));
    }

    /**
     * The webhooks function of the stack {@code config} describes (its {@code webhooks.url} set), as deploy configures
     * it with the dead-letter queue at {@code queueUrl} and the signing secret {@code secret}.
     */
    public static DeployedFunction webhooks(StackConfig config, String queueUrl, String secret) {
        FunctionResource.Spec spec = Stack.webhooksSpec(config, config.allTags(), Stack.WEBHOOK_SECRET);
        return new DeployedFunction(
                Stack.WEBHOOKS,
                spec.name(),
                spec.handler(),
                spec.memory(),
                spec.snapStart(),
                Map.copyOf(spec.environment()
                        .of("", Optional.of(secret), Outputs.of(Map.of("webhooks.queue.url", queueUrl)))));
    }
}
