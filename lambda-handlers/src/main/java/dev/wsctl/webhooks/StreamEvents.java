package dev.wsctl.webhooks;

import static dev.wsctl.store.ConnectionStore.CONNECTION_ROW;
import static dev.wsctl.store.ConnectionStore.MEMBERS_PREFIX;
import static dev.wsctl.store.ConnectionStore.OCCUPANCY_PREFIX;
import static dev.wsctl.store.ConnectionStore.OCCUPANCY_ROW;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.store.ConnectionTable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The events in a batch of the connection table's DynamoDB stream, as Lambda hands it to a function
 * ({@code {"Records":[{"eventName":"INSERT"|"MODIFY"|"REMOVE","dynamodb":{"Keys":…,"NewImage":…,"OldImage":…}}…]}}:
 * "Using AWS Lambda with Amazon DynamoDB", https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html, images in
 * DynamoDB's attribute-value JSON), in the records' order, per docs/observability.md's row table: a meta row's INSERT
 * is {@code connected} and its REMOVE {@code disconnected} (with the row's {@code sub}), an occupancy row's are
 * {@code channel_occupied} / {@code channel_vacated}, a member row's {@code member_added} / {@code member_removed}.
 * Every other record (a subscription row, a MODIFY) is no event; neither is an event whose name is not wanted.
 */
public final class StreamEvents {
    private final Set<String> wanted;

    /** @param wanted the event names to keep ({@code WSCTL_WEBHOOK_EVENTS}) */
    public StreamEvents(Collection<String> wanted) {
        this.wanted = Set.copyOf(wanted);
    }

    /** The wanted events of {@code streamEvent}'s records, in order. */
    public List<WebhookEvent> of(JsonNode streamEvent) {
        List<WebhookEvent> events = new ArrayList<>();
        for (JsonNode record : streamEvent.path("Records")) {
            WebhookEvent event = event(record);
            if (event != null && wanted.contains(event.name())) {
                events.add(event);
            }
        }
        return events;
    }

    /** The event one record is, or null. */
    static WebhookEvent event(JsonNode record) {
        String name = record.path("eventName").asText();
        boolean insert = name.equals("INSERT");
        if (!insert && !name.equals("REMOVE")) {
            return null;
        }
        JsonNode data = record.path("dynamodb");
        String id = string(data.path("Keys"), ConnectionTable.CONNECTION_ID);
        String sortKey = string(data.path("Keys"), ConnectionTable.CHANNEL);
        if (id == null || sortKey == null) {
            return null;
        }
        if (sortKey.equals(CONNECTION_ROW)) {
            String user = string(data.path(insert ? "NewImage" : "OldImage"), ConnectionTable.SUB);
            return insert ? WebhookEvent.connected(id, user) : WebhookEvent.disconnected(id, user);
        }
        if (id.startsWith(OCCUPANCY_PREFIX) && sortKey.equals(OCCUPANCY_ROW)) {
            String channel = id.substring(OCCUPANCY_PREFIX.length());
            return insert ? WebhookEvent.occupied(channel) : WebhookEvent.vacated(channel);
        }
        if (id.startsWith(MEMBERS_PREFIX) && sortKey.startsWith("#")) {
            String channel = id.substring(MEMBERS_PREFIX.length());
            String user = sortKey.substring(1);
            return insert ? WebhookEvent.memberAdded(channel, user) : WebhookEvent.memberRemoved(channel, user);
        }
        return null;
    }

    /** An S attribute of an item in DynamoDB's JSON ({@code {"name":{"S":"value"}}}), or null. */
    private static String string(JsonNode item, String name) {
        JsonNode value = item.path(name).get("S");
        return value == null || !value.isTextual() ? null : value.asText();
    }
}
