package dev.wsctl.store;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/** Counts the requests an SDK client sends, by operation name, retries included (see {@link Dynalite#newClient}). */
public final class CallCounter implements ExecutionInterceptor {
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        calls.computeIfAbsent(
                        attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), name -> new AtomicInteger())
                .incrementAndGet();
    }

    /** Requests of {@code operation} (e.g. {@code BatchWriteItem}) sent so far. */
    public int count(String operation) {
        AtomicInteger n = calls.get(operation);
        return n == null ? 0 : n.get();
    }

    /** The operations called so far. */
    public Set<String> operations() {
        return Set.copyOf(calls.keySet());
    }
}
