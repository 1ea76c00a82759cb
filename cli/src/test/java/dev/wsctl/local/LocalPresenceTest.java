package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.auth.TestAuthSettings;
import dev.wsctl.auth.TokenVerifier;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Member;
import dev.wsctl.store.Ttl;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Presence channels end to end through the local stack with real WebSocket clients: joined with members,
 * member_added / member_removed to the others (leave, a closed socket, a connection a fan-out finds gone), the
 * presence action, and every refusal.
 */
class LocalPresenceTest {
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final byte[] SECRET = AuthSettings.newSecret();
    private static final String ROOM = "presence-room";

    @TempDir
    Path dir;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<TestClient> clients = new ArrayList<>();
    private LocalStack stack;

    private void start(boolean auth) throws Exception {
        TestStackConfig config = TestStackConfig.at(dir.resolve("local.db")).log(new JsonLog(log::add));
        if (auth) {
            config.auth(TestAuthSettings.hs256(SECRET, List.of(), OriginPolicy.MissingOrigin.ALLOW));
        }
        stack = LocalStack.start(config.build());
    }

    @AfterEach
    void stop() {
        clients.forEach(TestClient::close);
        if (stack != null) {
            stack.close();
        }
    }

    private TestClient client() {
        TestClient c = TestClient.connect(stack.websocketUri());
        clients.add(c);
        return c;
    }

    private static String token(String sub, List<String> channels, String info) {
        return TokenVerifier.mint(SECRET, sub, channels, List.of(), info, Duration.ofMinutes(5));
    }

