package dev.wsctl.protocol;

import java.util.List;

/**
 * A presence channel's members as the store reads them.
 *
 * @param count     how many members the channel has, exactly
 * @param listed    the first members in user order, at most {@code ConnectionStore.MEMBERS_LISTED} (100)
 * @param truncated whether there are members beyond {@code listed}
 */
public record Members(long count, List<Member> listed, boolean truncated) {
    public Members {
        listed = List.copyOf(listed);
    }

    public static Members none() {
        return new Members(0, List.of(), false);
    }
}
