package dev.wsctl.auth;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The Origin allowlist for the {@code $connect} authorizer (docs/security.md). WebSocket handshakes are not subject
 * to CORS, so the Origin header is the only thing that tells a page on another site apart from ours. Entries and
 * request origins are parsed into scheme, host and effective port and compared component by component; nothing is
 * matched by string prefix or suffix.
 *
 * <p>Parsing is deliberately strict: an origin is {@code scheme "://" host [":" port]} and nothing else. Paths,
 * queries, fragments, userinfo, percent-escapes, whitespace, non-ASCII characters, empty labels (so a trailing
 * dot) and non-http(s) schemes make an origin malformed. A browser never sends any of these in an Origin header,
 * so refusing them costs nothing and removes every parser-differential trick. Hosts are ASCII-lowercased only
 * after every character has been checked to be ASCII, so e.g. the Kelvin sign cannot fold into {@code k}.
 *
 * <p>Decisions, in order: absent header: {@link MissingOrigin}; the literal {@code null} (sandboxed iframes,
 * {@code file:} pages, some redirects): always refused; unparsable: refused; otherwise allowed when the list is
 * empty or some entry matches. Instances are immutable and thread-safe.
 */
public final class OriginPolicy {

    /** What to do with a handshake that carries no Origin header at all (non-browser clients). */
    public enum MissingOrigin {
        ALLOW,
        DENY
    }

    /** The outcome of {@link #check(String)}: {@link #ALLOW}, or a DENY with a reason code for logs/metrics. */
    public enum Decision {
        ALLOW(null),
        /** No Origin header and the policy is {@link MissingOrigin#DENY}. */
        DENY_MISSING("missing"),
        /** The opaque origin {@code null}. */
        DENY_NULL_ORIGIN("null_origin"),
        /** Not an origin this class can parse (includes the empty string and trailing-dot hosts). */
        DENY_MALFORMED("malformed"),
        /** A well-formed origin that no allowlist entry matches. */
        DENY_NOT_ALLOWED("not_allowed");

        private final String reason;

        Decision(String reason) {
            this.reason = reason;
        }

        public boolean allowed() {
            return this == ALLOW;
        }

        /** The reason code ({@code missing}, {@code null_origin}, {@code malformed}, {@code not_allowed}); null for ALLOW. */
        public String reason() {
            return reason;
        }
    }

    /** Longer than any real origin; bounds the work done on hostile input. */
    static final int MAX_ORIGIN_LENGTH = 2048;

    private final boolean any;
    private final Set<Origin> exact;
    private final List<Wildcard> wildcards;
    private final MissingOrigin missing;

    private OriginPolicy(boolean any, Set<Origin> exact, List<Wildcard> wildcards, MissingOrigin missing) {
        this.any = any;
        this.exact = exact;
        this.wildcards = wildcards;
        this.missing = missing;
    }

    /**
     * Builds a policy.
     *
     * @param allowed allowed origins; an empty list allows every well-formed origin. Surrounding whitespace of an
     *                entry is ignored.
     * @param missing what to do when the Origin header is absent
     * @throws IllegalArgumentException naming the first malformed entry
     * @throws NullPointerException     if {@code allowed} or {@code missing} is null
     */
    public static OriginPolicy of(List<String> allowed, MissingOrigin missing) {
        Objects.requireNonNull(allowed, "allowed");
        Objects.requireNonNull(missing, "missing");
        Set<Origin> exact = new HashSet<>();
        List<Wildcard> wildcards = new ArrayList<>();
        for (String raw : allowed) {
            if (raw == null) {
                throw new IllegalArgumentException("invalid allowed origin: null entry");
            }
            try {
                Object parsed = parse(raw.strip(), true);
                if (parsed instanceof Wildcard) {
                    wildcards.add((Wildcard) parsed);
                } else {
                    exact.add((Origin) parsed);
                }
            } catch (Malformed e) {
                throw new IllegalArgumentException(
                        "invalid allowed origin '" + raw + "': " + e.getMessage() + expected());
            }
        }
        return new OriginPolicy(allowed.isEmpty(), Set.copyOf(exact), List.copyOf(wildcards), missing);
    }

    private static String expected() {
        return " (expected scheme://host[:port] or scheme://*.domain[:port], scheme http or https)";
    }

