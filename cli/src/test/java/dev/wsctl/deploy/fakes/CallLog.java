package dev.wsctl.deploy.fakes;

import java.util.ArrayList;
import java.util.List;

/**
 * Every call the CloudFormation fake answered, in order, as {@code service:Operation}
 * ("cloudformation:CreateChangeSet"), with the mutating ones counted apart from reads. (Calls to the real clients
 * are counted by {@link dev.wsctl.aws.CallRecorder}.)
 */
public final class CallLog {
    private final List<String> calls = new ArrayList<>();
    private final List<String> mutating = new ArrayList<>();

    /** All calls since the last {@link #reset}, reads and writes, in order. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** The mutating calls since the last {@link #reset}, in order. */
    public synchronized List<String> mutatingCalls() {
        return List.copyOf(mutating);
    }

    /** How often {@code op} ("cloudformation:DescribeStacks") was called since the last reset. */
    public synchronized long count(String op) {
        return calls.stream().filter(op::equals).count();
    }

    /** Forgets the calls so far. */
    public synchronized void reset() {
        calls.clear();
        mutating.clear();
    }

    /** Logs a read. */
    synchronized void read(String op) {
        calls.add(op);
    }

    /** Logs a mutating call. */
    synchronized void mutate(String op) {
        calls.add(op);
        mutating.add(op);
    }
}
