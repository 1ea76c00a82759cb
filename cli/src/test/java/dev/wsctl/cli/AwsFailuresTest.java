package dev.wsctl.cli;

import static org.assertj.core.api.SoftAssertions.assertSoftly;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.wsctl.aws.MotoServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every command that calls AWS, through {@link Wsctl#run} with the real SDK clients, against an endpoint on
 * 127.0.0.1 that fails every request in one shape: exit 1 and one sentence naming the step, never a stack trace.
 * The shapes are what a proxy, a load balancer or AWS itself answers when things go wrong: an HTML 502 page, an
 * empty 503, throttling in each protocol's form (query: {@code Throttling} in an XML ErrorResponse; JSON 1.0:
 * {@code ThrottlingException} in {@code __type}; REST-JSON: 429 with {@code x-amzn-ErrorType:
 * TooManyRequestsException}; https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html), and a
 * connection reset (accepted, then closed with SO_LINGER 0).
 *
 * <p>The SDK retries each of them; {@code aws.maxAttempts} = 2 keeps the retries (and their backoff) short while
 * still exercising them.
 */
class AwsFailuresTest {
    enum Shape {
        HTML_502,
        EMPTY_503,
        THROTTLED,
        RESET
    }

    private static final List<List<String>> COMMANDS = List.of(
            List.of("deploy"),
            List.of("deploy", "--dry-run"),
            List.of("deploy", "--engine", "cloudformation", "--code-bucket", "wsctl-code"),
            List.of("status"),
            List.of("destroy", "--yes"),
            List.of("connections", "list"),
            List.of("connections", "show", "conn-1"),
            List.of("connections", "kick", "conn-1"),
            List.of("connections", "gc"),
            List.of("channels", "list"),
            List.of("channels", "inspect", "news"),
            List.of("broadcast", "--channel", "news", "--message", "hi"),
            List.of("token", "--sub", "alice"),
            List.of("listen", "--channel", "news", "--timeout", "1s"),
            List.of("smoke", "--timeout", "1s"));

    private static Map<String, String> savedProperties;

    private HttpServer http;
    private ServerSocket resetting;
    private Thread resetter;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeAll
    static void sdkSettings() {
        savedProperties = SystemProperties.set(
                Map.of("aws.accessKeyId", "testing", "aws.secretAccessKey", "testing", "aws.maxAttempts", "2"));
    }

    @AfterAll
    static void restore() {
        SystemProperties.restore(savedProperties);
    }

