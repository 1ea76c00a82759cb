package dev.wsctl.deploy.fakes;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Every call the fakes answered, in order, as {@code service:Operation} ("iam:CreateRole"), with the
 * mutating ones (create, update, put, delete, tag, publish, attach, …) counted apart from reads. Also
 * the failure injection shared by all fakes on one account: {@link #failOnMutatingCall}.
 *
 * <p>A call is logged when it is attempted, before validation: a mutating call that the service (or an
 * injected failure) rejects still counts as a mutating call.
 */
public final class CallLog {
    private record Injected(long atMutation, RuntimeException error) {
    }

    private final List<String> calls = new ArrayList<>();
    private final List<String> mutating = new ArrayList<>();
    private final List<Injected> injected = new ArrayList<>();
    private long mutationsSeen; // since construction; never reset, so pending injections keep their place

    /** All calls since the last {@link #reset}, reads and writes, in order. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** The mutating calls since the last {@link #reset}, in order. */
    public synchronized List<String> mutatingCalls() {
        return List.copyOf(mutating);
    }

    public synchronized int mutatingCount() {
        return mutating.size();
    }

    public synchronized int readCount() {
        return calls.size() - mutating.size();
    }

    /** How often {@code op} ("lambda:UpdateFunctionCode") was called since the last reset. */
    public synchronized long count(String op) {
        return calls.stream().filter(op::equals).count();
    }

    /** Forgets the calls so far (the counters start again at zero); pending failures stay armed. */
    public synchronized void reset() {
        calls.clear();
        mutating.clear();
    }

    /**
     * The {@code k}-th mutating call from now (1 = the next one), on any fake sharing this log, throws
     * {@code error} instead of acting; the fake's state is untouched. Several may be armed at once.
     */
    public synchronized void failOnMutatingCall(int k, RuntimeException error) {
        if (k < 1) {
            throw new IllegalArgumentException("k starts at 1");
        }
        injected.add(new Injected(mutationsSeen + k, error));
    }

    public synchronized void clearFailures() {
        injected.clear();
    }

    /** Logs a read. */
    synchronized void read(String op) {
        calls.add(op);
    }

    /** Logs a mutating call; throws an injected failure if this is the call it was armed for. */
    synchronized void mutate(String op) {
        calls.add(op);
        mutating.add(op);
        mutationsSeen++;
        for (Iterator<Injected> it = injected.iterator(); it.hasNext(); ) {
            Injected i = it.next();
            if (i.atMutation() == mutationsSeen) {
                it.remove();
                throw i.error();
            }
        }
    }
}
