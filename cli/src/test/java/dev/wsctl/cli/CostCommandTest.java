package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wsctl cost} against estimates worked out by hand: each expected figure below is the arithmetic written out
 * from the workload, the assumptions the command prints in its notes, and the region's list prices as read from their
 * sources (named in {@code dev.wsctl.cost.Prices}; docs/deploy.md "Costs" shows the first case as a table).
 */
class CostCommandTest {
    private static final double GB = 1024.0 * 1024 * 1024;

    @TempDir
    Path dir;

    private CliRun cost(String yaml, String... args) throws IOException {
        Path config = dir.resolve("wsctl.yaml");
        Files.writeString(config, yaml);
        List<String> all = new java.util.ArrayList<>(List.of("cost", "--config", config.toString()));
        all.addAll(List.of(args));
        return CliRun.wsctl(new Context(new HashMap<>(), null, null), all.toArray(String[]::new));
    }

    private static Map<String, Double> usd(CliRun r) throws IOException {
        JsonNode json = Json.read(r.out());
        Map<String, Double> lines = new HashMap<>();
        json.get("lines")
                .forEach(l -> lines.put(l.get("meter").asText(), l.get("usd").asDouble()));
        lines.put("total", json.get("totalUsd").asDouble());
        return lines;
    }

    /**
     * 20,000 connections all day, one 2 KiB message a minute to all of them, default config (arm64, 1024 MB, no auth,
     * default channel on, no history, shards of 2,000), clients pinging every 5 minutes.
     */
    @Test
    void twentyThousandConnectionsWithOneBroadcastAMinute() throws IOException {
        CliRun r = cost(
                "app: chat\n", "--connections", "20000", "--messages-per-minute", "1", "--bytes", "2048", "-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Double> usd = usd(r);

        double minutes = 20_000.0 * 30 * 24 * 60; // 864,000,000
        assertThat(usd.get("API Gateway connection minutes")).isCloseTo(minutes * 0.25 / 1e6, within(0.005));

        double publishes = 1.0 * 30 * 24 * 60; // 43,200
        double reconnects = 20_000.0 * 30 * 12; // every 2 hours: 7,200,000
        double pings = minutes / 5; // 172,800,000
        double toClients = publishes * 20_000 + reconnects /* joined */ + pings /* pong */;
        double fromClients = publishes + reconnects /* joinchannel */ + pings;
        double messages = toClients + fromClients; // 1,224,043,200
        assertThat(messages).isEqualTo(1_224_043_200.0);
        assertThat(usd.get("API Gateway messages"))
                .isCloseTo(1_000 * 1.00 + (messages - 1e9) / 1e6 * 0.80, within(0.005));

        // connect, joinchannel, disconnect per reconnect; default per ping; send per message; 10 fanout workers each
        double requests = reconnects * 3 + pings + publishes + publishes * 10;
        assertThat(usd.get("Lambda requests")).isCloseTo(requests * 0.20 / 1e6, within(0.005));
        double gbSeconds = reconnects * 3 * 0.030 + pings * 0.005 + publishes * 0.030 + publishes * 10 * 2.2;
        assertThat(gbSeconds).isCloseTo(2_463_696, within(0.01));
        assertThat(usd.get("Lambda compute")).isCloseTo(gbSeconds * 0.0000133334, within(0.005));

        // meta row, default channel, joined channel: each with its index entry, written then deleted
        assertThat(usd.get("DynamoDB writes")).isCloseTo(reconnects * 12 * 0.625 / 1e6, within(0.005));
        // 20,000 index entries of 72 B: 352 × 4 KB, half a unit each; plus the sender's subscription
        double reads = reconnects * 1 + publishes * (1 + 176);
        assertThat(usd.get("DynamoDB reads")).isCloseTo(reads * 0.125 / 1e6, within(0.005));

        double metricLines = reconnects * 2 + publishes * (2 + 10);
        double logBytes = requests * 700 + metricLines * 300;
        assertThat(usd.get("CloudWatch Logs ingestion")).isCloseTo(logBytes / GB * 0.50, within(0.005));

        double outBytes = publishes * 20_000 * 2048;
        assertThat(usd.get("Data transfer out")).isCloseTo(outBytes / GB * 0.09, within(0.005));

        double total = minutes * 0.25 / 1e6
                + 1_000
                + (messages - 1e9) / 1e6 * 0.80
                + requests * 0.20 / 1e6
                + gbSeconds * 0.0000133334
                + reconnects * 12 * 0.625 / 1e6
                + reads * 0.125 / 1e6
                + logBytes / GB * 0.50
                + outBytes / GB * 0.09;
        assertThat(usd.get("total")).isCloseTo(total, within(0.01));
        assertThat(total).isCloseTo(1_736.84, within(0.005));

        CliRun table = cost("app: chat\n", "--connections", "20000", "--messages-per-minute", "1", "--bytes", "2048");
        assertThat(table.code()).isZero();
        assertThat(table.out())
                .contains("us-east-1 prices of 2026-12-02", "API Gateway messages", "$1,736.84")
                .contains("reconnect every 2 hours", "pings every 5 minutes", "30-day month")
                .contains("$1.00 per million messages (first billion)", "$0.0000133334 per GB-second");

        // the README's cost example is this output, table and all
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("../README.md"));
        String command = "$ wsctl cost --connections 20000 --messages-per-minute 1 --bytes 2048\n";
        int start = readme.indexOf(command);
        assertThat(start).as("the README's cost example").isNotNegative();
        String shown = readme.substring(start + command.length(), readme.indexOf("```", start));
        assertThat(table.out()).startsWith(shown);
    }

