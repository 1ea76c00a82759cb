package dev.wsctl.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.Authorizer;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.metrics.EmfMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The REQUEST authorizer on {@code $connect}: origin allowlist and token, see {@link Authorizer}. Its
 * settings come from the {@code WSCTL_AUTH_*} variables, read once at init.
 */
public final class AuthorizeHandler implements RequestStreamHandler {
    private final Authorizer authorizer;
    private final Invocations invocations = new Invocations();

    /** Used by Lambda. */
    public AuthorizeHandler() {
        this(new Authorizer(
                AuthSettings.fromEnvironment(System.getenv()),
                JsonLog.stdout(),
                EmfMetrics.fromEnvironment(System.getenv(), JsonLog.stdout())));
        if (Priming.atInit(System.getenv())) {
            Priming.authorizer(authorizer.settings());
        }
    }

    public AuthorizeHandler(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    /** Throws {@link Authorizer.Unauthorized} for a 401; a Deny policy is a 403. */
    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        try (JsonLog.Scope invocation = invocations.begin(context)) {
            Json.write(output, authorizer.authorize(Json.read(input)));
        }
    }
}