    /**
     * Decides on the value of a handshake's Origin header.
     *
     * @param originHeaderOrNull the header value, or null when the header is absent. An empty value is not
     *                           "absent": browsers never send one, so it is refused as malformed.
     */
    public Decision check(String originHeaderOrNull) {
        if (originHeaderOrNull == null) {
            return missing == MissingOrigin.ALLOW ? Decision.ALLOW : Decision.DENY_MISSING;
        }
        String value = stripOws(originHeaderOrNull);
        if (value.equals("null")) {
            return Decision.DENY_NULL_ORIGIN;
        }
        Origin origin;
        try {
            origin = (Origin) parse(value, false);
        } catch (Malformed e) {
            return Decision.DENY_MALFORMED;
        }
        if (any || exact.contains(origin)) {
            return Decision.ALLOW;
        }
        for (Wildcard w : wildcards) {
            if (w.matches(origin)) {
                return Decision.ALLOW;
            }
        }
        return Decision.DENY_NOT_ALLOWED;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Parsing

    /** A parsed origin: lowercase scheme, lowercase ASCII host (brackets kept for IPv6), explicit port. */
    private record Origin(String scheme, String host, int port) {}

    /** {@code scheme://*.base:port}: matches hosts with at least one label in front of all of base's labels. */
    private record Wildcard(String scheme, List<String> baseLabels, int port) {
        boolean matches(Origin o) {
            if (!scheme.equals(o.scheme) || port != o.port || o.host.startsWith("[")) {
                return false;
            }
            String[] labels = o.host.split("\\.", -1);
            int extra = labels.length - baseLabels.size();
            if (extra < 1) {
                return false;
            }
            for (int i = 0; i < baseLabels.size(); i++) {
                if (!baseLabels.get(i).equals(labels[extra + i])) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Parse failure; the message says what is wrong. No stack trace: thrown for hostile request input. */
    private static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** Strips HTTP optional whitespace (SP, HTAB) around a header value; nothing else. */
    private static String stripOws(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(start, end);
    }

    /** Returns an {@link Origin}, or (only when {@code allowWildcard}) a {@link Wildcard}. */
    private static Object parse(String s, boolean allowWildcard) throws Malformed {
        if (s.isEmpty()) {
            throw new Malformed("empty");
        }
        if (s.length() > MAX_ORIGIN_LENGTH) {
            throw new Malformed("longer than " + MAX_ORIGIN_LENGTH + " characters");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new Malformed("contains whitespace, control or non-ASCII characters");
            }
        }
        int sep = s.indexOf("://");
        if (sep <= 0) {
            throw new Malformed("missing scheme://");
        }
        String scheme = lowerAscii(s.substring(0, sep));
        int defaultPort;
        if (scheme.equals("https")) {
            defaultPort = 443;
        } else if (scheme.equals("http")) {
            defaultPort = 80;
        } else {
            throw new Malformed("scheme must be http or https");
        }
        String rest = s.substring(sep + 3);
        if (rest.indexOf('@') >= 0) {
            throw new Malformed("must not contain userinfo (@)");
        }
        for (int i = 0; i < rest.length(); i++) {
            switch (rest.charAt(i)) {
                case '/':
                case '\\':
                    throw new Malformed("must not have a path");
                case '?':
                    throw new Malformed("must not have a query");
                case '#':
                    throw new Malformed("must not have a fragment");
                case '%':
                    throw new Malformed("must not contain percent-escapes");
                default:
                    break;
            }
        }

        String host;
        String portText = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new Malformed("unterminated IPv6 literal");
            }
            host = rest.substring(0, close + 1);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (after.charAt(0) != ':') {
                    throw new Malformed("unexpected characters after IPv6 literal");
                }
                portText = after.substring(1);
            }
        } else {
            int colon = rest.indexOf(':');
            if (colon >= 0) {
                host = rest.substring(0, colon);
                portText = rest.substring(colon + 1);
            } else {
                host = rest;
            }
        }
        int port = portText == null ? defaultPort : parsePort(portText);

        if (host.startsWith("[")) {
            return new Origin(scheme, checkIpv6(host), port);
        }
        if (allowWildcard && host.startsWith("*.")) {
            String base = host.substring(2);
            if (base.indexOf('*') >= 0) {
                throw new Malformed("a wildcard may only be the whole leftmost label (*.domain)");
            }
            String domain = checkDomain(base);
            List<String> labels = List.of(domain.split("\\.", -1));
            if (labels.size() < 2) {
                throw new Malformed("a wildcard needs a base domain of at least two labels");
            }
            if (isDigits(labels.get(labels.size() - 1))) {
                throw new Malformed("a wildcard's base must be a domain name, not an IP address");
            }
            return new Wildcard(scheme, labels, port);
        }
        if (host.indexOf('*') >= 0) {
            throw new Malformed(
                    allowWildcard ? "a wildcard may only be the whole leftmost label (*.domain)" : "contains '*'");
        }
        return new Origin(scheme, checkDomain(host), port);
    }

    private static int parsePort(String text) throws Malformed {
        if (text.isEmpty() || text.length() > 5 || !isDigits(text)) {
            throw new Malformed("invalid port");
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw new Malformed("port out of range");
        }
        return port;
    }

    /** Validates a dotted host name (or IPv4 address) and returns it ASCII-lowercased. */
    private static String checkDomain(String host) throws Malformed {
        if (host.isEmpty()) {
            throw new Malformed("empty host");
        }
        if (host.length() > 253) {
            throw new Malformed("host longer than 253 characters");
        }
        int labelLength = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                if (labelLength == 0) {
                    throw new Malformed("empty label in host (leading, doubled or trailing dot)");
                }
                labelLength = 0;
            } else if (isLetterOrDigit(c) || c == '-' || c == '_') {
                if (++labelLength > 63) {
                    throw new Malformed("host label longer than 63 characters");
                }
            } else {
                throw new Malformed("invalid character '" + c + "' in host");
            }
        }
        if (labelLength == 0) {
            throw new Malformed("empty label in host (leading, doubled or trailing dot)");
        }
        return lowerAscii(host);
    }

    private static String checkIpv6(String bracketed) throws Malformed {
        String inner = bracketed.substring(1, bracketed.length() - 1);
        if (inner.isEmpty() || inner.indexOf(':') < 0) {
            throw new Malformed("invalid IPv6 literal");
        }
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex && c != ':' && c != '.') {
                throw new Malformed("invalid IPv6 literal");
            }
        }
        return lowerAscii(bracketed);
    }

    private static boolean isLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isDigits(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** Lowercases A-Z only: callers have already rejected every non-ASCII character, so no locale can fold one in. */
    private static String lowerAscii(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