    /**
     * x86_64 at 512 MB with send at 2048, auth on, history on: 1,000 connections 8 hours a day, 10 messages a minute
     * of 40,000 B (two 32 KB units) to 50 recipients each, no pings.
     */
    @Test
    void theConfigurationsMemoryArchitectureAuthAndHistoryCount() throws IOException {
        String yaml = """
                app: chat
                region: us-east-1
                architecture: x86_64
                memory:
                  all: 512
                  send: 2048
                auth:
                  mode: jwt
                history:
                  channels: ["chat-*"]
                """;
        CliRun r = cost(
                yaml,
                "--connections",
                "1000",
                "--hours-per-day",
                "8",
                "--messages-per-minute",
                "10",
                "--bytes",
                "40000",
                "--recipients",
                "50",
                "--ping-minutes",
                "0",
                "-o",
                "json");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Double> usd = usd(r);

        double minutes = 1_000.0 * 30 * 8 * 60; // 14,400,000
        assertThat(usd.get("API Gateway connection minutes")).isCloseTo(3.60, within(0.005));
        double publishes = 10.0 * 30 * 8 * 60; // 144,000
        double reconnects = 1_000.0 * 30 * 4; // 8 hours: 4 connections a day each
        double messages = publishes * 50 * 2 + reconnects + publishes * 2 + reconnects;
        assertThat(messages).isEqualTo(14_928_000.0);
        assertThat(usd.get("API Gateway messages")).isCloseTo(14.93, within(0.005));

        double requests = reconnects * 4 /* connect, authorize, join, disconnect */ + publishes; // no fanout workers
        assertThat(usd.get("Lambda requests")).isCloseTo(requests * 0.20 / 1e6, within(0.005));
        double gbSeconds = reconnects * 4 * 0.030 * 0.5 + publishes * (0.030 + 50 * 0.0011) * 2;
        assertThat(gbSeconds).isCloseTo(31_680, within(0.01));
        assertThat(usd.get("Lambda compute")).isCloseTo(gbSeconds * 0.0000166667, within(0.005));

        // history: the head's increment and the 40,100-byte item (40 units of 1 KB)
        double writes = reconnects * 12 + publishes * (1 + 40);
        assertThat(usd.get("DynamoDB writes")).isCloseTo(writes * 0.625 / 1e6, within(0.005));
        // 50 index entries fit one 4 KB: half a unit; a recovery reads the head and 40,100 B (10 units of 4 KB)
        double reads = reconnects + publishes * 1.5 + reconnects * 11;
        assertThat(usd.get("DynamoDB reads")).isCloseTo(reads * 0.125 / 1e6, within(0.005));

        double logBytes = requests * 700 + (reconnects * 2 + publishes * 2) * 300;
        assertThat(usd.get("CloudWatch Logs ingestion")).isCloseTo(logBytes / GB * 0.50, within(0.005));
        assertThat(usd.get("Data transfer out")).isCloseTo(publishes * 50 * 40_000 / GB * 0.09, within(0.005));
        assertThat(minutes).isEqualTo(14_400_000.0);
        assertThat(Json.read(r.out()).get("notes").toString()).contains("history channel", "never ping");
    }

