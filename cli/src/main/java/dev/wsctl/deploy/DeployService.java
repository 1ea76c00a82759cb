package dev.wsctl.deploy;

import dev.wsctl.aws.AwsClients;
import dev.wsctl.config.StackConfig;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.DynamoDbConnectionStore;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/** Plans, deploys, destroys and inspects one stack: what the commands call. */
public final class DeployService {
    private final StackConfig config;
    private final AwsClients aws;
    private final Engine engine;

    public DeployService(StackConfig config, AwsClients aws, FunctionCode code, FunctionResource.Retry roleRetry) {
        this.config = config;
        this.aws = aws;
        String account;
        try {
            account = aws.sts().getCallerIdentity().account();
        } catch (SdkException e) {
            throw new StepFailedException("read the account of the AWS credentials (STS GetCallerIdentity)", e);
        }
        this.engine = Stack.engine(config, aws, account, code, roleRetry);
    }

    public Engine.Result plan() {
        return engine.plan();
    }

    public Engine.Result deploy(Consumer<Plan.Step> progress) {
        return engine.apply(progress);
    }

    public Plan destroyPlan() {
        return engine.destroyPlan();
    }

    public Plan destroy(Consumer<Plan.Step> progress) {
        return engine.destroy(progress);
    }

    /** Connections the table holds (a Query of the meta rows, never a Scan); empty when there is no table. */
    public OptionalLong connectionCount() {
        var store = new DynamoDbConnectionStore(aws.dynamoDb(), config.tableName());
        try {
            long count = 0;
            for (var page : store.subscriberPages(ConnectionStore.CONNECTION_ROW)) {
                count += page.size();
            }
            return OptionalLong.of(count);
        } catch (ResourceNotFoundException noTable) {
            return OptionalLong.empty();
        }
    }

    /** What a pipeline needs after a deploy: endpoints and names. */
    public Map<String, String> endpoints(Map<String, String> outputs) {
        return Stack.endpoints(config, outputs);
    }
}
