package dev.wsctl.deploy;

import dev.wsctl.aws.AwsClients;
import dev.wsctl.config.StackConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every resource of one {@code {app}-{stage}} stack, in dependency order: the table and the API first
 * (roles are scoped to their ARNs), then each function's role, the functions, their permissions, the
 * routing table and the stage. Destroy runs the same list backwards.
 */
public final class Stack {
    private static final Map<String, String> HANDLERS = Map.of(
            "connect", "dev.wsctl.handlers.ConnectHandler",
            "disconnect", "dev.wsctl.handlers.DisconnectHandler",
            "channels", "dev.wsctl.handlers.ChannelsHandler",
            "send", "dev.wsctl.handlers.SendHandler",
            "default", "dev.wsctl.handlers.DefaultHandler");

    private Stack() {
    }

    /** The engine for this stack; {@code account} comes from STS. */
    public static Engine engine(StackConfig config, AwsClients aws, String account, FunctionCode code,
                                FunctionResource.Retry roleRetry) {
        Map<String, String> tags = config.allTags();
        List<Resource<?>> resources = new ArrayList<>();
        resources.add(new TableResource(aws.dynamoDb(), config.tableName(), tags));
        resources.add(new ApiResource(aws.apiGateway(), config.prefix(), tags));
        for (String fn : StackConfig.defaults().functions()) { // authorize: not deployed yet
            resources.add(new RoleResource(aws.iam(), fn, config.functionName(fn), config.stage(), tags));
        }
        for (String fn : StackConfig.defaults().functions()) { // authorize: not deployed yet
            resources.add(new FunctionResource(aws.lambda(), new FunctionResource.Spec(fn, config.functionName(fn),
                    HANDLERS.get(fn), config.runtime(), config.architecture().value(), config.memory().of(fn),
                    config.timeoutSeconds(), config.snapStart(), config::functionEnvironment, tags), code, roleRetry));
        }
        for (String fn : StackConfig.defaults().functions()) { // authorize: not deployed yet
            resources.add(new PermissionResource(aws.lambda(), config.functionName(fn),
                    config.snapStart() ? FunctionResource.ALIAS : null));
        }
        RoutesResource routes = new RoutesResource(aws.apiGateway(), config.prefix());
        resources.add(routes);
        resources.add(new StageResource(aws.apiGateway(), config.stage(), config.throttling().rate(),
                config.throttling().burst(), tags, Engine.changed(routes)));
        return new Engine(resources, Map.of("region", aws.region(), "account", account, "stage", config.stage()));
    }
}
