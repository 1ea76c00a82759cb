package dev.wsctl.deploy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Values resources publish for the ones after them (an API's id, a role's ARN). Before a resource
 * exists, as in a dry run on an empty account, its outputs read as {@code <known after apply>}.
 */
public final class Outputs {
    public static final String UNKNOWN = "<known after apply>";
    private final Map<String, String> values = new ConcurrentHashMap<>();

    /** Outputs holding {@code values}. */
    public static Outputs of(Map<String, String> values) {
        Outputs outputs = new Outputs();
        outputs.values.putAll(values);
        return outputs;
    }

    public void put(String key, String value) {
        values.put(key, value);
    }

    public String get(String key) {
        return values.getOrDefault(key, UNKNOWN);
    }

    public boolean known(String key) {
        return values.containsKey(key);
    }

    public Map<String, String> all() {
        return Map.copyOf(values);
    }
}
