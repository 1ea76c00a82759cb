package dev.wsctl.pubsub;

import dev.wsctl.auth.Grants;
import dev.wsctl.protocol.ChannelName;
import dev.wsctl.protocol.Settings;
import java.util.function.BooleanSupplier;

/**
 * Who may publish where. The stack's {@code publish} policy is what every connection may do: {@code members}
 * publish on the channels they joined, {@code any} on every channel but a {@code private-*} one they hold no
 * {@code channels} grant for, {@code none} nowhere. A token's {@code publish} claim grants its channels on top of
 * that, under every policy and without joining: it never takes anything away.
 */
final class PublishRule {
    private PublishRule() {}

    /**
     * Why the connection may not publish on {@code channel}, or null when it may.
     *
     * @param publish  the token's {@code publish} claim (empty without auth or without the claim)
     * @param channels the token's {@code channels} claim, the grants to join {@code private-*} channels
     * @param joined   whether the connection has joined {@code channel}; asked only when the answer depends on it
     */
    static String refusal(
            Settings.Publish policy, String channel, Grants publish, Grants channels, BooleanSupplier joined) {
        if (publish.allows(channel)) {
            return null;
        }
        return switch (policy) {
            case NONE ->
                "publishing on " + channel + " needs a grant for it in your token's publish claim (this"
                        + " stack's publish policy is none)";
            case MEMBERS -> joined.getAsBoolean() ? null : "join " + channel + " before publishing on it";
            case ANY ->
                ChannelName.isPrivate(channel) && !channels.allows(channel)
                        ? "publishing on " + channel + " needs a grant for it in your token's channels or publish claim"
                        : null;
        };
    }
}
