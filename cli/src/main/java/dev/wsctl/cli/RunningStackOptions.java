package dev.wsctl.cli;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.aws.AwsClients;
import dev.wsctl.aws.AwsErrors;
import dev.wsctl.aws.AwsSetupException;
import dev.wsctl.aws.NettyHttp;
import dev.wsctl.config.StackConfig;
import dev.wsctl.connections.ConnectionsApi;
import dev.wsctl.deploy.DeployedApi;
import dev.wsctl.local.SqliteConnectionStore;
import dev.wsctl.local.SqliteHistoryStore;
import dev.wsctl.ops.FunctionSecret;
import dev.wsctl.ops.Target;
import dev.wsctl.protocol.Settings;
import dev.wsctl.store.ConnectionStore;
import dev.wsctl.store.DynamoDbConnectionStore;
import dev.wsctl.store.DynamoDbHistoryStore;
import dev.wsctl.store.HistoryStore;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiAsyncClient;
import software.amazon.awssdk.services.apigatewayv2.model.Api;

/**
 * Which running stack an operations command works on: the deployed {app}-{stage} (resolved from the
 * config and AWS), or with {@code --local} the stack that {@code wsctl local} runs from this directory
 * (found through {@code .wsctl/local.json}, or {@code --state-dir}).
 */
public final class RunningStackOptions {
    @Option(
            names = "--local",
            description = "Work on the stack `wsctl local` runs from this directory (see --state-dir).")
    boolean local;

    @Mixin
    StateDirOption stateDir;

    @Mixin
    DeployedStackOptions stack;

    public OutputOptions output() {
        return stack.output;
    }

    /** Opens the target; the caller closes it. */
    public Target open(Context context, int concurrency) {
        return local ? openLocal(concurrency) : openDeployed(context, concurrency);
    }

    private Target openLocal(int concurrency) {
        LocalState state = LocalState.read(stateDir.path());
        SqliteConnectionStore store = new SqliteConnectionStore(state.db());
        Settings.History history = state.history();
        // the history the stack keeps in the same file, read and appended to as the stack itself does
        Optional<HistoryStore> historyStore = history.enabled()
                ? Optional.of(new SqliteHistoryStore(store, history.size(), history.ttl(), Clock.systemUTC()))
                : Optional.empty();
        // the local gateway checks no signatures
        return target(
                "local stack " + state.url(),
                store,
                state.callbackUrl(),
                state.url(),
                Region.US_EAST_1,
                AnonymousCredentialsProvider.create(),
                concurrency,
                () -> {},
                history,
                historyStore);
    }

    /** A target whose @connections clients post to {@code callback}; closing it closes {@code also} last. */
    private static Target target(
            String name,
            ConnectionStore store,
            URI callback,
            URI websocketUrl,
            Region region,
            AwsCredentialsProvider credentials,
            int concurrency,
            AutoCloseable also,
            Settings.History history,
            Optional<HistoryStore> historyStore) {
        SdkEventLoopGroup loops = SdkEventLoopGroup.builder().build();
        var http = NettyHttp.client(16, loops);
        var api = managementApi(callback, http, region, credentials);
        var connections = new ConnectionsApi(callback, concurrency, region, credentials);
        return new Target(
                name,
                store,
                api,
                connections,
                websocketUrl,
                () -> {
                    api.close();
                    connections.close();
                    http.close();
                    NettyHttp.shutdown(loops);
                    also.close();
                },
                history,
                historyStore);
    }

    /**
     * Reaches the deployed stack with what operating it needs and no more (templates/policies/operator.json): the
     * API found by name through API Gateway's GetApis, the table named by the config; no IAM, Lambda or STS call.
     */
    private Target openDeployed(Context context, int concurrency) {
        StackConfig config = stack.stack.load(context.env(), stack.aws);
        AwsClients aws = context.aws().connect(stack.aws, config, context.env());
        try {
            Api deployed =
                    DeployedApi.find(aws.apiGateway(), config.prefix()).orElseThrow(() -> notDeployed(config, aws));
            URI callback = stack.aws
                    .endpoints(context.env())
                    .connections(deployed.apiId(), Region.of(aws.region()), config.stage());
            // the history table deploy creates with the connection table, the channels that keep history as the
            // config names them: the functions' own store over the same client
            Settings.History history = new Settings.History(
                    config.history().channels(),
                    config.history().size(),
                    config.history().ttl(),
                    Optional.of(config.historyTableName()));
            Optional<HistoryStore> historyStore = history.enabled()
                    ? Optional.of(new DynamoDbHistoryStore(
                            aws.dynamoDb(),
                            config.historyTableName(),
                            history.size(),
                            history.ttl(),
                            Clock.systemUTC()))
                    : Optional.empty();
            return target(
                    "stack " + config.prefix(),
                    new DynamoDbConnectionStore(aws.dynamoDb(), config.tableName()),
                    callback,
                    URI.create(deployed.apiEndpoint() + "/" + config.stage()),
                    Region.of(aws.region()),
                    aws.credentials(),
                    concurrency,
                    aws,
                    history,
                    historyStore);
        } catch (SdkException e) {
            aws.close();
            throw new CliException(
                    ExitCode.FAILED, AwsErrors.explain("read API " + config.prefix() + " (API Gateway GetApis)", e), e);
        } catch (RuntimeException e) {
            aws.close();
            throw e;
        }
    }

