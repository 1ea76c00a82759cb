package dev.wsctl.local;

import static dev.wsctl.local.TestClient.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.wsctl.json.JsonLog;
import dev.wsctl.store.ConnectionInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/**
 * What the gateway's handshake checks and per-socket bounds leave in the store, with the real handlers and the
 * SQLite store behind it: no rows for a refused handshake, none for a client closed for not reading.
 */
class LocalStackLimitsTest {
    @TempDir
    Path dir;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private LocalStack stack;

    @AfterEach
    void stop() {
        if (stack != null) stack.close();
    }

    private LocalStack start(Limits limits) throws Exception {
        stack = LocalStack.start(TestStackConfig.at(dir.resolve("local.db"))
                .limits(limits)
                .log(new JsonLog(log::add))
                .build());
        return stack;
    }

    @Test
    void aRefusedHandshakeLeavesNoRow() throws Exception {
        start(Limits.aws());
        String head = "GET /local HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
        String version = "Sec-WebSocket-Version: 13\r\n";
        String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        for (String refused : List.of(
                head + version + "\r\n",
                head + key + "\r\n",
                head + "Sec-WebSocket-Version: 7\r\n" + key + "\r\n",
                head.replace("HTTP/1.1", "HTTP/1.0") + version + key + "\r\n"))
            assertThat(RawClient.handshake(stack.gateway(), refused)).startsWith("HTTP/1.1 400");
        assertThat(stack.store().connections(10)).isEmpty();
        assertThat(stack.store().channelCounts()).isEmpty();
    }

    @Test
    void aClientThatStopsReadingIsClosedAndItsRowsGo() throws Exception {
        start(TestLimits.maxOutboundBytes(256 * 1024));
        try (RawClient stuck = RawClient.nonReading(stack.gateway(), 4096);
                TestClient other = TestClient.connect(stack.websocketUri());
                ApiGatewayManagementApiClient api = ApiGatewayManagementApiClient.builder()
                        .endpointOverride(stack.callbackUri())
                        .region(Region.US_EAST_1)
                        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "y")))
                        .build()) {
            await().atMost(WAIT).until(() -> stack.store().connections(10).size() == 2);
            String otherId = other.request("{\"action\":\"joinchannel\",\"channel\":\"news\"}")
                    .get("connectionId")
                    .asText();
            String stuckId = stack.store().connections(10).stream()
                    .map(ConnectionInfo::connectionId)
                    .filter(id -> !id.equals(otherId))
                    .findFirst()
                    .orElseThrow();
            assertThat(stack.store().channelsOf(stuckId)).containsExactly("default");

            SdkBytes message = SdkBytes.fromUtf8String("x".repeat(16 * 1024));
            boolean gone = false;
            for (int i = 0; i < 4_000 && !gone; i++) { // 64 MiB at most: far more than the bound and the TCP buffers
                try {
                    api.postToConnection(r -> r.connectionId(stuckId).data(message));
                } catch (GoneException e) {
                    gone = true;
                }
            }
            assertThat(gone)
                    .as("a post answered 410 once the bound was reached")
                    .isTrue();
            await().atMost(WAIT).until(() -> stack.store().connection(stuckId).isEmpty());
            assertThat(stack.store().channelsOf(stuckId)).isEmpty();

            // the other connection and its rows are untouched
            assertThat(stack.store().channelsOf(otherId)).containsExactly("default", "news");
            api.postToConnection(r -> r.connectionId(otherId).data(SdkBytes.fromUtf8String("still here")));
            assertThat(other.nextText()).isEqualTo("still here");
        }
    }
}
