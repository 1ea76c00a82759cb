package dev.wsctl.cli;

import dev.wsctl.handlers.ChannelsHandler;
import dev.wsctl.handlers.ConnectHandler;
import dev.wsctl.handlers.DefaultHandler;
import dev.wsctl.handlers.DisconnectHandler;
import dev.wsctl.handlers.SendHandler;
import dev.wsctl.local.LambdaIntegration;
import dev.wsctl.local.LocalGateway;
import dev.wsctl.local.SqliteConnectionStore;
import dev.wsctl.runtime.Clients;
import dev.wsctl.runtime.Fanout;
import dev.wsctl.runtime.JsonLog;
import dev.wsctl.runtime.PubSub;
import dev.wsctl.runtime.Settings;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiAsyncClient;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The local stack's handlers behind a {@link LocalGateway} whose REQUEST authorizer admits the tokens
 * {@code accepts} says yes to (from {@code ?token=}) and answers every other one like API Gateway does for
 * "Unauthorized": 401. Tests of the clients' {@code --token} use it rather than LocalStack's own auth wiring.
 */
final class AuthorizedStack implements AutoCloseable {
    /** Every token the authorizer was shown, in order ("" for none). */
    final List<String> tokensSeen = new CopyOnWriteArrayList<>();

    private final SqliteConnectionStore store;
    private final SdkEventLoopGroup loops = SdkEventLoopGroup.builder().build();
    private final SdkAsyncHttpClient http;
    private final ApiGatewayManagementApiAsyncClient api;
    private final LocalGateway gateway;

    AuthorizedStack(Path db, Predicate<String> accepts) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI callback = URI.create("http://127.0.0.1:" + port + "/local");
        store = new SqliteConnectionStore(db);
        http = Clients.http(32, loops);
        api = Clients.managementApi(callback, http, Region.US_EAST_1, AnonymousCredentialsProvider.create());
        PubSub pubSub = new PubSub(Settings.defaults("local", callback), store,
                new Fanout(store, api, Fanout.Options.withConcurrency(16), JsonLog.discard()), Clock.systemUTC());
        JsonLog log = JsonLog.discard();
        gateway = LocalGateway.builder().port(port).stage("local")
                .authorizer(event -> {
                    String token = dev.wsctl.runtime.Json.MAPPER.readTree(event)
                            .path("queryStringParameters").path("token").asText("");
                    tokensSeen.add(token);
                    if (!accepts.test(token)) {
                        throw new RuntimeException("Unauthorized");
                    }
                    return ("{\"principalId\":\"tester\",\"policyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":"
                            + "[{\"Action\":\"execute-api:Invoke\",\"Effect\":\"Allow\",\"Resource\":\"*\"}]}}")
                            .getBytes(StandardCharsets.UTF_8);
                })
                .route("$connect", LambdaIntegration.of("connect", new ConnectHandler(pubSub, log)))
                .route("$disconnect", LambdaIntegration.of("disconnect", new DisconnectHandler(pubSub, log)))
                .route("joinchannel", LambdaIntegration.of("channels", new ChannelsHandler(pubSub, log)))
                .route("leavechannel", LambdaIntegration.of("channels", new ChannelsHandler(pubSub, log)))
                .route("sendmessage", LambdaIntegration.of("send", new SendHandler(pubSub, log)))
                .route("$default", LambdaIntegration.of("default", new DefaultHandler(pubSub, log)))
                .build()
                .start();
    }

    URI url() {
        return gateway.websocketUri();
    }

    URI callbackUrl() {
        return gateway.callbackUri();
    }

    @Override
    public void close() {
        gateway.close();
        api.close();
        http.close();
        Clients.shutdown(loops);
        store.close();
    }
}