    @Test
    void theRegionComesFromTheOptionThenTheConfigAndAnUnknownOneIsAUsageError() throws IOException {
        String[] workload = {"--connections", "10", "--messages-per-minute", "1", "--bytes", "100"};
        CliRun fromConfig = cost("app: chat\nregion: sa-east-1\n", workload);
        assertThat(fromConfig.code()).isEqualTo(2);
        assertThat(fromConfig.err().strip())
                .isEqualTo("wsctl: No prices for region sa-east-1: the regions priced are ap-southeast-1, eu-central-1,"
                        + " eu-west-1, us-east-1.");
        List<String> args = new java.util.ArrayList<>(List.of(workload));
        args.addAll(List.of("--region", "eu-west-1"));
        CliRun fromOption = cost("app: chat\nregion: sa-east-1\n", args.toArray(String[]::new));
        assertThat(fromOption.code()).as(fromOption.err()).isZero();
        assertThat(fromOption.out()).contains("eu-west-1 prices");
        assertThat(cost("app: chat\nregion: ap-southeast-1\n", workload).out()).contains("ap-southeast-1 prices");
        assertThat(cost("app: chat\n", workload).out()).contains("us-east-1 prices");
        CliRun help = CliRun.wsctl(new Context(new HashMap<>(), null, null), "cost", "--help");
        assertThat(help.out()).contains(dev.wsctl.cost.Prices.regions());
    }

