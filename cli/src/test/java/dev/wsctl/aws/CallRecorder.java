package dev.wsctl.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.Supplier;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * An SDK {@link ExecutionInterceptor} on the real clients ({@link SdkAwsClients}): records every call as
 * {@code service:Operation} ("iam:CreateRole", "apigateway:CreateRoute"), tells mutating calls from reads (an
 * operation whose name starts with Get, List, Describe or Head reads), and fails chosen calls before they are
 * sent, the way a service or the network would fail them.
 */
public final class CallRecorder implements ExecutionInterceptor {
    private final List<String> calls = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private int mutating;

    private record Failure(Predicate<String> call, int[] remaining, Supplier<RuntimeException> error) {}

    @Override
    public synchronized void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String call = name(attributes);
        calls.add(call);
        if (isMutating(call)) {
            mutating++;
        }
        for (Failure failure : failures) {
            if (failure.remaining[0] > 0 && failure.call.test(call)) {
                failure.remaining[0]--;
                throw failure.error.get();
            }
        }
    }

    private synchronized String name(ExecutionAttributes attributes) {
        String service =
                attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME).toLowerCase(Locale.ROOT);
        return (service.equals("apigatewayv2") ? "apigateway" : service) + ":"
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    }

    public static boolean isMutating(String call) {
        String operation = call.substring(call.indexOf(':') + 1);
        return !(operation.startsWith("Get")
                || operation.startsWith("List")
                || operation.startsWith("Describe")
                || operation.startsWith("Head"));
    }

    /** Every call since the last {@link #reset}. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** The mutating calls since the last {@link #reset}. */
    public synchronized List<String> mutatingCalls() {
        return calls.stream().filter(CallRecorder::isMutating).toList();
    }

    public synchronized long count(String call) {
        return calls.stream().filter(call::equals).count();
    }

    /** Forgets the calls and the failures to come. */
    public synchronized void reset() {
        calls.clear();
        failures.clear();
        mutating = 0;
    }

    /** The k-th mutating call from now (1-based) fails with {@code error} instead of being sent. */
    public synchronized void failMutatingCall(int k, Supplier<RuntimeException> error) {
        int target = mutating + k;
        int[] seen = {mutating};
        failures.add(new Failure(call -> isMutating(call) && ++seen[0] == target, new int[] {1}, error));
    }

    /** The next {@code times} calls named {@code call} ("lambda:CreateFunction") fail with {@code error}. */
    public synchronized void fail(String call, int times, Supplier<RuntimeException> error) {
        failures.add(new Failure(call::equals, new int[] {times}, error));
    }
}
