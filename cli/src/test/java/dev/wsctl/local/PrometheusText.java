package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wsctl.Checkout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Prometheus text exposition as a parser wsctl did not write reads it: parse-prometheus-text-format (npm, in
 * tools/prom-parse, installed by scripts/test), run by Node on the text. Each family must have a type (a sample
 * line the parser could not tie to its {@code # TYPE} comes out untyped) and every value must be a number.
 */
final class PrometheusText {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Family name → the parser's family ({@code {name, help, type, metrics}}). */
    private final Map<String, JsonNode> families = new HashMap<>();

    private PrometheusText(JsonNode parsed) {
        parsed.forEach(f -> families.put(f.get("name").asText(), f));
    }

    static PrometheusText parse(byte[] exposition) throws IOException, InterruptedException {
        Path tools = Checkout.root().resolve("tools/prom-parse");
        if (!Files.isDirectory(tools.resolve("node_modules/parse-prometheus-text-format")))
            fail("tools/prom-parse is not installed: run `npm ci` in " + tools + " (scripts/test does)");
        Process node = new ProcessBuilder("node", "parse.js")
                .directory(tools.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try (var in = node.getOutputStream()) {
            in.write(exposition);
        }
        byte[] out = node.getInputStream().readAllBytes();
        if (!node.waitFor(30, TimeUnit.SECONDS)) {
            node.destroyForcibly();
            fail("node parse.js did not finish in 30 s");
        }
        assertThat(node.exitValue())
                .as("node parse.js on:%n%s", new String(exposition))
                .isZero();
        PrometheusText text = new PrometheusText(JSON.readTree(out));
        text.families.values().forEach(f -> {
            assertThat(f.get("type").asText()).as("type of %s", f).isNotEqualTo("UNTYPED");
            f.get("metrics").forEach(m -> {
                if (m.has("value")) Double.parseDouble(m.get("value").asText());
            });
        });
        return text;
    }

    /** The family's type as the parser names it: COUNTER, GAUGE, HISTOGRAM. */
    String type(String family) {
        return family(family).get("type").asText();
    }

    /** The value of the family's one sample whose labels include {@code labels}. */
    double value(String family, Map<String, String> labels) {
        return Double.parseDouble(sample(family, labels).get("value").asText());
    }

    /** The sample of {@code family} whose labels include {@code labels}; fails when there is not exactly one. */
    JsonNode sample(String family, Map<String, String> labels) {
        List<JsonNode> matching = new java.util.ArrayList<>();
        family(family).get("metrics").forEach(m -> {
            boolean all = labels.entrySet().stream()
                    .allMatch(l -> l.getValue()
                            .equals(m.path("labels").path(l.getKey()).asText(null)));
            if (all) matching.add(m);
        });
        assertThat(matching).as("samples of %s with %s", family, labels).hasSize(1);
        return matching.get(0);
    }

    /**
     * A histogram family's cumulative buckets (upper bound → count). The parser keeps a histogram's buckets but drops
     * the labels of its series (and with them {@code _count} and {@code _sum}, which it reads only when unlabelled),
     * merging them into one; so this is for a family that has exactly one series, which is asserted.
     */
    JsonNode buckets(String family) {
        JsonNode f = family(family);
        assertThat(f.get("metrics")).as("series of %s", family).hasSize(1);
        return f.get("metrics").get(0).get("buckets");
    }

    boolean has(String family) {
        return families.containsKey(family);
    }

    private JsonNode family(String name) {
        JsonNode f = families.get(name);
        assertThat(f).as("family %s among %s", name, families.keySet()).isNotNull();
        return f;
    }
}
