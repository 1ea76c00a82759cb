package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.auth.TestAuthSettings;
import dev.wsctl.auth.TokenVerifier;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Settings;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The authorizer, private channels and the publish policy end to end: the local stack runs the same
 * authorize handler as the deployed function, with real WebSocket clients.
 */
class LocalAuthTest {
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final byte[] SECRET = AuthSettings.newSecret();
    private static final String APP = "https://app.example.com";

    @TempDir
    Path dir;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<TestClient> clients = new ArrayList<>();
    private LocalStack stack;

    private void start(Settings.Publish publish) throws Exception {
        AuthSettings auth =
                TestAuthSettings.hs256(SECRET, List.of(APP, "https://*.example.com"), OriginPolicy.MissingOrigin.ALLOW);
        stack = LocalStack.start(TestStackConfig.at(dir.resolve("local.db"))
                .publish(publish)
                .auth(auth)
                .log(new JsonLog(log::add))
                .build());
    }

    @AfterEach
    void stop() {
        clients.forEach(TestClient::close);
        if (stack != null) {
            stack.close();
        }
    }

    private static String token(String sub, List<String> channels, List<String> publish) {
        return TokenVerifier.mint(SECRET, sub, channels, publish, Duration.ofMinutes(5));
    }

    private URI withToken(String token) {
        return URI.create(stack.websocketUri() + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    private TestClient client(String sub, List<String> channels, List<String> publish) {
        TestClient c = TestClient.connect(withToken(token(sub, channels, publish)), Map.of("Origin", APP));
        clients.add(c);
        return c;
    }

    private static String errorCode(JsonNode frame) {
        assertThat(frame.get("type").asText()).as("frame %s", frame).isEqualTo("error");
        return frame.get("code").asText();
    }

    @Test
    void theUpgradeIsRefusedWithoutAValidTokenOrFromAnotherOrigin() throws Exception {
        start(Settings.Publish.MEMBERS);
        String good = token("alice", List.of(), List.of());
        assertThat(TestClient.refusedHandshake(stack.websocketUri()).statusCode())
                .as("no token")
                .isEqualTo(401);
        String wrongKey =
                TokenVerifier.mint(AuthSettings.newSecret(), "alice", List.of(), List.of(), Duration.ofMinutes(5));
        assertThat(TestClient.refusedHandshake(withToken(wrongKey)).statusCode())
                .as("wrong key")
                .isEqualTo(401);
        assertThat(TestClient.refusedHandshake(withToken(good.substring(0, good.length() - 3)))
                        .statusCode())
                .as("truncated")
                .isEqualTo(401);
        assertThat(TestClient.refusedHandshake(withToken(good), Map.of("Origin", "https://example.com.evil.com"))
                        .statusCode())
                .as("foreign origin")
                .isEqualTo(403);
        assertThat(TestClient.refusedHandshake(withToken(good), Map.of("Origin", "http://app.example.com"))
                        .statusCode())
                .as("http instead of https")
                .isEqualTo(403);
        assertThat(stack.store().connections(100))
                .as("no refused connection reached $connect")
                .isEmpty();

        // accepted: token in the query, or as a Bearer header (non-browser clients, no Origin)
        clients.add(TestClient.connect(withToken(good), Map.of("Origin", "https://x.example.com")));
        clients.add(TestClient.connect(stack.websocketUri(), Map.of("Authorization", "Bearer " + good)));
        assertThat(stack.store().connections(100))
                .hasSize(2)
                .allSatisfy(info -> assertThat(info.sub()).isEqualTo("alice"));

        String all = String.join("\n", log);
        assertThat(all)
                .contains(
                        "\"decision\":\"deny\"",
                        "\"reason\":\"missing_token\"",
                        "\"reason\":\"bad_signature\"",
                        "\"reason\":\"origin_not_allowed\"",
                        "\"decision\":\"allow\"");
        assertThat(all).doesNotContain(good).doesNotContain(wrongKey);
    }

    @Test
    void privateChannelsNeedAGrant() throws Exception {
        start(Settings.Publish.MEMBERS);
        TestClient outsider = client("mallory", List.of("news"), List.of());
        TestClient member = client("alice", List.of("private-team-*"), List.of());

        assertThat(errorCode(outsider.request("{\"action\":\"joinchannel\",\"channel\":\"private-team-a\"}")))
                .isEqualTo("forbidden");
        JsonNode joined = member.request("{\"action\":\"joinchannel\",\"channel\":\"private-team-a\"}");
        assertThat(joined.get("type").asText()).isEqualTo("joined");
        assertThat(errorCode(member.request("{\"action\":\"joinchannel\",\"channel\":\"private-other\"}")))
                .isEqualTo("forbidden");
        assertThat(outsider.request("{\"action\":\"joinchannel\",\"channel\":\"news\"}")
                        .get("type")
                        .asText())
                .as("public channels need no grant")
                .isEqualTo("joined");
        assertThat(stack.store().connections(100)).anySatisfy(info -> {
            assertThat(info.sub()).isEqualTo("alice");
            assertThat(info.grants()).containsExactly("private-team-*");
        });
    }

    /**
     * The policy is what every connection may do; a token's {@code publish} claim grants its channels on top of it,
     * under every policy, and a {@code private-*} channel still needs a grant (a {@code channels} grant where the
     * policy lets non-members publish, or the claim itself).
     */
    @ParameterizedTest
    @EnumSource(Settings.Publish.class)
    void thePublishClaimGrantsOnTopOfThePolicy(Settings.Publish policy) throws Exception {
        start(policy);
        TestClient listener = client("listener", List.of("private-*"), List.of());
        TestClient alice = client("alice", List.of(), List.of());
        TestClient carol = client("carol", List.of(), List.of("allowed-*", "private-x"));
        TestClient dave = client("dave", List.of("private-x"), List.of());
        for (String channel : List.of("news", "allowed-1", "private-x", "private-y")) {
            assertThat(listener.request("{\"action\":\"joinchannel\",\"channel\":\"" + channel + "\"}")
                            .get("type")
                            .asText())
                    .isEqualTo("joined");
        }
        assertThat(alice.request("{\"action\":\"joinchannel\",\"channel\":\"news\"}")
                        .get("type")
                        .asText())
                .isEqualTo("joined");

        JsonNode aliceJoined = alice.request(send("news", "m1"));
        JsonNode aliceOther = alice.request(send("allowed-1", "m2"));
        JsonNode alicePrivate = alice.request(send("private-x", "m3"));
        JsonNode carolOutsideClaim = carol.request(send("news", "m4"));
        JsonNode carolClaimed = carol.request(send("allowed-1", "m5"));
        JsonNode carolClaimedPrivate = carol.request(send("private-x", "m6"));
        JsonNode carolUngrantedPrivate = carol.request(send("private-y", "m7"));
        JsonNode daveGrantedPrivate = dave.request(send("private-x", "m8"));

        // the claim grants its channels under every policy, without joining them
        assertThat(carolClaimed.get("type").asText())
                .as("claimed channel, not joined")
                .isEqualTo("ack");
        assertThat(carolClaimedPrivate.get("type").asText())
                .as("claimed private channel")
                .isEqualTo("ack");
        assertThat(errorCode(alicePrivate)).as("private channel, no grant").isEqualTo("forbidden");
        assertThat(errorCode(carolUngrantedPrivate))
                .as("private channel outside the claim")
                .isEqualTo("forbidden");
        switch (policy) {
            case MEMBERS -> {
                assertThat(aliceJoined.get("type").asText()).isEqualTo("ack");
                assertThat(errorCode(aliceOther)).as("not joined").isEqualTo("forbidden");
                assertThat(errorCode(carolOutsideClaim))
                        .as("not joined, outside the claim")
                        .isEqualTo("forbidden");
                assertThat(errorCode(daveGrantedPrivate))
                        .as("a join grant is not membership")
                        .isEqualTo("forbidden");
                assertThat(received(listener)).containsExactlyInAnyOrder("m1", "m5", "m6");
            }
            case ANY -> {
                assertThat(aliceJoined.get("type").asText()).isEqualTo("ack");
                assertThat(aliceOther.get("type").asText()).isEqualTo("ack");
                assertThat(carolOutsideClaim.get("type").asText())
                        .as("the claim does not narrow the policy")
                        .isEqualTo("ack");
                assertThat(daveGrantedPrivate.get("type").asText())
                        .as("a channels grant covers a private channel")
                        .isEqualTo("ack");
                assertThat(received(listener)).containsExactlyInAnyOrder("m1", "m2", "m4", "m5", "m6", "m8");
            }
            case NONE -> {
                for (JsonNode answer : List.of(aliceJoined, aliceOther, carolOutsideClaim, daveGrantedPrivate)) {
                    assertThat(errorCode(answer)).isEqualTo("forbidden");
                }
                assertThat(received(listener)).containsExactlyInAnyOrder("m5", "m6");
            }
        }
    }

    @Test
    void theAuthorizerContextReachesTheSendHandler() throws Exception {
        start(Settings.Publish.MEMBERS);
        TestClient a = client("alice", List.of("private-room"), List.of());
        TestClient b = client("bob", List.of("private-room"), List.of());
        a.request("{\"action\":\"joinchannel\",\"channel\":\"private-room\"}");
        b.request("{\"action\":\"joinchannel\",\"channel\":\"private-room\"}");
        b.send(send("private-room", "hi"));
        JsonNode delivered = a.next();
        assertThat(delivered.get("sender").asText())
                .as("the sender is the token's sub")
                .isEqualTo("bob");
        assertThat(delivered.get("message").asText()).isEqualTo("hi");
    }

    private static String send(String channel, String text) {
        return "{\"action\":\"sendmessage\",\"channel\":\"" + channel + "\",\"message\":\"" + text + "\",\"id\":\""
                + text + "\"}";
    }

    private static List<String> received(TestClient c) throws Exception {
        List<String> texts = new ArrayList<>();
        for (String frame : c.drain(QUIET)) {
            texts.add(Jackson.mapper().readTree(frame).get("message").asText());
        }
        return texts;
    }
}
