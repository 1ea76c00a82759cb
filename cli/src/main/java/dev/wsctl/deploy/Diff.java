package dev.wsctl.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** Builds the list of changes between an actual and a desired state, field by field. */
final class Diff {
    /** The prefix of the tag keys AWS keeps for itself. */
    private static final String AWS_RESERVED = "aws:";

    private final List<Change> changes = new ArrayList<>();

    Diff field(String name, Object actual, Object desired) {
        if (!Objects.equals(actual, desired)) {
            changes.add(new Change(name, String.valueOf(actual), String.valueOf(desired)));
        }
        return this;
    }

    /** Tags (or any map) compared as a whole; the change names the keys that differ. */
    Diff map(String name, Map<String, String> actual, Map<String, String> desired) {
        if (!new TreeMap<>(actual).equals(new TreeMap<>(desired))) {
            List<String> keys = new ArrayList<>();
            new TreeMap<>(desired).forEach((k, v) -> {
                if (!v.equals(actual.get(k))) {
                    keys.add(k);
                }
            });
            actual.keySet().stream()
                    .filter(k -> !desired.containsKey(k))
                    .sorted()
                    .forEach(keys::add);
            changes.add(new Change(name, "differs in " + String.join(", ", keys), "as configured"));
        }
        return this;
    }

    /**
     * A resource's tags, leaving out the {@code aws:} keys: AWS reserves that prefix, nobody can set or remove them,
     * and CloudFormation puts {@code aws:cloudformation:stack-name}, {@code aws:cloudformation:stack-id} and
     * {@code aws:cloudformation:logical-id} on the resources of a stack
     * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html), so a stack
     * deployed with {@code --engine cloudformation} is as configured too.
     */
    Diff tags(Map<String, String> actual, Map<String, String> desired) {
        return map("tags", ours(actual), desired);
    }

    private static Map<String, String> ours(Map<String, String> tags) {
        Map<String, String> ours = new TreeMap<>(tags);
        ours.keySet().removeIf(k -> k.startsWith(AWS_RESERVED));
        return ours;
    }

    List<Change> changes() {
        return List.copyOf(changes);
    }

    /**
     * Brings a resource's tags to {@code desired}: removes the keys wsctl no longer sets, then (re)writes
     * the rest. Every service has its own tag calls; this is the order they all need.
     */
    static void syncTags(
            Map<String, String> actual,
            Map<String, String> desired,
            java.util.function.Consumer<List<String>> untag,
            Runnable tag) {
        List<String> stale = ours(actual).keySet().stream()
                .filter(k -> !desired.containsKey(k))
                .toList();
        if (!stale.isEmpty()) {
            untag.accept(stale);
        }
        tag.run();
    }

    static boolean names(List<Change> changes, String field) {
        return changes.stream().anyMatch(c -> c.field().equals(field));
    }
}
