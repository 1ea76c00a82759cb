package dev.wsctl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.config.Jackson;
import dev.wsctl.json.Json;
import dev.wsctl.protocol.Settings;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The address of the stack that {@code wsctl local} runs, as it wrote it to {@code .wsctl/local.json},
 * so that other commands in the same directory find it without flags.
 *
 * @param history the channels that keep history in {@code db}, as the stack runs with them (no table)
 */
public record LocalState(long pid, URI url, URI callbackUrl, Path db, Settings.History history) {
    private static final String FILE = "local.json";

    /** A stack whose channels keep no history. */
    public LocalState(long pid, URI url, URI callbackUrl, Path db) {
        this(pid, url, callbackUrl, db, Settings.History.off());
    }

    /**
     * Records a running stack, in a file readable by its user only; returns the file, which the owner of the state
     * directory ({@link OwnedStateDir}) deletes when the stack stops.
     */
    public static Path write(Path stateDir, LocalState state) throws IOException {
        ObjectNode json = Json.object();
        json.put("pid", state.pid());
        json.put("url", state.url().toString());
        json.put("callbackUrl", state.callbackUrl().toString());
        json.put("db", state.db().toString());
        ObjectNode history = json.putObject("history");
        state.history().channels().forEach(history.putArray("channels")::add);
        history.put("size", state.history().size());
        history.put("ttlSeconds", state.history().ttl().toSeconds());
        json.put("startedAt", System.currentTimeMillis());
        Path file = OwnedStateDir.createPrivateFile(stateDir.resolve(FILE));
        Files.writeString(file, Json.write(json) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    /** What {@code local.json} says, running or not; empty when there is no such file or it cannot be read. */
    static Optional<LocalState> peek(Path stateDir) {
        try {
            JsonNode state = Jackson.mapper().readTree(stateDir.resolve(FILE).toFile());
            return Optional.of(new LocalState(
                    state.path("pid").asLong(),
                    URI.create(state.path("url").asText()),
                    URI.create(state.path("callbackUrl").asText()),
                    Path.of(state.path("db").asText()),
                    history(state.path("history"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public static LocalState read(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        JsonNode state;
        try {
            state = Jackson.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.FAILED,
                    "No wsctl local is running from this directory (" + file
                            + " not found). Start one with `wsctl local`, or pass --url.");
        }
        long pid = state.path("pid").asLong();
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new CliException(
                    ExitCode.FAILED,
                    "The wsctl local that wrote " + file + " (pid " + pid
                            + ") is no longer running. Start one with `wsctl local`, or pass --url.");
        }
        return new LocalState(
                pid,
                URI.create(state.path("url").asText()),
                URI.create(state.path("callbackUrl").asText()),
                Path.of(state.path("db").asText()),
                history(state.path("history")));
    }

    /** The history settings written by {@link #write}; none (no channel keeps history) when they are absent. */
    private static Settings.History history(JsonNode history) {
        if (!history.isObject()) {
            return Settings.History.off();
        }
        List<String> channels = new ArrayList<>();
        history.path("channels").forEach(c -> channels.add(c.asText()));
        return new Settings.History(
                channels,
                history.path("size").asInt(Settings.History.DEFAULT_SIZE),
                Duration.ofSeconds(history.path("ttlSeconds").asLong(Settings.History.DEFAULT_TTL.toSeconds())),
                Optional.empty());
    }
}
