package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.auth.TokenRejected;
import dev.wsctl.auth.TokenVerifier;
import dev.wsctl.config.Jackson;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --token} (and {@code $WSCTL_TOKEN}) of listen, smoke and bench reach the stack's authorizer as
 * {@code ?token=}; a refusal is one sentence with exit 1; the token never shows in their output.
 */
class ClientTokenTest {
    private static final String TOKEN = "header.payload.signature-of-the-right-token";
    private static final String WRONG = "header.payload.signature-of-a-wrong-token";

    @TempDir
    Path dir;

    private AuthorizedStack stack;

    @AfterEach
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private AuthorizedStack start(java.util.function.Predicate<String> accepts) throws Exception {
        stack = new AuthorizedStack(dir.resolve("local.db"), accepts);
        return stack;
    }

    private String url() {
        return stack.url().toString();
    }

    /** {@code wsctl args…} with {@code env} as the environment of listen, smoke and bench. */
    private static CliRun withEnv(Map<String, String> env, String... args) {
        Context context = new Context(
                env,
                (options, config, e) -> {
                    throw new AssertionError("no AWS here");
                },
                null);
        return CliRun.wsctl(context, args);
    }

    private static CliRun wsctl(String... args) {
        return withEnv(Map.of(), args);
    }

    private static void assertNoToken(CliRun r) {
        assertThat(r.out() + r.err())
                .doesNotContain(TOKEN)
                .doesNotContain(WRONG)
                .doesNotContain("signature-of");
    }

    @Test
    void listenConnectsWithTheToken() throws Exception {
        start(TOKEN::equals);
        CliRun r = wsctl("listen", "--channel", "news", "--timeout", "500ms", "--url", url(), "--token", TOKEN);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(stack.tokensSeen).containsExactly(TOKEN);
        assertThat(r.err()).contains("listen: joined news at " + url() + "?token=…");
        assertNoToken(r);
    }

    @Test
    void listenTakesTheTokenFromWsctlTokenAndKeepsTheUrlsQuery() throws Exception {
        start(TOKEN::equals);
        CliRun r = withEnv(
                Map.of("WSCTL_TOKEN", TOKEN),
                "listen",
                "--channel",
                "news",
                "--timeout",
                "500ms",
                "--url",
                url() + "?tenant=a");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(stack.tokensSeen).containsExactly(TOKEN);
        assertThat(r.err()).contains("at " + url() + "?tenant=a&token=…");
        assertNoToken(r);
    }

    @Test
    void listenRefusedSaysSoInOneSentence() throws Exception {
        start(TOKEN::equals);
        CliRun wrong =
                withEnv(Map.of("WSCTL_TOKEN", TOKEN), "listen", "--channel", "news", "--url", url(), "--token", WRONG);
        assertThat(wrong.code()).isEqualTo(ExitCode.FAILED);
        assertThat(wrong.err())
                .isEqualTo("wsctl: Could not connect to " + url() + "?token=…: the stack refused the"
                        + " connection: 401 Unauthorized — pass a valid --token.\n");
        assertThat(wrong.out()).isEmpty();
        assertNoToken(wrong);

        CliRun none = wsctl("listen", "--channel", "news", "--url", url());
        assertThat(none.code()).isEqualTo(ExitCode.FAILED);
        assertThat(none.err())
                .isEqualTo("wsctl: Could not connect to " + url() + ": the stack refused the"
                        + " connection: 401 Unauthorized — pass a valid --token.\n");
        assertThat(stack.tokensSeen).containsExactly(WRONG, ""); // --token wins over $WSCTL_TOKEN
    }

