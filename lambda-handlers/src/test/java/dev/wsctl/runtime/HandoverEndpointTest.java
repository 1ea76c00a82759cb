package dev.wsctl.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The JDK's client first, Netty's once a fan-out leaves enough posts waiting. */
class HandoverEndpointTest {
    /** Longer than any test here: only a backlog hands over, unless a test says otherwise. */
    private static final java.time.Duration LATER = java.time.Duration.ofMinutes(5);
    private FakeConnectionsEndpoint endpoint;
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final AtomicInteger built = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        endpoint = new FakeConnectionsEndpoint();
        for (int i = 0; i < 300; i++) {
            endpoint.live.add("c" + i);
        }
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    private JdkConnectionsApi jdk() {
        return new JdkConnectionsApi(endpoint.callbackUrl(), 2, Region.US_EAST_1, AnonymousCredentialsProvider.create());
    }

    private ConnectionsApi netty() {
        built.incrementAndGet();
        return new ConnectionsApi(endpoint.callbackUrl(), endpoint.eventLoops(), 16, Region.US_EAST_1,
                AnonymousCredentialsProvider.create());
    }

    private static List<ConnectionsApi.Answer> post(ConnectionsEndpoint api, int from, int to) {
        List<CompletableFuture<ConnectionsApi.Answer>> calls = new ArrayList<>();
        try (ConnectionsApi.Payload payload = ConnectionsApi.payload("x".getBytes(StandardCharsets.UTF_8))) {
            for (int i = from; i < to; i++) {
                calls.add(api.post("c" + i, payload));
            }
            return calls.stream().map(CompletableFuture::join).toList();
        }
    }

    private JsonNode handoverLine() throws Exception {
        for (String line : log) {
            JsonNode node = Json.read(line.getBytes(StandardCharsets.UTF_8));
            if (node.path("event").asText().equals("handover")) {
                return node;
            }
        }
        return null;
    }

    /** The builder's thread logs once it is done (bounded wait). */
    private void awaitHandoverLine() {
        await("the hand-over's log line").atMost(Duration.ofSeconds(10)).until(() -> handoverLine() != null);
    }

    @Test
    void aSmallFanOutNeverBuildsTheBulkClient() throws Exception {
        HandoverEndpoint api = new HandoverEndpoint(jdk(), this::netty, 32, LATER, new JsonLog(log::add));
        try {
            assertThat(post(api, 0, 10)).allSatisfy(a -> assertThat(a.outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED));
            assertThat(built).hasValue(0);
            assertThat(api.handedOver()).isFalse();
            assertThat(handoverLine()).isNull();
        } finally {
            api.close();
        }
    }

    @Test
    void aBacklogHandsTheRestOfTheFanOutAndEveryLaterOneToTheBulkClient() throws Exception {
        endpoint.delayMillis = 5;
        HandoverEndpoint api = new HandoverEndpoint(jdk(), this::netty, 32, LATER, new JsonLog(log::add));
        try {
            // 200 posts at once leave more than 32 waiting for the JDK's two connections
            assertThat(post(api, 0, 200)).allSatisfy(a -> assertThat(a.outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED));
            awaitHandoverLine();
            assertThat(api.handedOver()).isTrue();
            assertThat(built).hasValue(1);
            assertThat(handoverLine().path("reason").asText()).isEqualTo("backlog");
            assertThat(handoverLine().path("waiting").asInt()).isGreaterThanOrEqualTo(32);
            assertThat(handoverLine().has("error")).isFalse();

            endpoint.maxInFlight.set(0);
            assertThat(post(api, 200, 300)).allSatisfy(a -> assertThat(a.outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED));
            assertThat(endpoint.maxInFlight.get()).as("Netty's 16 connections, not the JDK's 2").isGreaterThan(2);
            assertThat(built).hasValue(1);
            // nothing lost, nothing twice, whichever client posted it
            assertThat(endpoint.received).hasSize(300).allSatisfy((id, bodies) -> assertThat(bodies).hasSize(1));
        } finally {
            api.close();
        }
    }

    @Test
    void theFirstPostOfALaterEventHandsOverWithoutABacklog() throws Exception {
        HandoverEndpoint api = new HandoverEndpoint(jdk(), this::netty, 1_000,
                java.time.Duration.ofMillis(300), new JsonLog(log::add));
        try {
            // the cold start's event: a small channel, on the JDK's client
            assertThat(post(api, 0, 10)).allSatisfy(a -> assertThat(a.outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED));
            assertThat(built).hasValue(0);

            Thread.sleep(400); // longer than the 300 ms after which a later event hands over: what is tested
            // a later event: its first post starts the build, and is itself posted by the JDK's client
            assertThat(post(api, 10, 20)).allSatisfy(a -> assertThat(a.outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED));
            awaitHandoverLine();
            assertThat(handoverLine().path("reason").asText()).isEqualTo("later event");
            assertThat(api.handedOver()).isTrue();
            assertThat(built).hasValue(1);

            endpoint.delayMillis = 50;
            endpoint.maxInFlight.set(0);
            assertThat(post(api, 20, 40)).allSatisfy(a -> assertThat(a.outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED));
            assertThat(endpoint.maxInFlight.get()).as("Netty's connections, all at once").isGreaterThan(4);
            assertThat(endpoint.received).hasSize(40).allSatisfy((id, bodies) -> assertThat(bodies).hasSize(1));
        } finally {
            api.close();
        }
    }

    @Test
    void whenTheBulkClientCannotBeBuiltTheJdkClientPostsEverything() throws Exception {
        endpoint.delayMillis = 2;
        HandoverEndpoint api = new HandoverEndpoint(jdk(), () -> {
            built.incrementAndGet();
            throw new IllegalStateException("no event loops");
        }, 8, LATER, new JsonLog(log::add));
        try {
            assertThat(post(api, 0, 100)).allSatisfy(a -> assertThat(a.outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED));
            assertThat(post(api, 100, 200)).allSatisfy(a -> assertThat(a.outcome()).isEqualTo(ConnectionsApi.Outcome.DELIVERED));
            awaitHandoverLine();
            assertThat(built).as("tried once").hasValue(1);
            assertThat(api.handedOver()).isFalse();
            assertThat(handoverLine().path("error").asText()).contains("no event loops");
            assertThat(endpoint.received).hasSize(200);
        } finally {
            api.close();
        }
    }
}