    /**
     * The first case's workload (20,000 connections all day, one 2 KiB message a minute to all of them, default
     * config, pings every 5 minutes) at eu-west-1's prices, chosen with {@code --region}. Volumes as worked out above:
     * 864,000,000 connection minutes; 1,224,043,200 messages; 194,875,200 Lambda requests; 2,463,696 GB-seconds on
     * arm64; 86,400,000 write and 14,846,400 read request units; 14,918,400 (7,200,000 × 2 + 43,200 × 12) metric lines.
     */
    @Test
    void euWest1() throws IOException {
        CliRun r = cost(
                "app: chat\n",
                "--connections",
                "20000",
                "--messages-per-minute",
                "1",
                "--bytes",
                "2048",
                "--region",
                "eu-west-1",
                "-o",
                "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Json.read(r.out()).get("region").asText()).isEqualTo("eu-west-1");
        Map<String, Double> usd = usd(r);
        double requests = 194_875_200;
        double logGb = (requests * 700 + 14_918_400.0 * 300) / GB; // 131.21 GB
        double outGb = 43_200.0 * 20_000 * 2048 / GB; // 1,647.95 GB

        assertThat(usd.get("API Gateway connection minutes")).isCloseTo(864 * 0.285, within(0.005)); // 246.24
        assertThat(usd.get("API Gateway messages"))
                .isCloseTo(1_000 * 1.14 + 224.0432 * 0.94, within(0.005)); // 1,350.60
        assertThat(usd.get("Lambda requests")).isCloseTo(194.8752 * 0.20, within(0.005)); // 38.98
        assertThat(usd.get("Lambda compute")).isCloseTo(2_463_696 * 0.0000133334, within(0.005)); // 32.85
        assertThat(usd.get("DynamoDB writes")).isCloseTo(86.4 * 0.705, within(0.005)); // 60.91
        assertThat(usd.get("DynamoDB reads")).isCloseTo(14.8464 * 0.1415, within(0.005)); // 2.10
        assertThat(usd.get("CloudWatch Logs ingestion")).isCloseTo(logGb * 0.57, within(0.005)); // 74.79
        assertThat(usd.get("Data transfer out")).isCloseTo(outGb * 0.09, within(0.005)); // 148.32
        double total = 246.24
                + 1_350.600608
                + 38.97504
                + 2_463_696 * 0.0000133334
                + 60.912
                + 2.1007656
                + logGb * 0.57
                + outGb * 0.09;
        assertThat(total).isCloseTo(1_954.78, within(0.005));
        assertThat(usd.get("total")).isCloseTo(total, within(0.01));
    }

    /**
     * The same workload at eu-central-1's prices, the region coming from the configuration.
     */
    @Test
    void euCentral1() throws IOException {
        CliRun r = cost(
                "app: chat\nregion: eu-central-1\n",
                "--connections",
                "20000",
                "--messages-per-minute",
                "1",
                "--bytes",
                "2048",
                "-o",
                "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Json.read(r.out()).get("region").asText()).isEqualTo("eu-central-1");
        Map<String, Double> usd = usd(r);
        double logGb = (194_875_200.0 * 700 + 14_918_400.0 * 300) / GB;
        double outGb = 43_200.0 * 20_000 * 2048 / GB;

        assertThat(usd.get("API Gateway connection minutes")).isCloseTo(864 * 0.285, within(0.005)); // 246.24
        assertThat(usd.get("API Gateway messages"))
                .isCloseTo(1_000 * 1.14 + 224.0432 * 0.94, within(0.005)); // 1,350.60
        assertThat(usd.get("Lambda requests")).isCloseTo(194.8752 * 0.20, within(0.005)); // 38.98
        assertThat(usd.get("Lambda compute")).isCloseTo(2_463_696 * 0.0000133334, within(0.005)); // 32.85
        assertThat(usd.get("DynamoDB writes")).isCloseTo(86.4 * 0.7625, within(0.005)); // 65.88
        assertThat(usd.get("DynamoDB reads")).isCloseTo(14.8464 * 0.1525, within(0.005)); // 2.26
        assertThat(usd.get("CloudWatch Logs ingestion")).isCloseTo(logGb * 0.63, within(0.005)); // 82.66
        assertThat(usd.get("Data transfer out")).isCloseTo(outGb * 0.09, within(0.005)); // 148.32
        double total = 246.24
                + 1_350.600608
                + 38.97504
                + 2_463_696 * 0.0000133334
                + 65.88
                + 2.264076
                + logGb * 0.63
                + outGb * 0.09;
        assertThat(total).isCloseTo(1_967.79, within(0.005));
        assertThat(usd.get("total")).isCloseTo(total, within(0.01));
    }

    /**
     * The same workload at ap-southeast-1's prices on x86_64 (the configuration's region and architecture).
     */
    @Test
    void apSoutheast1OnX86() throws IOException {
        CliRun r = cost(
                "app: chat\nregion: ap-southeast-1\narchitecture: x86_64\n",
                "--connections",
                "20000",
                "--messages-per-minute",
                "1",
                "--bytes",
                "2048",
                "-o",
                "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Json.read(r.out()).get("region").asText()).isEqualTo("ap-southeast-1");
        Map<String, Double> usd = usd(r);
        double logGb = (194_875_200.0 * 700 + 14_918_400.0 * 300) / GB;
        double outGb = 43_200.0 * 20_000 * 2048 / GB;

        assertThat(usd.get("API Gateway connection minutes")).isCloseTo(864 * 0.288, within(0.005)); // 248.83
        assertThat(usd.get("API Gateway messages"))
                .isCloseTo(1_000 * 1.15 + 224.0432 * 0.95, within(0.005)); // 1,362.84
        assertThat(usd.get("Lambda requests")).isCloseTo(194.8752 * 0.20, within(0.005)); // 38.98
        assertThat(usd.get("Lambda compute")).isCloseTo(2_463_696 * 0.0000166667, within(0.005)); // 41.06
        assertThat(usd.get("DynamoDB writes")).isCloseTo(86.4 * 0.71, within(0.005)); // 61.34
        assertThat(usd.get("DynamoDB reads")).isCloseTo(14.8464 * 0.1425, within(0.005)); // 2.12
        assertThat(usd.get("CloudWatch Logs ingestion")).isCloseTo(logGb * 0.70, within(0.005)); // 91.85
        assertThat(usd.get("Data transfer out")).isCloseTo(outGb * 0.12, within(0.005)); // 197.75
        double total = 248.832
                + 1_362.84104
                + 38.97504
                + 2_463_696 * 0.0000166667
                + 61.344
                + 2.115612
                + logGb * 0.70
                + outGb * 0.12;
        assertThat(total).isCloseTo(2_044.77, within(0.005));
        assertThat(usd.get("total")).isCloseTo(total, within(0.01));
        CliRun table = cost(
                "app: chat\nregion: ap-southeast-1\narchitecture: x86_64\n",
                "--connections",
                "20000",
                "--messages-per-minute",
                "1",
                "--bytes",
                "2048");
        assertThat(table.out())
                .contains("ap-southeast-1 prices", "$2,044.77")
                .contains("$1.15 per million messages (first billion)", "$0.288 per million connection minutes")
                .contains("$0.1425 per million read request units", "$0.12 per GB");
    }

    @Test
    void badNumbersAndMissingOptionsAreOneSentenceAndExitTwo() throws IOException {
        Map<List<String>, String> cases = Map.of(
                List.of("--connections", "-1", "--messages-per-minute", "1", "--bytes", "1"),
                "--connections must not be negative",
                List.of("--connections", "1", "--messages-per-minute", "-1", "--bytes", "1"),
                "--messages-per-minute must not be negative",
                List.of("--connections", "1", "--messages-per-minute", "1", "--bytes", "-5"),
                "--bytes must not be negative",
                List.of("--connections", "1", "--messages-per-minute", "1", "--bytes", "1", "--hours-per-day", "25"),
                "--hours-per-day must be 0 to 24",
                List.of("--connections", "10", "--messages-per-minute", "1", "--bytes", "1", "--recipients", "11"),
                "--recipients must be 0 to --connections (10)",
                List.of("--connections", "1", "--messages-per-minute", "1", "--bytes", "1", "--ping-minutes", "-1"),
                "--ping-minutes must not be negative");
        for (var c : cases.entrySet()) {
            CliRun r = cost("app: chat\n", c.getKey().toArray(String[]::new));
            assertThat(r.code()).as(c.getKey().toString()).isEqualTo(2);
            assertThat(r.err().strip())
                    .as(c.getKey().toString())
                    .startsWith("wsctl: " + c.getValue())
                    .doesNotContain("\tat ")
                    .hasLineCount(1);
            assertThat(r.out()).isEmpty();
        }
        CliRun missing = cost("app: chat\n", "--connections", "1", "--bytes", "1");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--messages-per-minute").doesNotContain("\tat ");
        CliRun notANumber = cost("app: chat\n", "--connections", "many", "--messages-per-minute", "1", "--bytes", "1");
        assertThat(notANumber.code()).isEqualTo(2);
        assertThat(notANumber.err()).contains("--connections").doesNotContain("\tat ");
    }
}
