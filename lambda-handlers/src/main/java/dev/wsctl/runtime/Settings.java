package dev.wsctl.runtime;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The runtime's settings. On AWS they come from the function's environment, read once at init;
 * {@code wsctl local} builds them from its flags.
 *
 * @param table             the DynamoDB table of connections (unused by the local stack)
 * @param callbackUrl       the @connections endpoint, {@code https://{api}.execute-api.{region}.amazonaws.com/{stage}}
 * @param defaultChannel    channel every connection joins on connect; empty when that is off
 * @param maxMessageBytes   largest {@code message} (its JSON, in UTF-8 bytes) that {@code sendmessage} accepts
 * @param fanoutConcurrency PostToConnection calls in flight at once per fan-out
 * @param delivery          what subscribers receive
 * @param publish           where clients may publish
 */
public record Settings(
        String table,
        URI callbackUrl,
        Optional<String> defaultChannel,
        int maxMessageBytes,
        int fanoutConcurrency,
        Delivery delivery,
        Publish publish) {

    public static final String DEFAULT_CHANNEL = "default";
    /** API Gateway's WebSocket frame size. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024;
    public static final int DEFAULT_FANOUT_CONCURRENCY = 128;

    public static final String ENV_TABLE = "WSCTL_TABLE";
    public static final String ENV_CALLBACK_URL = "WSCTL_CALLBACK_URL";
    public static final String ENV_DEFAULT_CHANNEL = "WSCTL_DEFAULT_CHANNEL";
    public static final String ENV_MAX_MESSAGE_BYTES = "WSCTL_MAX_MESSAGE_BYTES";
    public static final String ENV_FANOUT_CONCURRENCY = "WSCTL_FANOUT_CONCURRENCY";
    public static final String ENV_DELIVERY = "WSCTL_DELIVERY";
    public static final String ENV_PUBLISH = "WSCTL_PUBLISH";

    /** How a published message reaches subscribers. */
    public enum Delivery {
        /** {@code {"type":"message","channel":…,"message":…,"sender":…,"sentAt":…}} */
        ENVELOPE,
        /** the bare {@code message}: a JSON string as its text, anything else as JSON */
        RAW;

        public static Delivery parse(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "envelope" -> ENVELOPE;
                case "raw" -> RAW;
                default -> throw new IllegalArgumentException("delivery must be 'envelope' or 'raw', not '" + value + "'");
            };
        }
    }

    /** Where clients may publish with {@code sendmessage}; the server side ({@code wsctl broadcast}) always may. */
    public enum Publish {
        /** only on channels the connection has joined (private ones need a grant to join) */
        MEMBERS,
        /** on any channel; a {@code private-*} one still needs a grant in the token */
        ANY,
        /** nowhere: only the server side publishes */
        NONE;

        public static Publish parse(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "members" -> MEMBERS;
                case "any" -> ANY;
                case "none" -> NONE;
                default -> throw new IllegalArgumentException(
                        "publish must be 'members', 'any' or 'none', not '" + value + "'");
            };
        }

        /** The name used in wsctl.yaml and the environment. */
        public String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Settings {
        java.util.Objects.requireNonNull(publish, "publish");
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("max message bytes must be at least 1, not " + maxMessageBytes);
        }
        if (fanoutConcurrency < 1) {
            throw new IllegalArgumentException("fan-out concurrency must be at least 1, not " + fanoutConcurrency);
        }
        defaultChannel.ifPresent(c -> {
            String problem = ChannelName.problem(c);
            if (problem != null) {
                throw new IllegalArgumentException("default channel '" + c + "': " + problem);
            }
        });
    }

    /** Settings with every default, for the given table and endpoint. */
    public static Settings defaults(String table, URI callbackUrl) {
        return new Settings(table, callbackUrl, Optional.of(DEFAULT_CHANNEL), DEFAULT_MAX_MESSAGE_BYTES,
                DEFAULT_FANOUT_CONCURRENCY, Delivery.ENVELOPE, Publish.MEMBERS);
    }

    /**
     * Reads the settings from a function's environment. A bad value stops the function's init with
     * a message that names the variable, so a misconfigured deploy fails loudly on the first event.
     */
    public static Settings fromEnvironment(Map<String, String> env) {
        String table = required(env, ENV_TABLE);
        URI callback;
        try {
            callback = URI.create(required(env, ENV_CALLBACK_URL));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ENV_CALLBACK_URL + " is not a URL: " + e.getMessage());
        }
        String channel = env.getOrDefault(ENV_DEFAULT_CHANNEL, DEFAULT_CHANNEL).trim();
        try {
            return new Settings(table, callback,
                    channel.isEmpty() || channel.equals("none") ? Optional.empty() : Optional.of(channel),
                    integer(env, ENV_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_BYTES),
                    integer(env, ENV_FANOUT_CONCURRENCY, DEFAULT_FANOUT_CONCURRENCY),
                    Delivery.parse(env.getOrDefault(ENV_DELIVERY, "envelope")),
                    Publish.parse(env.getOrDefault(ENV_PUBLISH, "members")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Bad function environment: " + e.getMessage(), e);
        }
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Bad function environment: " + name + " is not set");
        }
        return value.trim();
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'");
        }
    }
}
