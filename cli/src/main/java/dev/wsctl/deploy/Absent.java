package dev.wsctl.deploy;

import java.util.List;
import java.util.Optional;

/**
 * A resource whose desired state is absent: the same resource, read and deleted as it is, never created or updated
 * ({@link #wanted()} is false). A stack without auth lists its authorizer, the authorize function, its permission and
 * role this way, so that a deploy removes them when auth was on before.
 */
final class Absent<S> implements Resource<S> {
    private final Resource<S> resource;

    private Absent(Resource<S> resource) {
        this.resource = resource;
    }

    /** {@code resource} if {@code wanted}, else the same resource desired absent. */
    static Resource<?> unless(boolean wanted, Resource<?> resource) {
        return wanted ? resource : new Absent<>(resource);
    }

    @Override
    public boolean wanted() {
        return false;
    }

    @Override
    public Id id() {
        return resource.id();
    }

    @Override
    public Optional<S> actual(Outputs outputs) {
        return resource.actual(outputs);
    }

    @Override
    public void delete(Outputs outputs) {
        resource.delete(outputs);
    }

    // the engine never asks an unwanted resource for these

    @Override
    public S desired(Outputs outputs) {
        throw new IllegalStateException(id() + " must not exist");
    }

    @Override
    public List<Change> diff(S actual, S desired) {
        throw new IllegalStateException(id() + " must not exist");
    }

    @Override
    public void create(S desired, Outputs outputs) {
        throw new IllegalStateException(id() + " must not exist");
    }

    @Override
    public void update(S actual, S desired, List<Change> changes, Outputs outputs) {
        throw new IllegalStateException(id() + " must not exist");
    }

    /** A template leaves it out, and CloudFormation deletes what a stack no longer describes. */
    @Override
    public void template(S desired, Template template, Outputs outputs) {
        throw new IllegalStateException(id() + " must not exist");
    }
}
