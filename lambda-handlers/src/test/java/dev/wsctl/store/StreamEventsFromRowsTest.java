package dev.wsctl.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import dev.wsctl.protocol.Member;
import dev.wsctl.webhooks.StreamEvents;
import dev.wsctl.webhooks.WebhookEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The stream's records made from the rows the store really writes (read back from dynalite as the images a
 * {@code NEW_AND_OLD_IMAGES} stream carries, in Lambda's event shape: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html)
 * become the documented events, and only the wanted ones.
 */
class StreamEventsFromRowsTest {
    private static final String TABLE = ConnectionTable.name("wsctl-test", "stream");
    private static Dynalite dynalite;
    private static DynamoDbAsyncClient client;

    @BeforeAll
    static void start() {
        dynalite = Dynalite.start();
        client = dynalite.newClient();
        Dynalite.createTable(client, TABLE);
    }

    @AfterAll
    static void stop() {
        client.close();
        dynalite.close();
    }

    @Test
    void rowsAppearingAndGoingAreTheDocumentedEvents() throws Exception {
        DynamoDbConnectionStore store = new DynamoDbConnectionStore(client, TABLE, true);
        ConnectionInfo info = new ConnectionInfo(
                "c1=",
                System.currentTimeMillis(),
                "203.0.113.7",
                null,
                "alice",
                List.of("news"),
                Ttl.expiresAt(System.currentTimeMillis()));
        store.connect(info, List.of("lobby"));
        store.join("c1=", "presence-room", new Member("alice", "{\"n\":1}"), info.expiresAt());
        List<Map<String, AttributeValue>> written = items();
        store.disconnect("c1=");
        assertThat(items()).isEmpty();

        ObjectNode event = Json.object();
        ArrayNode records = event.putArray("Records");
        for (Map<String, AttributeValue> item : written) {
            records.add(record("INSERT", item));
        }
        for (Map<String, AttributeValue> item : written) {
            records.add(record("REMOVE", item));
        }

        assertThat(new StreamEvents(WebhookEvent.NAMES).of(event))
                .containsExactlyInAnyOrder(
                        WebhookEvent.connected("c1=", "alice"),
                        WebhookEvent.occupied("lobby"),
                        WebhookEvent.occupied("presence-room"),
                        WebhookEvent.memberAdded("presence-room", "alice"),
                        WebhookEvent.disconnected("c1=", "alice"),
                        WebhookEvent.vacated("lobby"),
                        WebhookEvent.vacated("presence-room"),
                        WebhookEvent.memberRemoved("presence-room", "alice"));
        assertThat(new StreamEvents(List.of(WebhookEvent.MEMBER_ADDED)).of(event))
                .containsExactly(WebhookEvent.memberAdded("presence-room", "alice"));
        // a MODIFY (an occupancy count moved) is no event
        ObjectNode modify = Json.object();
        modify.putArray("Records").add(record("MODIFY", written.get(0)));
        assertThat(new StreamEvents(WebhookEvent.NAMES).of(modify)).isEmpty();
    }

    private static List<Map<String, AttributeValue>> items() {
        return client.scan(r -> r.tableName(TABLE).consistentRead(true)).join().items();
    }

    /** One record as Lambda hands it to a function, with the item as its image. */
    private static ObjectNode record(String name, Map<String, AttributeValue> item) {
        ObjectNode record = Json.object();
        record.put("eventID", "1");
        record.put("eventName", name);
        record.put("eventSource", "aws:dynamodb");
        ObjectNode data = record.putObject("dynamodb");
        ObjectNode keys = data.putObject("Keys");
        keys.set(ConnectionTable.CONNECTION_ID, SdkJson.write(item.get(ConnectionTable.CONNECTION_ID)));
        keys.set(ConnectionTable.CHANNEL, SdkJson.write(item.get(ConnectionTable.CHANNEL)));
        ObjectNode image = data.putObject(name.equals("REMOVE") ? "OldImage" : "NewImage");
        item.forEach((k, v) -> image.set(k, SdkJson.write(v)));
        data.put("StreamViewType", "NEW_AND_OLD_IMAGES");
        return record;
    }
}
