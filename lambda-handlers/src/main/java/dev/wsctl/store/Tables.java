package dev.wsctl.store;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

/** What the connection table and the history table's requests have in common. */
final class Tables {
    private Tables() {}

    /** {@code b} with {@code tags} (none when null or empty). */
    static CreateTableRequest.Builder tagged(CreateTableRequest.Builder b, Map<String, String> tags) {
        if (tags != null && !tags.isEmpty()) {
            b.tags(tags.entrySet().stream()
                    .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                    .toList());
        }
        return b;
    }

    /** The UpdateTimeToLive request that enables TTL on {@code attribute}. */
    static UpdateTimeToLiveRequest enableTtl(String tableName, String attribute) {
        return UpdateTimeToLiveRequest.builder()
                .tableName(tableName)
                .timeToLiveSpecification(s -> s.attributeName(attribute).enabled(true))
                .build();
    }
}
