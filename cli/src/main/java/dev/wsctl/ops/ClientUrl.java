package dev.wsctl.ops;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A stack's WebSocket URL as a client opens it and as wsctl shows it. A token travels in the query as
 * {@code ?token=…}, as browsers must send it (they cannot set headers on a WebSocket); it is never shown.
 */
public final class ClientUrl {
    static final String TOKEN = "token";
    private static final Pattern TOKEN_VALUE = Pattern.compile("(?<=[?&])" + TOKEN + "=[^&#]*");

    private ClientUrl() {}

    /** {@code url} with {@code token=<url-encoded token>} in its query, in place of any token already there. */
    public static URI withToken(URI url, String token) {
        List<String> query = new ArrayList<>();
        if (url.getRawQuery() != null) {
            for (String parameter : url.getRawQuery().split("&")) {
                if (!parameter.isEmpty() && !parameter.equals(TOKEN) && !parameter.startsWith(TOKEN + "=")) {
                    query.add(parameter);
                }
            }
        }
        query.add(TOKEN + "=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
        return URI.create(url.getScheme() + "://" + url.getRawAuthority()
                + (url.getRawPath() == null ? "" : url.getRawPath()) + "?" + String.join("&", query)
                + (url.getRawFragment() == null ? "" : "#" + url.getRawFragment()));
    }

    /** {@code url} for messages and output: the value of any {@code token} parameter replaced by {@code …}. */
    public static String shown(URI url) {
        return TOKEN_VALUE.matcher(url.toString()).replaceAll(TOKEN + "=…");
    }
}
