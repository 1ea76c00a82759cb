package dev.wsctl.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.awshttp.SigV4;
import dev.wsctl.awshttp.UrlConnectionPool;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/**
 * Hands batches to the {@code fanout} worker function: Lambda's Invoke with {@code X-Amz-Invocation-Type: Event}
 * ({@code POST /2015-03-31/functions/{name or name:qualifier}/invocations}, 202 when Lambda queued the event),
 * over the functions' one HTTP transport ({@link UrlConnectionPool}) and signed by {@link SigV4} ({@code lambda}),
 * like the fan-out's own calls: no Lambda SDK client in handlers.jar
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
 *
 * <p>A hand-off that Lambda did not take is tried again, with backoff and jitter, only when it certainly was not
 * taken: throttled (429 TooManyRequestsException and the like) or never sent. Anything else (another error, no
 * answer in time) counts as refused and is logged: an event Lambda may have queued is not sent twice, since its
 * worker would deliver the message twice. Each hand-off ends within about {@code timeout} plus the backoffs.
 */
public final class LambdaDispatcher implements FanoutDispatcher, AutoCloseable {
    static final String SERVICE = "lambda";
    /** Lambda answers an Event invoke once it has queued it: well within this. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    static final int MAX_ATTEMPTS = 3;
    /**
     * Before the second and third attempts, a random wait under 100 and 200 ms (full jitter): a throttled
     * hand-off tries again soon, and the hand-offs of one broadcast throttled together do not return together.
     */
    static final BackoffStrategy BACKOFF =
            BackoffStrategy.exponentialDelay(Duration.ofMillis(100), Duration.ofMillis(200));
    /** Batches in flight to Lambda at once; more wait for a connection. */
    static final int MAX_CONNECTIONS = 16;

    private final String function;
    private final UrlConnectionPool http;
    private final SigV4 sigV4;
    private final SdkHttpRequest template;
    private final JsonLog log;
    private final BackoffStrategy backoff;

    /**
     * @param function the function to invoke: its name, ARN, or either with {@code :qualifier} (an alias)
     * @param endpoint Lambda's endpoint ({@link dev.wsctl.awshttp.AwsEndpoints#lambda(Region)})
     */
    public LambdaDispatcher(
            String function, URI endpoint, Region region, AwsCredentialsProvider credentials, JsonLog log) {
        this(function, endpoint, region, credentials, log, TIMEOUT, BACKOFF, Clock.systemUTC());
    }

    LambdaDispatcher(
            String function,
            URI endpoint,
            Region region,
            AwsCredentialsProvider credentials,
            JsonLog log,
            Duration timeout,
            BackoffStrategy backoff,
            Clock clock) {
        String scheme = endpoint.getScheme();
        if (endpoint.getHost() == null || !("https".equals(scheme) || "http".equals(scheme))) {
            throw new IllegalArgumentException("Lambda's endpoint must be http(s)://host[:port], not " + endpoint);
        }
        this.function = function;
        this.http = new UrlConnectionPool(endpoint, MAX_CONNECTIONS, timeout, null, "wsctl-invoke");
        this.sigV4 = new SigV4(credentials, SERVICE, region.id(), true, clock);
        this.log = log;
        this.backoff = backoff;
        String base = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        this.template = SigV4.template(
                        endpoint,
                        (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/2015-03-31/functions/"
                                + SigV4.encodeSegment(function) + "/invocations")
                .putHeader("Content-Type", "application/json")
                .putHeader("X-Amz-Invocation-Type", "Event")
                .putHeader("User-Agent", "wsctl-fanout")
                .build();
    }

    @Override
    public CompletableFuture<Handoff> dispatch(FanoutBatch batch) {
        byte[] body = batch.toJson();
        CompletableFuture<Handoff> done = new CompletableFuture<>();
        attempt(batch, body, 1, done);
        return done;
    }

    private void attempt(FanoutBatch batch, byte[] body, int attempt, CompletableFuture<Handoff> done) {
        SdkHttpRequest request;
        try {
            request = sigV4.sign(
                    template.toBuilder()
                            .putHeader("Content-Length", Integer.toString(body.length))
                            .build(),
                    () -> new ByteArrayInputStream(body));
        } catch (RuntimeException e) {
            // e.g. no credentials: nothing was sent, and trying again would not help
            refused(batch, attempt, e.toString(), done);
            return;
        }
        http.post(request, body).whenComplete((answer, error) -> {
            if (error != null) {
                if (Fanout.isUnsent(error) && attempt < MAX_ATTEMPTS) {
                    retry(batch, body, attempt, done);
                } else {
                    refused(batch, attempt, error.toString(), done);
                }
            } else if (answer.ok()) {
                done.complete(Handoff.accepted(attempt));
            } else if (throttled(answer) && attempt < MAX_ATTEMPTS) {
                retry(batch, body, attempt, done);
            } else {
                refused(batch, attempt, error(answer), done);
            }
        });
    }

    /**
     * Whether Lambda did not take the event because of a rate or concurrency limit: 429 TooManyRequestsException
     * (its {@code Reason} says which limit), or an error type that says throttling
     * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors).
     */
    static boolean throttled(UrlConnectionPool.Response answer) {
        String type = answer.errorType() == null ? "" : answer.errorType();
        return answer.status() == 429 || type.contains("TooManyRequests") || type.contains("Throttl");
    }

    private static String error(UrlConnectionPool.Response answer) {
        String type = answer.errorType() == null || answer.errorType().isEmpty() ? "" : " " + answer.errorType();
        String body = answer.errorBody() == null || answer.errorBody().isEmpty() ? "" : ": " + answer.errorBody();
        return answer.status() + type + body;
    }

    private void retry(FanoutBatch batch, byte[] body, int attempt, CompletableFuture<Handoff> done) {
        CompletableFuture.delayedExecutor(backoff.computeDelay(attempt + 1).toNanos(), TimeUnit.NANOSECONDS)
                .execute(() -> attempt(batch, body, attempt + 1, done));
    }

    private void refused(FanoutBatch batch, int attempts, String error, CompletableFuture<Handoff> done) {
        ObjectNode line = Json.object();
        line.put("event", "dispatch");
        line.put("function", function);
        line.put("channel", batch.channel());
        line.put("batch", batch.batch());
        line.put("batches", batch.batches());
        line.put("ids", batch.ids().size());
        line.put("attempts", attempts);
        line.put("error", error);
        log.write(line);
        done.complete(Handoff.failed(attempts, error));
    }

    @Override
    public void close() {
        http.close();
    }
}
