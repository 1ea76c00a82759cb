package dev.wsctl.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wsctl.auth.OriginPolicy.Decision;
import dev.wsctl.auth.OriginPolicy.MissingOrigin;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OriginPolicyTest {

    private static final List<String> ALLOWLIST = List.of("https://app.example.com", "https://*.example.com");
    private final OriginPolicy policy = OriginPolicy.of(ALLOWLIST, MissingOrigin.DENY);

    // --- refused corpus -----------------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '\'',
            value = {
                "https://example.com.evil.com          | not_allowed",
                "https://evilexample.com               | not_allowed",
                "https://example.com                   | not_allowed", // bare domain never matches its own wildcard
                "http://app.example.com                | not_allowed", // scheme differs
                "https://app.example.com:8443          | not_allowed", // port differs
                "https://app.example.com:80            | not_allowed",
                "https://APP.EXAMPLE.COM.evil.com      | not_allowed",
                "https://example.org                   | not_allowed",
                "https://app.example.co                | not_allowed",
                "https://xexample.com                  | not_allowed",
                "https://com                           | not_allowed",
                "https://[::1]                         | not_allowed",
                "https://127.0.0.1                     | not_allowed",
                "wss://app.example.com                 | malformed",
                "ws://app.example.com                  | malformed",
                "file://app.example.com                | malformed",
                "https://app.example.com.              | malformed", // trailing dot is not normalised away
                "https://app.example.com..             | malformed",
                "https://.example.com                  | malformed",
                "https://a..example.com                | malformed",
                "https://app.example.com@evil.com      | malformed",
                "https://user:pw@app.example.com       | malformed",
                "https://evil.com/https://app.example.com | malformed",
                "https://evil.com\\@app.example.com    | malformed",
                "https://evil.com?https://app.example.com | malformed",
                "https://evil.com#.app.example.com     | malformed",
                "https://app.example.com/              | malformed",
                "https://app.example.com%2eevil.com    | malformed",
                "https://app%2Eexample.com             | malformed",
                "https://*.example.com                 | malformed", // a wildcard is not an origin
                "https://app.example.com:              | malformed",
                "https://app.example.com:0             | malformed",
                "https://app.example.com:65536         | malformed",
                "https://app.example.com:443:443       | malformed",
                "https://app.example.com:+443          | malformed",
                "https://app.example.com, https://evil.com | malformed",
                "https://app.example.com https://evil.com  | malformed",
                "https:/app.example.com                | malformed",
                "https//app.example.com                | malformed",
                "//app.example.com                     | malformed",
                "app.example.com                       | malformed",
                "https://                              | malformed",
                "garbage                               | malformed",
                "'\u0000'                              | malformed",
                "''                                    | malformed", // empty value is not an absent header
                "null                                  | null_origin",
                "NULL                                  | malformed",
            })
    void refusesOriginsThatAreNotAllowed(String origin, String reason) {
        Decision decision = policy.check(origin);

        assertThat(decision.allowed()).as(origin).isFalse();
        assertThat(decision.reason()).as(origin).isEqualTo(reason);
    }

    @Test
    void refusesNonAsciiLookalikesInsteadOfCaseFoldingThem() {
        // U+212A KELVIN SIGN lowercases to 'k' with String.toLowerCase; must not become k.example.com
        assertThat(policy.check("https://\u212A.example.com")).isEqualTo(Decision.DENY_MALFORMED);
        // U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE
        assertThat(policy.check("https://\u0130.example.com")).isEqualTo(Decision.DENY_MALFORMED);
        // fullwidth full stop, which IDNA would map to '.'
        assertThat(policy.check("https://app.example\uFF0Ecom")).isEqualTo(Decision.DENY_MALFORMED);
        assertThat(policy.check("https://app.exa\u0000mple.com")).isEqualTo(Decision.DENY_MALFORMED);
    }

    @Test
    void refusesAbsurdlyLongOrigins() {
        String longHost = "a.".repeat(OriginPolicy.MAX_ORIGIN_LENGTH) + "example.com";
        assertThat(policy.check("https://" + longHost)).isEqualTo(Decision.DENY_MALFORMED);
        String longLabel = "a".repeat(64) + ".example.com";
        assertThat(policy.check("https://" + longLabel)).isEqualTo(Decision.DENY_MALFORMED);
    }

    // --- accepted corpus ----------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://app.example.com",
                "https://APP.Example.com",
                "HTTPS://app.example.com",
                "https://app.example.com:443",
                "https://a.b.example.com",
                "https://x.example.com",
                "https://deep.er.than.that.example.com",
                "https://x.example.com:443",
                "https://xn--bcher-kva.example.com",
                "https://my_host.example.com",
                " https://app.example.com\t", // HTTP optional whitespace around the header value
            })
    void acceptsAllowedOrigins(String origin) {
        assertThat(policy.check(origin)).as(origin).isEqualTo(Decision.ALLOW);
        assertThat(Decision.ALLOW.reason()).isNull();
    }

    @Test
    void exactEntriesCompareParsedSchemeHostAndPort() {
        OriginPolicy p = OriginPolicy.of(
                List.of("http://localhost:3000", "https://a.com:443", "http://b.com", "http://[::1]:8080"),
                MissingOrigin.DENY);

        assertThat(p.check("http://localhost:3000")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("http://LOCALHOST:3000")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("http://localhost:30000")).isEqualTo(Decision.DENY_NOT_ALLOWED);
        assertThat(p.check("http://localhost:300")).isEqualTo(Decision.DENY_NOT_ALLOWED);
        assertThat(p.check("http://localhost")).isEqualTo(Decision.DENY_NOT_ALLOWED);
        assertThat(p.check("https://localhost:3000")).isEqualTo(Decision.DENY_NOT_ALLOWED);
        assertThat(p.check("http://localhost:3000.evil.com")).isEqualTo(Decision.DENY_MALFORMED);

        assertThat(p.check("https://a.com")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("https://a.com:443")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("http://a.com")).isEqualTo(Decision.DENY_NOT_ALLOWED);
        assertThat(p.check("https://sub.a.com")).isEqualTo(Decision.DENY_NOT_ALLOWED);

        assertThat(p.check("http://b.com:80")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("http://b.com:443")).isEqualTo(Decision.DENY_NOT_ALLOWED);

        assertThat(p.check("http://[::1]:8080")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("http://[::1]")).isEqualTo(Decision.DENY_NOT_ALLOWED);
    }

    @Test
    void wildcardsKeepTheirSchemeAndPort() {
        OriginPolicy p = OriginPolicy.of(List.of("http://*.dev.test:8080"), MissingOrigin.DENY);

        assertThat(p.check("http://a.dev.test:8080")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("http://a.b.dev.test:8080")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("http://dev.test:8080")).isEqualTo(Decision.DENY_NOT_ALLOWED);
        assertThat(p.check("http://a.dev.test")).isEqualTo(Decision.DENY_NOT_ALLOWED);
        assertThat(p.check("https://a.dev.test:8080")).isEqualTo(Decision.DENY_NOT_ALLOWED);
        assertThat(p.check("http://adev.test:8080")).isEqualTo(Decision.DENY_NOT_ALLOWED);
        assertThat(p.check("http://a.dev.test.evil:8080")).isEqualTo(Decision.DENY_NOT_ALLOWED);
    }

    // --- missing origin and empty allowlist --------------------------------------------------------------------

    @Test
    void missingOriginFollowsTheSetting() {
        assertThat(OriginPolicy.of(ALLOWLIST, MissingOrigin.ALLOW).check(null)).isEqualTo(Decision.ALLOW);

        Decision denied = OriginPolicy.of(ALLOWLIST, MissingOrigin.DENY).check(null);
        assertThat(denied).isEqualTo(Decision.DENY_MISSING);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.reason()).isEqualTo("missing");
    }

    @Test
    void missingOriginAllowDoesNotLetEmptyOrNullOriginsThrough() {
        OriginPolicy lenient = OriginPolicy.of(ALLOWLIST, MissingOrigin.ALLOW);

        assertThat(lenient.check("")).isEqualTo(Decision.DENY_MALFORMED);
        assertThat(lenient.check("null")).isEqualTo(Decision.DENY_NULL_ORIGIN);
        assertThat(lenient.check("https://evil.com")).isEqualTo(Decision.DENY_NOT_ALLOWED);
    }

    @Test
    void emptyAllowlistAllowsAnyWellFormedOriginButStillRefusesNullAndGarbage() {
        OriginPolicy any = OriginPolicy.of(List.of(), MissingOrigin.DENY);

        assertThat(any.check("https://evil.com")).isEqualTo(Decision.ALLOW);
        assertThat(any.check("http://localhost:1234")).isEqualTo(Decision.ALLOW);
        assertThat(any.check("null")).isEqualTo(Decision.DENY_NULL_ORIGIN);
        assertThat(any.check("garbage")).isEqualTo(Decision.DENY_MALFORMED);
        assertThat(any.check("")).isEqualTo(Decision.DENY_MALFORMED);
        assertThat(any.check(null)).isEqualTo(Decision.DENY_MISSING);
        assertThat(OriginPolicy.of(List.of(), MissingOrigin.ALLOW).check(null)).isEqualTo(Decision.ALLOW);
    }

    @Test
    void reasonCodes() {
        assertThat(Arrays.stream(Decision.values()).map(Decision::reason))
                .containsExactly(null, "missing", "null_origin", "malformed", "not_allowed");
    }

    // --- allowlist validation ------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://app.example.com/",
                "https://app.example.com/path",
                "https://app.example.com?x=1",
                "https://app.example.com#frag",
                "https://user@app.example.com",
                "https://user:pw@app.example.com",
                "https://app.*.example.com",
                "https://*.*.example.com",
                "https://*example.com",
                "https://app*.example.com",
                "https://*",
                "https://*.com",
                "https://*.0.0.1",
                "*://app.example.com",
                "https://example.*",
                "ftp://app.example.com",
                "ws://app.example.com",
                "wss://app.example.com",
                "file:///etc/passwd",
                "app.example.com",
                "*.example.com",
                "https://",
                "https://app.example.com.",
                "https://app.example.com:",
                "https://app.example.com:99999",
                "https://app.example.com:abc",
                "https://app%2eexample.com",
                "https://app example.com",
                "null",
                "",
                "   ",
            })
    void rejectsMalformedAllowlistEntriesNamingThem(String entry) {
        List<String> allowed = List.of("https://good.example.com", entry);

        assertThatThrownBy(() -> OriginPolicy.of(allowed, MissingOrigin.DENY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + entry + "'");
    }

    @Test
    void rejectsNullEntryAndNullArguments() {
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> OriginPolicy.of(withNull, MissingOrigin.DENY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
        assertThatThrownBy(() -> OriginPolicy.of(null, MissingOrigin.DENY)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> OriginPolicy.of(ALLOWLIST, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void errorMessagesSayWhatIsWrong() {
        assertThatThrownBy(() -> OriginPolicy.of(List.of("https://a.com/x"), MissingOrigin.DENY))
                .hasMessageContaining("path");
        assertThatThrownBy(() -> OriginPolicy.of(List.of("https://a.com?x"), MissingOrigin.DENY))
                .hasMessageContaining("query");
        assertThatThrownBy(() -> OriginPolicy.of(List.of("https://u@a.com"), MissingOrigin.DENY))
                .hasMessageContaining("userinfo");
        assertThatThrownBy(() -> OriginPolicy.of(List.of("https://a.*.com"), MissingOrigin.DENY))
                .hasMessageContaining("leftmost");
        assertThatThrownBy(() -> OriginPolicy.of(List.of("ftp://a.com"), MissingOrigin.DENY))
                .hasMessageContaining("http or https");
    }

    @Test
    void acceptsWellFormedEntriesIncludingUppercaseAndSurroundingWhitespace() {
        OriginPolicy p = OriginPolicy.of(
                List.of(
                        " HTTPS://App.Example.COM ",
                        "http://localhost:3000",
                        "https://*.Example.org:8443",
                        "http://127.0.0.1:8080",
                        "http://[::1]:3000"),
                MissingOrigin.DENY);

        assertThat(p.check("https://app.example.com")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("https://x.example.org:8443")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("http://127.0.0.1:8080")).isEqualTo(Decision.ALLOW);
        assertThat(p.check("http://[::1]:3000")).isEqualTo(Decision.ALLOW);
    }
}
