package dev.wsctl.deploy;

import java.util.List;
import java.util.Optional;

/**
 * One AWS resource of a stack. The engine knows nothing else about it: it reads the actual state,
 * compares it with the desired state, and creates, updates or deletes accordingly.
 *
 * @param <S> the resource's state as a plain record; desired and actual states share the type so
 *            that {@link #diff} can compare them field by field
 */
public interface Resource<S> {

    /**
     * The resource as the plan shows it.
     *
     * @param kind "table", "role", "function", …
     * @param name {@code {app}-{stage}-…}
     */
    record Id(String kind, String name) {
        @Override
        public String toString() {
            return kind + " " + name;
        }
    }

    Id id();

    /** The state this resource should have, from the config and the outputs of earlier resources. */
    S desired(Outputs outputs);

    /** The state it has, or empty when it does not exist. Publishes the outputs later resources need. */
    Optional<S> actual(Outputs outputs);

    /** What differs; empty when the actual state matches the desired one. */
    List<Change> diff(S actual, S desired);

    /**
     * What the plan should say about creating it beyond "create", such as a secret it will generate (never its
     * value); empty for most resources.
     */
    default List<Change> creating(S desired) {
        return List.of();
    }

    /**
     * False for a resource the stack must not have, such as the authorizer of a stack without auth: deploy deletes
     * it if it exists and never creates or updates it. See {@link Absent}.
     */
    default boolean wanted() {
        return true;
    }

    /** Creates the resource; publishes its outputs. */
    void create(S desired, Outputs outputs);

    /** Sends only what {@code changes} name. */
    void update(S actual, S desired, List<Change> changes, Outputs outputs);

    /**
     * Describes {@code desired} as CloudFormation resources in {@code template}, and publishes the outputs later
     * resources need as references ({@link Template#ref}, {@link Template#attribute}), as {@link #create} publishes
     * values. {@code desired} was computed from outputs that are references too, so it is the same model deploy
     * applies; every resource adds at least one CloudFormation resource ({@link Engine#template} checks).
     */
    void template(S desired, Template template, Outputs outputs);

    /** Deletes the resource; a resource that is already gone counts as deleted. */
    void delete(Outputs outputs);
}
