package dev.wsctl.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code wsctl.yaml} as written: every key optional (null = not given), not yet checked. Jackson binds
 * the file to these records with unknown properties failing, so these records are the file's schema;
 * {@link #keys}, {@link #typeOf} and {@link #flatten} read that schema so that nothing else repeats it.
 */
record FileConfig(
        String app,
        String stage,
        String region,
        String runtime,
        String architecture,
        MemoryFile memory,
        Integer timeoutSeconds,
        Boolean snapStart,
        String defaultChannel,
        String delivery,
        Integer maxMessageBytes,
        ThrottlingFile throttling,
        FanoutFile fanout,
        Map<String, String> tags,
        AuthFile auth,
        String publish,
        HistoryFile history,
        WebhooksFile webhooks) {

    record MemoryFile(
            Integer all,
            Integer connect,
            Integer disconnect,
            Integer channels,
            Integer send,
            // "default" is the function of the $default route, and a Java keyword
            @JsonProperty("default") Integer defaultFunction,
            Integer authorize,
            Integer fanout) {}

    record ThrottlingFile(Double rate, Integer burst) {}

    record FanoutFile(Integer concurrency, Integer shardSize, Double maxRate, Integer burst) {}

    // no secret: secrets do not belong in a file that is checked in (deploy generates it)
    record AuthFile(
            String mode,
            String jwksUrl,
            String issuer,
            String audience,
            List<String> allowedOrigins,
            String missingOrigin) {}

    record HistoryFile(List<String> channels, Integer size, String ttl) {}

    record WebhooksFile(String url, List<String> events) {}

    static final FileConfig EMPTY = new FileConfig(
            null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    /** The keys of a section (a record type above), in the order they are declared. */
    static List<String> keys(Class<?> section) {
        List<String> keys = new ArrayList<>();
        for (RecordComponent c : section.getRecordComponents()) {
            keys.add(keyOf(c));
        }
        return keys;
    }

    /**
     * The Java type of the value at a dotted key ({@code memory.send} → Integer, {@code tags} → Map,
     * {@code tags.team} → String, {@code memory} → MemoryFile, {@code auth.allowedOrigins} → List,
     * {@code auth.allowedOrigins[0]} → String); null when there is no such key.
     */
    static Class<?> typeOf(String path) {
        Class<?> type = FileConfig.class;
        String rest = path;
        while (!rest.isEmpty()) {
            if (type == Map.class) {
                return String.class; // a tag's value; tag keys may contain dots
            }
            if (!type.isRecord()) {
                return null;
            }
            int dot = rest.indexOf('.');
            String key = dot < 0 ? rest : rest.substring(0, dot);
            rest = dot < 0 ? "" : rest.substring(dot + 1);
            int bracket = key.indexOf('[');
            String name = bracket < 0 ? key : key.substring(0, bracket);
            Class<?> next = null;
            for (RecordComponent c : type.getRecordComponents()) {
                if (keyOf(c).equals(name)) {
                    next = c.getType();
                }
            }
            if (next == null) {
                return null;
            }
            if (bracket >= 0) {
                // an entry of a list: every list in the file is a list of text
                return next == List.class && rest.isEmpty() ? String.class : null;
            }
            type = next;
        }
        return type;
    }

    /** The keys that hold one value (not sections), dotted: app, …, memory.all, …, tags, auth.mode. */
    static List<String> leafKeys() {
        List<String> leaves = new ArrayList<>();
        collectLeaves(FileConfig.class, "", leaves);
        return leaves;
    }

    /** The values given, by dotted key; sections are flattened, tags stay one map, lists stay lists. */
    Map<String, Object> flatten() {
        Map<String, Object> values = new LinkedHashMap<>();
        flatten(this, "", values);
        return values;
    }

    private static void collectLeaves(Class<?> section, String prefix, List<String> into) {
        for (RecordComponent c : section.getRecordComponents()) {
            if (c.getType().isRecord()) {
                collectLeaves(c.getType(), prefix + keyOf(c) + ".", into);
            } else {
                into.add(prefix + keyOf(c));
            }
        }
    }

    private static void flatten(Record section, String prefix, Map<String, Object> into) {
        for (RecordComponent c : section.getClass().getRecordComponents()) {
            Object value;
            try {
                value = c.getAccessor().invoke(section);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (value instanceof Record r) {
                flatten(r, prefix + keyOf(c) + ".", into);
            } else if (value != null) {
                into.put(prefix + keyOf(c), value);
            }
        }
    }

    private static String keyOf(RecordComponent c) {
        // @JsonProperty on a record component reaches its accessor, not the component
        JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
        return p != null && !p.value().isEmpty() ? p.value() : c.getName();
    }
}
