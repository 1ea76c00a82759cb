package dev.wsctl.cli;

import dev.wsctl.aws.AwsClients;
import dev.wsctl.aws.SdkAwsClients;
import dev.wsctl.config.StackConfig;
import dev.wsctl.deploy.CloudFormationDeploy;
import dev.wsctl.deploy.FunctionResource;
import java.util.Map;

/**
 * What commands take from the world: the environment, and how to reach AWS. Tests hand commands a
 * context with in-memory fakes of the SDK clients (through picocli's factory); the process uses this one.
 */
public record Context(
        Map<String, String> env,
        Connector aws,
        FunctionResource.Retry roleRetry,
        CloudFormationDeploy.Polling cloudFormationPolling) {

    /** With CloudFormation's usual polling, for commands that do not wait for it. */
    public Context(Map<String, String> env, Connector aws, FunctionResource.Retry roleRetry) {
        this(env, aws, roleRetry, CloudFormationDeploy.Polling.standard());
    }

    /** Opens the SDK clients for a stack's account and region. */
    @FunctionalInterface
    public interface Connector {
        AwsClients connect(AwsOptions options, StackConfig config, Map<String, String> env);
    }

    public static Context system() {
        return new Context(
                System.getenv(),
                (options, config, env) -> new SdkAwsClients(options.profile(), config.region(), options.endpoints(env)),
                FunctionResource.Retry.iamPropagation());
    }
}