    @Test
    void smokeConnectsBothClientsWithTheToken() throws Exception {
        start(TOKEN::equals);
        CliRun r = wsctl("smoke", "--url", url(), "--token", TOKEN, "-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Jackson.mapper().readTree(r.out()).get("url").asText()).isEqualTo(url());
        assertThat(stack.tokensSeen).containsExactly(TOKEN, TOKEN);
        assertNoToken(r);

        CliRun fromEnv = withEnv(Map.of("WSCTL_TOKEN", TOKEN), "smoke", "--url", url());
        assertThat(fromEnv.code()).as(fromEnv.err()).isZero();
        assertNoToken(fromEnv);
    }

    @Test
    void smokeRefusedSaysSoInOneSentence() throws Exception {
        start(TOKEN::equals);
        CliRun r = wsctl("smoke", "--url", url(), "--token", WRONG);
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .isEqualTo("wsctl: Smoke test failed at step connect on " + url() + "?token=…: the stack"
                        + " refused the connection: 401 Unauthorized — pass a valid --token.\n");
        assertThat(r.out()).isEmpty();
        assertNoToken(r);
    }

    @Test
    void smokeOnTheLocalStackSignsItsOwnTokenWithTheLocalSecret() throws Exception {
        byte[] secret = LocalSecret.loadOrCreate(dir);
        TokenVerifier verifier = TokenVerifier.hs256(secret);
        start(token -> {
            try {
                TokenVerifier.Verified v = verifier.verify(token);
                return v.sub().equals("wsctl-smoke")
                        && v.channels().size() == 1
                        && v.channels().get(0).startsWith("smoke-")
                        && v.publish().equals(v.channels());
            } catch (TokenRejected e) {
                return false;
            }
        });
        LocalState.write(
                dir,
                new LocalState(
                        ProcessHandle.current().pid(), stack.url(), stack.callbackUrl(), dir.resolve("local.db")));

        CliRun r = wsctl("smoke", "--local", "--state-dir", dir.toString(), "-v");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err())
                .contains("smoke: connecting with a 5-minute token for wsctl-smoke, signed with the local auth secret");
        assertThat(stack.tokensSeen).hasSize(2);
        String minted = stack.tokensSeen.get(0);
        JsonNode claims =
                Jackson.mapper().readTree(java.util.Base64.getUrlDecoder().decode(minted.split("\\.")[1]));
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(300);
        assertThat(r.out() + r.err())
                .doesNotContain(minted)
                .doesNotContain(dev.wsctl.auth.AuthSettings.encodeSecret(secret));

        // a token given wins over its own
        CliRun given = wsctl("smoke", "--local", "--state-dir", dir.toString(), "--token", WRONG);
        assertThat(given.code()).isEqualTo(ExitCode.FAILED);
        assertThat(given.err()).contains("401 Unauthorized — pass a valid --token");
        assertNoToken(given);
    }

    @Test
    void smokeOnALocalStackWithoutASecretSendsNoToken() throws Exception {
        start(String::isEmpty);
        LocalState.write(
                dir,
                new LocalState(
                        ProcessHandle.current().pid(), stack.url(), stack.callbackUrl(), dir.resolve("local.db")));
        CliRun r = wsctl("smoke", "--local", "--state-dir", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(stack.tokensSeen).containsExactly("", "");
    }

    @Test
    void benchConnectsEverySocketWithTheToken() throws Exception {
        start(TOKEN::equals);
        CliRun r = wsctl(
                "bench",
                "--url",
                url(),
                "--token",
                TOKEN,
                "--connections",
                "3",
                "--broadcasts",
                "1",
                "--payload-bytes",
                "64",
                "-o",
                "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Jackson.mapper().readTree(r.out()).get("connected").asInt()).isEqualTo(3);
        assertThat(stack.tokensSeen).hasSize(4).containsOnly(TOKEN);
        assertNoToken(r);
    }

    @Test
    void benchRefusedSaysSoBeforeOpeningTheOtherSockets() throws Exception {
        start(TOKEN::equals);
        CliRun r = wsctl("bench", "--url", url(), "--token", WRONG, "--connections", "50");
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err())
                .isEqualTo("wsctl: Could not connect to " + url() + "?token=…: the stack refused the"
                        + " connection: 401 Unauthorized — pass a valid --token.\n");
        assertThat(stack.tokensSeen).containsExactly(WRONG);
        assertNoToken(r);
    }

    @Test
    void aBlankTokenIsAUsageError() {
        CliRun r = wsctl("listen", "--channel", "news", "--url", "ws://127.0.0.1:9/local", "--token", " ");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--token must not be empty");
    }
}
