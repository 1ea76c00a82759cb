package dev.wsctl.cli;

import dev.wsctl.aws.AwsClients;
import dev.wsctl.aws.AwsErrors;
import dev.wsctl.config.StackConfig;
import dev.wsctl.ops.DeployedWebhooks;
import dev.wsctl.ops.WebhookTarget;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The webhooks of the deployed stack the options name, for {@code wsctl webhooks} without {@code --local}: its
 * secret from the webhooks function, its failed bodies from the dead-letter queue ({@link DeployedWebhooks}). A stack
 * without them and an AWS failure are one sentence each, exit 1. Closing it closes its SDK clients.
 */
final class DeployedWebhookTarget implements WebhookTarget {
    private final AwsClients aws;
    private final StackConfig config;
    private final DeployedWebhooks webhooks;

    private DeployedWebhookTarget(AwsClients aws, StackConfig config) {
        this.aws = aws;
        this.config = config;
        this.webhooks = new DeployedWebhooks(aws.lambda(), aws.sqs(), config);
    }

    static DeployedWebhookTarget open(Context context, RunningStackOptions options) {
        StackConfig config = options.stack.stack.load(context.env(), options.stack.aws);
        return new DeployedWebhookTarget(context.aws().connect(options.stack.aws, config, context.env()), config);
    }

    @Override
    public String secret() {
        return call(
                "read the configuration of function " + config.functionName("webhooks") + " (Lambda)",
                webhooks::secret);
    }

    @Override
    public List<FailedWebhook> failed() {
        return call("read the queue " + config.webhooksQueueName() + " (SQS)", webhooks::failed);
    }

    @Override
    public void remove(FailedWebhook body) {
        call("delete a message of the queue " + config.webhooksQueueName() + " (SQS)", () -> {
            webhooks.remove(body);
            return null;
        });
    }

    private static <T> T call(String doing, Supplier<T> work) {
        try {
            return work.get();
        } catch (DeployedWebhooks.NotDeployed e) {
            throw new CliException(ExitCode.FAILED, e.getMessage(), e);
        } catch (SdkException e) {
            throw new CliException(ExitCode.FAILED, AwsErrors.explain(doing, e), e);
        }
    }

    @Override
    public void close() {
        aws.close();
    }
}
