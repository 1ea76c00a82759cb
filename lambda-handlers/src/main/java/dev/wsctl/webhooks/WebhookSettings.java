package dev.wsctl.webhooks;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The webhooks function's settings, read once at init from its environment (docs/observability.md#lifecycle-webhooks);
 * a bad value fails the init with a message that names the variable.
 *
 * @param url         where events are posted ({@value #ENV_URL})
 * @param events      the event names posted ({@value #ENV_EVENTS}, separated by spaces)
 * @param secret      the signing secret ({@value #ENV_SECRET})
 * @param deadLetters the dead-letter queue's URL ({@value #ENV_DEAD_LETTERS})
 * @param retry       the retry window ({@value #ENV_RETRY_SECONDS}, at least 300, default 300) and backoff
 */
public record WebhookSettings(URI url, List<String> events, String secret, String deadLetters, RetryPolicy retry) {
    public static final String ENV_URL = "WSCTL_WEBHOOK_URL";
    public static final String ENV_EVENTS = "WSCTL_WEBHOOK_EVENTS";
    public static final String ENV_SECRET = "WSCTL_WEBHOOK_SECRET";
    public static final String ENV_DEAD_LETTERS = "WSCTL_WEBHOOK_DEAD_LETTERS";
    public static final String ENV_RETRY_SECONDS = "WSCTL_WEBHOOK_RETRY_SECONDS";

    /** A new signing secret: 32 random bytes, hex (what deploy keeps in the function and the local stack in its file). */
    public static String newSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return HexFormat.of().formatHex(secret);
    }

    public static WebhookSettings fromEnvironment(Map<String, String> env) {
        URI url = url(required(env, ENV_URL));
        List<String> events = List.of(required(env, ENV_EVENTS).split("\\s+"));
        for (String event : events) {
            if (!WebhookEvent.NAMES.contains(event)) {
                throw bad(ENV_EVENTS + " names '" + event + "', which is not an event; the events are "
                        + String.join(", ", WebhookEvent.NAMES));
            }
        }
        String secret = required(env, ENV_SECRET);
        String deadLetters =
                url(required(env, ENV_DEAD_LETTERS), ENV_DEAD_LETTERS).toString();
        String seconds = env.getOrDefault(ENV_RETRY_SECONDS, "").trim();
        RetryPolicy retry;
        try {
            retry = RetryPolicy.of(
                    seconds.isEmpty() ? RetryPolicy.MIN_WINDOW : Duration.ofSeconds(Long.parseLong(seconds)));
        } catch (NumberFormatException e) {
            throw bad(ENV_RETRY_SECONDS + " must be a whole number of seconds, not '" + seconds + "'");
        } catch (IllegalArgumentException e) {
            throw bad(ENV_RETRY_SECONDS + ": " + e.getMessage());
        }
        return new WebhookSettings(url, events, secret, deadLetters, retry);
    }

    private static URI url(String value) {
        return url(value, ENV_URL);
    }

    private static URI url(String value, String name) {
        try {
            URI uri = new URI(value);
            if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // said below
        }
        throw bad(name + " must be an http(s) URL, not '" + value + "'");
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw bad(name + " is not set");
        }
        return value.trim();
    }

    private static IllegalArgumentException bad(String message) {
        return new IllegalArgumentException("Bad function environment: " + message);
    }
}
