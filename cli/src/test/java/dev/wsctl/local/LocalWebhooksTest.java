package dev.wsctl.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.awshttp.SelfSignedTls;
import dev.wsctl.cli.CliRun;
import dev.wsctl.cli.Context;
import dev.wsctl.cli.LocalSecret;
import dev.wsctl.cli.WebhooksCommand;
import dev.wsctl.cli.Wsctl;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.webhooks.RetryPolicy;
import dev.wsctl.webhooks.WebhookEvent;
import dev.wsctl.webhooks.WebhookReceiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/**
 * Lifecycle webhooks end to end through the local stack, with real WebSocket clients, to an HTTPS receiver on
 * 127.0.0.1 (a certificate made here, trusted by the sender through the test's own sockets) that checks every
 * signature and answers 500 for a while: every event arrives, each channel's in order, occupied / vacated exact under
 * concurrent joins and leaves; a body given up on is listed and redriven by {@code wsctl webhooks --local}.
 */
class LocalWebhooksTest {
    private static final BackoffStrategy FAST =
            BackoffStrategy.exponentialDelay(Duration.ofMillis(50), Duration.ofMillis(400));
    private static final String ROOM = "room";
    private static final String PRESENCE = "presence-lobby";

    @TempDir
    static Path certs;

    static SelfSignedTls tls;

    @TempDir
    Path stateDir;

    private Path config;
    private String secret;
    private WebhookReceiver receiver;
    private LocalStack stack;
    private final List<TestClient> clients = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void certificate() {
        tls = SelfSignedTls.create(certs);
    }

    @BeforeEach
    void receiver() throws Exception {
        secret = LocalSecret.webhookSecret(stateDir);
        receiver = new WebhookReceiver(secret, tls.server());
        config = stateDir.resolve("wsctl.yaml");
        Files.writeString(config, "webhooks:\n  url: " + receiver.url() + "\n");
    }

    @AfterEach
    void stop() {
        clients.forEach(TestClient::close);
        if (stack != null) {
            stack.close();
        }
        receiver.close();
    }

    private void start(Duration window) throws Exception {
        stack = LocalStack.start(TestStackConfig.at(stateDir.resolve("local.db"))
                .log(new JsonLog(log::add))
                .webhooks(new LocalStack.Webhooks(
                        Optional.of(receiver.url()),
                        WebhookEvent.NAMES,
                        secret,
                        new RetryPolicy(window, FAST),
                        tls.client().getSocketFactory()))
                .build());
    }

    private TestClient client() {
        TestClient c = TestClient.connect(stack.websocketUri());
        clients.add(c);
        return c;
    }

    private static String frame(String action, String channel) {
        return "{\"action\":\"" + action + "\",\"channel\":\"" + channel + "\"}";
    }

    @Test
    void everyEventArrivesSignedInOrderAndOccupancyIsExactUnderConcurrency() throws Exception {
        receiver.failFirst(4, 500);
        start(Duration.ofSeconds(60));
        int clientCount = 6;
        int rounds = 8;
        List<String> ids = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(clientCount);
        try {
            List<Future<String>> runs = new ArrayList<>();
            for (int i = 0; i < clientCount; i++) {
                runs.add(pool.submit(() -> {
                    TestClient c = client();
                    String id = answer(c, frame("joinchannel", PRESENCE))
                            .path("connectionId")
                            .asText();
                    for (int r = 0; r < rounds; r++) {
                        assertThat(reply(c, frame("joinchannel", ROOM))).isEqualTo("joined");
                        assertThat(reply(c, frame("leavechannel", ROOM))).isEqualTo("left");
                    }
                    c.close();
                    return id;
                }));
            }
            for (Future<String> run : runs) {
                ids.add(run.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }

        // every connection's disconnected has arrived, and nothing is left to post
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(names(receiver.acceptedEvents(), WebhookEvent.DISCONNECTED))
                    .hasSize(clientCount);
            assertThat(stack.store().webhooks().pending(1)).isEmpty();
        });
        List<JsonNode> events = receiver.acceptedEvents();

        assertThat(receiver.badSignatures).hasValue(0);
        assertThat(receiver.posts.size()).isGreaterThan(receiver.accepted.size()); // the 500s were retried
        // each connection: connected once, then disconnected once
        for (String id : ids) {
            List<String> own = events.stream()
                    .filter(e -> id.equals(e.path("connectionId").asText()))
                    .map(e -> e.path("name").asText())
                    .toList();
            assertThat(own).as("events of %s", id).containsExactly("connected", "disconnected");
        }
        // each channel's occupancy alternates, starts occupied, ends vacated (everyone left)
        for (String channel : List.of(ROOM, "default", PRESENCE)) {
            List<String> occupancy = events.stream()
                    .filter(e -> channel.equals(e.path("channel").asText()))
                    .map(e -> e.path("name").asText())
                    .filter(n -> n.startsWith("channel_"))
                    .toList();
            assertThat(occupancy).as("occupancy of %s", channel).isNotEmpty();
            for (int i = 0; i < occupancy.size(); i++) {
                assertThat(occupancy.get(i))
                        .as("transition %d of %s: %s", i, channel, occupancy)
                        .isEqualTo(i % 2 == 0 ? "channel_occupied" : "channel_vacated");
            }
            assertThat(occupancy).last().isEqualTo("channel_vacated");
        }
        // presence: each member added once and removed once (the member is the connection without auth)
        Map<String, List<String>> members = new HashMap<>();
        events.stream()
                .filter(e -> e.path("name").asText().startsWith("member_"))
                .forEach(e -> members.computeIfAbsent(e.path("user").asText(), u -> new ArrayList<>())
                        .add(e.path("name").asText()));
        assertThat(members).containsOnlyKeys(ids);
        members.values().forEach(seq -> assertThat(seq).containsExactly("member_added", "member_removed"));
        // in order: a connection's events come after its connected, and the channel's first event is occupied
        assertThat(events.get(0).path("name").asText()).isEqualTo("connected");
        assertThat(log).anySatisfy(line -> assertThat(line).contains("\"event\":\"webhooks\""));
    }

