package dev.wsctl.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import dev.wsctl.json.JsonLog;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The invocations of one handler, for its log lines ({@link JsonLog#enter}): Lambda's request id, and whether this
 * is the cold start. Lambda builds the handler once per execution environment, at init, so its first invocation is
 * the environment's first. Under SnapStart the handler is built before the snapshot and no invocation runs before
 * it; every environment restored from the snapshot resumes with a handler that has not run yet, so its first
 * invocation, the one that waited for the restore, is a cold start too ("Improving startup performance with Lambda
 * SnapStart", https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html: Lambda resumes new execution
 * environments from the cached snapshot; "Monitoring for Lambda SnapStart",
 * https://docs.aws.amazon.com/lambda/latest/dg/snapstart-monitoring.html: the REPORT of that invocation carries the
 * Restore Duration).
 */
final class Invocations {
    private final AtomicBoolean first = new AtomicBoolean(true);

    /** The invocation {@code context} describes (null when the caller has none) begins on this thread. */
    JsonLog.Scope begin(Context context) {
        boolean coldStart = first.getAndSet(false);
        return JsonLog.enter(new JsonLog.Invocation(context == null ? null : context.getAwsRequestId(), coldStart));
    }
}
