package dev.wsctl.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.awshttp.AwsEndpoints;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.webhooks.SqsDeadLetters;
import dev.wsctl.webhooks.StreamEvents;
import dev.wsctl.webhooks.WebhookDelivery;
import dev.wsctl.webhooks.WebhookEvent;
import dev.wsctl.webhooks.WebhookSender;
import dev.wsctl.webhooks.WebhookSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import software.amazon.awssdk.regions.Region;

/**
 * The {@code webhooks} function: a batch of the connection table's stream ({@link StreamEvents}) becomes one signed
 * POST, delivered at least once ({@link WebhookDelivery}), or put in the dead-letter queue once the retry window has
 * passed or the endpoint refused it. A failing endpoint never fails the invocation; only a dead letter that could
 * not be written does, so that Lambda retries the batch rather than lose it. One log line per batch:
 * {@code {event: webhooks, events, status, attempts, millis, deadLettered}}.
 */
public final class WebhooksHandler implements RequestStreamHandler {
    private final StreamEvents events;
    private final WebhookDelivery delivery;
    private final JsonLog log;
    private final Invocations invocations = new Invocations();

    /** Used by Lambda: settings, dead-letter queue and sender from the function's environment, built once at init. */
    public WebhooksHandler() {
        this(FromEnvironment.SETTINGS, FromEnvironment.delivery(), FunctionRuntime.log());
    }

    public WebhooksHandler(WebhookSettings settings, WebhookDelivery delivery, JsonLog log) {
        this(new StreamEvents(settings.events()), delivery, log);
    }

    public WebhooksHandler(StreamEvents events, WebhookDelivery delivery, JsonLog log) {
        this.events = events;
        this.delivery = delivery;
        this.log = log;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        try (JsonLog.Scope invocation = invocations.begin(context)) {
            long start = System.nanoTime();
            List<WebhookEvent> batch = events.of(Json.read(input));
            ObjectNode line = Json.object();
            line.put("event", "webhooks");
            line.put("events", batch.size());
            if (!batch.isEmpty()) {
                WebhookDelivery.Outcome outcome = delivery.deliver(delivery.body(batch));
                line.put("status", outcome.last().status());
                line.put("attempts", outcome.attempts());
                line.put("deadLettered", outcome.deadLettered());
                if (!outcome.delivered()) {
                    line.put("error", outcome.last().error());
                }
            }
            line.put("millis", (System.nanoTime() - start) / 1_000_000);
            log.write(line);
            Json.write(output, line);
        }
    }

    /** What the no-argument constructor builds, once per execution environment. */
    private static final class FromEnvironment {
        static final WebhookSettings SETTINGS = WebhookSettings.fromEnvironment(System.getenv());

        static WebhookDelivery delivery() {
            Region region = AwsEndpoints.region(System.getenv());
            SqsDeadLetters deadLetters = new SqsDeadLetters(
                    SETTINGS.deadLetters(),
                    AwsEndpoints.of(System.getenv()).sqs(region),
                    region,
                    LambdaCredentials.provider(System.getenv()));
            return new WebhookDelivery(
                    new WebhookSender(SETTINGS.url(), null), SETTINGS.secret(), SETTINGS.retry(), deadLetters);
        }
    }
}
