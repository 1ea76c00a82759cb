package dev.wsctl.json;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One JSON object per line, the format CloudWatch Logs Insights queries without parsing rules.
 * Callers never put message bodies or tokens into a line.
 *
 * <p>A line written during a Lambda invocation ({@link #enter}) carries the invocation's {@code requestId} (Lambda's
 * request id, the name Lambda's own JSON log format gives it: "Configuring JSON and plain text log formats",
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html) and {@code coldStart}. A line
 * written on the invocation's thread belongs to it. A line written on another thread (an HTTP client's, a retry's)
 * belongs to the invocation running when exactly one runs, as always in a Lambda execution environment, which
 * handles one invocation at a time; when several run at once (the handlers in {@code wsctl local}'s one process) such
 * a line carries neither field rather than a wrong one, and so does a line written outside any invocation (at init).
 */
public final class JsonLog {
    private static final ThreadLocal<Invocation> ON_THREAD = new ThreadLocal<>();
    /** The invocations running in this process, each under a key of its own (two may be equal records). */
    private static final Map<Object, Invocation> RUNNING = new ConcurrentHashMap<>();

    private final Consumer<String> sink;

    /**
     * One Lambda invocation.
     *
     * @param requestId Lambda's request id ({@code Context.getAwsRequestId()}); null when the caller has none
     * @param coldStart whether it is the first invocation of its execution environment
     */
    public record Invocation(String requestId, boolean coldStart) {}

    /** The invocation's span on the thread that {@link #enter}ed it: ends when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    public JsonLog(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Lines on standard output, where the Lambda runtime collects them. */
    public static JsonLog stdout() {
        PrintStream out = System.out;
        return new JsonLog(out::println);
    }

    public static JsonLog discard() {
        return new JsonLog(line -> {});
    }

    /**
     * Lines written from now on, by any {@code JsonLog} of this process, belong to {@code invocation} (see the class
     * comment), until the scope is closed on this thread.
     */
    public static Scope enter(Invocation invocation) {
        Invocation outer = ON_THREAD.get();
        ON_THREAD.set(invocation);
        Object key = new Object();
        RUNNING.put(key, invocation);
        return () -> {
            RUNNING.remove(key);
            if (outer == null) {
                ON_THREAD.remove();
            } else {
                ON_THREAD.set(outer);
            }
        };
    }

    /** Writes {@code line}, with the invocation's fields added to the written copy (never to {@code line}). */
    public void write(ObjectNode line) {
        Invocation invocation = current();
        if (invocation == null) {
            sink.accept(Json.write(line));
            return;
        }
        ObjectNode marked = Json.object();
        marked.setAll(line);
        marked.put("requestId", invocation.requestId());
        marked.put("coldStart", invocation.coldStart());
        sink.accept(Json.write(marked));
    }

    private static Invocation current() {
        Invocation onThread = ON_THREAD.get();
        if (onThread != null) {
            return onThread;
        }
        Iterator<Invocation> running = RUNNING.values().iterator();
        Invocation only = running.hasNext() ? running.next() : null;
        return running.hasNext() ? null : only;
    }
}
