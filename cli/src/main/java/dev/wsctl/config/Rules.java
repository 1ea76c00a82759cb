package dev.wsctl.config;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.connections.ConnectionsEndpoint;
import dev.wsctl.protocol.ChannelName;
import dev.wsctl.protocol.Settings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a valid value of each key is. Each rule returns null for a good value, or the rest of a
 * sentence whose subject is the key ("must be between 128 and 10240, not 64"), so that the loader
 * can say where the value came from and {@link StackConfig}'s constructor can say which key it was.
 */
final class Rules {
    static final int MAX_APP = 20;
    static final int MAX_STAGE = 16;
    static final int MIN_MEMORY = 128;
    static final int MAX_MEMORY = 10_240;
    static final int MAX_TIMEOUT = 900;
    /** What API Gateway accepts from a client, and delivers through @connections (with the envelope around it). */
    static final int MAX_MESSAGE_BYTES = ConnectionsEndpoint.MAX_PAYLOAD_BYTES;

    static final int MAX_FANOUT_CONCURRENCY = 10_000;
    /**
     * A batch (its connection ids and the message) goes to the fan-out worker as one asynchronous invoke, whose
     * payload Lambda limits to 256 KB (262,144 bytes). The largest message (128 KiB, 174,764 bytes as base64) leaves
     * 87,380 bytes; 4,000 ids of 16 characters, quoted and separated (19 bytes each), take 76,000, which leaves over
     * 11 KB for the envelope (channel, sender, …). A larger shard could fail at the send path, not here.
     */
    static final int MAX_SHARD_SIZE = 4_000;

    static final int MAX_TAG_KEY = 128;
    static final int MAX_TAG_VALUE = 256;
    /** AWS allows 50 tags per resource; wsctl adds wsctl:app and wsctl:stage. */
    static final int MAX_USER_TAGS = 48;

    static final String RESERVED_AWS = "aws:";
    static final String RESERVED_WSCTL = "wsctl:";

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");
    private static final Pattern REGION = Pattern.compile("[a-z]{2,}(-[a-z]+)+-[0-9]+");
    private static final Pattern JAVA_RUNTIME = Pattern.compile("java([0-9]+)");
    /** The character set IAM, Lambda, DynamoDB and API Gateway share for tag keys and values. */
    private static final Pattern TAG_TEXT = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");

    private Rules() {}

    static String app(String value) {
        return name(value, MAX_APP);
    }

    static String stage(String value) {
        return name(value, MAX_STAGE);
    }

    /** Resource names are {@code {app}-{stage}-…}, so both must fit AWS's narrowest name rules (IAM roles, 64). */
    private static String name(String value, int max) {
        if (value.isEmpty() || value.length() > max || !NAME.matcher(value).matches()) {
            return "must be 1 to " + max + " lowercase letters, digits or '-', starting with a letter, not "
                    + Shown.quote(value);
        }
        return null;
    }

    static String region(String value) {
        return REGION.matcher(value).matches()
                ? null
                : "must be an AWS region such as us-east-1 or eu-central-1, not " + Shown.quote(value);
    }

    static String runtime(String value) {
        var m = JAVA_RUNTIME.matcher(value);
        return m.matches() && Integer.parseInt(m.group(1)) >= 17
                ? null
                : "must be a Java Lambda runtime, java17 or later (java21, …), not " + Shown.quote(value);
    }

    static String memory(int mb) {
        return between(mb, MIN_MEMORY, MAX_MEMORY);
    }

    static String timeout(int seconds) {
        return between(seconds, 1, MAX_TIMEOUT);
    }

    static String maxMessageBytes(int bytes) {
        return between(bytes, 1, MAX_MESSAGE_BYTES);
    }

    static String fanoutConcurrency(int n) {
        return between(n, 1, MAX_FANOUT_CONCURRENCY);
    }

    static String shardSize(int recipients) {
        return between(recipients, 1, MAX_SHARD_SIZE);
    }

