package dev.wsctl.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.config.StackConfig.Architecture;
import dev.wsctl.config.StackConfig.Auth;
import dev.wsctl.protocol.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Builds a {@link StackConfig} from, in this order of precedence: command-line flags, {@code WSCTL_*}
 * environment variables ({@link #ENVIRONMENT}), the YAML file, defaults.
 *
 * <p>The file is {@code --config PATH}, else {@code $WSCTL_CONFIG}, else {@code wsctl.yaml} in the
 * working directory; only the last may be missing. Unknown keys, values of the wrong type or out of
 * range, and YAML syntax errors are {@link ConfigException}s whose message says where the value came
 * from: {@code wsctl.yaml line 3: memory.send must be between 128 and 10240, not 64}.
 *
 * <p>The environment is passed in, so tests (and anything else) decide what it holds. An empty
 * variable counts as not set, except {@code WSCTL_DEFAULT_CHANNEL=} which turns the default channel
 * off, as it does in a function's environment.
 */
public final class ConfigLoader {

    public static final String DEFAULT_FILE = "wsctl.yaml";
    /** The config file, when there is no {@code --config}. */
    public static final String ENV_CONFIG = "WSCTL_CONFIG";
    /** Tags as {@code key=value,key=value}; they are added to (and win over) the file's tags. */
    public static final String ENV_TAGS = "WSCTL_TAGS";

    /** Every environment variable the loader reads, and the key it sets. */
    public static final Map<String, String> ENVIRONMENT = environment();

    /** The most wsctl reads from a config file: hundreds of times the commented starter file (a few KB). */
    static final int MAX_FILE_BYTES = 1024 * 1024;

    /** Where {@code wsctl init}'s starter file is on the class path (copied from templates/wsctl.yaml). */
    static final String STARTER_RESOURCE = "/dev/wsctl/templates/wsctl.yaml";

    private static final YAMLMapper MAPPER = mapper();

    private final Path workingDir;
    private final Map<String, String> env;

    /**
     * A value given on the command line.
     *
     * @param key    the dotted key it sets, one of {@link FileConfig#leafKeys()}: {@code app}, {@code memory.send}, …
     * @param option how the user wrote it, for messages: {@code --app}
     * @param value  as typed
     */
    public record Flag(String key, String option, String value) {
        public Flag {
            Objects.requireNonNull(option, "option");
            Objects.requireNonNull(value, "value");
            if (!FileConfig.leafKeys().contains(key)) {
                throw new IllegalArgumentException("no config key '" + key + "' (keys: " + FileConfig.leafKeys() + ")");
            }
        }
    }

    /** Loads relative to the process's working directory. */
    public ConfigLoader(Map<String, String> env) {
        this(Path.of(""), env);
    }

    /** Loads {@code wsctl.yaml} (and resolves a relative {@code --config}) in {@code workingDir}. */
    public ConfigLoader(Path workingDir, Map<String, String> env) {
        this.workingDir = Objects.requireNonNull(workingDir, "workingDir");
        this.env = Map.copyOf(env);
    }

    /**
     * @param configFile the {@code --config} file, or null for {@code $WSCTL_CONFIG} or {@code ./wsctl.yaml}
     * @param flags      values given on the command line; they win over everything else
     */
    public StackConfig load(Path configFile, List<Flag> flags) {
        Map<String, Given> given = new HashMap<>();
        Map<String, Given> tags = new LinkedHashMap<>();
        Origin tagsOrigin = Origin.DEFAULT;

        YamlFile file = readFile(configFile);
        if (file != null) {
            for (var e : file.config.flatten().entrySet()) {
                Origin origin = new Origin.InFile(file.outline.where(e.getKey()));
                if (e.getKey().equals("tags")) {
                    tagsOrigin = origin;
                    @SuppressWarnings("unchecked")
                    Map<String, String> fileTags = (Map<String, String>) e.getValue();
                    fileTags.forEach((k, v) -> tags.put(
                            k, new Given(v == null ? "" : v, new Origin.InFile(file.outline.where("tags." + k)))));
                } else if (e.getValue() instanceof List<?> list) {
                    List<Given> entries = new ArrayList<>();
                    for (int i = 0; i < list.size(); i++) {
                        entries.add(new Given(
                                list.get(i), new Origin.InFile(file.outline.where(e.getKey() + "[" + i + "]"))));
                    }
                    given.put(e.getKey(), new Given(entries, origin));
                } else {
                    given.put(e.getKey(), new Given(e.getValue(), origin));
                }
            }
        }
        for (var e : ENVIRONMENT.entrySet()) {
            String raw = env.get(e.getKey());
            String key = e.getValue();
            if (raw == null || (raw.isBlank() && !key.equals("defaultChannel"))) {
                continue;
            }
            tagsOrigin = put(given, tags, key, raw, new Origin.Named(e.getKey()), tagsOrigin);
        }
        for (Flag f : flags) {
            tagsOrigin = put(given, tags, f.key(), f.value(), new Origin.Named(f.option()), tagsOrigin);
        }
        return build(given, tags, tagsOrigin);
    }

    /** The commented starter {@code wsctl.yaml} that {@code wsctl init} writes; it loads to the defaults. */
    public static String starterFile() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(STARTER_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the starter wsctl.yaml is missing from the class path ("
                        + STARTER_RESOURCE + "); rebuild wsctl");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("could not read " + STARTER_RESOURCE, e);
        }
    }

    // ---- sources

    private record YamlFile(FileConfig config, YamlOutline outline) {}

    /** A value and where it came from. */
    private record Given(Object value, Origin origin) {}

    /** Where a value came from; the subject of a message about it. */
    private sealed interface Origin {
        Origin DEFAULT = new Named("");

        String subject(String key);

        /** {@code wsctl.yaml line 3: memory.send} */
        record InFile(String where) implements Origin {
            @Override
            public String subject(String key) {
                return where + ": " + Shown.text(key);
            }
        }

        /** An environment variable or a flag: {@code WSCTL_MEMORY}, {@code --app}. */
        record Named(String name) implements Origin {
            @Override
            public String subject(String key) {
                if (name.isEmpty()) {
                    return key;
                }
                return key.startsWith("tags.") ? name + " tag " + Shown.quote(key.substring("tags.".length())) : name;
            }
        }
    }

    private YamlFile readFile(Path flag) {
        String source;
        String shown;
        if (flag != null) {
            source = "--config";
            shown = flag.toString();
        } else if (env.get(ENV_CONFIG) != null && !env.get(ENV_CONFIG).isBlank()) {
            source = ENV_CONFIG;
            shown = env.get(ENV_CONFIG).trim();
        } else {
            source = null;
            shown = DEFAULT_FILE;
        }
        Path path = workingDir.resolve(shown);
        if (Files.isDirectory(path)) {
            throw new ConfigException(
                    (source == null ? "" : source + " ") + shown + " is a directory, not a config file");
        }
        String text;
        try (InputStream in = Files.newInputStream(path)) {
            // read no more than the cap, whatever the file claims to hold: /dev/zero or a pipe claims nothing
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new ConfigException(shown + " is larger than " + (MAX_FILE_BYTES >> 20)
                        + " MiB, the most wsctl reads from a config file");
            }
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (NoSuchFileException e) {
            if (source == null) {
                return null; // no wsctl.yaml here: flags, environment and defaults
            }
            throw new ConfigException(source + " " + shown + ": no such file");
        } catch (CharacterCodingException e) {
            throw new ConfigException(shown + " is not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException("Could not read " + shown + ": " + e.getMessage());
        }
        YamlOutline outline = YamlOutline.read(MAPPER.getFactory(), shown, text);
        if (outline.isEmpty()) {
            return new YamlFile(FileConfig.EMPTY, outline);
        }
        return new YamlFile(bind(text, shown, outline), outline);
    }

    private static FileConfig bind(String text, String file, YamlOutline outline) {
        try {
            return MAPPER.readValue(text, FileConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String key = path(e);
            int dot = key.lastIndexOf('.');
            String section = dot < 0 ? "" : key.substring(0, dot);
            String name = e.getPropertyName();
            List<String> known = FileConfig.keys(e.getReferringClass());
            String guess = known.stream()
                    // lengths two apart are at least two edits apart: no quadratic distance to a megabyte key
                    .filter(k -> Math.abs(k.length() - name.length()) <= 2)
                    .filter(k -> distance(k.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT)) <= 2)
                    .min(Comparator.comparingInt(k -> distance(k, name)))
                    .map(k -> "; did you mean '" + (section.isEmpty() ? "" : section + ".") + k + "'?")
                    .orElse("");
            String secretHint = key.equals("auth.secret")
                    ? "; secrets do not belong in a file that is checked in: with auth.mode jwt and no auth.jwksUrl, "
                            + "deploy generates the secret and keeps it in the stack's authorize function"
                    : "";
            throw new ConfigException(outline.where(key) + ": unknown key " + Shown.quote(key) + " (known"
                    + (section.isEmpty() ? "" : " in " + section) + ": " + String.join(", ", known) + ")"
                    + guess + secretHint);
        } catch (JsonMappingException e) {
            String key = path(e);
            Class<?> type = FileConfig.typeOf(key);
            YamlOutline.Node node = outline.node(key);
            if (key.isEmpty() || type == null || node == null) {
                String where = e.getLocation() == null
                        ? file
                        : file + " line " + e.getLocation().getLineNr();
                throw new ConfigException(where + ": " + firstLine(e.getOriginalMessage()));
            }
            if (type == Integer.class
                    && node.kind() == YamlOutline.Kind.NUMBER
                    && node.text().matches("-?[0-9]+")) {
                throw new ConfigException(
                        outline.where(key) + ": " + key + " is out of range: " + Shown.text(node.text()));
            }
            String hint = key.equals("memory") && node.kind() == YamlOutline.Kind.NUMBER
                    ? " (to give every function " + Shown.text(node.text()) + " MB, write 'memory:' and under it 'all: "
                            + Shown.text(node.text()) + "')"
                    : "";
            throw new ConfigException(outline.where(key) + ": " + Shown.text(key) + " must be " + expected(type)
                    + ", not " + node.shown() + hint);
        } catch (JsonProcessingException e) {
            throw YamlOutline.syntaxError(file, e);
        }
    }

    /** The dotted key of a binding error: {@code memory.send}, {@code tags.team}. */
    private static String path(JsonMappingException e) {
        StringBuilder key = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (key.length() > 0) {
                    key.append('.');
                }
                key.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                key.append('[').append(r.getIndex()).append(']');
            }
        }
        return key.toString();
    }

    private static final Map<Class<?>, String> EXPECTED = Map.of(
            Integer.class, "a whole number",
            Double.class, "a number",
            Boolean.class, "true or false",
            String.class, "a single value",
            Map.class, "a section of name: value lines",
            List.class, "a list ([a, b], or one '- a' line each)");

    private static String expected(Class<?> type) {
        String simple = EXPECTED.get(type);
        return simple != null ? simple : "a section with the keys " + String.join(", ", FileConfig.keys(type));
    }

    /** Parses a flag's or variable's text as the key's type and records it; returns the tags' origin. */
    private static Origin put(
            Map<String, Given> given,
            Map<String, Given> tags,
            String key,
            String raw,
            Origin origin,
            Origin tagsOrigin) {
        Class<?> type = FileConfig.typeOf(key);
        String v = raw.trim();
        Object value;
        if (type == Integer.class) {
            try {
                value = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new ConfigException(origin.subject(key) + " must be a whole number, not " + Shown.quote(raw));
            }
        } else if (type == Double.class) {
            try {
                value = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new ConfigException(origin.subject(key) + " must be a number, not " + Shown.quote(raw));
            }
        } else if (type == Boolean.class) {
            if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                throw new ConfigException(origin.subject(key) + " must be true or false, not " + Shown.quote(raw));
            }
            value = Boolean.parseBoolean(v);
        } else if (type == Map.class) {
            for (String pair : v.split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq < 0) {
                    throw new ConfigException(origin.subject(key) + " must be key=value pairs separated by commas, not "
                            + Shown.quote(raw));
                }
                tags.put(
                        pair.substring(0, eq).trim(),
                        new Given(pair.substring(eq + 1).trim(), origin));
            }
            return origin;
        } else if (type == List.class) {
            List<Given> entries = new ArrayList<>();
            for (String entry : v.split(",")) {
                if (!entry.isBlank()) {
                    entries.add(new Given(entry.trim(), origin));
                }
            }
            value = entries;
        } else {
            value = v;
        }
        given.put(key, new Given(value, origin));
        return tagsOrigin;
    }

    // ---- checking and building

    private static StackConfig build(Map<String, Given> given, Map<String, Given> tags, Origin tagsOrigin) {
        StackConfig d = StackConfig.defaults();
        String app = text(given, "app", d.app(), Rules::app);
        String stage = text(given, "stage", d.stage(), Rules::stage);
        Optional<String> region = given.containsKey("region")
                ? Optional.of(text(given, "region", null, Rules::region))
                : Optional.empty();
        String runtime = text(given, "runtime", d.runtime(), Rules::runtime);
        String arch = oneOf(given, "architecture", d.architecture().value(), "arm64", "x86_64");

        int all = whole(given, "memory.all", d.memory().all(), Rules::memory);
        Map<String, Integer> functions = new TreeMap<>();
        for (String fn : StackConfig.FUNCTIONS) {
            if (given.containsKey("memory." + fn)) {
                functions.put(fn, whole(given, "memory." + fn, all, Rules::memory));
            }
        }
        int timeout = whole(given, "timeoutSeconds", d.timeoutSeconds(), Rules::timeout);
        boolean snapStart = given.containsKey("snapStart")
                ? (Boolean) given.get("snapStart").value()
                : d.snapStart();

        String channel = text(
                given,
                "defaultChannel",
                Settings.DEFAULT_CHANNEL,
                c -> c.isEmpty() || c.equals("none") ? null : Rules.defaultChannel(c));
        Optional<String> defaultChannel =
                channel.isEmpty() || channel.equals("none") ? Optional.empty() : Optional.of(channel);
        String delivery = oneOf(given, "delivery", "envelope", "envelope", "raw");
        int maxMessageBytes = whole(given, "maxMessageBytes", d.maxMessageBytes(), Rules::maxMessageBytes);

        double rate = decimal(given, "throttling.rate", d.throttling().rate(), Rules::rate);
        int burst = whole(given, "throttling.burst", d.throttling().burst(), Rules::burst);
        int concurrency = whole(given, "fanout.concurrency", d.fanout().concurrency(), Rules::fanoutConcurrency);
        int shardSize = whole(given, "fanout.shardSize", d.fanout().shardSize(), Rules::shardSize);
        double maxRate = decimal(given, "fanout.maxRate", d.fanout().maxRate(), Rules::rate);
        int fanoutBurst = whole(given, "fanout.burst", d.fanout().burst(), Rules::burst);

        AuthSettings.Mode mode = AuthSettings.Mode.parse(oneOf(given, "auth.mode", "none", "none", "jwt"));
        Optional<URI> jwksUrl =
                optionalText(given, "auth.jwksUrl", Rules::jwksUrl).map(URI::create);
        Optional<String> issuer = optionalText(given, "auth.issuer", Rules::notEmpty);
        Optional<String> audience = optionalText(given, "auth.audience", Rules::notEmpty);
        List<String> allowedOrigins = new ArrayList<>();
        if (given.containsKey("auth.allowedOrigins")) {
            @SuppressWarnings("unchecked")
            List<Given> entries = (List<Given>) given.get("auth.allowedOrigins").value();
            for (Given entry : entries) {
                String origin = entry.value() == null ? null : String.valueOf(entry.value());
                fail(entry.origin(), "auth.allowedOrigins", Rules.origin(origin));
                allowedOrigins.add(origin.strip());
            }
        }
        String missingOrigin = oneOf(given, "auth.missingOrigin", "allow", "allow", "deny");
        Rules.Problem authProblem = Rules.auth(mode, jwksUrl.isPresent(), issuer.isPresent(), audience.isPresent());
        if (authProblem != null) {
            fail(given.get(authProblem.key()).origin(), authProblem.key(), authProblem.problem());
        }
        String publish = oneOf(given, "publish", "members", "members", "any", "none");
        StackConfig.History history = history(given, d.history(), delivery);
        StackConfig.Webhooks webhooks = webhooks(given);

        Map<String, String> tagValues = new TreeMap<>();
        tags.forEach((k, g) -> {
            String value = (String) g.value();
            fail(g.origin(), "tags." + k, Rules.tagKey(k));
            fail(g.origin(), "tags." + k, Rules.tagValue(value));
            tagValues.put(k, value);
        });
        fail(tagsOrigin, "tags", Rules.tagCount(tagValues.size()));

        return new StackConfig(
                app,
                stage,
                region,
                runtime,
                Architecture.parse(arch).orElseThrow(),
                new StackConfig.Memory(all, functions),
                timeout,
                snapStart,
                defaultChannel,
                Settings.Delivery.parse(delivery),
                maxMessageBytes,
                new StackConfig.Throttling(rate, burst),
                new StackConfig.Fanout(concurrency, shardSize, maxRate, fanoutBurst),
                tagValues,
                new Auth(
                        mode,
                        jwksUrl,
                        issuer,
                        audience,
                        allowedOrigins,
                        AuthSettings.parseMissingOrigin(missingOrigin)),
                Settings.Publish.parse(publish),
                history,
                webhooks);
    }

    /** {@code history.*}, each value checked where it was given; history channels need the envelope delivery. */
    private static StackConfig.History history(Map<String, Given> given, StackConfig.History d, String delivery) {
        List<String> channels = new ArrayList<>();
        Given listed = given.get("history.channels");
        if (listed != null) {
            @SuppressWarnings("unchecked")
            List<Given> entries = (List<Given>) listed.value();
            for (Given entry : entries) {
                String channel = entry.value() == null ? null : String.valueOf(entry.value());
                fail(entry.origin(), "history.channels", Rules.historyChannel(channel));
                channels.add(channel.strip());
            }
        }
        int size = whole(given, "history.size", d.size(), Rules::historySize);
        String ttl = text(given, "history.ttl", null, Rules::historyTtl);
        if (!channels.isEmpty() && delivery.equals("raw")) {
            fail(listed.origin(), "history.channels", StackConfig.HISTORY_NEEDS_ENVELOPE);
        }
        return new StackConfig.History(channels, size, ttl == null ? d.ttl() : Durations.parse(ttl));
    }

    /** {@code webhooks.*}: a URL turns them on, with every event unless {@code events} names some. */
    private static StackConfig.Webhooks webhooks(Map<String, Given> given) {
        Optional<URI> url =
                optionalText(given, "webhooks.url", Rules::webhookUrl).map(URI::create);
        Given listed = given.get("webhooks.events");
        if (listed == null) {
            return url.isPresent()
                    ? new StackConfig.Webhooks(url, StackConfig.Webhooks.EVENTS)
                    : StackConfig.Webhooks.off();
        }
        if (url.isEmpty()) {
            fail(listed.origin(), "webhooks.events", StackConfig.WEBHOOK_EVENTS_WITHOUT_URL);
        }
        List<String> events = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<Given> entries = (List<Given>) listed.value();
        for (Given entry : entries) {
            String event = entry.value() == null ? null : String.valueOf(entry.value());
            fail(entry.origin(), "webhooks.events", Rules.webhookEvent(event));
            if (!events.contains(event.strip())) {
                events.add(event.strip());
            }
        }
        if (events.isEmpty()) {
            fail(listed.origin(), "webhooks.events", "must name at least one event, or be left out for all of them");
        }
        return new StackConfig.Webhooks(url, events);
    }

    private static String text(Map<String, Given> given, String key, String fallback, Function<String, String> rule) {
        Given g = given.get(key);
        return g == null ? fallback : check(g, key, (String) g.value(), rule);
    }

    /** One of {@code choices}: "must be members, any or none, not 'all'" otherwise. */
    private static String oneOf(Map<String, Given> given, String key, String fallback, String... choices) {
        List<String> all = List.of(choices);
        String list = String.join(", ", all.subList(0, all.size() - 1)) + " or " + all.get(all.size() - 1);
        return text(given, key, fallback, v -> all.contains(v) ? null : "must be " + list + ", not " + Shown.quote(v));
    }

    private static Optional<String> optionalText(Map<String, Given> given, String key, Function<String, String> rule) {
        Given g = given.get(key);
        return g == null
                ? Optional.empty()
                : Optional.of(check(g, key, (String) g.value(), rule).strip());
    }

    private static int whole(Map<String, Given> given, String key, int fallback, IntFunction<String> rule) {
        Given g = given.get(key);
        if (g == null) {
            return fallback;
        }
        int value = (Integer) g.value();
        fail(g.origin(), key, rule.apply(value));
        return value;
    }

    private static double decimal(Map<String, Given> given, String key, double fallback, DoubleFunction<String> rule) {
        Given g = given.get(key);
        if (g == null) {
            return fallback;
        }
        double value = (Double) g.value();
        fail(g.origin(), key, rule.apply(value));
        return value;
    }

    private static <T> T check(Given g, String key, T value, Function<T, String> rule) {
        fail(g.origin(), key, rule.apply(value));
        return value;
    }

    private static void fail(Origin origin, String key, String problem) {
        if (problem != null) {
            throw new ConfigException(origin.subject(key) + " " + problem);
        }
    }

    // ---- plumbing

    private static Map<String, String> environment() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("WSCTL_APP", "app");
        m.put("WSCTL_STAGE", "stage");
        m.put("WSCTL_REGION", "region");
        m.put("WSCTL_RUNTIME", "runtime");
        m.put("WSCTL_ARCHITECTURE", "architecture");
        m.put("WSCTL_MEMORY", "memory.all");
        for (String fn : StackConfig.FUNCTIONS) {
            m.put("WSCTL_MEMORY_" + fn.toUpperCase(Locale.ROOT), "memory." + fn);
        }
        m.put("WSCTL_TIMEOUT_SECONDS", "timeoutSeconds");
        m.put("WSCTL_SNAP_START", "snapStart");
        m.put(Settings.ENV_DEFAULT_CHANNEL, "defaultChannel");
        m.put(Settings.ENV_DELIVERY, "delivery");
        m.put(Settings.ENV_MAX_MESSAGE_BYTES, "maxMessageBytes");
        m.put("WSCTL_THROTTLING_RATE", "throttling.rate");
        m.put("WSCTL_THROTTLING_BURST", "throttling.burst");
        m.put(Settings.ENV_FANOUT_CONCURRENCY, "fanout.concurrency");
        m.put(Settings.ENV_FANOUT_SHARD_SIZE, "fanout.shardSize");
        m.put(Settings.ENV_FANOUT_MAX_RATE, "fanout.maxRate");
        m.put(Settings.ENV_FANOUT_BURST, "fanout.burst");
        m.put(ENV_TAGS, "tags");
        // the authorize function's own variables, but never its secret: that stays in the function
        m.put(AuthSettings.ENV_MODE, "auth.mode");
        m.put(AuthSettings.ENV_JWKS_URL, "auth.jwksUrl");
        m.put(AuthSettings.ENV_ISSUER, "auth.issuer");
        m.put(AuthSettings.ENV_AUDIENCE, "auth.audience");
        m.put(AuthSettings.ENV_ALLOWED_ORIGINS, "auth.allowedOrigins");
        m.put(AuthSettings.ENV_MISSING_ORIGIN, "auth.missingOrigin");
        m.put(Settings.ENV_PUBLISH, "publish");
        return java.util.Collections.unmodifiableMap(m);
    }

    private static YAMLMapper mapper() {
        YAMLMapper m = YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                // yes/no/on/off are text, not booleans (the "Norway problem": country: NO)
                .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
                // (EMPTY_STRING_AS_NULL stays on: "key:" is null, i.e. not given, while "key: ''" is empty text)
                .build();
        // no silent conversions: 1.5 is not a whole number, 1 is not true, "" is not 0
        for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float)) {
            m.coercionConfigFor(t)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        }
        m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        return m;
    }

    private static String firstLine(String s) {
        int nl = s == null ? -1 : s.indexOf('\n');
        return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
