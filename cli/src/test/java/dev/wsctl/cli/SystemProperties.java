package dev.wsctl.cli;

import java.util.HashMap;
import java.util.Map;

/** System properties a test sets for the SDK (credentials for an emulator, attempts) and puts back afterwards. */
final class SystemProperties {
    private SystemProperties() {}

    /** Sets them, returning what they were (null: unset) for {@link #restore}. */
    static Map<String, String> set(Map<String, String> values) {
        Map<String, String> before = new HashMap<>();
        values.forEach((k, v) -> before.put(k, System.setProperty(k, v)));
        return before;
    }

    static void restore(Map<String, String> before) {
        before.forEach((k, v) -> {
            if (v == null) {
                System.clearProperty(k);
            } else {
                System.setProperty(k, v);
            }
        });
    }
}
