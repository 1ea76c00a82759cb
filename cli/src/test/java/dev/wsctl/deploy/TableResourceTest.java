package dev.wsctl.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.aws.CallRecorder;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.store.ConnectionTable;
import dev.wsctl.store.Dynalite;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/**
 * Creating the connection table and enabling its TTL, against moto's DynamoDB (which has UpdateTimeToLive) and
 * dynalite (which has not).
 */
class TableResourceTest {

    @RegisterExtension
    static final Dynalite DYNALITE = new Dynalite();

    @Test
    void aNewTableIsCreatedActiveThenFoundExistingAndItsTtlIsEnabledOnce() {
        String table = ConnectionTable.name("wsctl-table", "ttl");
        CallRecorder calls = new CallRecorder();
        try (DynamoDbAsyncClient moto = DynamoDbAsyncClient.builder()
                .overrideConfiguration(o -> o.addExecutionInterceptor(calls))
                .endpointOverride(MotoServer.url())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                .build()) {
            TableResource.createTable(moto, table, Map.of("wsctl:app", "wsctl-table"));
            assertThat(moto.describeTable(r -> r.tableName(table))
                            .join()
                            .table()
                            .tableStatus())
                    .isEqualTo(TableStatus.ACTIVE);
            TableResource.createTable(moto, table, Map.of()); // it exists: no error

            TableResource.enableTtl(moto, table);
            assertThat(moto.describeTimeToLive(r -> r.tableName(table)).join().timeToLiveDescription())
                    .satisfies(ttl -> {
                        assertThat(ttl.attributeName()).isEqualTo(ConnectionTable.EXPIRES_AT);
                        assertThat(ttl.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
                    });
            TableResource.enableTtl(moto, table);
            assertThat(calls.count("dynamodb:UpdateTimeToLive"))
                    .as("enabled once: DynamoDB refuses to enable it twice")
                    .isEqualTo(1);
            moto.deleteTable(r -> r.tableName(table)).join();
        }
    }

    @Test
    void ttlOnAServerWithoutUpdateTimeToLiveIsReportedNotThrown() {
        String table = ConnectionTable.name("wsctl-table", "no-ttl");
        try (DynamoDbAsyncClient client = DYNALITE.newClient()) {
            TableResource.createTable(client, table, Map.of());
            TableResource.enableTtl(client, table); // no error: rows just do not expire there
            assertThat(client.describeTable(r -> r.tableName(table))
                            .join()
                            .table()
                            .tableStatus())
                    .isEqualTo(TableStatus.ACTIVE);
        }
    }
}