    private URI withToken(String token) {
        return URI.create(stack.websocketUri() + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    private TestClient client(String sub, List<String> channels, String info) {
        TestClient c = TestClient.connect(withToken(token(sub, channels, info)));
        clients.add(c);
        return c;
    }

    private static String join(String channel) {
        return "{\"action\":\"joinchannel\",\"channel\":\"" + channel + "\"}";
    }

    private static String leave(String channel) {
        return "{\"action\":\"leavechannel\",\"channel\":\"" + channel + "\"}";
    }

    private static String presence(String channel) {
        return "{\"action\":\"presence\",\"channel\":\"" + channel + "\"}";
    }

    private static JsonNode json(String text) throws Exception {
        return Jackson.mapper().readTree(text);
    }

    private static String errorCode(JsonNode frame) {
        assertThat(frame.get("type").asText()).as("frame %s", frame).isEqualTo("error");
        return frame.get("code").asText();
    }

    @Test
    void withoutAuthTheMemberIsTheConnectionAndEveryWayOfLeavingIsAnnounced() throws Exception {
        start(false);
        TestClient a = client();
        TestClient b = client();
        TestClient outsider = client();

        JsonNode joinedA = a.request(join(ROOM));
        String idA = joinedA.get("connectionId").asText();
        assertThat(joinedA.get("presence")).isEqualTo(json("{\"count\":1,\"members\":[{\"user\":\"" + idA + "\"}]}"));

        JsonNode joinedB = b.request(join(ROOM));
        String idB = joinedB.get("connectionId").asText();
        assertThat(joinedB.get("type").asText()).isEqualTo("joined");
        assertThat(joinedB.get("presence").get("count").asLong()).isEqualTo(2);
        assertThat(joinedB.get("presence").get("members").findValuesAsText("user"))
                .containsExactlyElementsOf(List.of(idA, idB).stream().sorted().toList());
        assertThat(a.next())
                .isEqualTo(json("{\"type\":\"member_added\",\"channel\":\"" + ROOM + "\",\"user\":\"" + idB + "\"}"));

        JsonNode listed = a.request(presence(ROOM));
        assertThat(listed.get("type").asText()).isEqualTo("presence");
        assertThat(listed.get("channel").asText()).isEqualTo(ROOM);
        assertThat(listed.get("count").asLong()).isEqualTo(2);
        assertThat(listed.has("truncated")).isFalse();
        assertThat(errorCode(outsider.request(presence(ROOM)))).isEqualTo("forbidden");
        assertThat(errorCode(a.request(presence("news")))).isEqualTo("invalid_channel");

        // leavechannel: the other gets member_removed, the leaver only left
        assertThat(b.request(leave(ROOM)).get("type").asText()).isEqualTo("left");
        assertThat(a.next())
                .isEqualTo(json("{\"type\":\"member_removed\",\"channel\":\"" + ROOM + "\",\"user\":\"" + idB + "\"}"));
        assertThat(errorCode(b.request(presence(ROOM)))).isEqualTo("forbidden");

        // back, then the socket closes: $disconnect announces it
        b.request(join(ROOM));
        assertThat(a.next().get("type").asText()).isEqualTo("member_added");
        b.close();
        assertThat(a.next())
                .isEqualTo(json("{\"type\":\"member_removed\",\"channel\":\"" + ROOM + "\",\"user\":\"" + idB + "\"}"));
        assertThat(a.drain(QUIET)).isEmpty();
        assertThat(outsider.drain(QUIET)).as("not subscribed: told nothing").isEmpty();
        assertThat(stack.store().members(ROOM).count()).isEqualTo(1);
    }

    @Test
    void withAuthTheMemberIsTheUserWithItsInfoAndTwoConnectionsAreOneMember() throws Exception {
        start(true);
        TestClient alice1 = client("alice", List.of("presence-*"), "{\"name\":\"Alice\"}");
        TestClient alice2 = client("alice", List.of(ROOM), "{\"name\":\"Alice\"}");
        TestClient bob = client("bob", List.of("presence-r*"), null);
        TestClient mallory = client("mallory", List.of("news"), null);

        assertThat(errorCode(mallory.request(join(ROOM)))).as("no grant").isEqualTo("forbidden");
        assertThat(errorCode(mallory.request(presence(ROOM)))).isEqualTo("forbidden");

        JsonNode joined = alice1.request(join(ROOM));
        assertThat(joined.get("presence"))
                .isEqualTo(json("{\"count\":1,\"members\":[{\"user\":\"alice\",\"info\":{\"name\":\"Alice\"}}]}"));
        assertThat(bob.request(join(ROOM)).get("presence").get("count").asLong())
                .isEqualTo(2);
        assertThat(alice1.next())
                .isEqualTo(json("{\"type\":\"member_added\",\"channel\":\"" + ROOM + "\",\"user\":\"bob\"}"));

        // alice's second connection: no second member_added, still two members
        JsonNode second = alice2.request(join(ROOM));
        assertThat(second.get("presence"))
                .isEqualTo(json("{\"count\":2,\"members\":[{\"user\":\"alice\",\"info\":{\"name\":\"Alice\"}},"
                        + "{\"user\":\"bob\"}]}"));
        assertThat(bob.drain(QUIET)).isEmpty();

        // her first connection closes: nothing; her second leaves: member_removed
        alice1.close();
        assertThat(bob.drain(QUIET)).isEmpty();
        assertThat(bob.request(presence(ROOM)).get("count").asLong()).isEqualTo(2);
        alice2.request(leave(ROOM));
        assertThat(bob.next())
                .isEqualTo(json("{\"type\":\"member_removed\",\"channel\":\"" + ROOM + "\",\"user\":\"alice\"}"));
        assertThat(alice2.drain(QUIET)).isEmpty();

        // a new connection of alice's: member_added with her info
        TestClient alice3 = client("alice", List.of(ROOM), "{\"name\":\"Alice\",\"n\":3}");
        alice3.request(join(ROOM));
        assertThat(bob.next())
                .isEqualTo(json("{\"type\":\"member_added\",\"channel\":\"" + ROOM
                        + "\",\"user\":\"alice\",\"info\":{\"name\":\"Alice\",\"n\":3}}"));
    }

    @Test
    void aTokenWhoseInfoIsNotAnObjectOrTooLargeIsRefusedAtConnect() throws Exception {
        start(true);
        String big = "{\"bio\":\"" + "x".repeat(1024) + "\"}";
        assertThat(TestClient.refusedHandshake(withToken(token("alice", List.of(ROOM), big)))
                        .statusCode())
                .isEqualTo(401);
        assertThat(TestClient.refusedHandshake(withToken(token("alice", List.of(ROOM), "[1,2]")))
                        .statusCode())
                .isEqualTo(401);
        assertThat(TestClient.refusedHandshake(withToken(token("alice", List.of(ROOM), "\"Alice\"")))
                        .statusCode())
                .isEqualTo(401);
        assertThat(String.join("\n", log))
                .contains("\"reason\":\"info_too_large\"")
                .contains("\"reason\":\"info_not_object\"");
        // just under the limit is fine
        String fits = "{\"bio\":\"" + "x".repeat(1024 - "{\"bio\":\"\"}".length()) + "\"}";
        assertThat(fits.getBytes(StandardCharsets.UTF_8)).hasSize(1024);
        TestClient ok = client("alice", List.of(ROOM), fits);
        assertThat(ok.request(join(ROOM)).get("presence").get("members").get(0).get("info"))
                .isEqualTo(json(fits));
    }

    /**
     * A fan-out that finds connections gone announces their departures; announcing one finds another gone, whose
     * departure is announced in turn, and it ends.
     */
    @Test
    void connectionsAFanoutFindsGoneAreAnnouncedAndTheAnnouncingEnds() throws Exception {
        start(false);
        TestClient a = client();
        TestClient sender = client();
        a.request(join("presence-hall"));
        sender.request(join("presence-lobby"));
        long expires = Ttl.expiresAt(System.currentTimeMillis());
        // ghosts: rows of connections whose sockets are gone and whose $disconnect never ran
        stack.store().join("Ghost0000001A=", "presence-lobby", new Member("ghost-1", null), expires);
        stack.store().join("Ghost0000001A=", "presence-hall", new Member("ghost-1", null), expires);
        stack.store().join("Ghost0000002A=", "presence-hall", new Member("ghost-2", null), expires);
        stack.store().join("Ghost0000003A=", "presence-hall", new Member("ghost-2", null), expires);
        assertThat(stack.store().members("presence-hall").count()).isEqualTo(3);

        sender.send("{\"action\":\"sendmessage\",\"channel\":\"presence-lobby\",\"message\":\"hi\"}");

        // lobby's fan-out finds ghost 1 gone; announcing it in the hall finds both of ghost 2's connections gone
        List<JsonNode> got = List.of(a.next(), a.next());
        assertThat(got)
                .containsExactly(
                        json("{\"type\":\"member_removed\",\"channel\":\"presence-hall\",\"user\":\"ghost-1\"}"),
                        json("{\"type\":\"member_removed\",\"channel\":\"presence-hall\",\"user\":\"ghost-2\"}"));
        assertThat(a.drain(QUIET)).isEmpty();
        assertThat(sender.next().get("type").asText())
                .as("ghost-1 left the lobby too")
                .isEqualTo("member_removed");
        assertThat(stack.store().members("presence-hall").count()).isEqualTo(1);
        assertThat(stack.store().members("presence-lobby").count()).isEqualTo(1);
        assertThat(stack.store().connection("Ghost0000002A=")).isEmpty();
    }

    /** The members of a crowded channel: rows of members the store holds, read by a subscriber's presence action. */
    @Test
    void moreThanAHundredMembersAreCountedAndTruncated() throws Exception {
        start(false);
        TestClient a = client();
        assertThat(a.request(join(ROOM)).get("presence").get("count").asLong()).isEqualTo(1);
        long expires = Ttl.expiresAt(System.currentTimeMillis());
        for (int i = 0; i < 120; i++) {
            stack.store()
                    .join(String.format("Member%04dA=", i), ROOM, new Member(String.format("u%03d", i), null), expires);
        }

        JsonNode listed = a.request(presence(ROOM));

        assertThat(listed.get("count").asLong()).isEqualTo(121);
        assertThat(listed.get("truncated").asBoolean()).isTrue();
        assertThat(listed.get("members")).hasSize(100);
        assertThat(listed.get("members").findValuesAsText("user"))
                .contains("u000", "u098")
                .doesNotContain("u119");
    }
}
