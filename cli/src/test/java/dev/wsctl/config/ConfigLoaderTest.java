package dev.wsctl.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.auth.OriginPolicy;
import dev.wsctl.config.ConfigLoader.Flag;
import dev.wsctl.config.StackConfig.Architecture;
import dev.wsctl.protocol.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags > WSCTL_* > wsctl.yaml > defaults, and an error that names the key and the line for every bad value. */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    private StackConfig load(String yaml, Map<String, String> env, Flag... flags) {
        write(yaml);
        return new ConfigLoader(dir, env).load(null, List.of(flags));
    }

    private String error(String yaml, Map<String, String> env, Flag... flags) {
        write(yaml);
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
                () -> new ConfigLoader(dir, env).load(null, List.of(flags)));
        assertThat(t).as("expected a ConfigException for:\n" + yaml).isInstanceOf(ConfigException.class);
        assertThat(t.getMessage()).doesNotContain("\n", "com.fasterxml", "Exception", "dev.wsctl");
        return t.getMessage();
    }

    private String error(String yaml) {
        return error(yaml, Map.of());
    }

    private void write(String yaml) {
        try {
            if (yaml == null) {
                Files.deleteIfExists(dir.resolve("wsctl.yaml"));
            } else {
                Files.writeString(dir.resolve("wsctl.yaml"), yaml);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void withoutFileEnvironmentOrFlagsEveryKeyHasItsDefault() {
        StackConfig c = load(null, Map.of());
        assertThat(c).isEqualTo(StackConfig.defaults());
        assertThat(c.app()).isEqualTo("wsctl");
        assertThat(c.stage()).isEqualTo("dev");
        assertThat(c.region()).isEmpty();
        assertThat(c.runtime()).isEqualTo("java21");
        assertThat(c.architecture()).isEqualTo(Architecture.ARM64);
        assertThat(c.memory().all()).isEqualTo(1024);
        assertThat(StackConfig.FUNCTIONS)
                .allSatisfy(fn -> assertThat(c.memory().of(fn)).isEqualTo(1024));
        assertThat(c.timeoutSeconds()).isEqualTo(29);
        assertThat(c.snapStart()).isTrue();
        assertThat(c.defaultChannel()).contains("default");
        assertThat(c.delivery()).isEqualTo(Settings.Delivery.ENVELOPE);
        assertThat(c.maxMessageBytes()).isEqualTo(32768);
        assertThat(c.throttling()).isEqualTo(new StackConfig.Throttling(500.0, 1000));
        assertThat(c.fanout()).isEqualTo(new StackConfig.Fanout(128, 2000, 9000.0, 2000));
        assertThat(c.tags()).isEmpty();
        assertThat(c.auth()).isEqualTo(StackConfig.Auth.none());
        assertThat(c.auth().mode()).isEqualTo(AuthSettings.Mode.NONE);
        assertThat(c.auth().allowedOrigins()).isEmpty();
        assertThat(c.auth().missingOrigin()).isEqualTo(OriginPolicy.MissingOrigin.ALLOW);
        assertThat(c.auth().enabled()).isFalse();
        assertThat(c.functions()).containsExactly("connect", "disconnect", "channels", "send", "default", "fanout");
        assertThat(c.publish()).isEqualTo(Settings.Publish.MEMBERS);
    }

    @Test
    void anEmptyOrCommentOnlyFileIsTheDefaults() {
        assertThat(load("", Map.of())).isEqualTo(StackConfig.defaults());
        assertThat(load("# nothing yet\n", Map.of())).isEqualTo(StackConfig.defaults());
    }

    @Test
    void everyKeyIsReadFromTheFile() {
        StackConfig c = load("""
                app: chat
                stage: prod
                region: eu-central-1
                runtime: java17
                architecture: x86_64
                memory:
                  all: 512
                  send: 2048
                  default: 256
                  authorize: 384
                  fanout: 3008
                timeoutSeconds: 10
                snapStart: false
                defaultChannel: lobby
                delivery: raw
                maxMessageBytes: 65536
                throttling:
                  rate: 50
                  burst: 100
                fanout:
                  concurrency: 64
                  shardSize: 500
                  maxRate: 2500.5
                  burst: 800
                tags:
                  team: realtime
                  cost-center: 4711
                  empty:
                auth:
                  mode: jwt
                  jwksUrl: https://idp.example.com/.well-known/jwks.json
                  issuer: https://idp.example.com/
                  audience: chat-api
                  allowedOrigins:
                    - https://app.example.com
                    - https://*.example.com
                  missingOrigin: deny
                publish: any
                """, Map.of());
        assertThat(c.app()).isEqualTo("chat");
        assertThat(c.stage()).isEqualTo("prod");
        assertThat(c.region()).contains("eu-central-1");
        assertThat(c.runtime()).isEqualTo("java17");
        assertThat(c.architecture()).isEqualTo(Architecture.X86_64);
        assertThat(c.memory().of("send")).isEqualTo(2048);
        assertThat(c.memory().of("default")).isEqualTo(256);
        assertThat(c.memory().of("connect")).isEqualTo(512);
        assertThat(c.timeoutSeconds()).isEqualTo(10);
        assertThat(c.snapStart()).isFalse();
        assertThat(c.defaultChannel()).contains("lobby");
        assertThat(c.delivery()).isEqualTo(Settings.Delivery.RAW);
        assertThat(c.maxMessageBytes()).isEqualTo(65536);
        assertThat(c.throttling()).isEqualTo(new StackConfig.Throttling(50.0, 100));
        assertThat(c.fanout()).isEqualTo(new StackConfig.Fanout(64, 500, 2500.5, 800));
        assertThat(c.memory().of("fanout")).isEqualTo(3008);
        assertThat(c.tags()).containsOnly(entry("team", "realtime"), entry("cost-center", "4711"), entry("empty", ""));
        assertThat(c.memory().of("authorize")).isEqualTo(384);
        assertThat(c.auth())
                .isEqualTo(new StackConfig.Auth(
                        AuthSettings.Mode.JWT,
                        Optional.of(java.net.URI.create("https://idp.example.com/.well-known/jwks.json")),
                        Optional.of("https://idp.example.com/"),
                        Optional.of("chat-api"),
                        List.of("https://app.example.com", "https://*.example.com"),
                        OriginPolicy.MissingOrigin.DENY));
        assertThat(c.auth().enabled()).isTrue();
        assertThat(c.auth().usesSecret()).isFalse();
        assertThat(c.functions()).endsWith("authorize", "fanout");
        assertThat(c.publish()).isEqualTo(Settings.Publish.ANY);
    }

    /** One key: its flag, its variable, a file line and three distinct values. */
    record Layered(
            String key,
            String option,
            String env,
            String fileLine,
            String flagValue,
            String envValue,
            Function<StackConfig, Object> read,
            Object fromFile,
            Object fromEnv,
            Object fromFlag,
            Object byDefault) {}

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() {
        List<Layered> keys = List.of(
                new Layered(
                        "app",
                        "--app",
                        "WSCTL_APP",
                        "app: from-file",
                        "from-flag",
                        "from-env",
                        StackConfig::app,
                        "from-file",
                        "from-env",
                        "from-flag",
                        "wsctl"),
                new Layered(
                        "stage",
                        "--stage",
                        "WSCTL_STAGE",
                        "stage: file",
                        "flag",
                        "env",
                        StackConfig::stage,
                        "file",
                        "env",
                        "flag",
                        "dev"),
                new Layered(
                        "region",
                        "--region",
                        "WSCTL_REGION",
                        "region: eu-west-1",
                        "us-east-2",
                        "ap-south-1",
                        StackConfig::region,
                        Optional.of("eu-west-1"),
                        Optional.of("ap-south-1"),
                        Optional.of("us-east-2"),
                        Optional.empty()),
                new Layered(
                        "memory.all",
                        "--memory",
                        "WSCTL_MEMORY",
                        "memory: {all: 2048}",
                        "512",
                        "3008",
                        c -> c.memory().of("send"),
                        2048,
                        3008,
                        512,
                        1024),
                new Layered(
                        "defaultChannel",
                        "--default-channel",
                        "WSCTL_DEFAULT_CHANNEL",
                        "defaultChannel: lobby",
                        "none",
                        "news",
                        StackConfig::defaultChannel,
                        Optional.of("lobby"),
                        Optional.of("news"),
                        Optional.empty(),
                        Optional.of("default")),
                new Layered(
                        "delivery",
                        "--delivery",
                        "WSCTL_DELIVERY",
                        "delivery: raw",
                        "envelope",
                        "raw",
                        StackConfig::delivery,
                        Settings.Delivery.RAW,
                        Settings.Delivery.RAW,
                        Settings.Delivery.ENVELOPE,
                        Settings.Delivery.ENVELOPE),
                new Layered(
                        "maxMessageBytes",
                        "--max-message-bytes",
                        "WSCTL_MAX_MESSAGE_BYTES",
                        "maxMessageBytes: 1000",
                        "3000",
                        "2000",
                        StackConfig::maxMessageBytes,
                        1000,
                        2000,
                        3000,
                        32768),
                new Layered(
                        "snapStart",
                        "--snap-start",
                        "WSCTL_SNAP_START",
                        "snapStart: false",
                        "false",
                        "TRUE",
                        StackConfig::snapStart,
                        false,
                        true,
                        false,
                        true),
                new Layered(
                        "throttling.rate",
                        "--rate",
                        "WSCTL_THROTTLING_RATE",
                        "throttling: {rate: 10}",
                        "30",
                        "20.5",
                        c -> c.throttling().rate(),
                        10.0,
                        20.5,
                        30.0,
                        500.0),
                new Layered(
                        "fanout.shardSize",
                        "--shard-size",
                        "WSCTL_FANOUT_SHARD_SIZE",
                        "fanout: {shardSize: 100}",
                        "300",
                        "200",
                        c -> c.fanout().shardSize(),
                        100,
                        200,
                        300,
                        2000),
                new Layered(
                        "fanout.maxRate",
                        "--max-rate",
                        "WSCTL_FANOUT_MAX_RATE",
                        "fanout: {maxRate: 100}",
                        "300.5",
                        "200",
                        c -> c.fanout().maxRate(),
                        100.0,
                        200.0,
                        300.5,
                        9000.0),
                new Layered(
                        "fanout.burst",
                        "--fanout-burst",
                        "WSCTL_FANOUT_BURST",
                        "fanout: {burst: 100}",
                        "300",
                        "200",
                        c -> c.fanout().burst(),
                        100,
                        200,
                        300,
                        2000),
                new Layered(
                        "memory.fanout",
                        "--memory-fanout",
                        "WSCTL_MEMORY_FANOUT",
                        "memory: {fanout: 256}",
                        "512",
                        "384",
                        c -> c.memory().of("fanout"),
                        256,
                        384,
                        512,
                        1024),
                new Layered(
                        "publish",
                        "--publish",
                        "WSCTL_PUBLISH",
                        "publish: none",
                        "any",
                        "none",
                        StackConfig::publish,
                        Settings.Publish.NONE,
                        Settings.Publish.NONE,
                        Settings.Publish.ANY,
                        Settings.Publish.MEMBERS),
                new Layered(
                        "auth.mode",
                        "--auth",
                        "WSCTL_AUTH_MODE",
                        "auth: {mode: jwt}",
                        "none",
                        "jwt",
                        c -> c.auth().mode(),
                        AuthSettings.Mode.JWT,
                        AuthSettings.Mode.JWT,
                        AuthSettings.Mode.NONE,
                        AuthSettings.Mode.NONE),
                new Layered(
                        "auth.allowedOrigins",
                        "--origins",
                        "WSCTL_ALLOWED_ORIGINS",
                        "auth: {allowedOrigins: ['https://a.example.com']}",
                        "https://c.example.com",
                        "https://b.example.com, https://*.b.example.com",
                        c -> c.auth().allowedOrigins(),
                        List.of("https://a.example.com"),
                        List.of("https://b.example.com", "https://*.b.example.com"),
                        List.of("https://c.example.com"),
                        List.of()),
                new Layered(
                        "auth.missingOrigin",
                        "--missing-origin",
                        "WSCTL_MISSING_ORIGIN",
                        "auth: {missingOrigin: deny}",
                        "allow",
                        "deny",
                        c -> c.auth().missingOrigin(),
                        OriginPolicy.MissingOrigin.DENY,
                        OriginPolicy.MissingOrigin.DENY,
                        OriginPolicy.MissingOrigin.ALLOW,
                        OriginPolicy.MissingOrigin.ALLOW));
        for (Layered k : keys) {
            Map<String, String> env = Map.of(k.env(), k.envValue());
            Flag flag = new Flag(k.key(), k.option(), k.flagValue());
            assertThat(k.read().apply(load(null, Map.of())))
                    .as(k.key() + " default")
                    .isEqualTo(k.byDefault());
            assertThat(k.read().apply(load(k.fileLine(), Map.of())))
                    .as(k.key() + " file")
                    .isEqualTo(k.fromFile());
            assertThat(k.read().apply(load(k.fileLine(), env)))
                    .as(k.key() + " env")
                    .isEqualTo(k.fromEnv());
            assertThat(k.read().apply(load(k.fileLine(), env, flag)))
                    .as(k.key() + " flag")
                    .isEqualTo(k.fromFlag());
        }
    }

    @Test
    void aFunctionsOwnMemoryBeatsMemoryAllFromAnySource() {
        StackConfig c = load("memory:\n  send: 2048\n", Map.of("WSCTL_MEMORY", "512"));
        assertThat(c.memory().of("send")).isEqualTo(2048);
        assertThat(c.memory().of("connect")).isEqualTo(512);
        assertThat(load("memory:\n  send: 2048\n", Map.of("WSCTL_MEMORY_SEND", "4096"))
                        .memory()
                        .of("send"))
                .isEqualTo(4096);
    }

    @Test
    void tagsFromTheEnvironmentAreAddedToTheFilesAndWinPerKey() {
        StackConfig c = load("tags:\n  team: realtime\n  env: dev\n", Map.of("WSCTL_TAGS", "env=prod, commit=abc123"));
        assertThat(c.tags()).containsOnly(entry("team", "realtime"), entry("env", "prod"), entry("commit", "abc123"));
        assertThat(c.allTags())
                .containsEntry("wsctl:app", "wsctl")
                .containsEntry("wsctl:stage", "dev")
                .hasSize(5);
    }

    @Test
    void theDefaultChannelIsOffWithNoneOrEmpty() {
        assertThat(load("defaultChannel: none\n", Map.of()).defaultChannel()).isEmpty();
        assertThat(load("defaultChannel: ''\n", Map.of()).defaultChannel()).isEmpty();
        assertThat(load(null, Map.of("WSCTL_DEFAULT_CHANNEL", "")).defaultChannel())
                .isEmpty();
        assertThat(load(null, Map.of("WSCTL_APP", "")).app())
                .as("an empty variable is not set")
                .isEqualTo("wsctl");
    }

    @Test
    void theConfigFileIsTheFlagElseWsctlConfigElseWsctlYamlHere() throws IOException {
        write("app: here\n");
        Path other = Files.writeString(dir.resolve("other.yaml"), "app: other\n");
        Path third = Files.writeString(dir.resolve("third.yaml"), "app: third\n");
        ConfigLoader withEnv = new ConfigLoader(dir, Map.of("WSCTL_CONFIG", third.toString()));
        assertThat(new ConfigLoader(dir, Map.of()).load(null, List.of()).app()).isEqualTo("here");
        assertThat(withEnv.load(null, List.of()).app()).isEqualTo("third");
        assertThat(withEnv.load(other, List.of()).app()).isEqualTo("other");
        assertThat(new ConfigLoader(dir, Map.of())
                        .load(Path.of("other.yaml"), List.of())
                        .app())
                .as("relative to the working directory")
                .isEqualTo("other");
    }

    @Test
    void aMissingExplicitFileIsAnErrorButAMissingWsctlYamlIsNot() {
        assertThat(new ConfigLoader(dir, Map.of()).load(null, List.of())).isEqualTo(StackConfig.defaults());
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> new ConfigLoader(dir, Map.of()).load(missing, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--config " + missing + ": no such file");
        assertThatThrownBy(() -> new ConfigLoader(dir, Map.of("WSCTL_CONFIG", "gone.yaml")).load(null, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("WSCTL_CONFIG gone.yaml: no such file");
        assertThatThrownBy(() -> new ConfigLoader(dir, Map.of()).load(dir, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void anUnknownKeyNamesTheKeyTheLineAndTheKnownKeys() {
        assertThat(error("app: chat\nstage: dev\nmemroy: 2048\n"))
                .isEqualTo(
                        "wsctl.yaml line 3: unknown key 'memroy' (known: app, stage, region, runtime, architecture, memory, "
                                + "timeoutSeconds, snapStart, defaultChannel, delivery, maxMessageBytes, throttling, fanout, "
                                + "tags, auth, publish, history, webhooks); did you mean 'memory'?");
        assertThat(error("app: chat\nmemory:\n  all: 1024\n  sned: 2048\n"))
                .isEqualTo(
                        "wsctl.yaml line 4: unknown key 'memory.sned' (known in memory: all, connect, disconnect, channels, "
                                + "send, default, authorize, fanout); did you mean 'memory.send'?");
        assertThat(error("fanout:\n  shardsize: 100\n"))
                .isEqualTo(
                        "wsctl.yaml line 2: unknown key 'fanout.shardsize' "
                                + "(known in fanout: concurrency, shardSize, maxRate, burst); did you mean 'fanout.shardSize'?");
        assertThat(error("auth:\n  mode: jwt\n  jwks_url: https://idp.example.com/jwks.json\n"))
                .startsWith("wsctl.yaml line 3: unknown key 'auth.jwks_url'")
                .endsWith("did you mean 'auth.jwksUrl'?");
    }

    @Test
    void aSecretInTheFileIsRefusedWithTheReason() {
        String secret = "c2VjcmV0LXRoYXQtc2hvdWxkLW5vdC1iZS1pbi1hLWZpbGU";
        assertThat(error("auth:\n  mode: jwt\n  secret: " + secret + "\n"))
                .isEqualTo("wsctl.yaml line 3: unknown key 'auth.secret' (known in auth: mode, jwksUrl, issuer, "
                        + "audience, allowedOrigins, missingOrigin); secrets do not belong in a file that is checked "
                        + "in: with auth.mode jwt and no auth.jwksUrl, deploy generates the secret and keeps it in the "
                        + "stack's authorize function")
                .doesNotContain(secret);
        assertThat(ConfigLoader.ENVIRONMENT).doesNotContainKey(AuthSettings.ENV_SECRET);
        assertThat(load(null, Map.of(AuthSettings.ENV_SECRET, secret, "WSCTL_AUTH_MODE", "jwt"))
                        .auth()
                        .usesSecret())
                .as("the deployer's environment is not where the stack's secret comes from")
                .isTrue();
    }

    @Test
    void aValueOfTheWrongTypeNamesTheKeyTheLineAndTheValue() {
        assertThat(error("app: chat\nmemory:\n  all: lots\n"))
                .isEqualTo("wsctl.yaml line 3: memory.all must be a whole number, not 'lots'");
        assertThat(error("timeoutSeconds: 1.5\n"))
                .isEqualTo("wsctl.yaml line 1: timeoutSeconds must be a whole number, not 1.5");
        assertThat(error("\nsnapStart: yes\n"))
                .isEqualTo("wsctl.yaml line 2: snapStart must be true or false, not 'yes'");
        assertThat(error("snapStart: 1\n")).isEqualTo("wsctl.yaml line 1: snapStart must be true or false, not 1");
        assertThat(error("throttling:\n  rate: fast\n"))
                .isEqualTo("wsctl.yaml line 2: throttling.rate must be a number, not 'fast'");
        assertThat(error("memory: 2048\n"))
                .startsWith(
                        "wsctl.yaml line 1: memory must be a section with the keys all, connect, disconnect, channels, send, "
                                + "default, authorize, fanout, not 2048")
                .contains("all: 2048");
        assertThat(error("fanout:\n  maxRate: fast\n"))
                .isEqualTo("wsctl.yaml line 2: fanout.maxRate must be a number, not 'fast'");
        assertThat(error("fanout:\n  shardSize: 1.5\n"))
                .isEqualTo("wsctl.yaml line 2: fanout.shardSize must be a whole number, not 1.5");
        assertThat(error("tags: [a, b]\n"))
                .isEqualTo("wsctl.yaml line 1: tags must be a section of name: value lines, not a list");
        assertThat(error("app:\n  - chat\n")).isEqualTo("wsctl.yaml line 1: app must be a single value, not a list");
        assertThat(error("timeoutSeconds: 99999999999\n")).contains("line 1", "timeoutSeconds", "99999999999");
    }

    @Test
    void aValueOutOfRangeNamesTheKeyTheLineAndTheRange() {
        assertThat(error("app: chat\nmemory:\n  send: 64\n"))
                .isEqualTo("wsctl.yaml line 3: memory.send must be between 128 and 10240, not 64");
        assertThat(error("memory:\n  all: 20000\n"))
                .isEqualTo("wsctl.yaml line 2: memory.all must be between 128 and 10240, not 20000");
        assertThat(error("timeoutSeconds: 0\n"))
                .isEqualTo("wsctl.yaml line 1: timeoutSeconds must be between 1 and 900, not 0");
        assertThat(error("maxMessageBytes: 200000\n"))
                .isEqualTo("wsctl.yaml line 1: maxMessageBytes must be between 1 and 131072, not 200000");
        assertThat(error("fanout:\n  concurrency: 0\n"))
                .isEqualTo("wsctl.yaml line 2: fanout.concurrency must be between 1 and 10000, not 0");
        assertThat(error("throttling:\n  burst: 5\n  rate: 0\n"))
                .startsWith("wsctl.yaml line 3: throttling.rate must be");
        assertThat(error("fanout:\n  concurrency: 64\n  shardSize: 5000\n"))
                .isEqualTo("wsctl.yaml line 3: fanout.shardSize must be between 1 and 4000, not 5000");
        assertThat(error("fanout:\n  shardSize: 0\n"))
                .isEqualTo("wsctl.yaml line 2: fanout.shardSize must be between 1 and 4000, not 0");
        assertThat(error("fanout:\n  maxRate: 0\n"))
                .isEqualTo(
                        "wsctl.yaml line 2: fanout.maxRate must be a number of requests per second above 0, not 0.0");
        assertThat(error("\nfanout:\n  burst: 0\n"))
                .isEqualTo("wsctl.yaml line 3: fanout.burst must be a whole number of requests of at least 1, not 0");
        assertThat(load("fanout:\n  shardSize: 4000\n  maxRate: 0.5\n  burst: 1\n", Map.of())
                        .fanout())
                .isEqualTo(new StackConfig.Fanout(128, 4000, 0.5, 1));
    }

    @Test
    void badAppAndStageNamesAreRefused() {
        assertThat(error("app: Chat\n"))
                .isEqualTo("wsctl.yaml line 1: app must be 1 to 20 lowercase letters, "
                        + "digits or '-', starting with a letter, not 'Chat'");
        assertThat(error("\napp: 1chat\n")).startsWith("wsctl.yaml line 2: app must be");
        assertThat(error("app: chat_app\n")).startsWith("wsctl.yaml line 1: app must be");
        assertThat(error("app: abcdefghijklmnopqrstu\n")).startsWith("wsctl.yaml line 1: app must be 1 to 20");
        assertThat(error("stage: abcdefghijklmnopq\n")).startsWith("wsctl.yaml line 1: stage must be 1 to 16");
        assertThat(load("app: abcdefghijklmnopqrst\nstage: abcdefghijklmnop\n", Map.of())
                        .functionName("disconnect"))
                .isEqualTo("abcdefghijklmnopqrst-abcdefghijklmnop-disconnect");
    }

    @Test
    void badTagsAreRefused() {
        assertThat(error("tags:\n  team: realtime\n  aws:owner: me\n"))
                .startsWith("wsctl.yaml line 3: tags.aws:owner is not a tag key you may set: AWS reserves");
        assertThat(error("tags:\n  wsctl:app: other\n"))
                .startsWith("wsctl.yaml line 2: tags.wsctl:app is not a tag key");
        assertThat(error("tags:\n  " + "k".repeat(129) + ": v\n"))
                .startsWith("wsctl.yaml line 2: tags.kkk")
                .contains("1 to 128 characters");
        assertThat(error("tags:\n  team: " + "v".repeat(257) + "\n"))
                .isEqualTo("wsctl.yaml line 2: tags.team has a value of 257 characters; tag values have at most 256");
        assertThat(error("tags:\n  team: a|b\n"))
                .isEqualTo("wsctl.yaml line 2: tags.team has the value 'a|b', "
                        + "but tag values may contain only letters, digits, spaces and _ . : / = + - @");
        assertThat(error(null, Map.of("WSCTL_TAGS", "aws:x=1"))).startsWith("WSCTL_TAGS tag 'aws:x' is not a tag key");
        assertThat(error(null, Map.of("WSCTL_TAGS", "team")))
                .isEqualTo("WSCTL_TAGS must be key=value pairs separated by commas, not 'team'");
        StringBuilder many = new StringBuilder("tags:\n");
        for (int i = 0; i < 49; i++) {
            many.append("  t").append(i).append(": v\n");
        }
        assertThat(error(many.toString())).startsWith("wsctl.yaml line 1: tags has 49 tags");
    }

    @Test
    void otherBadValuesNameTheKeyAndTheLine() {
        assertThat(error("delivery: sideways\n"))
                .isEqualTo("wsctl.yaml line 1: delivery must be envelope or raw, not 'sideways'");
        assertThat(error("defaultChannel: no spaces\n"))
                .startsWith("wsctl.yaml line 1: defaultChannel must be a channel name")
                .endsWith("not 'no spaces'");
        assertThat(error("defaultChannel: '#connection'\n")).startsWith("wsctl.yaml line 1: defaultChannel must be");
        assertThat(error("defaultChannel: private-x\n"))
                .startsWith("wsctl.yaml line 1: defaultChannel must not be a private-* channel");
        assertThat(error("defaultChannel: presence-lobby\n"))
                .startsWith("wsctl.yaml line 1: defaultChannel must not be a presence-* channel");
        assertThat(error("architecture: arm\n"))
                .isEqualTo("wsctl.yaml line 1: architecture must be arm64 or x86_64, not 'arm'");
        assertThat(error("runtime: python3.12\n"))
                .startsWith("wsctl.yaml line 1: runtime must be a Java Lambda runtime");
        assertThat(error("runtime: java11\n")).startsWith("wsctl.yaml line 1: runtime must be");
        assertThat(error("region: us-east1\n")).startsWith("wsctl.yaml line 1: region must be an AWS region");
    }

    @Test
    void jwtWithoutAJwksUrlUsesTheSecretDeployGenerates() {
        StackConfig c = load("auth:\n  mode: jwt\n", Map.of());
        assertThat(c.auth().mode()).isEqualTo(AuthSettings.Mode.JWT);
        assertThat(c.auth().usesSecret()).isTrue();
        assertThat(c.auth().enabled()).isTrue();
        assertThat(c.auth().jwksUrl()).isEmpty();
        assertThat(load(
                                "auth:\n  mode: jwt\n  jwksUrl: http://127.0.0.1:9000/jwks\n  issuer: me\n  audience: you\n",
                                Map.of())
                        .auth()
                        .jwksUrl())
                .contains(java.net.URI.create("http://127.0.0.1:9000/jwks"));
        assertThat(load(
                                "auth:\n  mode: jwt\n  jwksUrl: http://localhost/jwks\n  issuer: me\n  audience: you\n",
                                Map.of())
                        .auth()
                        .usesSecret())
                .isFalse();
    }

    @Test
    void originsAloneOrDenyingAMissingOriginTurnTheAuthorizerOn() {
        StackConfig origins = load("auth:\n  allowedOrigins: [https://app.example.com]\n", Map.of());
        assertThat(origins.auth().mode()).isEqualTo(AuthSettings.Mode.NONE);
        assertThat(origins.auth().enabled()).isTrue();
        assertThat(origins.functions()).contains("authorize");
        assertThat(load("auth:\n  missingOrigin: deny\n", Map.of()).auth().enabled())
                .isTrue();
        assertThat(load("auth:\n  allowedOrigins: []\n  missingOrigin: allow\n", Map.of())
                        .auth()
                        .enabled())
                .isFalse();
    }

    @Test
    void badAuthValuesNameTheKeyAndTheLine() {
        assertThat(error("app: chat\nauth:\n  mode: oauth\n"))
                .isEqualTo("wsctl.yaml line 3: auth.mode must be none or jwt, not 'oauth'");
        assertThat(error("auth:\n  mode: jwt\n  jwksUrl: https://idp.example.com/jwks.json\n"))
                .isEqualTo("wsctl.yaml line 3: auth.jwksUrl needs auth.issuer and auth.audience too: without them a "
                        + "token your identity provider issued to anyone, for any application, would pass");
        assertThat(error("auth:\n  mode: jwt\n  jwksUrl: https://idp.example.com/jwks.json\n  issuer: https://idp\n"))
                .startsWith("wsctl.yaml line 3: auth.jwksUrl needs auth.audience too");
        assertThat(
                        error(
                                "auth:\n  mode: jwt\n  jwksUrl: http://idp.example.com/jwks.json\n  issuer: i\n  audience: a\n"))
                .startsWith("wsctl.yaml line 3: auth.jwksUrl must be an https URL")
                .endsWith("not 'http://idp.example.com/jwks.json'");
        assertThat(error("auth:\n  mode: jwt\n  jwksUrl: /jwks.json\n  issuer: i\n  audience: a\n"))
                .startsWith("wsctl.yaml line 3: auth.jwksUrl must be the URL of your identity provider's JWKS");
        assertThat(
                        error(
                                "auth:\n  mode: jwt\n  jwksUrl: https://idp.example.com/jwks.json\n  issuer: ''\n  audience: a\n"))
                .isEqualTo("wsctl.yaml line 4: auth.issuer must not be empty");
        assertThat(error("auth:\n  mode: none\n  jwksUrl: https://idp.example.com/jwks.json\n"))
                .isEqualTo("wsctl.yaml line 3: auth.jwksUrl is set, but auth.mode is none, so no token is checked; "
                        + "set auth.mode: jwt, or remove auth.jwksUrl");
        assertThat(error("auth:\n  issuer: https://idp.example.com/\n"))
                .startsWith("wsctl.yaml line 2: auth.issuer is set, but auth.mode is none");
        assertThat(error("auth:\n  mode: jwt\n  audience: chat\n"))
                .startsWith("wsctl.yaml line 3: auth.audience is checked only on an identity provider's tokens");
        assertThat(error("auth:\n  missingOrigin: refuse\n"))
                .isEqualTo("wsctl.yaml line 2: auth.missingOrigin must be allow or deny, not 'refuse'");
        assertThat(error("publish: everyone\n"))
                .isEqualTo("wsctl.yaml line 1: publish must be members, any or none, not 'everyone'");
        assertThat(error(null, Map.of("WSCTL_PUBLISH", "all")))
                .isEqualTo("WSCTL_PUBLISH must be members, any or none, not 'all'");
        assertThat(error(null, Map.of("WSCTL_AUTH_MODE", "JWT!")))
                .isEqualTo("WSCTL_AUTH_MODE must be none or jwt, not 'JWT!'");
    }

    @Test
    void aBadOriginIsNamedWithItsOwnLine() {
        assertThat(error("""
                auth:
                  allowedOrigins:
                    - https://app.example.com
                    - https://app.example.com/login
                """))
                .isEqualTo("wsctl.yaml line 4: auth.allowedOrigins has an invalid allowed origin "
                        + "'https://app.example.com/login': must not have a path (expected scheme://host[:port] or "
                        + "scheme://*.domain[:port], scheme http or https)");
        assertThat(error("auth:\n  allowedOrigins: [https://ok.example.com, 'ftp://files.example.com']\n"))
                .startsWith(
                        "wsctl.yaml line 2: auth.allowedOrigins has an invalid allowed origin 'ftp://files.example.com'")
                .contains("scheme must be http or https");
        assertThat(error("auth:\n  allowedOrigins:\n    - https://*.*.example.com\n"))
                .startsWith(
                        "wsctl.yaml line 3: auth.allowedOrigins has an invalid allowed origin 'https://*.*.example.com'");
        assertThat(error("auth:\n  allowedOrigins:\n    -\n"))
                .startsWith("wsctl.yaml line 3: auth.allowedOrigins has an empty entry");
        assertThat(error(null, Map.of("WSCTL_ALLOWED_ORIGINS", "https://a.example.com,app.example.com")))
                .startsWith("WSCTL_ALLOWED_ORIGINS has an invalid allowed origin 'app.example.com': missing scheme://");
        assertThat(error("auth:\n  allowedOrigins: https://app.example.com\n"))
                .isEqualTo("wsctl.yaml line 2: auth.allowedOrigins must be a list ([a, b], or one '- a' line each), "
                        + "not 'https://app.example.com'");
        assertThat(error("auth:\n  allowedOrigins:\n    - https://a.example.com\n    - {host: b.example.com}\n"))
                .isEqualTo("wsctl.yaml line 4: auth.allowedOrigins[1] must be a single value, not a section of keys");
    }

    @Test
    void yamlThatIsNotValidOrNotAMappingSaysWhere() {
        assertThat(error("app: chat\nstage: dev\n  memory: : 1\n"))
                .startsWith("wsctl.yaml line 3: not valid YAML at column")
                .contains("mapping values are not allowed");
        assertThat(error("app: [chat\n")).startsWith("wsctl.yaml line ").contains("not valid YAML");
        assertThat(error("app: chat\n\tstage: dev\n")).startsWith("wsctl.yaml line 2: not valid YAML");
        assertThat(error("app: chat\nstage: dev\napp: other\n")).isEqualTo("wsctl.yaml line 3: duplicate key 'app'");
        assertThat(error("- app: chat\n"))
                .startsWith("wsctl.yaml line 1: must be a mapping of keys to values")
                .endsWith("not a list");
        assertThat(error("app: chat\n---\napp: other\n")).startsWith("wsctl.yaml line 3: holds a second YAML document");
    }

    @Test
    void badEnvironmentVariablesAndFlagsAreNamed() {
        assertThat(error(null, Map.of("WSCTL_MEMORY", "lots")))
                .isEqualTo("WSCTL_MEMORY must be a whole number, not 'lots'");
        assertThat(error(null, Map.of("WSCTL_MEMORY_SEND", "64")))
                .isEqualTo("WSCTL_MEMORY_SEND must be between 128 and 10240, not 64");
        assertThat(error(null, Map.of("WSCTL_SNAP_START", "yes")))
                .isEqualTo("WSCTL_SNAP_START must be true or false, not 'yes'");
        assertThat(error(null, Map.of("WSCTL_DELIVERY", "raw!")))
                .isEqualTo("WSCTL_DELIVERY must be envelope or raw, not 'raw!'");
        assertThat(error(null, Map.of("WSCTL_THROTTLING_RATE", "fast")))
                .isEqualTo("WSCTL_THROTTLING_RATE must be a number, not 'fast'");
        assertThat(error(null, Map.of("WSCTL_FANOUT_SHARD_SIZE", "4001")))
                .isEqualTo("WSCTL_FANOUT_SHARD_SIZE must be between 1 and 4000, not 4001");
        assertThat(error(null, Map.of("WSCTL_FANOUT_MAX_RATE", "-1")))
                .isEqualTo("WSCTL_FANOUT_MAX_RATE must be a number of requests per second above 0, not -1.0");
        assertThat(error(null, Map.of("WSCTL_FANOUT_MAX_RATE", "lots")))
                .isEqualTo("WSCTL_FANOUT_MAX_RATE must be a number, not 'lots'");
        assertThat(error(null, Map.of("WSCTL_FANOUT_BURST", "2k")))
                .isEqualTo("WSCTL_FANOUT_BURST must be a whole number, not '2k'");
        assertThat(error("app: good\n", Map.of(), new Flag("app", "--app", "Bad")))
                .startsWith("--app must be 1 to 20");
    }

    @Test
    void aValueThatIsOverriddenIsCheckedOnlyForItsShape() {
        // the whole file is read (syntax, keys and types are checked), but the rules apply to the winning values
        assertThat(load("app: Bad\n", Map.of("WSCTL_APP", "good")).app()).isEqualTo("good");
        assertThat(load("memory:\n  all: 64\n", Map.of("WSCTL_MEMORY", "256"))
                        .memory()
                        .all())
                .isEqualTo(256);
    }

    @Test
    void flagsMustNameAKey() {
        assertThatThrownBy(() -> new Flag("memroy", "--memory", "1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(FileConfig.leafKeys())
                .startsWith("app", "stage", "region")
                .contains("memory.default", "tags", "auth.mode", "auth.allowedOrigins", "publish")
                .endsWith("history.channels", "history.size", "history.ttl", "webhooks.url", "webhooks.events");
        assertThat(ConfigLoader.ENVIRONMENT.values())
                .allSatisfy(key -> assertThat(FileConfig.leafKeys()).contains(key));
    }

    @Test
    void theStarterFileLoadsUnchangedToTheDefaults() throws IOException {
        String starter = ConfigLoader.starterFile();
        assertThat(load(starter, Map.of())).isEqualTo(StackConfig.defaults());
        Path onDisk = Path.of("../templates/wsctl.yaml");
        if (Files.exists(onDisk)) {
            assertThat(starter).as("the jar carries templates/wsctl.yaml").isEqualTo(Files.readString(onDisk));
        }
        for (String key : FileConfig.leafKeys()) {
            String last = key.substring(key.lastIndexOf('.') + 1);
            assertThat(starter).as("the starter file shows " + key).containsPattern("(?m)^\\s*(# )?\\s*" + last + ":");
        }
    }

    @Test
    void theStarterFilesExamplesLoadWhenUncommented() {
        String uncommented = ConfigLoader.starterFile()
                .replace("tags: {}\n", "")
                .replace("  mode: none ", "  mode: jwt ")
                .replace("  allowedOrigins: []\n", "")
                .replaceAll("(?m)^# (region: .*)$", "$1")
                .replaceAll("(?m)^  # ([a-zA-Z]+: .*)$", "  $1")
                .replaceAll("(?m)^# (tags:)$", "$1")
                .replaceAll("(?m)^# ( {2}\\S+: .*)$", "$1")
                .replaceAll("(?m)^  # (allowedOrigins:)$", "  $1")
                .replaceAll("(?m)^  # ( {2}- .*)$", "  $1")
                .replaceAll("(?m)^# (history:|webhooks:)$", "$1");
        StackConfig c = load(uncommented, Map.of());
        assertThat(c.region()).isPresent();
        assertThat(c.memory().functions()).containsOnlyKeys(StackConfig.FUNCTIONS.toArray(String[]::new));
        assertThat(c.tags()).containsOnlyKeys("team", "cost-center");
        assertThat(c.auth().mode()).isEqualTo(AuthSettings.Mode.JWT);
        assertThat(c.auth().jwksUrl()).get().asString().startsWith("https://cognito-idp.");
        assertThat(c.auth().issuer()).isPresent();
        assertThat(c.auth().audience()).isPresent();
        assertThat(c.auth().allowedOrigins()).containsExactly("https://app.example.com", "https://*.example.com");
        assertThat(c.history())
                .isEqualTo(new StackConfig.History(List.of("news", "chat-*"), 100, Duration.ofMinutes(10)));
        assertThat(c.webhooks())
                .isEqualTo(new StackConfig.Webhooks(
                        Optional.of(java.net.URI.create("https://app.example.com/wsctl-hooks")),
                        StackConfig.Webhooks.EVENTS));
    }

    @Test
    void webhooksAreReadFromTheFileWithEveryEventByDefault() {
        StackConfig all = load("webhooks:\n  url: https://app.example.com/hooks\n", Map.of());
        assertThat(all.webhooks().url()).get().hasToString("https://app.example.com/hooks");
        assertThat(all.webhooks().events()).isEqualTo(StackConfig.Webhooks.EVENTS);
        assertThat(all.webhooks().occupancy()).isTrue();

        StackConfig members = load(
                "webhooks:\n  url: http://127.0.0.1:9000/h\n  events: [member_added, member_removed, member_added]\n",
                Map.of());
        assertThat(members.webhooks().events()).containsExactly("member_added", "member_removed");
        assertThat(members.webhooks().occupancy()).isFalse();

        assertThat(load(null, Map.of()).webhooks()).isEqualTo(StackConfig.Webhooks.off());
        assertThat(load(null, Map.of()).webhooks().enabled()).isFalse();
    }

    @Test
    void webhooksRefuseWhatCouldNotWork() {
        assertThatThrownBy(() -> load("webhooks:\n  url: http://app.example.com/h\n", Map.of()))
                .hasMessageStartingWith(
                        "wsctl.yaml line 2: webhooks.url must be an https URL (events posted in the clear");
        assertThatThrownBy(() -> load("webhooks:\n  url: hooks\n", Map.of()))
                .hasMessageContaining("webhooks.url must be the URL your application receives events on");
        assertThatThrownBy(() -> load("webhooks:\n  url: https://u:p@app.example.com/h\n", Map.of()))
                .hasMessageContaining("webhooks.url must not hold a user name or password");
        assertThatThrownBy(() -> load("webhooks:\n  url: https://a.example.com\n  events: [joined]\n", Map.of()))
                .hasMessageStartingWith("wsctl.yaml line 3: webhooks.events entry 'joined' is not an event; the events"
                        + " are channel_occupied, channel_vacated,");
        assertThatThrownBy(() -> load("webhooks:\n  url: https://a.example.com\n  events: []\n", Map.of()))
                .hasMessageContaining("webhooks.events must name at least one event");
        assertThatThrownBy(() -> load("webhooks:\n  events: [connected]\n", Map.of()))
                .hasMessageContaining("webhooks.events is set, but webhooks.url is not");
        assertThatThrownBy(() -> new StackConfig.Webhooks(Optional.empty(), List.of("connected")))
                .hasMessageStartingWith("webhooks.events is set, but webhooks.url is not");
    }

    @Test
    void stackHelpersNameResourcesAsDeployNamesThem() {
        StackConfig c = load("app: chat\nstage: prod\ntags:\n  team: rt\n", Map.of());
        assertThat(c.prefix()).isEqualTo("chat-prod");
        assertThat(c.functionName("send")).isEqualTo("chat-prod-send");
        assertThat(c.functionName("authorize")).isEqualTo("chat-prod-authorize");
        assertThat(c.tableName()).isEqualTo("chat-prod-connections");
        assertThat(c.allTags())
                .containsExactly(entry("team", "rt"), entry("wsctl:app", "chat"), entry("wsctl:stage", "prod"));
        java.net.URI callback = java.net.URI.create("https://abc.execute-api.eu-central-1.amazonaws.com/prod");
        assertThat(Settings.fromEnvironment(c.functionEnvironment(callback.toString())))
                .isEqualTo(settings(c, callback));
        StackConfig off = load("defaultChannel: none\ndelivery: raw\npublish: none\n", Map.of());
        assertThat(Settings.fromEnvironment(off.functionEnvironment(callback.toString())))
                .isEqualTo(settings(off, callback));
        assertThat(off.functionEnvironment(callback.toString())).containsEntry("WSCTL_PUBLISH", "none");
        assertThat(settings(off, callback).publish()).isEqualTo(Settings.Publish.NONE);
    }

    @Test
    void theFunctionsLearnTheShardingSettingsAndTheWorkerTheyInvoke() {
        java.net.URI callback = java.net.URI.create("https://abc.execute-api.eu-central-1.amazonaws.com/prod");
        StackConfig c =
                load("app: chat\nstage: prod\nfanout:\n  shardSize: 500\n  maxRate: 2500.5\n  burst: 300\n", Map.of());
        assertThat(c.functionEnvironment(callback.toString()))
                .containsEntry("WSCTL_FANOUT_SHARD_SIZE", "500")
                .containsEntry("WSCTL_FANOUT_MAX_RATE", "2500.5")
                .containsEntry("WSCTL_FANOUT_BURST", "300")
                .containsEntry("WSCTL_FANOUT_FUNCTION", "chat-prod-fanout:live");
        assertThat(settings(c, callback).sharding())
                .isEqualTo(new Settings.Sharding(500, 2500.5, 300, Optional.of("chat-prod-fanout:live")));
        assertThat(Settings.fromEnvironment(c.functionEnvironment(callback.toString())))
                .isEqualTo(settings(c, callback));

        StackConfig noSnapStart = load("app: chat\nstage: prod\nsnapStart: false\n", Map.of());
        assertThat(noSnapStart.functionTarget("fanout"))
                .as("without SnapStart there is no alias")
                .isEqualTo("chat-prod-fanout");
        assertThat(settings(noSnapStart, callback).sharding())
                .isEqualTo(new Settings.Sharding(2000, 9000.0, 2000, Optional.of("chat-prod-fanout")));
        assertThat(Settings.fromEnvironment(noSnapStart.functionEnvironment(callback.toString())))
                .isEqualTo(settings(noSnapStart, callback));
    }

    @Test
    void authGivesTheAuthorizersRuntimeSettings() {
        String secret = AuthSettings.encodeSecret(AuthSettings.newSecret());
        StackConfig.Auth hs256 = load("auth:\n  mode: jwt\n  allowedOrigins: [https://app.example.com]\n", Map.of())
                .auth();
        AuthSettings settings = hs256.settings(Optional.of(secret));
        assertThat(settings.usesSecret()).isTrue();
        assertThat(settings.secret()).contains(secret);
        assertThat(settings.allowedOrigins()).containsExactly("https://app.example.com");
        assertThat(settings.enabled()).isEqualTo(hs256.enabled()).isTrue();
        assertThat(AuthSettings.fromEnvironment(settings.toEnvironment())).isEqualTo(settings);
        assertThatThrownBy(() -> hs256.settings(Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secret");
        assertThatThrownBy(() -> hs256.settings(Optional.of("short")))
                .isInstanceOf(IllegalArgumentException.class)
                .message()
                .doesNotContain("short");

        StackConfig.Auth jwks = load(
                        "auth:\n  mode: jwt\n  jwksUrl: https://idp.example.com/jwks\n  issuer: i\n"
                                + "  audience: a\n  missingOrigin: deny\n",
                        Map.of())
                .auth();
        AuthSettings fromIdp = jwks.settings(Optional.of(secret));
        assertThat(fromIdp.secret()).as("no secret with a JWKS").isEmpty();
        assertThat(fromIdp.toEnvironment())
                .containsEntry(AuthSettings.ENV_JWKS_URL, "https://idp.example.com/jwks")
                .containsEntry(AuthSettings.ENV_ISSUER, "i")
                .containsEntry(AuthSettings.ENV_AUDIENCE, "a")
                .containsEntry(AuthSettings.ENV_MISSING_ORIGIN, "deny")
                .doesNotContainKey(AuthSettings.ENV_SECRET);

        StackConfig.Auth none = StackConfig.Auth.none();
        assertThat(none.settings(Optional.empty())).isEqualTo(AuthSettings.none());
        assertThat(none.enabled()).isEqualTo(AuthSettings.none().enabled()).isFalse();
    }

    @Test
    void theRecordsCheckTheirValuesToo() {
        StackConfig d = StackConfig.defaults();
        assertThatThrownBy(() -> new StackConfig(
                        "Bad",
                        d.stage(),
                        d.region(),
                        d.runtime(),
                        d.architecture(),
                        d.memory(),
                        d.timeoutSeconds(),
                        d.snapStart(),
                        d.defaultChannel(),
                        d.delivery(),
                        d.maxMessageBytes(),
                        d.throttling(),
                        d.fanout(),
                        d.tags(),
                        d.auth(),
                        d.publish(),
                        d.history(),
                        d.webhooks()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("app must be");
        assertThatThrownBy(() -> new StackConfig.Memory(1024, Map.of("send", 64)))
                .hasMessage("memory.send must be between 128 and 10240, not 64");
        assertThat(new StackConfig.Memory(1024, Map.of("authorize", 256)).of("authorize"))
                .isEqualTo(256);
        assertThat(new StackConfig.Memory(1024, Map.of("fanout", 256)).of("fanout"))
                .isEqualTo(256);
        assertThatThrownBy(() -> new StackConfig.Memory(1024, Map.of("worker", 256)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StackConfig.Fanout(128, 4001, 9000, 2000))
                .hasMessage("fanout.shardSize must be between 1 and 4000, not 4001");
        assertThatThrownBy(() -> new StackConfig.Fanout(128, 2000, Double.NaN, 2000))
                .hasMessageStartingWith("fanout.maxRate must be");
        assertThatThrownBy(() -> new StackConfig.Fanout(128, 2000, 9000, 0))
                .hasMessageStartingWith("fanout.burst must be");
        assertThatThrownBy(() -> new StackConfig.Auth(
                        AuthSettings.Mode.JWT,
                        Optional.of(java.net.URI.create("http://idp.example.com/k")),
                        Optional.of("i"),
                        Optional.of("a"),
                        List.of(),
                        OriginPolicy.MissingOrigin.ALLOW))
                .hasMessageStartingWith("auth.jwksUrl must be an https URL");
        assertThatThrownBy(() -> new StackConfig.Auth(
                        AuthSettings.Mode.NONE,
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        List.of("https://a.example.com/x"),
                        OriginPolicy.MissingOrigin.ALLOW))
                .hasMessageStartingWith("auth.allowedOrigins has an invalid allowed origin");
        assertThatThrownBy(() -> new StackConfig.Auth(
                        AuthSettings.Mode.JWT,
                        Optional.of(java.net.URI.create("https://idp.example.com/k")),
                        Optional.empty(),
                        Optional.of("a"),
                        List.of(),
                        OriginPolicy.MissingOrigin.ALLOW))
                .hasMessageStartingWith("auth.jwksUrl needs auth.issuer too");
        Map<String, String> tags = new HashMap<>();
        tags.put("aws:x", "1");
        assertThatThrownBy(() -> new StackConfig(
                        d.app(),
                        d.stage(),
                        d.region(),
                        d.runtime(),
                        d.architecture(),
                        d.memory(),
                        d.timeoutSeconds(),
                        d.snapStart(),
                        d.defaultChannel(),
                        d.delivery(),
                        d.maxMessageBytes(),
                        d.throttling(),
                        d.fanout(),
                        tags,
                        d.auth(),
                        d.publish(),
                        d.history(),
                        d.webhooks()))
                .hasMessageStartingWith("tags.aws:x");
        assertThatThrownBy(() -> d.tags().put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> new StackConfig.History(List.of("news"), 1001, Duration.ofMinutes(1)))
                .hasMessage("history.size must be between 1 and 1000, not 1001");
        assertThatThrownBy(() -> new StackConfig.History(List.of("news"), 10, Duration.ofHours(25)))
                .hasMessage("history.ttl must be between 1s and 24h, not 90000s");
        assertThatThrownBy(() -> new StackConfig.History(List.of("a b"), 10, Duration.ofMinutes(1)))
                .hasMessageStartingWith("history.channels entry 'a b' is not a channel name");
        assertThatThrownBy(() -> new StackConfig(
                        d.app(),
                        d.stage(),
                        d.region(),
                        d.runtime(),
                        d.architecture(),
                        d.memory(),
                        d.timeoutSeconds(),
                        d.snapStart(),
                        d.defaultChannel(),
                        Settings.Delivery.RAW,
                        d.maxMessageBytes(),
                        d.throttling(),
                        d.fanout(),
                        d.tags(),
                        d.auth(),
                        d.publish(),
                        new StackConfig.History(List.of("news"), 10, Duration.ofMinutes(1)),
                        d.webhooks()))
                .hasMessage("history.channels needs delivery envelope: a raw delivery has nowhere to carry a message's"
                        + " offset");
    }

    @Test
    void historyIsReadFromTheFileAndReachesTheFunctions() {
        StackConfig c = load("""
                app: chat
                stage: prod
                history:
                  channels: [news, "chat-*"]
                  size: 250
                  ttl: 2h
                """, Map.of());
        assertThat(c.history()).isEqualTo(new StackConfig.History(List.of("news", "chat-*"), 250, Duration.ofHours(2)));
        assertThat(c.historyTableName()).isEqualTo("chat-prod-history");

        Map<String, String> env = c.functionEnvironment("https://abc.execute-api.eu-central-1.amazonaws.com/prod");
        assertThat(env)
                .containsEntry("WSCTL_HISTORY_CHANNELS", "news chat-*")
                .containsEntry("WSCTL_HISTORY_SIZE", "250")
                .containsEntry("WSCTL_HISTORY_TTL", "7200")
                .containsEntry("WSCTL_HISTORY_TABLE", "chat-prod-history");
        assertThat(Settings.fromEnvironment(env).history())
                .isEqualTo(new Settings.History(
                        List.of("news", "chat-*"), 250, Duration.ofHours(2), Optional.of("chat-prod-history")));

        StackConfig off = load("history:\n  size: 5\n", Map.of());
        assertThat(off.history().enabled()).isFalse();
        assertThat(off.functionEnvironment("https://x/prod")).doesNotContainKeys("WSCTL_HISTORY_CHANNELS");
        assertThat(Settings.fromEnvironment(off.functionEnvironment("https://x/prod"))
                        .history())
                .isEqualTo(Settings.History.off());
        assertThat(load(null, Map.of()).history()).isEqualTo(StackConfig.History.off());
        assertThat(load("history:\n  channels: [news]\n  ttl: 30s\n", Map.of())
                        .history()
                        .ttl())
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void badHistoryValuesNameTheKeyAndTheLine() {
        assertThat(error("history:\n  channels: [news]\n  size: 0\n"))
                .isEqualTo("wsctl.yaml line 3: history.size must be between 1 and 1000, not 0");
        assertThat(error("history:\n  channels: [news]\n  ttl: 25h\n"))
                .isEqualTo("wsctl.yaml line 3: history.ttl must be between 1s and 24h, not 90000s");
        assertThat(error("history:\n  channels: [news]\n  ttl: 600\n"))
                .isEqualTo("wsctl.yaml line 3: history.ttl must be a duration like 30s, 10m or 2h, not '600'");
        assertThat(error("history:\n  channels: [news]\n  ttl: 99999999999999999999d\n"))
                .startsWith("wsctl.yaml line 3: history.ttl must be between 1s and 24h");
        assertThat(error("history:\n  channels:\n    - news\n    - 'bad channel'\n"))
                .startsWith("wsctl.yaml line 4: history.channels entry 'bad channel' is not a channel name");
        assertThat(error("history:\n  channels:\n    -\n"))
                .isEqualTo("wsctl.yaml line 3: history.channels has an empty entry");
        assertThat(error("delivery: raw\nhistory:\n  channels: [news]\n"))
                .isEqualTo("wsctl.yaml line 3: history.channels needs delivery envelope: a raw delivery has nowhere to"
                        + " carry a message's offset");
        assertThat(error("history:\n  channels: [news]\n", Map.of("WSCTL_DELIVERY", "raw")))
                .startsWith("wsctl.yaml line 2: history.channels needs delivery envelope");
        assertThat(error("history:\n  keep: 5\n")).contains("unknown key 'history.keep'");
    }

    // ---- values quoted in messages: short and harmless on a terminal

    /**
     * A value a file may hold (200,000 characters: a line of that length without the fix, parsed in a moment), a 2 MiB
     * one for the environment and flags, and one that would turn the terminal red and retitle its window.
     */
    private static final String LONG = "x".repeat(200_000);

    private static final String HUGE = "x".repeat(2 * 1024 * 1024);
    private static final String ESCAPES = "ok\u001b[31mred\u001b]0;owned\u0007\u009b2J";

    /** One short line without a control character: ESC, BEL and C1 controls are written as \\uXXXX. */
    private static void assertShortAndHarmless(String message) {
        assertThat(message.length())
                .as(message.length() > 400 ? message.substring(0, 400) : message)
                .isLessThan(400);
        assertThat(message.codePoints()).noneMatch(c -> Character.isISOControl(c));
    }

    @Test
    void aHugeValueInTheFileIsQuotedCutShortWithItsLength() {
        String message = error("app: " + LONG + "\n");
        assertShortAndHarmless(message);
        assertThat(message)
                .startsWith("wsctl.yaml line 1: app must be 1 to 20 lowercase letters")
                .contains("'" + "x".repeat(60) + "…' (200000 characters)")
                .doesNotContain("x".repeat(61));
        assertShortAndHarmless(error("memory:\n  send: " + "9".repeat(200_000) + "\n"));
        assertShortAndHarmless(error("memory:\n  send: \"" + LONG + "\"\n"));
        assertShortAndHarmless(error("auth:\n  allowedOrigins: [\"https://" + LONG + "\"]\n"));
        assertShortAndHarmless(error("tags:\n  team: \"" + LONG + "!\"\n"));
    }

    @Test
    void aHugeKeyInTheFileIsCutShort() {
        // a plain key has at most 1024 characters in YAML; "? key" (an explicit key) has no limit
        String unknown = error("? " + LONG + "\n: 1\n");
        assertShortAndHarmless(unknown);
        assertThat(unknown).startsWith("wsctl.yaml line 1: unknown key '" + "x".repeat(60) + "…' (200000 characters)");
        assertShortAndHarmless(error(LONG + ": 1\n"));
        assertShortAndHarmless(error("tags:\n  ? " + LONG + "\n  : a\n"));
        String half = LONG.substring(100_000);
        String duplicate = error("tags:\n  ? " + half + "\n  : 1\n  ? " + half + "\n  : 2\n");
        assertShortAndHarmless(duplicate);
        assertThat(duplicate).contains("duplicate key 'tags." + "x".repeat(55) + "…' (100005 characters)");
    }

    @Test
    void terminalEscapeSequencesInTheFileAreShownEscaped() {
        // YAML's "\e" is ESC, "\a" BEL, "\x9b" the C1 control sequence introducer
        String message = error("app: \"\\e[31mred\\e]0;owned\\a\\x9b2J\"\n");
        assertShortAndHarmless(message);
        assertThat(message).contains("'\\u001b[31mred\\u001b]0;owned\\u0007\\u009b2J'");
        assertShortAndHarmless(error("\"\\e[2Jkey\": 1\n"));
        assertThat(error("\"\\e[2Jkey\": 1\n")).contains("unknown key '\\u001b[2Jkey'");
        assertShortAndHarmless(error("tags:\n  \"\\e[2J\": a\n"));
        assertShortAndHarmless(error("auth:\n  mode: jwt\n  allowedOrigins: [\"https://\\e[2J.example.com\"]\n"));
        assertShortAndHarmless(error("region: \"eu\\u202Ewest\"\n"));
        assertThat(error("region: \"eu\\u202Ewest\"\n"))
                .as("a right-to-left override")
                .contains("'eu\\u202ewest'");
        // not even in a syntax error: a raw ESC is not allowed in YAML
        assertShortAndHarmless(error("app: a\u001b[31m\n"));
    }

    @Test
    void valuesFromTheEnvironmentAndFlagsAreQuotedTheSameWay() {
        List<String> variables = List.of(
                "WSCTL_APP",
                "WSCTL_MEMORY",
                "WSCTL_THROTTLING_RATE",
                "WSCTL_SNAP_START",
                "WSCTL_TAGS",
                "WSCTL_ALLOWED_ORIGINS",
                "WSCTL_REGION",
                "WSCTL_PUBLISH");
        assertThat(ConfigLoader.ENVIRONMENT).containsKeys(variables.toArray(String[]::new));
        for (String variable : variables) {
            String big = error(null, Map.of(variable, "y" + HUGE));
            assertShortAndHarmless(big);
            assertThat(big).as(variable).startsWith(variable).contains("…' (2097153 characters)");
            String escapes = error(null, Map.of(variable, ESCAPES));
            assertShortAndHarmless(escapes);
            assertThat(escapes).as(variable).contains("'ok\\u001b[31mred");
        }
        String flag = error(null, Map.of(), new Flag("app", "--app", ESCAPES + HUGE));
        assertShortAndHarmless(flag);
        assertThat(flag).startsWith("--app must be").contains("'ok\\u001b[31mred\\u001b]0;owned\\u0007\\u009b2J");
    }

    @Test
    void aConfigFileOfMoreThanOneMebibyteIsRefusedWithoutReadingIt() throws IOException {
        String line = "# " + "-".repeat(77) + "\n";
        StringBuilder exactly = new StringBuilder("app: chat\n");
        while (exactly.length() + line.length() <= ConfigLoader.MAX_FILE_BYTES) {
            exactly.append(line);
        }
        exactly.append("#".repeat(ConfigLoader.MAX_FILE_BYTES - exactly.length() - 1))
                .append('\n');
        assertThat(exactly.length()).isEqualTo(1024 * 1024);
        assertThat(load(exactly.toString(), Map.of()).app())
                .as("a file of exactly 1 MiB is read")
                .isEqualTo("chat");

        String message = error(exactly + "#", Map.of());
        assertThat(message).isEqualTo("wsctl.yaml is larger than 1 MiB, the most wsctl reads from a config file");

        Path big = dir.resolve("big.yaml");
        Files.writeString(big, "app: \"" + "z".repeat(20 * 1024 * 1024) + "\"\n");
        assertThatThrownBy(() -> new ConfigLoader(dir, Map.of()).load(big, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(big + " is larger than 1 MiB, the most wsctl reads from a config file");
    }

    @Test
    void aConfigFileThatNeverEndsIsRefusedAfterTheCap() {
        Path endless = Path.of("/dev/zero");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(endless), "no /dev/zero here");
        // the timeout only turns a hang (reading an endless file whole) into a failure; the assertion is the message
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofMinutes(1),
                () -> assertThatThrownBy(() -> new ConfigLoader(dir, Map.of()).load(endless, List.of()))
                        .isInstanceOf(ConfigException.class)
                        .hasMessage("/dev/zero is larger than 1 MiB, the most wsctl reads from a config file"));
    }

    /** The settings the handlers run with, as the stack's config means them: what their environment must read back as. */
    private static Settings settings(StackConfig c, java.net.URI callbackUrl) {
        return new Settings(
                c.tableName(),
                callbackUrl,
                c.defaultChannel(),
                c.maxMessageBytes(),
                c.fanout().concurrency(),
                c.delivery(),
                c.publish(),
                new Settings.Sharding(
                        c.fanout().shardSize(),
                        c.fanout().maxRate(),
                        c.fanout().burst(),
                        Optional.of(c.functionTarget(StackConfig.FANOUT))),
                Settings.History.off());
    }
}
