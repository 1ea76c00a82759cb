package dev.wsctl.handlers;

import dev.wsctl.runtime.Clients;
import dev.wsctl.runtime.ConnectionStore;
import dev.wsctl.runtime.DynamoDbConnectionStore;
import dev.wsctl.runtime.Fanout;
import dev.wsctl.runtime.JsonLog;
import dev.wsctl.runtime.PubSub;
import dev.wsctl.runtime.Settings;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

import java.time.Clock;

/**
 * The runtime of one Lambda execution environment, built once at init from the function's
 * environment. Handlers' no-argument constructors (the ones Lambda calls) take it from here.
 */
final class Services {
    private static volatile PubSub pubSub;

    private Services() {
    }

    static synchronized PubSub fromEnvironment() {
        if (pubSub == null) {
            Settings settings = Settings.fromEnvironment(System.getenv());
            SdkAsyncHttpClient http = Clients.http(settings.fanoutConcurrency() + 16);
            var region = new DefaultAwsRegionProviderChain().getRegion();
            // The Lambda environment carries the role's credentials in variables: no need to walk
            // the default provider chain (profiles, IMDS) at init.
            var credentials = EnvironmentVariableCredentialsProvider.create();
            ConnectionStore store = new DynamoDbConnectionStore(
                    Clients.dynamoDb(http, region, credentials, null), settings.table());
            JsonLog log = JsonLog.stdout();
            Fanout fanout = new Fanout(store,
                    Clients.managementApi(settings.callbackUrl(), http, region, credentials),
                    Fanout.Options.withConcurrency(settings.fanoutConcurrency()), log);
            pubSub = new PubSub(settings, store, fanout, Clock.systemUTC());
            if (Priming.pays(System.getenv())) {
                Priming.sdkClients();
            }
        }
        return pubSub;
    }

    static JsonLog log() {
        return JsonLog.stdout();
    }
}
