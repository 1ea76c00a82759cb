package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.auth.TokenVerifier;
import dev.wsctl.config.Jackson;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code wsctl token --info}: the member info of presence channels, checked before it is signed. */
class TokenInfoTest {
    @TempDir
    Path dir;

    private CliRun token(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "token";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--local";
        all[args.length + 2] = "--state-dir";
        all[args.length + 3] = dir.toString();
        all[args.length + 4] = "--sub=alice";
        return CliRun.wsctl(all);
    }

    @Test
    void theInfoClaimIsTheObjectAsCompactJson() throws Exception {
        byte[] secret = LocalSecret.loadOrCreate(dir);

        CliRun r = token("--info", "{ \"name\": \"Alice\", \"color\": [1, 2.5] }");

        assertThat(r.code()).as(r.err()).isZero();
        TokenVerifier.Verified verified =
                TokenVerifier.hs256(secret).verify(r.out().strip());
        assertThat(verified.info()).isEqualTo("{\"name\":\"Alice\",\"color\":[1,2.5]}");

        JsonNode json = Jackson.mapper()
                .readTree(token("--info", "{\"name\":\"Alice\"}", "-o", "json").out());
        assertThat(json.get("info")).isEqualTo(Jackson.mapper().readTree("{\"name\":\"Alice\"}"));
        assertThat(TokenVerifier.hs256(secret).verify(token().out().strip()).info())
                .as("no --info, no claim")
                .isNull();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{name: Alice}| it is not JSON",
                "[1, 2]| it must be a JSON object",
                "\"Alice\"| it must be a JSON object",
                "{\"a\":1} {\"b\":2}| it is not JSON"
            })
    void infoThatIsNotAJsonObjectIsAUsageErrorInOneSentence(String info, String says) {
        LocalSecret.loadOrCreate(dir);

        CliRun r = token("--info", info);

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip())
                .startsWith("wsctl: --info must be a JSON object of at most 1024 bytes, and " + says)
                .doesNotContain("Exception")
                .doesNotContain("\n");
    }

    @Test
    void infoAbove1KiBAsCompactJsonIsAUsageError() {
        LocalSecret.loadOrCreate(dir);
        String fits = "{\"bio\": \"" + "x".repeat(1024 - 10) + "\"}"; // 1024 bytes once the space goes

        assertThat(token("--info", fits).code()).isZero();
        CliRun r = token("--info", "{\"bio\":\"" + "é".repeat(510) + "\"}");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err().strip())
                .isEqualTo("wsctl: --info must be a JSON object of at most 1024 bytes, and it is 1030 bytes as"
                        + " compact JSON; a stack accepts at most 1024.");
    }
}
