package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.wsctl.config.Jackson;
import dev.wsctl.ops.ClientSocket;
import dev.wsctl.ops.ConnectionAdmin;
import dev.wsctl.ops.Target;
import dev.wsctl.store.ConnectionInfo;
import dev.wsctl.store.ConnectionStore;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiAsyncClient;

/**
 * {@code wsctl connections …} and {@code wsctl channels …} with {@code --local} against a real local
 * stack and real WebSocket clients.
 */
class ConnectionsCommandTest {
    @RegisterExtension
    final LocalTarget local = new LocalTarget();

    private static JsonNode json(CliRun r) throws IOException {
        assertThat(r.code()).as(r.err()).isZero();
        return Jackson.mapper().readTree(r.out());
    }

    private static List<String> ids(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false)
                .map(n -> n.get("connectionId").asText())
                .toList();
    }

    @Test
    void listShowAndInspectReflectJoinsAndLeaves() throws Exception {
        ClientSocket a = local.client(null);
        ClientSocket b = local.client(null);
        String idA = LocalTarget.join(a, "news");
        String idB = LocalTarget.join(b, "news");
        LocalTarget.join(b, "sports");

        JsonNode list = json(local.wsctl("connections", "list", "-o", "json"));
        assertThat(ids(list.get("connections"))).containsExactlyInAnyOrder(idA, idB);
        JsonNode first = list.get("connections").get(0);
        assertThat(first.has("sub")).isTrue();
        assertThat(java.time.Instant.parse(first.get("connectedAt").asText())).isNotNull();
        JsonNode listedB = StreamSupport.stream(list.get("connections").spliterator(), false)
                .filter(n -> n.get("connectionId").asText().equals(idB))
                .findFirst()
                .orElseThrow();
        assertThat(listedB.get("channels")).extracting(JsonNode::asText).containsExactly("default", "news", "sports");

        assertThat(ids(json(local.wsctl("connections", "list", "--channel", "sports", "-o", "json"))
                        .get("connections")))
                .containsExactly(idB);
        assertThat(json(local.wsctl("connections", "list", "--limit", "1", "-o", "json"))
                        .get("connections"))
                .hasSize(1);

        JsonNode channels = json(local.wsctl("channels", "list", "-o", "json")).get("channels");
        assertThat(channels)
                .extracting(n ->
                        n.get("channel").asText() + "=" + n.get("subscribers").asLong())
                .containsExactly("default=2", "news=2", "sports=1");

        JsonNode news = json(local.wsctl("channels", "inspect", "news", "-o", "json"));
        assertThat(news.get("channel").asText()).isEqualTo("news");
        assertThat(news.get("count").asLong()).isEqualTo(2);
        assertThat(ids(news.get("subscribers"))).containsExactlyInAnyOrder(idA, idB);
        assertThat(news.get("subscribers").get(0).has("sub")).isTrue();
        assertThat(news.get("subscribers").get(0).get("connectedAt").asText()).isNotEmpty();

        JsonNode shown = json(local.wsctl("connections", "show", "-o", "json", "--", idA));
        assertThat(shown.get("connectionId").asText()).isEqualTo(idA);
        assertThat(shown.get("gone").asBoolean()).isFalse();
        assertThat(shown.get("channels")).extracting(JsonNode::asText).containsExactly("default", "news");
        assertThat(shown.get("socket").get("lastActiveAt").asText()).isNotEmpty();
        assertThat(shown.get("socket").get("connectedAt").asText()).isNotEmpty();
        assertThat(shown.get("socket").has("sourceIp")).isTrue();

        LocalTarget.leave(a, "news");
        JsonNode after = json(local.wsctl("channels", "inspect", "news", "-o", "json"));
        assertThat(after.get("count").asLong()).isEqualTo(1);
        assertThat(ids(after.get("subscribers"))).containsExactly(idB);
        assertThat(json(local.wsctl("channels", "list", "-o", "json")).get("channels"))
                .extracting(n ->
                        n.get("channel").asText() + "=" + n.get("subscribers").asLong())
                .containsExactly("default=2", "news=1", "sports=1");

        CliRun table = local.wsctl("connections", "list");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("CONNECTION", idA, idB);
        CliRun yaml = local.wsctl("channels", "list", "-o", "yaml");
        assertThat(new YAMLMapper().readTree(yaml.out()).get("channels")).hasSize(3);
    }

    @Test
    void kickTellsTheClientClosesItsSocketAndRemovesItsRows() throws Exception {
        ClientSocket c = local.client(null);
        String id = LocalTarget.join(c, "news");

        JsonNode kicked = json(local.wsctl("connections", "kick", "--reason", "maintenance", "-o", "json", "--", id));

        assertThat(kicked.get("connectionId").asText()).isEqualTo(id);
        assertThat(kicked.get("gone").asBoolean()).isFalse();
        assertThat(kicked.get("notified").asBoolean()).isTrue();
        JsonNode frame = LocalTarget.next(c);
        assertThat(frame.get("type").asText()).isEqualTo("kicked");
        assertThat(frame.get("reason").asText()).isEqualTo("maintenance");
        assertThat(LocalTarget.awaitClose(c).code()).isEqualTo(1000);
        assertThat(local.store().connection(id)).isEmpty();
        assertThat(local.store().channelsOf(id)).isEmpty();

        CliRun again = local.wsctl("connections", "kick", "--", id);
        assertThat(again.code()).isEqualTo(ExitCode.FAILED);
        assertThat(again.err()).contains("is gone").doesNotContain("Exception");
        CliRun show = local.wsctl("connections", "show", "--", id);
        assertThat(show.code()).isEqualTo(ExitCode.FAILED);
        assertThat(show.err()).contains("is gone");
    }

    @Test
    void kickWithoutReasonJustClosesAndAGhostOnlyLosesItsRows() throws Exception {
        ClientSocket c = local.client(null);
        String id = LocalTarget.join(c, "news");
        CliRun r = local.wsctl("connections", "kick", "--", id);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("kicked " + id);
        LocalTarget.Closed closed = LocalTarget.awaitClose(c);
        assertThat(closed.code()).isEqualTo(1000);
        assertThat(closed.frames()).isEmpty();

        String ghost = "GhostKick0000A=";
        local.store()
                .connect(
                        new ConnectionInfo(
                                ghost,
                                System.currentTimeMillis(),
                                "10.0.0.9",
                                null,
                                "user-9",
                                List.of(),
                                System.currentTimeMillis() / 1000 + 3600),
                        List.of("news"));
        JsonNode gone = json(local.wsctl("connections", "kick", "--reason", "x", "-o", "json", "--", ghost));
        assertThat(gone.get("gone").asBoolean()).isTrue();
        assertThat(gone.get("rowsRemoved").asInt()).isEqualTo(2);
        assertThat(local.store().connection(ghost)).isEmpty();
    }

    @Test
    void listAndInspectSayHowManyMoreThereAreAndAllPagesThroughEvery() throws Exception {
        long now = System.currentTimeMillis();
        List<String> stored = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            String id = String.format("Filled%04dA=", i);
            stored.add(id);
            local.store()
                    .connect(
                            new ConnectionInfo(id, now, "10.0.0.9", null, "user-" + i, List.of(), now / 1000 + 3600),
                            List.of("news"));
        }

        JsonNode first = json(local.wsctl("connections", "list", "-o", "json"));
        assertThat(ids(first.get("connections"))).containsExactlyElementsOf(stored.subList(0, 100));
        assertThat(first.get("more").asLong()).isEqualTo(30);
        JsonNode every = json(local.wsctl("connections", "list", "--all", "-o", "json"));
        assertThat(ids(every.get("connections"))).containsExactlyElementsOf(stored);
        assertThat(every.get("more").asLong()).isZero();
        assertThat(json(local.wsctl("connections", "list", "--limit", "125", "-o", "json"))
                        .get("more")
                        .asLong())
                .isEqualTo(5);
        JsonNode news = json(local.wsctl("connections", "list", "--channel", "news", "-o", "json"));
        assertThat(ids(news.get("connections"))).containsExactlyElementsOf(stored.subList(0, 100));
        assertThat(news.get("more").asLong()).isEqualTo(30);
        assertThat(ids(json(local.wsctl("connections", "list", "--channel", "news", "--all", "-o", "json"))
                        .get("connections")))
                .containsExactlyElementsOf(stored);

        CliRun table = local.wsctl("connections", "list");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out().lines()).hasSize(101);
        assertThat(table.err()).contains("30 more connections not listed; --all lists every one");
        CliRun allTable = local.wsctl("connections", "list", "--all");
        assertThat(allTable.out().lines()).hasSize(131);
        assertThat(allTable.err()).doesNotContain("more");

        JsonNode inspected = json(local.wsctl("channels", "inspect", "news", "-o", "json"));
        assertThat(inspected.get("count").asLong()).isEqualTo(130);
        assertThat(ids(inspected.get("subscribers"))).containsExactlyElementsOf(stored.subList(0, 100));
        assertThat(inspected.get("more").asLong()).isEqualTo(30);
        JsonNode inspectedAll = json(local.wsctl("channels", "inspect", "news", "--all", "-o", "json"));
        assertThat(ids(inspectedAll.get("subscribers"))).containsExactlyElementsOf(stored);
        assertThat(inspectedAll.get("more").asLong()).isZero();
        CliRun inspectTable = local.wsctl("channels", "inspect", "news");
        assertThat(inspectTable.code()).as(inspectTable.err()).isZero();
        assertThat(inspectTable.out().lines()).hasSize(102);
        assertThat(inspectTable.err()).contains("30 more subscribers not listed");

        CliRun both = local.wsctl("connections", "list", "--all", "--limit", "5");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err().strip()).isEqualTo("wsctl: --all and --limit do not go together: --all lists every row.");
        assertThat(local.wsctl("channels", "inspect", "news", "--all", "--limit", "5")
                        .code())
                .isEqualTo(2);
    }

    @Test
    void anIdThatStartsWithADashGoesAfterDoubleDash() throws Exception {
        String ghost = "-GhostDash000A="; // base64url ids may start with '-'
        local.store()
                .connect(
                        new ConnectionInfo(
                                ghost,
                                System.currentTimeMillis(),
                                "10.0.0.9",
                                null,
                                "user-9",
                                List.of(),
                                System.currentTimeMillis() / 1000 + 3600),
                        List.of("news"));
        CliRun show = local.wsctl("connections", "show", "-o", "json", "--", ghost);
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.err()).contains("`wsctl connections kick -- " + ghost + "`");
        assertThat(json(show).get("connectionId").asText()).isEqualTo(ghost);
        JsonNode gone = json(local.wsctl("connections", "kick", "-o", "json", "--", ghost));
        assertThat(gone.get("rowsRemoved").asInt()).isEqualTo(2);
        assertThat(local.store().connection(ghost)).isEmpty();
        for (String command : List.of("show", "kick")) {
            CliRun help = CliRun.wsctl("connections", command, "--help");
            assertThat(help.code()).isZero();
            assertThat(help.out().replaceAll("\\s+", " ")).as(command).contains("starts with '-' goes after --");
        }
    }

    /** 2,500 ghosts: removed in three store calls (1000, 1000, 500), not one per ghost. */
    @Test
    void gcRemovesGhostsInBatches() throws Exception {
        ClientSocket live = local.client(null);
        String liveId = LocalTarget.join(live, "news");
        List<String> ghosts = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            ghosts.add(String.format("Ghost%010d=", i));
        }
        long now = System.currentTimeMillis();
        for (String ghost : ghosts) {
            local.store()
                    .connect(
                            new ConnectionInfo(ghost, now, null, null, null, List.of(), now / 1000 + 3600),
                            List.of("news"));
        }
        Map<String, Integer> calls = new ConcurrentHashMap<>();
        ConnectionStore counted = (ConnectionStore) Proxy.newProxyInstance(
                ConnectionStore.class.getClassLoader(),
                new Class<?>[] {ConnectionStore.class},
                (proxy, method, args) -> {
                    calls.merge(method.getName(), 1, Integer::sum);
                    try {
                        return method.invoke(local.store(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ConnectionAdmin.Sweep sweep;
        try (var api = ApiGatewayManagementApiAsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .region(Region.US_EAST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .endpointOverride(local.stack.callbackUri())
                .build()) {
            sweep = new ConnectionAdmin(new Target("local", counted, api, null, local.url(), () -> {})).sweep(8);
        }

        assertThat(sweep)
                .extracting(
                        ConnectionAdmin.Sweep::checked,
                        ConnectionAdmin.Sweep::live,
                        ConnectionAdmin.Sweep::removed,
                        ConnectionAdmin.Sweep::failed)
                .containsExactly(2501L, 1L, 2500L, 0L);
        assertThat(calls.getOrDefault("disconnectAll", 0)).isEqualTo(3);
        assertThat(calls).doesNotContainKey("disconnect");
        assertThat(local.store().subscriberPages(ConnectionStore.CONNECTION_ROW))
                .singleElement()
                .isEqualTo(List.of(liveId));
        assertThat(local.store().channelsOf(liveId)).contains("news");
    }

    @Test
    void gcRemovesGhostsAndKeepsLiveConnections() throws Exception {
        ClientSocket live = local.client(null);
        String liveId = LocalTarget.join(live, "news");
        List<String> ghosts = List.of("GhostAAAAAAAAAA=", "GhostBBBBBBBBBB=", "GhostCCCCCCCCCC=");
        long now = System.currentTimeMillis();
        for (String ghost : ghosts) {
            local.store()
                    .connect(
                            new ConnectionInfo(ghost, now, "10.0.0.1", null, "user-1", List.of(), now / 1000 + 3600),
                            List.of("news"));
        }

        CliRun show = local.wsctl("connections", "show", "-o", "json", "--", ghosts.get(0));
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.err()).contains("connection " + ghosts.get(0) + " is gone (no socket); its rows:");
        JsonNode shown = Jackson.mapper().readTree(show.out());
        assertThat(shown.get("gone").asBoolean()).isTrue();
        assertThat(shown.get("sub").asText()).isEqualTo("user-1");
        assertThat(shown.get("socket").isNull()).isTrue();

        JsonNode report = json(local.wsctl("connections", "gc", "--concurrency", "2", "-o", "json"));

        assertThat(report.get("checked").asLong()).isEqualTo(4);
        assertThat(report.get("live").asLong()).isEqualTo(1);
        assertThat(report.get("removed").asLong()).isEqualTo(3);
        assertThat(report.get("failed").asLong()).isZero();
        for (String ghost : ghosts) {
            assertThat(local.store().connection(ghost)).isEmpty();
            assertThat(local.store().channelsOf(ghost)).isEmpty();
        }
        assertThat(local.store().connection(liveId)).isPresent();
        assertThat(local.store().channelsOf(liveId)).contains("news");
        assertThat(LocalTarget.isClosed(live)).isFalse();

        CliRun table = local.wsctl("connections", "gc");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("checked 1, live 1, removed 0, failed 0");
    }

    @Test
    void withoutARunningLocalStackEveryCommandSaysSoInOneSentence() throws Exception {
        Path empty = Files.createDirectory(local.dir.resolve("nothing-here"));
        List<List<String>> commands = List.of(
                List.of("connections", "list"),
                List.of("connections", "show", "x"),
                List.of("connections", "kick", "x"),
                List.of("connections", "gc"),
                List.of("channels", "list"),
                List.of("channels", "inspect", "news"));
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--local", "--state-dir", empty.toString(), "-o", "json"));
            CliRun r = CliRun.wsctl(args.toArray(String[]::new));
            assertThat(r.code()).as("%s: %s", command, r.err()).isEqualTo(ExitCode.FAILED);
            assertThat(r.out()).isEmpty();
            assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
            assertThat(r.err()).startsWith("wsctl: No wsctl local is running").doesNotContain("Exception");
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(local.wsctl("connections", "list", "--limit", "0").code()).isEqualTo(ExitCode.USAGE);
        assertThat(local.wsctl("connections", "gc", "--concurrency", "0").code())
                .isEqualTo(ExitCode.USAGE);
        assertThat(CliRun.wsctl("connections").code()).isEqualTo(ExitCode.USAGE);
    }
}
