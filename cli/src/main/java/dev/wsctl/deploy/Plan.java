package dev.wsctl.deploy;

import java.util.List;

/** What a deploy (or destroy) does, resource by resource, in the order it does it. */
public record Plan(List<Step> steps) {

    public enum Action {
        CREATE,
        UPDATE,
        UNCHANGED,
        DELETE,
        ABSENT
    }

    /** One resource's step; {@code changes} lists the fields an UPDATE sends. */
    public record Step(Action action, String kind, String name, List<Change> changes) {
        /** {@code + create role chat-dev-send}, {@code ~ update function chat-dev-send (memory: 512 → 1024)}. */
        public String line() {
            return switch (action) {
                case CREATE -> "+ create " + kind + " " + name + (changes.isEmpty() ? "" : " (" + changeList() + ")");
                case UPDATE -> "~ update " + kind + " " + name + " (" + changeList() + ")";
                case UNCHANGED -> "= unchanged " + kind + " " + name;
                case DELETE -> "- delete " + kind + " " + name;
                case ABSENT -> "= absent " + kind + " " + name;
            };
        }

        private String changeList() {
            return String.join(", ", changes.stream().map(Change::toString).toList());
        }
    }

    public boolean changesAnything() {
        return steps.stream()
                .anyMatch(
                        s -> s.action() == Action.CREATE || s.action() == Action.UPDATE || s.action() == Action.DELETE);
    }

    public List<String> lines() {
        return steps.stream().map(Step::line).toList();
    }
}
