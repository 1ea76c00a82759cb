package dev.wsctl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.runtime.Json;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The address of the stack that {@code wsctl local} runs, as it wrote it to {@code .wsctl/local.json},
 * so that other commands in the same directory find it without flags.
 */
public record LocalState(long pid, URI url, URI callbackUrl, Path db) {

    public static LocalState read(Path stateDir) {
        Path file = stateDir.resolve("local.json");
        JsonNode state;
        try {
            state = Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "No wsctl local is running from this directory ("
                    + file + " not found). Start one with `wsctl local`, or pass --url.");
        }
        long pid = state.path("pid").asLong();
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
            throw new CliException(ExitCode.FAILED, "The wsctl local that wrote " + file
                    + " (pid " + pid + ") is no longer running. Start one with `wsctl local`, or pass --url.");
        }
        return new LocalState(pid, URI.create(state.path("url").asText()),
                URI.create(state.path("callbackUrl").asText()), Path.of(state.path("db").asText()));
    }
}
