package dev.wsctl.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * One JSON object per line, the format CloudWatch Logs Insights queries without parsing rules.
 * Callers never put message bodies or tokens into a line.
 */
public final class JsonLog {
    private final Consumer<String> sink;

    public JsonLog(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Lines on standard output, where the Lambda runtime collects them. */
    public static JsonLog stdout() {
        PrintStream out = System.out;
        return new JsonLog(out::println);
    }

    public static JsonLog discard() {
        return new JsonLog(line -> { });
    }

    public void write(ObjectNode line) {
        sink.accept(Json.write(line));
    }
}