    private static CliException notDeployed(StackConfig config, AwsClients aws) {
        return new CliException(
                ExitCode.FAILED,
                "Stack " + config.prefix() + " is not deployed in " + aws.region()
                        + ". Run `wsctl deploy`, or pass --local for the local stack.");
    }

    /**
     * The secret that signs tokens for the target stack, or why there is none.
     *
     * @param absent one sentence saying why {@code secret} is empty
     */
    record SigningSecret(Optional<byte[]> secret, String absent) {
        /** The secret; without one, exit 1 saying why. */
        byte[] require() {
            return secret.orElseThrow(() -> new CliException(ExitCode.FAILED, absent));
        }
    }

    /**
     * The HS256 secret of the target: with --local the one {@code wsctl local} keeps in the state directory,
     * else the deployed stack's (its authorize function's {@code WSCTL_AUTH_SECRET}). Never printed.
     */
    SigningSecret signingSecret(Context context) {
        if (local) {
            return new SigningSecret(
                    LocalSecret.load(stateDir.path()),
                    "There is no local auth secret (" + LocalSecret.file(stateDir.path())
                            + "): `wsctl local` creates it when wsctl.yaml sets auth.mode: jwt.");
        }
        StackConfig config = stack.stack.load(context.env(), stack.aws);
        FunctionSecret.Lookup lookup;
        try (AwsClients aws = context.aws().connect(stack.aws, config, context.env())) {
            lookup = FunctionSecret.AUTHORIZER.read(aws.lambda(), config);
            if (lookup.found() == FunctionSecret.Found.NOT_DEPLOYED) {
                throw notDeployed(config, aws);
            }
        } catch (AwsSetupException e) {
            throw new CliException(ExitCode.FAILED, e.getMessage(), e);
        } catch (SdkException e) {
            throw new CliException(
                    ExitCode.FAILED,
                    AwsErrors.explain(
                            "read the configuration of function "
                                    + config.functionName(FunctionSecret.AUTHORIZER.function()),
                            e),
                    e);
        }
        if (lookup.secret().isEmpty()) {
            String why = lookup.found() == FunctionSecret.Found.NO_FUNCTION
                    ? "there is no function " + lookup.functionName()
                    : "function " + lookup.functionName() + " has no " + AuthSettings.ENV_SECRET;
            return new SigningSecret(
                    Optional.empty(),
                    "Stack " + config.prefix() + " uses no wsctl-managed secret (" + why
                            + "): tokens come from your identity provider (auth.jwksUrl) or auth is off.");
        }
        try {
            return new SigningSecret(
                    Optional.of(AuthSettings.decodeSecret(lookup.secret().get())), null);
        } catch (IllegalArgumentException e) {
            throw new CliException(
                    ExitCode.FAILED,
                    "The " + AuthSettings.ENV_SECRET + " of function " + lookup.functionName()
                            + " is not a valid secret: " + e.getMessage() + ".");
        }
    }

    /**
     * The SDK's @connections client, for GetConnection and DeleteConnection, which are safe to repeat: it keeps
     * the SDK's standard retries (a kept-alive connection closed under a request, throttling). Posts go through
     * the fan-out's client ({@link ConnectionsApi}), which never repeats one that may have arrived.
     */
    private static ApiGatewayManagementApiAsyncClient managementApi(
            URI callbackUrl, SdkAsyncHttpClient http, Region region, AwsCredentialsProvider credentials) {
        return ApiGatewayManagementApiAsyncClient.builder()
                .httpClient(http)
                .region(region)
                .credentialsProvider(credentials)
                .endpointOverride(callbackUrl)
                .build();
    }
}
