package dev.wsctl.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns resources into a plan and carries it out, in the resources' declared order (their
 * dependency order). It has no per-resource branches. Planning and applying run the same steps, so a
 * dry run shows exactly what apply will do; apply recomputes each step just before it acts, once the
 * resources before it have published their outputs.
 *
 * <p>Resources the stack must not have ({@link Resource#wanted()} false) come after all the others, last declared
 * first, as in a destroy: by then nothing refers to them any more (the {@code $connect} route has let go of the
 * authorizer before the authorizer goes). One that exists is deleted; one that does not is no step at all.
 */
public final class Engine {
    private final List<Resource<?>> resources;
    private final Map<String, String> given;

    /** @param given outputs known before any resource is read (region, account, stage) */
    public Engine(List<Resource<?>> resources, Map<String, String> given) {
        this.resources = List.copyOf(resources);
        this.given = Map.copyOf(given);
    }

    private Outputs outputs() {
        Outputs outputs = new Outputs();
        given.forEach(outputs::put);
        return outputs;
    }

    /** Reads every resource and returns what {@link #apply} would do, and the outputs read; changes nothing. */
    public Result plan() {
        Outputs outputs = outputs();
        List<Plan.Step> steps = new ArrayList<>();
        for (Resource<?> r : wanted()) {
            steps.add(step(r, outputs));
        }
        for (Resource<?> r : unwantedLastFirst()) {
            if (read(r, outputs)) {
                steps.add(deletion(r));
            }
        }
        return new Result(new Plan(steps), outputs.all());
    }

    /** A plan (or what an apply did) and the stack's outputs as read (or afterwards). */
    public record Result(Plan plan, Map<String, String> outputs) {}

    /** Brings every resource to its desired state; reports each step to {@code progress} as it starts. */
    public Result apply(Consumer<Plan.Step> progress) {
        Outputs outputs = outputs();
        List<Plan.Step> steps = new ArrayList<>();
        for (Resource<?> r : wanted()) {
            steps.add(applyOne(r, outputs, progress));
        }
        for (Resource<?> r : unwantedLastFirst()) {
            if (read(r, outputs)) {
                steps.add(delete(r, outputs, progress));
            }
        }
        return new Result(new Plan(steps), outputs.all());
    }

    /**
     * Describes every resource the stack must have in {@code template}, in declared order, reading nothing from AWS:
     * each one's desired state is computed from the outputs of those before it, which here are references
     * (given outputs included: the region and account are {@code ${AWS::Region}} and {@code ${AWS::AccountId}}).
     * Returns those outputs. A resource that adds nothing to the template is an error: deploying its stack through
     * CloudFormation would leave it out.
     */
    public Map<String, String> template(Template template) {
        Outputs outputs = outputs();
        for (Resource<?> r : wanted()) {
            describe(r, template, outputs);
        }
        return outputs.all();
    }

    private static <S> void describe(Resource<S> r, Template template, Outputs outputs) {
        int before = template.size();
        r.template(r.desired(outputs), template, outputs);
        if (template.size() == before) {
            throw new IllegalStateException(r.id() + " added nothing to the CloudFormation template;"
                    + " its class must describe it there (Resource#template)");
        }
    }

    /** What {@link #destroy} would delete, last resource first (a resource the stack must not have: if it exists). */
    public Plan destroyPlan() {
        Outputs outputs = outputs();
        List<Plan.Step> steps = new ArrayList<>();
        for (Resource<?> r : resources) {
            boolean present = read(r, outputs);
            if (present || r.wanted()) {
                steps.add(
                        0,
                        new Plan.Step(
                                present ? Plan.Action.DELETE : Plan.Action.ABSENT,
                                r.id().kind(),
                                r.id().name(),
                                List.of()));
            }
        }
        return new Plan(steps);
    }

    /** Deletes every resource, last first; resources already gone count as deleted. */
    public Plan destroy(Consumer<Plan.Step> progress) {
        Outputs outputs = outputs();
        List<Resource<?>> doomed = new ArrayList<>();
        for (Resource<?> r : resources) {
            if (read(r, outputs) || r.wanted()) { // reading also publishes the ids the deletes need
                doomed.add(0, r);
            }
        }
        List<Plan.Step> steps = new ArrayList<>();
        for (Resource<?> r : doomed) {
            steps.add(delete(r, outputs, progress));
        }
        return new Plan(steps);
    }

    private List<Resource<?>> wanted() {
        return resources.stream().filter(Resource::wanted).toList();
    }

    private List<Resource<?>> unwantedLastFirst() {
        List<Resource<?>> unwanted =
                new ArrayList<>(resources.stream().filter(r -> !r.wanted()).toList());
        java.util.Collections.reverse(unwanted);
        return unwanted;
    }

    /** Reads the resource (publishing its outputs); true when it exists. */
    private static boolean read(Resource<?> r, Outputs outputs) {
        return at("read " + r.id(), () -> r.actual(outputs)).isPresent();
    }

    private static Plan.Step deletion(Resource<?> r) {
        return new Plan.Step(Plan.Action.DELETE, r.id().kind(), r.id().name(), List.of());
    }

    private static Plan.Step delete(Resource<?> r, Outputs outputs, Consumer<Plan.Step> progress) {
        Plan.Step step = deletion(r);
        progress.accept(step);
        at("delete " + r.id(), () -> {
            r.delete(outputs);
            return null;
        });
        return step;
    }

    /** Runs {@code work}; an AWS failure in it becomes a {@link StepFailedException} that says what was being done. */
    static <T> T at(String doing, java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (SdkException e) {
            throw new StepFailedException(doing, e);
        }
    }

    private static <S> Plan.Step step(Resource<S> r, Outputs outputs) {
        return at("read " + r.id(), () -> step(r, r.actual(outputs), r.desired(outputs), outputs));
    }

    /** The resource's step from its states; a create or an update marks it {@link #changed} in {@code outputs}. */
    private static <S> Plan.Step step(Resource<S> r, Optional<S> actual, S desired, Outputs outputs) {
        List<Change> changes = actual.isEmpty() ? r.creating(desired) : r.diff(actual.get(), desired);
        Plan.Action action =
                actual.isEmpty() ? Plan.Action.CREATE : changes.isEmpty() ? Plan.Action.UNCHANGED : Plan.Action.UPDATE;
        if (action != Plan.Action.UNCHANGED) {
            outputs.put(changed(r), "true");
        }
        return new Plan.Step(action, r.id().kind(), r.id().name(), changes);
    }

    private static <S> Plan.Step applyOne(Resource<S> r, Outputs outputs, Consumer<Plan.Step> progress) {
        Optional<S> actual = at("read " + r.id(), () -> r.actual(outputs));
        S desired = r.desired(outputs);
        Plan.Step step = step(r, actual, desired, outputs);
        progress.accept(step);
        if (step.action() == Plan.Action.CREATE) {
            at("create " + r.id(), () -> {
                r.create(desired, outputs);
                return null;
            });
        } else if (step.action() == Plan.Action.UPDATE) {
            at("update " + r.id(), () -> {
                r.update(actual.get(), desired, step.changes(), outputs);
                return null;
            });
        }
        return step;
    }

    /**
     * The output that says a resource is created or updated in this run (a stage redeploys when its
     * routes changed). Set while planning too, so a dry run shows the same plan.
     */
    public static String changed(Resource<?> r) {
        return "changed." + r.id().kind();
    }
}
