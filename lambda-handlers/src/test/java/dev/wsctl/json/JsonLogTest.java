package dev.wsctl.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class JsonLogTest {
    /** An ObjectMapper of the test's own: what the runtime wrote, read by Jackson's binder. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final JsonLog log = new JsonLog(lines::add);

    @Test
    void aLineOutsideAnInvocationCarriesNoInvocationFields() {
        log.write(line("init"));

        assertThat(lines).containsExactly("{\"event\":\"init\"}");
    }

    @Test
    void aLineOfAnInvocationCarriesItsRequestIdAndColdStartWithoutChangingTheCallersNode() {
        ObjectNode line = line("route");
        try (JsonLog.Scope scope = JsonLog.enter(new JsonLog.Invocation("req-1", true))) {
            log.write(line);
        }
        log.write(line("after"));

        assertThat(lines)
                .containsExactly(
                        "{\"event\":\"route\",\"requestId\":\"req-1\",\"coldStart\":true}", "{\"event\":\"after\"}");
        assertThat(line.has("requestId")).isFalse();
    }

    @Test
    void aLineFromAnotherThreadBelongsToTheOnlyRunningInvocationAndToNoneWhenSeveralRun() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (JsonLog.Scope first = JsonLog.enter(new JsonLog.Invocation("req-1", false))) {
            other.submit(() -> log.write(line("client"))).get();
            // a second invocation at once, on a thread of its own (as in wsctl local's one process)
            JsonLog.Scope second = other.submit(() -> JsonLog.enter(new JsonLog.Invocation("req-2", true)))
                    .get();
            CompletableFuture.runAsync(() -> log.write(line("ambiguous"))).get();
            log.write(line("own thread"));
            other.submit(second::close).get();
            CompletableFuture.runAsync(() -> log.write(line("only one again"))).get();
        } finally {
            other.shutdown();
        }

        assertThat(lines.stream().map(JsonLogTest::tree).toList())
                .extracting(l ->
                        l.get("event").asText() + ": " + l.path("requestId").asText("-"))
                .containsExactly("client: req-1", "ambiguous: -", "own thread: req-1", "only one again: req-1");
    }

    private static ObjectNode line(String event) {
        ObjectNode line = Json.object();
        line.put("event", event);
        return line;
    }

    private static JsonNode tree(String line) {
        try {
            return MAPPER.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