    static String rate(double perSecond) {
        return Double.isFinite(perSecond) && perSecond > 0
                ? null
                : "must be a number of requests per second above 0, not " + perSecond;
    }

    static String burst(int requests) {
        return requests >= 1 ? null : "must be a whole number of requests of at least 1, not " + requests;
    }

    /** A channel to join on connect (not "none", which the loader has already turned into off). */
    static String defaultChannel(String value) {
        String problem = ChannelName.problem(value);
        if (problem != null) {
            return "must be a channel name (1-" + ChannelName.MAX_LENGTH + " of A-Z a-z 0-9 _-=@,.;:) or 'none', not "
                    + Shown.quote(value);
        }
        if (ChannelName.isPrivate(value)) {
            return "must not be a " + ChannelName.PRIVATE_PREFIX + "* channel (those need a grant), not "
                    + Shown.quote(value);
        }
        if (ChannelName.isPresence(value)) {
            return "must not be a " + ChannelName.PRESENCE_PREFIX + "* channel (joinchannel makes a connection one of"
                    + " its members), not " + Shown.quote(value);
        }
        return null;
    }

    static String tagKey(String key) {
        if (key.isEmpty() || key.length() > MAX_TAG_KEY) {
            return "is not a tag key: keys have 1 to " + MAX_TAG_KEY + " characters, this one " + key.length();
        }
        String lower = key.toLowerCase(Locale.ROOT);
        if (lower.startsWith(RESERVED_AWS)) {
            return "is not a tag key you may set: AWS reserves keys starting with 'aws:'";
        }
        if (lower.startsWith(RESERVED_WSCTL)) {
            return "is not a tag key you may set: wsctl sets the 'wsctl:' tags (wsctl:app, wsctl:stage) itself";
        }
        if (!TAG_TEXT.matcher(key).matches()) {
            return "is not a tag key: keys may contain only letters, digits, spaces and _ . : / = + - @";
        }
        return null;
    }

    static String tagValue(String value) {
        if (value.length() > MAX_TAG_VALUE) {
            return "has a value of " + value.length() + " characters; tag values have at most " + MAX_TAG_VALUE;
        }
        if (!TAG_TEXT.matcher(value).matches()) {
            return "has the value " + Shown.quote(value)
                    + ", but tag values may contain only letters, digits, spaces and _ . : / = + - @";
        }
        return null;
    }

    static String tagCount(int count) {
        return count <= MAX_USER_TAGS
                ? null
                : "has " + count
                        + " tags; AWS allows 50 per resource and wsctl adds 2 (wsctl:app, wsctl:stage), so at most "
                        + MAX_USER_TAGS;
    }

    /**
     * Where the authorizer fetches an identity provider's keys. https, because keys read in the clear could be
     * swapped for an attacker's; plain http only on this machine, for a test identity provider.
     */
    static String jwksUrl(String value) {
        return httpsUrl(
                value,
                "the URL of your identity provider's JWKS, such as https://YOUR-TENANT.auth0.com/.well-known/jwks.json",
                "keys fetched in the clear could be swapped");
    }

    /**
     * Where lifecycle webhooks are posted. https, because the events name users and connections; plain http only on
     * this machine, for a receiver under development.
     */
    static String webhookUrl(String value) {
        return httpsUrl(
                value,
                "the URL your application receives events on, such as https://app.example.com/wsctl-hooks",
                "events posted in the clear could be read and changed on the way");
    }

    /** An entry of {@code webhooks.events}. */
    static String webhookEvent(String entry) {
        return entry != null && StackConfig.Webhooks.EVENTS.contains(entry.strip())
                ? null
                : "entry " + Shown.quote(entry) + " is not an event; the events are "
                        + String.join(", ", StackConfig.Webhooks.EVENTS);
    }

