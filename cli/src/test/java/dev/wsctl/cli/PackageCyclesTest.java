package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wsctl.handlers.SendHandler;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The dev.wsctl packages of the runtime (handlers.jar) and the CLI (wsctl.jar) depend on each other without a
 * cycle, as the JDK's own dependency analyser (jdeps) reads them from the compiled classes.
 */
class PackageCyclesTest {

    private static final Pattern EDGE = Pattern.compile("^\\s+(dev\\.wsctl[\\w.]*)\\s+->\\s+(dev\\.wsctl[\\w.]*)\\s");

    @Test
    void noCycleBetweenPackages() throws Exception {
        Map<String, Set<String>> graph = packageGraph(classes(Wsctl.class), classes(SendHandler.class));

        assertThat(graph).containsKeys("dev.wsctl.cli", "dev.wsctl.handlers");
        assertThat(cycles(graph))
                .as("packages on a cycle, with the packages each uses: %s", graph)
                .isEmpty();
    }

    @Test
    void findsACycle() {
        Map<String, Set<String>> graph = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));

        assertThat(cycles(graph)).containsExactly("a", "b", "c");
    }

    private static Path classes(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** dev.wsctl package → the other dev.wsctl packages its classes use. */
    private static Map<String, Set<String>> packageGraph(Path... locations) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        List<String> args = new ArrayList<>(List.of(
                "-verbose:package", "--ignore-missing-deps", "-include", "dev\\.wsctl\\..*", "-e", "dev\\.wsctl\\..*"));
        for (Path location : locations) {
            args.add(location.toString());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
        assertThat(exit).as("jdeps %s: %s", args, err).isZero();
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find()) {
                graph.computeIfAbsent(m.group(1), p -> new TreeSet<>());
                graph.computeIfAbsent(m.group(2), p -> new TreeSet<>());
                if (!m.group(1).equals(m.group(2))) {
                    graph.get(m.group(1)).add(m.group(2));
                }
            }
        }
        return graph;
    }

    /** The packages that reach themselves. */
    private static Set<String> cycles(Map<String, Set<String>> graph) {
        Set<String> onCycle = new TreeSet<>();
        for (String start : graph.keySet()) {
            Set<String> seen = new HashSet<>();
            Deque<String> todo = new ArrayDeque<>(graph.getOrDefault(start, Set.of()));
            while (!todo.isEmpty()) {
                String p = todo.pop();
                if (p.equals(start)) {
                    onCycle.add(start);
                    break;
                }
                if (seen.add(p)) {
                    todo.addAll(graph.getOrDefault(p, Set.of()));
                }
            }
        }
        return onCycle;
    }
}