    @AfterEach
    void stop() throws IOException, InterruptedException {
        if (http != null) {
            http.stop(0);
        }
        if (resetting != null) {
            resetting.close();
            resetter.join(5_000);
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void everyCommandSaysWhatFailedInOneSentence(Shape shape) throws IOException {
        String endpoint = start(shape);
        assertSoftly(soft -> everyCommand(soft, shape, endpoint, "at the first call"));
    }

    /**
     * The same past the first call of the deploy commands (the account, from STS): moto's server answers it, and
     * the shape every later request, so that the sentence names a later step (the operations, which make no STS
     * call, fail at their first, GetApis). One shape (an
     * answer without an AWS error takes the same path as any other): the next call of most commands is DynamoDB's,
     * whose SDK client keeps its own nine attempts whatever {@code aws.maxAttempts} says, a few seconds per command
     * for a 5xx and about a minute for throttling, which is fed at the first call above.
     */
    @ParameterizedTest
    @EnumSource(
            value = Shape.class,
            names = {"HTML_502"})
    void pastTheAccountTheSentenceNamesTheStepThatFailed(Shape shape) throws Exception {
        try (EmulatorProxy proxy = new EmulatorProxy(MotoServer.url(), (exchange, body) -> {
            if (new String(body, StandardCharsets.UTF_8).contains("Action=GetCallerIdentity")) {
                return false;
            }
            requests.incrementAndGet();
            answer(shape, exchange);
            return true;
        })) {
            assertSoftly(soft -> {
                everyCommand(soft, shape, proxy.uri().toString(), "past the account");
            });
        }
    }

    private void everyCommand(org.assertj.core.api.SoftAssertions soft, Shape shape, String endpoint, String where) {
        List<String> common =
                List.of("--app", "chat", "--stage", "dev", "--region", "us-east-1", "--endpoint-url", endpoint);
        for (List<String> command : COMMANDS) {
            List<String> args = new ArrayList<>(command);
            args.addAll(common);
            int before = requests.get();
            CliRun r = CliRun.wsctl(Context.system(), args.toArray(String[]::new));
            String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
            String what = String.join(" ", command) + " (" + shape + ", " + where + ")";
            soft.assertThat(requests.get()).as(what + ": reached the endpoint").isGreaterThan(before);
            soft.assertThat(r.code())
                    .as(what + ": exit code; stderr: " + r.err())
                    .isEqualTo(ExitCode.FAILED);
            soft.assertThat(r.err())
                    .as(what)
                    .doesNotContain("unexpected error")
                    .doesNotContain("\tat ")
                    .doesNotContain("NullPointerException");
            soft.assertThat(last)
                    .as(what)
                    .startsWith("wsctl: ")
                    .doesNotContain("<html")
                    .doesNotContain("null");
            if (where.equals("past the account")) {
                soft.assertThat(last)
                        .as(what)
                        .doesNotContain("GetCallerIdentity")
                        .containsPattern("(Could not|while trying to) (read|create|delete|update|upload|deploy)");
            }
            switch (shape) {
                case HTML_502 ->
                    soft.assertThat(last)
                            .as(what)
                            .contains("answered HTTP 502 without an AWS error", "502 Bad Gateway");
                case EMPTY_503 -> soft.assertThat(last).as(what).contains("answered HTTP 503 without an AWS error");
                case THROTTLED -> soft.assertThat(last).as(what).contains("AWS throttled the requests while trying to");
                case RESET -> soft.assertThat(last).as(what).contains("no answer from AWS");
            }
        }
    }

    /** The endpoint that answers every request in {@code shape}. */
    private String start(Shape shape) throws IOException {
        if (shape == Shape.RESET) {
            resetting = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            resetter = new Thread(
                    () -> {
                        while (!resetting.isClosed()) {
                            try (Socket s = resetting.accept()) {
                                requests.incrementAndGet();
                                s.setSoLinger(true, 0);
                            } catch (IOException closed) {
                                // the test is over
                            }
                        }
                    },
                    "resetting-endpoint");
            resetter.setDaemon(true);
            resetter.start();
            return "http://127.0.0.1:" + resetting.getLocalPort();
        }
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                requests.incrementAndGet();
                answer(shape, exchange);
            }
        });
        http.start();
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    private static void answer(Shape shape, HttpExchange exchange) throws IOException {
        switch (shape) {
            case HTML_502 ->
                send(
                        exchange,
                        502,
                        "text/html",
                        "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
                                + "</center><hr><center>nginx</center></body></html>");
            case EMPTY_503 -> send(exchange, 503, null, "");
            case THROTTLED -> {
                String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
                if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded")) {
                    // query protocol (STS, IAM, CloudFormation)
                    send(
                            exchange,
                            400,
                            "text/xml",
                            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                                    + "<Message>Rate exceeded</Message></Error><RequestId>r-1</RequestId></ErrorResponse>");
                } else if (exchange.getRequestHeaders().containsKey("X-Amz-Target")) {
                    // JSON 1.0 protocol (DynamoDB)
                    send(
                            exchange,
                            400,
                            "application/x-amz-json-1.0",
                            "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\","
                                    + "\"message\":\"Rate of requests exceeds the allowed throughput.\"}");
                } else {
                    // REST-JSON protocol (Lambda, API Gateway, @connections)
                    exchange.getResponseHeaders().add("x-amzn-ErrorType", "TooManyRequestsException");
                    send(exchange, 429, "application/json", "{\"message\":\"Too Many Requests\"}");
                }
            }
            case RESET -> throw new IllegalStateException("served by the resetting socket");
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null) {
            exchange.getResponseHeaders().add("Content-Type", contentType);
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
