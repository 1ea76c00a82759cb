package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wsctl.webhooks.WebhookBody;
import dev.wsctl.webhooks.WebhookEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signature check that README.md and docs/observability.md show users, each run exactly as written (Python 3,
 * when on PATH) against a body and signature made by wsctl: it accepts them, and refuses a changed body and another
 * secret.
 */
class WebhookSignatureDocTest {
    private static final List<Path> DOCS = List.of(Path.of("../README.md"), Path.of("../docs/observability.md"));
    private static final String MARK = "<!-- verify-python -->";

    @TempDir
    Path dir;

    @Test
    void theDocumentedPythonChecksAcceptWsctlsSignatureAndNothingElse() throws Exception {
        for (Path doc : DOCS) {
            check(doc);
        }
    }

    private void check(Path doc) throws Exception {
        String snippet = snippet(doc);
        assertThat(snippet).contains("def verify(");
        assumeTrue(onPath("python3"), "python3 is not on PATH");
        String secret = "5f0c8e2a9d4b7e16a3c2f1e0d9b8a7c65f0c8e2a9d4b7e16a3c2f1e0d9b8a7c6";
        byte[] body = WebhookBody.of(
                System.currentTimeMillis(),
                List.of(WebhookEvent.memberAdded("presence-room", "álice"), WebhookEvent.occupied("news")));
        String header = WebhookBody.signature(secret, body);
        Files.write(dir.resolve("body"), body);
        Files.write(
                dir.resolve("changed"),
                new String(body, StandardCharsets.UTF_8).replace("news", "newz").getBytes(StandardCharsets.UTF_8));
        Path script = dir.resolve("verify.py");
        Files.writeString(script, snippet + """

                import sys
                secret, header = sys.argv[1], sys.argv[2]
                body = open(sys.argv[3], "rb").read()
                changed = open(sys.argv[4], "rb").read()
                print(verify(secret, body, header), verify(secret, changed, header), verify(secret + "0", body, header))
                """);

        Process python = new ProcessBuilder(
                        "python3",
                        script.toString(),
                        secret,
                        header,
                        dir.resolve("body").toString(),
                        dir.resolve("changed").toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(out.strip()).as("%s: %s", doc, out).isEqualTo("True False False");
    }

    /** The fenced block after the marker. */
    private static String snippet(Path doc) throws Exception {
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        int mark = text.indexOf(MARK);
        assertThat(mark).as("%s in %s", MARK, doc).isNotNegative();
        int start = text.indexOf("```python\n", mark) + "```python\n".length();
        int end = text.indexOf("```", start);
        return text.substring(start, end);
    }

    private static boolean onPath(String command) {
        try {
            return new ProcessBuilder(command, "--version").start().waitFor(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }
}