    /** An absolute https URL without user info; http only to localhost or 127.0.0.1. */
    private static String httpsUrl(String value, String what, String whyHttps) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || !uri.isAbsolute() || uri.getHost() == null || uri.getScheme() == null) {
            return "must be " + what + ", not " + Shown.quote(value);
        }
        if (uri.getRawUserInfo() != null) {
            return "must not hold a user name or password, not " + Shown.quote(value);
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (scheme.equals("https") || scheme.equals("http") && (host.equals("localhost") || host.equals("127.0.0.1"))) {
            return null;
        }
        return "must be an https URL (" + whyHttps + "; http only for localhost or 127.0.0.1), not "
                + Shown.quote(value);
    }

    static String notEmpty(String value) {
        return value.isBlank() ? "must not be empty" : null;
    }

    /** One entry of {@code auth.allowedOrigins}, as the authorizer will read it. */
    static String origin(String entry) {
        if (entry == null || entry.isBlank()) {
            return "has an empty entry; write origins such as https://app.example.com or https://*.example.com";
        }
        try {
            OriginPolicy.of(List.of(entry), OriginPolicy.MissingOrigin.ALLOW);
            return null;
        } catch (IllegalArgumentException e) {
            // the policy quotes the entry whole; a message shows it as every config value is shown
            return "has an " + e.getMessage().replace("'" + entry + "'", Shown.quote(entry));
        }
    }

    /** A rule that concerns several keys: the one to name (always one that is set) and what is wrong. */
    record Problem(String key, String problem) {}

    /** How the auth keys go together; null when they do. */
    static Problem auth(AuthSettings.Mode mode, boolean jwksUrl, boolean issuer, boolean audience) {
        if (mode == AuthSettings.Mode.NONE) {
            String set = jwksUrl ? "jwksUrl" : issuer ? "issuer" : audience ? "audience" : null;
            return set == null
                    ? null
                    : new Problem(
                            "auth." + set,
                            "is set, but auth.mode is none, so no token is "
                                    + "checked; set auth.mode: jwt, or remove auth." + set);
        }
        if (jwksUrl) {
            List<String> missing = new ArrayList<>();
            if (!issuer) {
                missing.add("auth.issuer");
            }
            if (!audience) {
                missing.add("auth.audience");
            }
            return missing.isEmpty()
                    ? null
                    : new Problem(
                            "auth.jwksUrl",
                            "needs " + String.join(" and ", missing)
                                    + " too: without them a token your identity provider issued to anyone, for any application, "
                                    + "would pass");
        }
        String set = issuer ? "issuer" : audience ? "audience" : null;
        return set == null
                ? null
                : new Problem(
                        "auth." + set,
                        "is checked only on an identity provider's tokens, "
                                + "with auth.jwksUrl; without it, tokens are signed with the secret deploy generates");
    }

    /** An entry of history.channels: a channel name or a prefix* pattern. */
    static String historyChannel(String entry) {
        if (entry == null || entry.isBlank()) {
            return "has an empty entry";
        }
        String problem = ChannelName.patternProblem(entry);
        return problem == null ? null : "entry " + Shown.quote(entry) + " " + problem;
    }

    static String historySize(int messages) {
        return between(messages, 1, Settings.History.MAX_SIZE);
    }

    /** history.ttl as written: a duration (30s, 10m, 2h) of whole seconds, at most 24h. */
    static String historyTtl(String text) {
        Duration ttl;
        try {
            ttl = Durations.parse(text);
        } catch (ArithmeticException tooLong) {
            ttl = Settings.History.MAX_TTL.plusSeconds(1);
        }
        if (ttl == null || ttl.getNano() != 0) {
            return "must be a duration like 30s, 10m or 2h, not " + Shown.quote(text);
        }
        return historyTtl(ttl);
    }

    static String historyTtl(Duration ttl) {
        return ttl.getNano() == 0
                        && ttl.compareTo(Duration.ofSeconds(1)) >= 0
                        && ttl.compareTo(Settings.History.MAX_TTL) <= 0
                ? null
                : "must be between 1s and 24h, not " + ttl.getSeconds() + "s";
    }

    private static String between(long value, long min, long max) {
        return value >= min && value <= max ? null : "must be between " + min + " and " + max + ", not " + value;
    }
}
