package dev.wsctl.config;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The CLI's one {@link ObjectMapper}, built on first use (building one costs a cold JVM about 0.2 s), for what
 * binds data: policy documents, state files, records printed as JSON. The functions need none: they read and write
 * trees with {@link dev.wsctl.json.Json} alone.
 */
public final class Jackson {
    private Jackson() {}

    public static ObjectMapper mapper() {
        return Holder.MAPPER;
    }

    private static final class Holder {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
