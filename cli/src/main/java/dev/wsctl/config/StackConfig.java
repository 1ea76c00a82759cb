package dev.wsctl.config;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.metrics.EmfMetrics;
import dev.wsctl.protocol.Settings;
import dev.wsctl.store.ConnectionTable;
import dev.wsctl.store.HistoryTable;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The configuration of one deployed stack, after flags, {@code WSCTL_*} variables, {@code wsctl.yaml}
 * and defaults have been merged by {@link ConfigLoader}. Every value has been checked: a
 * {@code StackConfig} can be deployed as it is. The constructors check too (IllegalArgumentException),
 * so one built in code follows the same rules as one loaded from a file.
 *
 * @param app             first part of every resource name; 1-20 of a-z 0-9 '-', starting with a letter
 * @param stage           second part; 1-16 of the same
 * @param region          empty: the AWS SDK's region chain decides
 * @param runtime         Lambda runtime of every function, e.g. {@code java21}
 * @param memory          MB per function
 * @param timeoutSeconds  Lambda timeout, 1-900
 * @param snapStart       SnapStart on published versions
 * @param defaultChannel  channel every connection joins on connect; empty when that is off
 * @param delivery        what subscribers receive
 * @param maxMessageBytes largest message a client may publish, 1-131072
 * @param tags            the user's tags (without wsctl's own, see {@link #allTags()})
 * @param auth            who may connect: the {@code $connect} authorizer's settings
 * @param publish         where clients may publish
 * @param history         which channels keep their messages for recovery after a reconnect
 */
public record StackConfig(
        String app,
        String stage,
        Optional<String> region,
        String runtime,
        Architecture architecture,
        Memory memory,
        int timeoutSeconds,
        boolean snapStart,
        Optional<String> defaultChannel,
        Settings.Delivery delivery,
        int maxMessageBytes,
        Throttling throttling,
        Fanout fanout,
        Map<String, String> tags,
        Auth auth,
        Settings.Publish publish,
        History history,
        Webhooks webhooks) {

    public static final String DEFAULT_APP = "wsctl";
    public static final String DEFAULT_STAGE = "dev";
    public static final String DEFAULT_RUNTIME = "java21";
    public static final int DEFAULT_MEMORY_MB = 1024;
    /** API Gateway stops waiting for a route's integration after 29 s. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 29;

    public static final double DEFAULT_THROTTLING_RATE = 500.0;
    public static final int DEFAULT_THROTTLING_BURST = 1000;

    /** The {@code $connect} authorizer's function, deployed when {@link Auth#enabled()}. */
    public static final String AUTHORIZE = "authorize";
    /** The fan-out worker: the send path hands it batches of a large channel by asynchronous invoke; no route. */
    public static final String FANOUT = "fanout";
    /** The alias every function is invoked through when SnapStart publishes versions. */
    public static final String ALIAS = "live";

    /**
     * Every function a stack may have, in the order deploy creates them; their memory can be set one by one
     * ({@code memory.send: 2048}). {@link #functions()} says which this stack has.
     */
    public static final List<String> FUNCTIONS =
            List.of("connect", "disconnect", "channels", "send", "default", AUTHORIZE, FANOUT);

    public static final String TAG_APP = "wsctl:app";
    public static final String TAG_STAGE = "wsctl:stage";

    /** The CPU architecture of every function. */
    public enum Architecture {
        ARM64("arm64"),
        X86_64("x86_64");

        private final String value;

        Architecture(String value) {
            this.value = value;
        }

        /** As Lambda spells it. */
        public String value() {
            return value;
        }

        static Optional<Architecture> parse(String value) {
            for (Architecture a : values()) {
                if (a.value.equals(value)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Lambda memory in MB.
     *
     * @param all       for every function without an override
     * @param functions overrides by function name, a subset of {@link #FUNCTIONS}
     */
    public record Memory(int all, Map<String, Integer> functions) {
        public Memory {
            check("memory.all", Rules.memory(all));
            functions = Collections.unmodifiableMap(new TreeMap<>(functions));
            functions.forEach((fn, mb) -> {
                if (!FUNCTIONS.contains(fn)) {
                    throw new IllegalArgumentException("memory." + fn + " is not a function (" + FUNCTIONS + ")");
                }
                check("memory." + fn, Rules.memory(Objects.requireNonNull(mb, fn)));
            });
        }

        public static Memory of(int all) {
            return new Memory(all, Map.of());
        }

        /** The MB of function {@code fn}: its override, else {@link #all()}. */
        public int of(String fn) {
            return functions.getOrDefault(fn, all);
        }
    }

    /** API Gateway stage throttling, for the whole API. */
    public record Throttling(double rate, int burst) {
        public Throttling {
            check("throttling.rate", Rules.rate(rate));
            check("throttling.burst", Rules.burst(burst));
        }
    }

    /**
     * Broadcasts: see {@link Settings.Sharding} for how the send path uses the last three.
     *
     * @param concurrency PostToConnection calls in flight per broadcast
     * @param shardSize   above this many recipients, batches of this many go to the {@code fanout} worker
     * @param maxRate     PostToConnection calls per second that the workers of one broadcast share
     * @param burst       calls allowed at once above that rate
     */
    public record Fanout(int concurrency, int shardSize, double maxRate, int burst) {
        public Fanout {
            check("fanout.concurrency", Rules.fanoutConcurrency(concurrency));
            check("fanout.shardSize", Rules.shardSize(shardSize));
            check("fanout.maxRate", Rules.rate(maxRate));
            check("fanout.burst", Rules.burst(burst));
        }

        public static Fanout defaults() {
            return new Fanout(
                    Settings.DEFAULT_FANOUT_CONCURRENCY,
                    Settings.Sharding.DEFAULT_SHARD_SIZE,
                    Settings.Sharding.DEFAULT_MAX_RATE,
                    Settings.Sharding.DEFAULT_BURST);
        }
    }

    /**
     * Who may connect, checked by the {@code $connect} authorizer; {@link #settings} turns it into the settings that
     * function runs with. Mode and missing-origin policy are the runtime's own types.
     *
     * @param mode           none: no token; jwt: every connection needs one
     * @param jwksUrl        jwt with an identity provider's keys (RS256/ES256); without it, jwt is HS256 with a
     *                       secret that deploy generates and keeps in the function, never in the config
     * @param issuer         the {@code iss} every token must carry; with {@code jwksUrl} only, and required there
     * @param audience       the {@code aud} every token must carry; with {@code jwksUrl} only, and required there
     * @param allowedOrigins exact origins and {@code https://*.example.com} wildcards; empty allows every origin
     * @param missingOrigin  what a handshake without an Origin header (a non-browser client) gets
     */
    public record Auth(
            AuthSettings.Mode mode,
            Optional<URI> jwksUrl,
            Optional<String> issuer,
            Optional<String> audience,
            List<String> allowedOrigins,
            OriginPolicy.MissingOrigin missingOrigin) {

        public Auth {
            Objects.requireNonNull(mode, "auth.mode");
            Objects.requireNonNull(jwksUrl, "auth.jwksUrl");
            Objects.requireNonNull(issuer, "auth.issuer");
            Objects.requireNonNull(audience, "auth.audience");
            allowedOrigins = List.copyOf(allowedOrigins);
            Objects.requireNonNull(missingOrigin, "auth.missingOrigin");
            jwksUrl.ifPresent(u -> check("auth.jwksUrl", Rules.jwksUrl(u.toString())));
            issuer.ifPresent(i -> check("auth.issuer", Rules.notEmpty(i)));
            audience.ifPresent(a -> check("auth.audience", Rules.notEmpty(a)));
            allowedOrigins.forEach(o -> check("auth.allowedOrigins", Rules.origin(o)));
            Rules.Problem p = Rules.auth(mode, jwksUrl.isPresent(), issuer.isPresent(), audience.isPresent());
            if (p != null) {
                check(p.key(), p.problem());
            }
        }

        /** Anyone who has the URL may connect, from any page or none: no authorizer. */
        public static Auth none() {
            return new Auth(
                    AuthSettings.Mode.NONE,
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    List.of(),
                    OriginPolicy.MissingOrigin.ALLOW);
        }

        /** True when connections must pass the authorizer: a token is needed or origins are restricted. */
        public boolean enabled() {
            return mode == AuthSettings.Mode.JWT
                    || !allowedOrigins.isEmpty()
                    || missingOrigin == OriginPolicy.MissingOrigin.DENY;
        }

        /** True for jwt without a JWKS URL: tokens are HS256, signed with the secret deploy generates and keeps. */
        public boolean usesSecret() {
            return mode == AuthSettings.Mode.JWT && jwksUrl.isEmpty();
        }

        /**
         * The settings the authorizer runs with.
         *
         * @param secret the HS256 secret (base64url), which {@link #usesSecret()} needs: the deployed one, or a new
         *               one from {@link AuthSettings#newSecret()}; ignored otherwise
         * @throws IllegalArgumentException when a secret is needed and missing or malformed (the message never
         *                                  holds it)
         */
        public AuthSettings settings(Optional<String> secret) {
            Objects.requireNonNull(secret, "secret");
            if (usesSecret() && secret.isEmpty()) {
                throw new IllegalArgumentException("auth.mode jwt without auth.jwksUrl needs the stack's secret");
            }
            return new AuthSettings(
                    mode,
                    usesSecret() ? secret : Optional.empty(),
                    jwksUrl,
                    issuer,
                    audience,
                    allowedOrigins,
                    missingOrigin);
        }
    }

    /**
     * Message history (docs/presence-and-history.md): what {@link Settings.History} is made of, with the keys'
     * rules.
     *
     * @param channels channel names and {@code prefix*} patterns; empty (the default) turns history off
     * @param size     messages kept per channel, 1-1000
     * @param ttl      how long each is kept, 1 s to 24 h
     */
    public record History(List<String> channels, int size, Duration ttl) {
        public History {
            channels = List.copyOf(channels);
            channels.forEach(c -> check("history.channels", Rules.historyChannel(c)));
            check("history.size", Rules.historySize(size));
            check("history.ttl", Rules.historyTtl(ttl));
        }

        /** No channel keeps history. */
        public static History off() {
            return new History(List.of(), Settings.History.DEFAULT_SIZE, Settings.History.DEFAULT_TTL);
        }

        public boolean enabled() {
            return !channels.isEmpty();
        }
    }

    /**
     * Lifecycle webhooks (docs/observability.md#lifecycle-webhooks): where events are posted, and which.
     *
     * @param url    https (http only to localhost or 127.0.0.1); empty turns webhooks off
     * @param events names from {@link #EVENTS}, in the order given; every one of them when the file names none
     */
    public record Webhooks(Optional<URI> url, List<String> events) {
        /** Every event a stack can post. */
        public static final List<String> EVENTS = dev.wsctl.webhooks.WebhookEvent.NAMES;

        public Webhooks {
            Objects.requireNonNull(url, "url");
            events = List.copyOf(events);
            url.ifPresent(u -> check("webhooks.url", Rules.webhookUrl(u.toString())));
            events.forEach(e -> check("webhooks.events", Rules.webhookEvent(e)));
            if (url.isPresent() && events.isEmpty()) {
                throw new IllegalArgumentException("webhooks.events must name at least one event");
            }
            if (url.isEmpty() && !events.isEmpty()) {
                throw new IllegalArgumentException("webhooks.events " + WEBHOOK_EVENTS_WITHOUT_URL);
            }
        }

        /** No webhooks. */
        public static Webhooks off() {
            return new Webhooks(Optional.empty(), List.of());
        }

        public boolean enabled() {
            return url.isPresent();
        }

        /**
         * Whether the stack keeps each channel's subscriber count (the occupancy row), which only
         * {@code channel_occupied} and {@code channel_vacated} need.
         */
        public boolean occupancy() {
            return events.contains("channel_occupied") || events.contains("channel_vacated");
        }
    }

    /** Why events without a URL are refused. */
    static final String WEBHOOK_EVENTS_WITHOUT_URL =
            "is set, but webhooks.url is not, so no event would be posted; set webhooks.url, or remove webhooks.events";

    public StackConfig {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(defaultChannel, "defaultChannel");
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(throttling, "throttling");
        Objects.requireNonNull(fanout, "fanout");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(publish, "publish");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(webhooks, "webhooks");
        check("app", Rules.app(app));
        check("stage", Rules.stage(stage));
        region.ifPresent(r -> check("region", Rules.region(r)));
        check("runtime", Rules.runtime(runtime));
        check("timeoutSeconds", Rules.timeout(timeoutSeconds));
        defaultChannel.ifPresent(c -> check("defaultChannel", Rules.defaultChannel(c)));
        check("maxMessageBytes", Rules.maxMessageBytes(maxMessageBytes));
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
        tags.forEach((k, v) -> {
            check("tags." + k, Rules.tagKey(k));
            check("tags." + k, Rules.tagValue(Objects.requireNonNull(v, k)));
        });
        check("tags", Rules.tagCount(tags.size()));
        if (history.enabled() && delivery == Settings.Delivery.RAW) {
            throw new IllegalArgumentException("history.channels " + HISTORY_NEEDS_ENVELOPE);
        }
    }

    /** Why history channels and {@code delivery: raw} do not go together. */
    static final String HISTORY_NEEDS_ENVELOPE =
            "needs delivery envelope: a raw delivery has nowhere to carry a message's offset";

    /** Every key at its default: app wsctl, stage dev, arm64, java21, 1024 MB, … */
    public static StackConfig defaults() {
        return new StackConfig(
                DEFAULT_APP,
                DEFAULT_STAGE,
                Optional.empty(),
                DEFAULT_RUNTIME,
                Architecture.ARM64,
                Memory.of(DEFAULT_MEMORY_MB),
                DEFAULT_TIMEOUT_SECONDS,
                true,
                Optional.of(Settings.DEFAULT_CHANNEL),
                Settings.Delivery.ENVELOPE,
                Settings.DEFAULT_MAX_MESSAGE_BYTES,
                new Throttling(DEFAULT_THROTTLING_RATE, DEFAULT_THROTTLING_BURST),
                Fanout.defaults(),
                Map.of(),
                Auth.none(),
                Settings.Publish.MEMBERS,
                History.off(),
                Webhooks.off());
    }

    /** {@code {app}-{stage}}, the start of every resource name. */
    public String prefix() {
        return app + "-" + stage;
    }

    /** The functions this stack has: every one of {@link #FUNCTIONS} but {@code authorize}, which needs auth. */
    public List<String> functions() {
        return auth.enabled()
                ? FUNCTIONS
                : FUNCTIONS.stream().filter(fn -> !fn.equals(AUTHORIZE)).toList();
    }

    /** {@code {app}-{stage}-{fn}}, e.g. {@code wsctl-dev-send}, {@code wsctl-dev-authorize}. */
    public String functionName(String fn) {
        if (fn == null || fn.isEmpty()) {
            throw new IllegalArgumentException("function name must not be empty");
        }
        return prefix() + "-" + fn;
    }

    /**
     * What the stack invokes function {@code fn} by: its alias {@code {app}-{stage}-{fn}:live} with SnapStart
     * (only published versions are snapshotted), else the function itself.
     */
    public String functionTarget(String fn) {
        return snapStart ? functionName(fn) + ":" + ALIAS : functionName(fn);
    }

    /** The connection table, {@code {app}-{stage}-connections}. */
    public String tableName() {
        return ConnectionTable.name(app, stage);
    }

    /**
     * The history table, {@code {app}-{stage}-history}: deployed whatever {@code history.channels} says (on demand, it
     * costs nothing idle), so that turning history on or off changes no table.
     */
    public String historyTableName() {
        return HistoryTable.name(app, stage);
    }

    /** The webhooks' dead-letter queue, {@code {app}-{stage}-webhooks-failed}: deployed with {@code webhooks.url}. */
    public String webhooksQueueName() {
        return functionName("webhooks") + "-failed";
    }

    /** The user's tags plus {@code wsctl:app} and {@code wsctl:stage}: what every resource carries. */
    public Map<String, String> allTags() {
        Map<String, String> all = new TreeMap<>(tags);
        all.put(TAG_APP, app);
        all.put(TAG_STAGE, stage);
        return Collections.unmodifiableMap(all);
    }

    /**
     * The environment of every function but {@code authorize} (whose environment is
     * {@link Auth#settings}{@code .toEnvironment()}), read back by {@link Settings#fromEnvironment}. The callback URL
     * is text: in a CloudFormation template it holds references ({@code https://${Api}.execute-api.${AWS::Region}…}),
     * which no URI can.
     */
    public Map<String, String> functionEnvironment(String callbackUrl) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Settings.ENV_TABLE, tableName());
        env.put(Settings.ENV_CALLBACK_URL, callbackUrl);
        env.put(Settings.ENV_DEFAULT_CHANNEL, defaultChannel.orElse("none"));
        env.put(Settings.ENV_MAX_MESSAGE_BYTES, String.valueOf(maxMessageBytes));
        env.put(Settings.ENV_FANOUT_CONCURRENCY, String.valueOf(fanout.concurrency()));
        env.put(Settings.ENV_DELIVERY, delivery.name().toLowerCase(Locale.ROOT));
        env.put(Settings.ENV_PUBLISH, publish.value());
        env.put(Settings.ENV_FANOUT_SHARD_SIZE, String.valueOf(fanout.shardSize()));
        env.put(Settings.ENV_FANOUT_MAX_RATE, String.valueOf(fanout.maxRate()));
        env.put(Settings.ENV_FANOUT_BURST, String.valueOf(fanout.burst()));
        env.put(Settings.ENV_FANOUT_FUNCTION, functionTarget(FANOUT));
        env.put(Settings.ENV_HISTORY_TABLE, historyTableName());
        if (history.enabled()) {
            env.put(Settings.ENV_HISTORY_CHANNELS, String.join(" ", history.channels()));
            env.put(Settings.ENV_HISTORY_SIZE, String.valueOf(history.size()));
            env.put(Settings.ENV_HISTORY_TTL, String.valueOf(history.ttl().toSeconds()));
        }
        if (webhooks.occupancy()) {
            env.put(Settings.ENV_OCCUPANCY, "on");
        }
        env.putAll(metricsEnvironment());
        return Collections.unmodifiableMap(env);
    }

    /** What every function (the authorizer too) names its metrics' dimensions by ({@link EmfMetrics}). */
    public Map<String, String> metricsEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(EmfMetrics.ENV_APP, app);
        env.put(EmfMetrics.ENV_STAGE, stage);
        return Collections.unmodifiableMap(env);
    }

    private static void check(String key, String problem) {
        if (problem != null) {
            throw new IllegalArgumentException(key + " " + problem);
        }
    }
}
