package dev.wsctl.protocol;

import java.net.URI;
import java.time.Duration;
import java.util.List;
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
 * @param sharding          how a large fan-out is split over worker functions and how fast it may go
 * @param history           which channels keep their messages for recovery, how many and how long
 */
public record Settings(
        String table,
        URI callbackUrl,
        Optional<String> defaultChannel,
        int maxMessageBytes,
        int fanoutConcurrency,
        Delivery delivery,
        Publish publish,
        Sharding sharding,
        History history) {

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
    public static final String ENV_FANOUT_SHARD_SIZE = "WSCTL_FANOUT_SHARD_SIZE";
    public static final String ENV_FANOUT_MAX_RATE = "WSCTL_FANOUT_MAX_RATE";
    public static final String ENV_FANOUT_BURST = "WSCTL_FANOUT_BURST";
    public static final String ENV_FANOUT_FUNCTION = "WSCTL_FANOUT_FUNCTION";
    public static final String ENV_HISTORY_CHANNELS = "WSCTL_HISTORY_CHANNELS";
    public static final String ENV_HISTORY_SIZE = "WSCTL_HISTORY_SIZE";
    public static final String ENV_HISTORY_TTL = "WSCTL_HISTORY_TTL";
    public static final String ENV_HISTORY_TABLE = "WSCTL_HISTORY_TABLE";
    /** {@code on}: the store keeps each channel's occupancy row (docs/observability.md#lifecycle-webhooks). */
    public static final String ENV_OCCUPANCY = "WSCTL_OCCUPANCY";

    /**
     * Sharded fan-out and the client-side rate cap.
     *
     * @param shardSize above this many recipients the send path splits the channel into batches of this size
     *                  and hands each to a {@code fanout} worker
     * @param maxRate   PostToConnection calls per second that all fan-outs of one broadcast share (the account's
     *                  default @connections limit is 10,000/s)
     * @param burst     calls allowed at once above that rate (the account's default burst is 5,000)
     * @param function  the worker function to invoke asynchronously ({@code {app}-{stage}-fanout}); empty where
     *                  workers run in-process ({@code wsctl local}) or sharding is off
     */
    public record Sharding(int shardSize, double maxRate, int burst, Optional<String> function) {
        public static final int DEFAULT_SHARD_SIZE = 2_000;
        public static final double DEFAULT_MAX_RATE = 9_000;
        public static final int DEFAULT_BURST = 2_000;

        public Sharding {
            if (shardSize < 1) {
                throw new IllegalArgumentException("fan-out shard size must be at least 1, not " + shardSize);
            }
            if (!(maxRate > 0)) {
                throw new IllegalArgumentException("fan-out max rate must be above 0, not " + maxRate);
            }
            if (burst < 1) {
                throw new IllegalArgumentException("fan-out burst must be at least 1, not " + burst);
            }
            java.util.Objects.requireNonNull(function, "function");
        }

        public static Sharding defaults() {
            return new Sharding(DEFAULT_SHARD_SIZE, DEFAULT_MAX_RATE, DEFAULT_BURST, Optional.empty());
        }
    }

    /**
     * Message history: the channels that keep their last {@code size} messages for {@code ttl}, so that a client
     * that reconnects can recover what it missed (docs/presence-and-history.md).
     *
     * @param channels channel names and {@code prefix*} patterns (e.g. {@code chat-*}); empty turns history off
     * @param size     messages kept per channel, 1–{@value #MAX_SIZE}
     * @param ttl      how long each message is kept, above 0 and at most {@link #MAX_TTL}
     * @param table    the DynamoDB history table ({@code {app}-{stage}-history}); empty where the store is not
     *                 DynamoDB ({@code wsctl local}) or history is off
     */
    public record History(List<String> channels, int size, Duration ttl, Optional<String> table) {
        public static final int DEFAULT_SIZE = 100;
        public static final int MAX_SIZE = 1000;
        public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
        public static final Duration MAX_TTL = Duration.ofHours(24);

        public History {
            channels = List.copyOf(channels);
            for (String pattern : channels) {
                String problem = ChannelName.patternProblem(pattern);
                if (problem != null) {
                    throw new IllegalArgumentException("history channel '" + pattern + "' " + problem);
                }
            }
            if (size < 1 || size > MAX_SIZE) {
                throw new IllegalArgumentException("history size must be 1 to " + MAX_SIZE + ", not " + size);
            }
            if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0 || ttl.getNano() != 0) {
                throw new IllegalArgumentException(
                        "history ttl must be whole seconds above 0 and at most 24h, not " + ttl.getSeconds() + "s");
            }
            java.util.Objects.requireNonNull(table, "table");
        }

        /** No channel keeps history. */
        public static History off() {
            return new History(List.of(), DEFAULT_SIZE, DEFAULT_TTL, Optional.empty());
        }

        public boolean enabled() {
            return !channels.isEmpty();
        }

        /** Does {@code channel} keep history? */
        public boolean covers(String channel) {
            for (String pattern : channels) {
                if (ChannelName.matches(pattern, channel)) {
                    return true;
                }
            }
            return false;
        }
    }

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
                default ->
                    throw new IllegalArgumentException("delivery must be 'envelope' or 'raw', not '" + value + "'");
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
                default ->
                    throw new IllegalArgumentException(
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
        java.util.Objects.requireNonNull(sharding, "sharding");
        java.util.Objects.requireNonNull(history, "history");
        if (history.enabled() && delivery == Delivery.RAW) {
            throw new IllegalArgumentException("history needs the envelope delivery: a raw one cannot carry offsets");
        }
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
        return new Settings(
                table,
                callbackUrl,
                Optional.of(DEFAULT_CHANNEL),
                DEFAULT_MAX_MESSAGE_BYTES,
                DEFAULT_FANOUT_CONCURRENCY,
                Delivery.ENVELOPE,
                Publish.MEMBERS,
                Sharding.defaults(),
                History.off());
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
            return new Settings(
                    table,
                    callback,
                    channel.isEmpty() || channel.equals("none") ? Optional.empty() : Optional.of(channel),
                    integer(env, ENV_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_BYTES),
                    integer(env, ENV_FANOUT_CONCURRENCY, DEFAULT_FANOUT_CONCURRENCY),
                    Delivery.parse(env.getOrDefault(ENV_DELIVERY, "envelope")),
                    Publish.parse(env.getOrDefault(ENV_PUBLISH, "members")),
                    new Sharding(
                            integer(env, ENV_FANOUT_SHARD_SIZE, Sharding.DEFAULT_SHARD_SIZE),
                            decimal(env, ENV_FANOUT_MAX_RATE, Sharding.DEFAULT_MAX_RATE),
                            integer(env, ENV_FANOUT_BURST, Sharding.DEFAULT_BURST),
                            Optional.ofNullable(env.get(ENV_FANOUT_FUNCTION))
                                    .map(String::trim)
                                    .filter(f -> !f.isEmpty())),
                    history(env));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Bad function environment: " + e.getMessage(), e);
        }
    }

    /**
     * History: off unless {@link #ENV_HISTORY_CHANNELS} names channels (separated by spaces, which no channel name
     * contains), and then {@link #ENV_HISTORY_TABLE} is required; {@link #ENV_HISTORY_TTL} is in seconds.
     */
    private static History history(Map<String, String> env) {
        String channels = env.getOrDefault(ENV_HISTORY_CHANNELS, "").trim();
        if (channels.isEmpty()) {
            return History.off();
        }
        String table = env.getOrDefault(ENV_HISTORY_TABLE, "").trim();
        if (table.isEmpty()) {
            throw new IllegalArgumentException(
                    ENV_HISTORY_TABLE + " is not set, and " + ENV_HISTORY_CHANNELS + " needs it");
        }
        return new History(
                List.of(channels.split("\\s+")),
                integer(env, ENV_HISTORY_SIZE, History.DEFAULT_SIZE),
                Duration.ofSeconds(integer(env, ENV_HISTORY_TTL, (int) History.DEFAULT_TTL.toSeconds())),
                Optional.of(table));
    }

    /**
     * Whether the store keeps each channel's occupancy row, for the {@code channel_occupied} / {@code channel_vacated}
     * webhooks: {@value #ENV_OCCUPANCY} is {@code on}; unset or {@code off}: no.
     */
    public static boolean occupancy(Map<String, String> env) {
        String value = env.getOrDefault(ENV_OCCUPANCY, "").trim();
        if (value.isEmpty() || value.equals("off")) {
            return false;
        }
        if (value.equals("on")) {
            return true;
        }
        throw new IllegalArgumentException(
                "Bad function environment: " + ENV_OCCUPANCY + " must be on or off, not '" + value + "'");
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Bad function environment: " + name + " is not set");
        }
        return value.trim();
    }

    private static double decimal(Map<String, String> env, String name, double fallback) {
        return number(env, name, fallback, Double::parseDouble, "a number");
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        return number(env, name, fallback, Integer::parseInt, "a whole number");
    }

    /** {@code name}'s value parsed, or {@code fallback} when it is unset or blank. */
    private static <T> T number(
            Map<String, String> env,
            String name,
            T fallback,
            java.util.function.Function<String, T> parse,
            String kind) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return parse.apply(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be " + kind + ", not '" + value + "'");
        }
    }
}
