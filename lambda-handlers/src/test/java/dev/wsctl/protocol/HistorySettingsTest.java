package dev.wsctl.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** History in the functions' settings: read from their environment, checked, and matched against channels. */
class HistorySettingsTest {

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put(Settings.ENV_TABLE, "chat-dev-connections");
        env.put(Settings.ENV_CALLBACK_URL, "https://abc.execute-api.eu-west-1.amazonaws.com/dev");
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void historyIsOffUnlessChannelsAreNamed() {
        Settings s = Settings.fromEnvironment(env());
        assertThat(s.history()).isEqualTo(Settings.History.off());
        assertThat(s.history().enabled()).isFalse();
        assertThat(s.history().covers("news")).isFalse();
        assertThat(Settings.fromEnvironment(env(Settings.ENV_HISTORY_CHANNELS, " "))
                        .history())
                .isEqualTo(Settings.History.off());
    }

    @Test
    void readsChannelsSizeTtlAndTableFromTheEnvironment() {
        Settings.History h = Settings.fromEnvironment(env(
                        Settings.ENV_HISTORY_CHANNELS, " news  chat-* ",
                        Settings.ENV_HISTORY_SIZE, "250",
                        Settings.ENV_HISTORY_TTL, "3600",
                        Settings.ENV_HISTORY_TABLE, "chat-dev-history"))
                .history();

        assertThat(h.channels()).containsExactly("news", "chat-*");
        assertThat(h.size()).isEqualTo(250);
        assertThat(h.ttl()).isEqualTo(Duration.ofHours(1));
        assertThat(h.table()).contains("chat-dev-history");
        assertThat(h.covers("news")).isTrue();
        assertThat(h.covers("news2")).isFalse();
        assertThat(h.covers("chat-room")).isTrue();
        assertThat(h.covers("chat-")).isTrue();
        assertThat(h.covers("chatroom")).isFalse();

        Settings.History defaults = Settings.fromEnvironment(
                        env(Settings.ENV_HISTORY_CHANNELS, "news", Settings.ENV_HISTORY_TABLE, "chat-dev-history"))
                .history();
        assertThat(defaults.size()).isEqualTo(100);
        assertThat(defaults.ttl()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void aBadValueNamesItsVariable() {
        assertThatThrownBy(() -> Settings.fromEnvironment(env(Settings.ENV_HISTORY_CHANNELS, "news")))
                .hasMessage("Bad function environment: WSCTL_HISTORY_TABLE is not set, and WSCTL_HISTORY_CHANNELS"
                        + " needs it");
        assertThatThrownBy(() -> Settings.fromEnvironment(env(
                        Settings.ENV_HISTORY_CHANNELS, "news",
                        Settings.ENV_HISTORY_TABLE, "t",
                        Settings.ENV_HISTORY_SIZE, "many")))
                .hasMessage("Bad function environment: WSCTL_HISTORY_SIZE must be a whole number, not 'many'");
        assertThatThrownBy(() -> Settings.fromEnvironment(env(
                        Settings.ENV_HISTORY_CHANNELS, "news",
                        Settings.ENV_HISTORY_TABLE, "t",
                        Settings.ENV_HISTORY_SIZE, "1001")))
                .hasMessage("Bad function environment: history size must be 1 to 1000, not 1001");
        assertThatThrownBy(() -> Settings.fromEnvironment(env(
                        Settings.ENV_HISTORY_CHANNELS, "news",
                        Settings.ENV_HISTORY_TABLE, "t",
                        Settings.ENV_HISTORY_TTL, "86401")))
                .hasMessage("Bad function environment: history ttl must be whole seconds above 0 and at most 24h,"
                        + " not 86401s");
        assertThatThrownBy(() -> Settings.fromEnvironment(env(
                        Settings.ENV_HISTORY_CHANNELS, "news bad/name",
                        Settings.ENV_HISTORY_TABLE, "t")))
                .hasMessageStartingWith("Bad function environment: history channel 'bad/name' is not a channel name");
        assertThatThrownBy(() -> Settings.fromEnvironment(env(
                        Settings.ENV_HISTORY_CHANNELS, "news",
                        Settings.ENV_HISTORY_TABLE, "t",
                        Settings.ENV_DELIVERY, "raw")))
                .hasMessage("Bad function environment: history needs the envelope delivery: a raw one cannot carry"
                        + " offsets");
    }

    @Test
    void sizeAndTtlHaveTheirLimits() {
        assertThat(new Settings.History(List.of("a"), 1, Duration.ofSeconds(1), Optional.empty()).size())
                .isEqualTo(1);
        assertThat(new Settings.History(List.of("*"), 1000, Duration.ofHours(24), Optional.empty()).covers("x"))
                .isTrue();
        assertThatThrownBy(() -> new Settings.History(List.of("a"), 0, Duration.ofMinutes(1), Optional.empty()))
                .hasMessage("history size must be 1 to 1000, not 0");
        assertThatThrownBy(() -> new Settings.History(List.of("a"), 10, Duration.ZERO, Optional.empty()))
                .hasMessageStartingWith("history ttl must be");
        assertThat(Settings.defaults("t", URI.create("http://x/y")).history()).isEqualTo(Settings.History.off());
    }
}
