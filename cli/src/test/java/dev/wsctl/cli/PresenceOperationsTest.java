package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.protocol.Member;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.Ttl;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the operations commands do to presence channels of a running (local) stack: kick and gc announce the
 * departures of the rows they remove; channels list and inspect show members.
 */
class PresenceOperationsTest {
    private static final String ROOM = "presence-room";

    @RegisterExtension
    final LocalTarget local = new LocalTarget();

    private static JsonNode json(CliRun r) throws IOException {
        assertThat(r.code()).as(r.err()).isZero();
        return Jackson.mapper().readTree(r.out());
    }

    /** A connection whose socket is gone and whose $disconnect never ran, a member of {@code channel}. */
    private void ghost(String id, String user, String channel) {
        long now = System.currentTimeMillis();
        local.store()
                .connect(new ConnectionInfo(id, now, "10.0.0.9", null, user, List.of(), Ttl.expiresAt(now)), List.of());
        local.store().join(id, channel, new Member(user, "{\"ghost\":true}"), Ttl.expiresAt(now));
    }

    private static JsonNode removed(String user) throws IOException {
        return Jackson.mapper()
                .readTree("{\"type\":\"member_removed\",\"channel\":\"" + ROOM + "\",\"user\":\"" + user + "\"}");
    }

    @Test
    void kickingAGhostAnnouncesItsDeparture() throws Exception {
        ClientSocket watcher = local.client(null);
        LocalTarget.join(watcher, ROOM);
        ghost("GhostKick0001A=", "ghost-1", ROOM);

        JsonNode kicked = json(local.wsctl("connections", "kick", "-o", "json", "--", "GhostKick0001A="));

        assertThat(kicked.get("gone").asBoolean()).isTrue();
        assertThat(kicked.get("rowsRemoved").asInt()).isEqualTo(2);
        assertThat(LocalTarget.next(watcher)).isEqualTo(removed("ghost-1"));
        assertThat(local.store().members(ROOM).count()).isEqualTo(1);
    }

    @Test
    void gcAnnouncesTheDepartureOfEveryGhostOnce() throws Exception {
        ClientSocket watcher = local.client(null);
        LocalTarget.join(watcher, ROOM);
        ghost("GhostGc00001A=", "ghost-1", ROOM);
        ghost("GhostGc00002A=", "ghost-2", ROOM);
        ghost("GhostGc00003A=", "ghost-2", ROOM);

        JsonNode report = json(local.wsctl("connections", "gc", "-o", "json"));

        assertThat(report.get("removed").asLong()).isEqualTo(3);
        assertThat(List.of(LocalTarget.next(watcher), LocalTarget.next(watcher)))
                .containsExactlyInAnyOrder(removed("ghost-1"), removed("ghost-2"));
        assertThat(watcher.nextText(System.nanoTime() + Duration.ofMillis(300).toNanos()))
                .isNull();
        assertThat(local.store().members(ROOM).count()).isEqualTo(1);
    }

    @Test
    void channelsListShowsMemberCountsAndInspectListsMembers() throws Exception {
        ClientSocket a = local.client(null);
        String idA = LocalTarget.join(a, ROOM);
        ghost("GhostList001A=", "ghost-1", ROOM);
        ghost("GhostList002A=", "ghost-1", ROOM);

        JsonNode list = json(local.wsctl("channels", "list", "-o", "json"));
        assertThat(list.get("channels"))
                .extracting(n ->
                        n.get("channel").asText() + "=" + n.get("subscribers").asLong() + "/"
                                + n.path("members").asText("-"))
                .contains("presence-room=3/2", "default=1/-");

        JsonNode inspected = json(local.wsctl("channels", "inspect", ROOM, "-o", "json"));
        assertThat(inspected.get("count").asLong()).isEqualTo(3);
        assertThat(inspected.get("presence").get("count").asLong()).isEqualTo(2);
        assertThat(inspected.get("presence").get("members"))
                .extracting(m -> m.get("user").asText())
                .containsExactlyInAnyOrder("ghost-1", idA);
        assertThat(inspected.get("presence").get("truncated").asBoolean()).isFalse();

        CliRun table = local.wsctl("channels", "inspect", ROOM);
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("2 members").contains("ghost-1").contains("{\"ghost\":true}");
        CliRun listTable = local.wsctl("channels", "list");
        assertThat(listTable.out()).contains("MEMBERS");
    }
}
