package dev.wsctl.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.wsctl.awshttp.RefusingPort;
import dev.wsctl.json.JsonLog;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/** Lambda's asynchronous Invoke over the fan-out's HTTP client, against a fake Lambda endpoint on 127.0.0.1. */
class LambdaDispatcherTest {
    private static final String ACCESS_KEY = "AKIDTESTDISPATCH";
    private static final Pattern AUTHORIZATION = Pattern.compile("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY
            + "/(\\d{8})/eu-west-1/lambda/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})");

    /** One request as it arrived; header names in lower case. */
    record Seen(String method, String rawPath, Map<String, String> headers, byte[] body) {}

    private HttpServer server;
    /** Statuses to answer, in order; 202 once they run out. */
    private final Queue<Integer> answers = new ConcurrentLinkedQueue<>();

    private final List<Seen> requests = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private LambdaDispatcher dispatcher;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange;
                InputStream in = exchange.getRequestBody()) {
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders()
                    .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            requests.add(new Seen(
                    exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), headers, in.readAllBytes()));
            Integer status = answers.poll();
            int code = status == null ? 202 : status;
            if (code == 202) {
                exchange.sendResponseHeaders(202, -1);
                return;
            }
            String type = code == 429 ? "TooManyRequestsException" : "ServiceException";
            byte[] body = ("{\"Type\":\"Server\",\"message\":\"" + type + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("x-amzn-ErrorType", type);
            exchange.sendResponseHeaders(code, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private LambdaDispatcher dispatcher(URI endpoint, String function) {
        dispatcher = new LambdaDispatcher(
                function,
                endpoint,
                Region.EU_WEST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, "test-secret-not-a-real-one")),
                new JsonLog(log::add),
                Duration.ofSeconds(5),
                BackoffStrategy.exponentialDelay(Duration.ofMillis(5), Duration.ofMillis(10)),
                Clock.systemUTC());
        return dispatcher;
    }

    private static FanoutBatch batch() {
        return new FanoutBatch(
                "news",
                "{\"type\":\"message\"}".getBytes(StandardCharsets.UTF_8),
                List.of("a=", "b="),
                "s=",
                180,
                40,
                1_764_000_000_000L,
                1,
                50);
    }

    @Test
    void anEventInvokeOfTheAliasSignedForLambdaIsAcceptedWith202() {
        FanoutBatch batch = batch();

        FanoutDispatcher.Handoff handoff =
                dispatcher(endpoint(), "chat-dev-fanout:live").dispatch(batch).join();

        assertThat(handoff).isEqualTo(FanoutDispatcher.Handoff.accepted(1));
        assertThat(requests).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.rawPath()).isEqualTo("/2015-03-31/functions/chat-dev-fanout%3Alive/invocations");
            assertThat(r.headers())
                    .containsEntry("x-amz-invocation-type", "Event")
                    .containsEntry("content-type", "application/json")
                    .containsKey("x-amz-date");
            assertThat(r.headers().get("authorization")).matches(AUTHORIZATION);
            var m = AUTHORIZATION.matcher(r.headers().get("authorization"));
            assertThat(m.matches()).isTrue();
            assertThat(m.group(2).split(";")).contains("host", "x-amz-date", "x-amz-invocation-type");
            assertThat(r.body()).isEqualTo(batch.toJson());
            assertThat(FanoutBatch.parse(r.body())).isEqualTo(batch);
        });
        assertThat(log).isEmpty();
    }

    @Test
    void throttledInvokesAreTriedAgain() {
        answers.add(429);
        answers.add(429);

        FanoutDispatcher.Handoff handoff =
                dispatcher(endpoint(), "chat-dev-fanout").dispatch(batch()).join();

        assertThat(handoff).isEqualTo(FanoutDispatcher.Handoff.accepted(3));
        assertThat(requests)
                .hasSize(3)
                .allSatisfy(
                        r -> assertThat(r.rawPath()).isEqualTo("/2015-03-31/functions/chat-dev-fanout/invocations"));
    }

    @Test
    void stillThrottledAfterTheLastAttemptIsRefusedAndLogged() {
        answers.addAll(List.of(429, 429, 429));

        FanoutDispatcher.Handoff handoff =
                dispatcher(endpoint(), "fn").dispatch(batch()).join();

        assertThat(handoff.accepted()).isFalse();
        assertThat(handoff.attempts()).isEqualTo(LambdaDispatcher.MAX_ATTEMPTS);
        assertThat(handoff.error()).startsWith("429 TooManyRequestsException");
        assertThat(log)
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains(
                                "\"event\":\"dispatch\"",
                                "\"function\":\"fn\"",
                                "\"batch\":1",
                                "\"batches\":50",
                                "\"ids\":2",
                                "\"attempts\":3",
                                "429"));
    }

    @Test
    void anotherErrorIsNotRepeatedSinceLambdaMayHaveQueuedTheEvent() {
        answers.add(500);

        FanoutDispatcher.Handoff handoff =
                dispatcher(endpoint(), "fn").dispatch(batch()).join();

        assertThat(handoff)
                .extracting(FanoutDispatcher.Handoff::accepted, FanoutDispatcher.Handoff::attempts)
                .containsExactly(false, 1);
        assertThat(handoff.error()).startsWith("500 ServiceException");
        assertThat(requests).hasSize(1);
        assertThat(log).singleElement().satisfies(line -> assertThat(line).contains("500"));
    }

    @Test
    void anInvokeThatWasNeverSentIsTriedAgainThenRefused() throws IOException {
        try (RefusingPort refusing = new RefusingPort()) {
            int port = refusing.port();

            FanoutDispatcher.Handoff handoff = dispatcher(URI.create("http://127.0.0.1:" + port), "fn")
                    .dispatch(batch())
                    .join();

            assertThat(handoff.accepted()).isFalse();
            assertThat(handoff.attempts()).isEqualTo(LambdaDispatcher.MAX_ATTEMPTS);
            assertThat(handoff.error()).contains("NotSent");
        }
    }

    @Test
    void anEmulatorUnderAPathGetsThePathFirst() {
        dispatcher(URI.create(endpoint() + "/lambda/"), "fn").dispatch(batch()).join();

        assertThat(requests)
                .singleElement()
                .extracting(Seen::rawPath)
                .isEqualTo("/lambda/2015-03-31/functions/fn/invocations");
    }
}
