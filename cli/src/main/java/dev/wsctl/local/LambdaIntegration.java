package dev.wsctl.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/** Runs a Lambda {@link RequestStreamHandler} in-process, the way the Lambda runtime would call it. */
public final class LambdaIntegration {

    /** API Gateway gives up on an integration after 29 s; a handler that checks its remaining time sees that budget. */
    static final Duration TIMEOUT = Duration.ofSeconds(29);

    private LambdaIntegration() {}

    public static Integration of(RequestStreamHandler handler) {
        return of(handler.getClass().getSimpleName(), handler);
    }

    public static Integration of(String functionName, RequestStreamHandler handler) {
        Objects.requireNonNull(functionName, "functionName");
        Objects.requireNonNull(handler, "handler");
        return event -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            handler.handleRequest(new ByteArrayInputStream(event), out, new LocalContext(functionName));
            return out.toByteArray();
        };
    }

    private static final class LocalContext implements Context {
        private final String functionName;
        private final String requestId = UUID.randomUUID().toString();
        private final long deadlineNanos = System.nanoTime() + TIMEOUT.toNanos();
        private final LambdaLogger logger;

        LocalContext(String functionName) {
            this.functionName = functionName;
            this.logger = new StderrLogger(functionName);
        }

        @Override
        public String getAwsRequestId() {
            return requestId;
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/" + functionName;
        }

        @Override
        public String getLogStreamName() {
            return "local";
        }

        @Override
        public String getFunctionName() {
            return functionName;
        }

        @Override
        public String getFunctionVersion() {
            return "$LATEST";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:000000000000:function:" + functionName;
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getMemoryLimitInMB() {
            return 512;
        }

        @Override
        public LambdaLogger getLogger() {
            return logger;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return (int) Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
        }
    }

    private static final class StderrLogger implements LambdaLogger {
        private final String prefix;

        StderrLogger(String functionName) {
            this.prefix = "[" + functionName + "] ";
        }

        @Override
        public void log(String message) {
            PrintStream err = System.err;
            // one println per record, so lines of concurrent invocations do not interleave mid-line
            err.println(prefix + (message.endsWith("\n") ? message.substring(0, message.length() - 1) : message));
        }

        @Override
        public void log(byte[] message) {
            log(new String(message, StandardCharsets.UTF_8));
        }
    }
}
