package dev.wsctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.config.Jackson;
import dev.wsctl.deploy.StandInJar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wsctl stats} on a stack deployed into moto's server: the metrics are written by boto3's CloudWatch client
 * (PutMetricData, as CloudWatch would hold what the functions' EMF lines put there) and the connections' meta rows by
 * boto3's DynamoDB client, both independent of wsctl; then {@code stats -o json} must report exactly them.
 */
class StatsCommandTest {
    private static int apps;

    /**
     * Writes, for app/stage: 30 publishes of 10 deliveries each, 4 gone, 2 throttled, 1 failed, 3 denials (one under
     * its reason set too), fan-out durations 1..100 ms, all now; 100 publishes 3 hours ago (outside a 1 h window); 7
     * publishes of another stage; and 3 meta rows in the table.
     */
    private static final String WRITER = """
            import sys, datetime, boto3
            from botocore.config import Config
            url, table, app, stage = sys.argv[1:5]
            session = boto3.session.Session(aws_access_key_id='testing', aws_secret_access_key='testing', region_name='us-east-1')
            cw = session.client('cloudwatch', endpoint_url=url, config=Config(disable_request_compression=True))
            ddb = session.client('dynamodb', endpoint_url=url)
            now = datetime.datetime.now(datetime.timezone.utc)
            def dims(stage=stage, **more):
                return [{'Name': 'app', 'Value': app}, {'Name': 'stage', 'Value': stage}] + [{'Name': k, 'Value': v} for k, v in more.items()]
            def put(name, values, unit='Count', at=now, dimensions=None):
                cw.put_metric_data(Namespace='wsctl', MetricData=[
                    {'MetricName': name, 'Dimensions': dimensions or dims(), 'Value': float(v), 'Unit': unit, 'Timestamp': at}
                    for v in values])
            put('Published', [1] * 30)
            put('Delivered', [10] * 30)
            put('Gone', [1, 1, 2] + [0] * 27)
            put('Throttled', [2] + [0] * 29)
            put('Failed', [1] + [0] * 29)
            put('Denied', [1, 1, 1])
            put('Denied', [1], dimensions=dims(reason='missing_token'))
            put('FanoutDuration', range(1, 101), unit='Milliseconds')
            put('Published', [1] * 100, at=now - datetime.timedelta(hours=3))
            put('Published', [1] * 7, dimensions=dims(stage='other'))
            for c in ('a', 'b', 'c'):
                ddb.put_item(TableName=table, Item={'connectionId': {'S': app + '-' + c}, 'channel': {'S': '#connection'}})
            """;

    @TempDir
    Path dir;

    private final String app = "st" + Long.toString(System.nanoTime() % 1_000_000, 36) + (++apps);

    private CliRun wsctl(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--app",
                app,
                "--stage",
                "dev",
                "--region",
                AwsReadBack.REGION,
                "--endpoint-url",
                MotoServer.url().toString()));
        return CliRun.wsctl(
                new Context(
                        new HashMap<>(),
                        Context.system().aws(),
                        dev.wsctl.deploy.FunctionResource.Retry.iamPropagation()),
                all.toArray(String[]::new));
    }

    private void write() throws IOException, InterruptedException {
        Process python = new ProcessBuilder(
                        System.getenv().getOrDefault("WSCTL_PYTHON", "python3"),
                        "-c",
                        WRITER,
                        MotoServer.url().toString(),
                        app + "-dev-connections",
                        app,
                        "dev")
                .redirectErrorStream(true)
                .start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(python.exitValue()).as(out).isZero();
    }

    @Test
    void statsReportsWhatCloudWatchAndTheTableHoldForTheStackOverTheWindow() throws Exception {
        CliRun deployed =
                wsctl("deploy", "--handlers-jar", StandInJar.write(dir, "v1").toString());
        assertThat(deployed.code()).as(deployed.err()).isZero();
        write();

        CliRun r = wsctl("stats", "--since", "1h", "-o", "json");

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode stats = Jackson.mapper().readTree(r.out());
        assertThat(stats.get("stack").asText()).isEqualTo("stack " + app + "-dev");
        assertThat(stats.get("source").asText()).isEqualTo("cloudwatch");
        long window = stats.get("windowSeconds").asLong();
        assertThat(window).as("an hour, in whole minutes that reach now").isBetween(3600L, 3660L);
        assertThat(stats.get("connections").asLong()).isEqualTo(3);
        assertThat(stats.get("published").asLong()).isEqualTo(30);
        assertThat(stats.get("publishedPerMinute").asDouble()).isEqualTo(Math.round(30 * 60.0 / window * 100) / 100.0);
        assertThat(stats.get("delivered").asLong()).isEqualTo(300);
        assertThat(stats.get("deliveredPerMinute").asDouble()).isEqualTo(Math.round(300 * 60.0 / window * 100) / 100.0);
        assertThat(stats.get("gone").asLong()).isEqualTo(4);
        assertThat(stats.get("throttled").asLong()).isEqualTo(2);
        assertThat(stats.get("failed").asLong()).isEqualTo(1);
        assertThat(stats.get("denied").asLong())
                .as("the [app, stage] set counts each denial once")
                .isEqualTo(3);
        // nearest rank of 1..100 ms
        assertThat(stats.get("fanoutP50Millis").asDouble()).isEqualTo(50);
        assertThat(stats.get("fanoutP99Millis").asDouble()).isEqualTo(99);

        CliRun longer = wsctl("stats", "--since", "4h", "-o", "json");
        assertThat(longer.code()).as(longer.err()).isZero();
        assertThat(Jackson.mapper().readTree(longer.out()).get("published").asLong())
                .as("the publishes of 3 hours ago are inside 4 hours")
                .isEqualTo(130);

        CliRun table = wsctl("stats");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).containsPattern("(?m)^published +30$").containsPattern("(?m)^fanoutP99Millis +99.0$");
    }

    @Test
    void aStackThatIsNotDeployedIsOneSentenceAndExit1() {
        CliRun r = wsctl("stats");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("is not deployed").doesNotContain("Exception");
    }

    @Test
    void aSinceOfZeroIsAUsageError() {
        CliRun r = CliRun.wsctl(Context.system(), "stats", "--since", "0s");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--since must be more than 0");
    }
}
