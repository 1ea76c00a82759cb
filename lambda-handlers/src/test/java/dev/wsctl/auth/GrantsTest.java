package dev.wsctl.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GrantsTest {
    @Test
    void namesPatternsAndEverything() {
        Grants g = Grants.of(List.of("news", "private-team-*"));
        assertThat(g.allows("news")).isTrue();
        assertThat(g.allows("news2")).isFalse();
        assertThat(g.allows("private-team-a")).isTrue();
        assertThat(g.allows("private-team-")).isTrue();
        assertThat(g.allows("private-teams")).isFalse();
        assertThat(g.allows("private-other")).isFalse();
        assertThat(Grants.of(List.of("*")).allows("private-anything")).isTrue();
        assertThat(Grants.none().allows("news")).isFalse();
    }

    @Test
    void encodeAndDecodeKeepChannelNamesWithCommas() {
        Grants g = Grants.of(List.of("a,b", "private-x*"));
        assertThat(Grants.decode(g.encode()).patterns()).containsExactly("a,b", "private-x*");
        assertThat(Grants.decode("").isEmpty()).isTrue();
        assertThat(Grants.decode(null).isEmpty()).isTrue();
    }

    @Test
    void refusesWhatIsNotAPattern() {
        for (String bad : List.of("", "a*b", "#x", "**", "a b", "private-*-x")) {
            assertThatThrownBy(() -> Grants.of(List.of(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