    @Test
    void aBodyGivenUpOnIsListedAndRedrivenByTheCommands() throws Exception {
        receiver.answers = () -> 500;
        start(Duration.ofMillis(600));
        TestClient c = client();
        String id = c.request(frame("joinchannel", ROOM)).path("connectionId").asText();

        // given up within the window: it is in webhook_failed, and listed
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !stack.store().webhooks().failed().isEmpty());
        CliRun failed = wsctl("webhooks", "failed", "--local", "-o", "json");
        assertThat(failed.code()).as(failed.err()).isZero();
        JsonNode listed = Json.read(failed.out()).path("failed");
        assertThat(listed.size()).isGreaterThanOrEqualTo(1);
        assertThat(listed.get(0).path("status").asInt()).isEqualTo(500);
        assertThat(listed.get(0).path("attempts").asInt()).isGreaterThan(1);
        assertThat(listed.get(0)
                        .path("body")
                        .path("events")
                        .get(0)
                        .path("connectionId")
                        .asText())
                .isEqualTo(id);
        CliRun table = wsctl("webhooks", "failed", "--local");
        assertThat(table.out()).contains("FIRST ATTEMPT").contains("500");

        // still failing: redrive says so, exit 1, and keeps the body
        CliRun refused = wsctl("webhooks", "redrive", "--local");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.out()).contains("still failing");

        // the endpoint is back: redrive delivers every body once and removes it
        stack.close();
        stack = null;
        receiver.answers = () -> 200;
        int before = receiver.accepted.size();
        List<String> bodies = new ArrayList<>();
        for (JsonNode f : Json.read(
                        wsctl("webhooks", "failed", "--local", "-o", "json").out())
                .path("failed")) {
            bodies.add(Json.write(f.path("body")));
        }
        CliRun redrive = wsctl("webhooks", "redrive", "--local");
        assertThat(redrive.code()).as(redrive.err()).isZero();
        assertThat(redrive.out()).contains("Redelivered " + bodies.size() + " of " + bodies.size());
        assertThat(receiver.accepted.size() - before).isEqualTo(bodies.size());
        List<String> delivered = receiver.accepted.subList(before, receiver.accepted.size()).stream()
                .map(b -> {
                    try {
                        return Json.write(Json.read(b));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
        assertThat(delivered).containsExactlyElementsOf(bodies);
        assertThat(Json.read(wsctl("webhooks", "failed", "--local", "-o", "json")
                                .out())
                        .path("failed"))
                .isEmpty();
    }

    @Test
    void webhooksTestPostsASignedSampleAndPrintsTheAnswer() {
        CliRun ok = wsctl("webhooks", "test", "--local");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains(receiver.url() + ": 200").contains("thanks");
        assertThat(receiver.acceptedEvents())
                .singleElement()
                .satisfies(e -> assertThat(e.path("name").asText()).isEqualTo("channel_occupied"));

        receiver.answers = () -> 403;
        CliRun refused = wsctl("webhooks", "test", "--local");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.out()).contains(": 403").contains("not now (403)");
        assertThat(receiver.badSignatures).hasValue(0);
    }

    @Test
    void webhooksSecretPrintsTheStateDirectorysSecret() throws Exception {
        CliRun run = wsctl("webhooks", "secret", "--local");

        assertThat(run.code()).isZero();
        assertThat(run.out().strip())
                .isEqualTo(secret)
                .isEqualTo(Files.readString(stateDir.resolve("webhook-secret"), StandardCharsets.UTF_8)
                        .strip())
                .matches("[0-9a-f]{64}");
    }

    @Test
    void webhooksOffWritesNoOutbox() throws Exception {
        stack = LocalStack.start(
                TestStackConfig.at(stateDir.resolve("local.db")).build());
        TestClient c = client();
        c.request(frame("joinchannel", ROOM));
        c.close();
        Thread.sleep(300);

        assertThat(stack.store().webhooks().pending(10)).isEmpty();
        assertThat(receiver.posts).isEmpty();
    }

    private CliRun wsctl(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--state-dir", stateDir.toString(), "--config", config.toString()));
        CommandLine.IFactory system = Wsctl.factory(Context.system());
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                if (type == WebhooksCommand.Test.class) {
                    return type.cast(new WebhooksCommand.Test(
                            Context.system(), tls.client().getSocketFactory()));
                }
                if (type == WebhooksCommand.Redrive.class) {
                    return type.cast(new WebhooksCommand.Redrive(
                            Context.system(), tls.client().getSocketFactory()));
                }
                return system.create(type);
            }
        };
        return CliRun.wsctl(factory, all.toArray(String[]::new));
    }

    /** The type of the answer to {@code frame}, past the presence notifications of others that come between. */
    private static String reply(TestClient c, String frame) {
        return answer(c, frame).path("type").asText();
    }

    private static JsonNode answer(TestClient c, String frame) {
        c.send(frame);
        while (true) {
            JsonNode next = c.next();
            if (!next.path("type").asText().startsWith("member_")) {
                return next;
            }
        }
    }

    private static List<JsonNode> names(List<JsonNode> events, String name) {
        return events.stream().filter(e -> name.equals(e.path("name").asText())).toList();
    }
}
