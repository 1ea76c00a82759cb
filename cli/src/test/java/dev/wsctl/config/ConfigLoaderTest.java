package dev.wsctl.config;

import dev.wsctl.config.ConfigLoader.Flag;
import dev.wsctl.config.StackConfig.Architecture;
import dev.wsctl.runtime.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

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
        assertThat(StackConfig.FUNCTIONS).allSatisfy(fn -> assertThat(c.memory().of(fn)).isEqualTo(1024));
        assertThat(c.timeoutSeconds()).isEqualTo(29);
        assertThat(c.snapStart()).isTrue();
        assertThat(c.defaultChannel()).contains("default");
        assertThat(c.delivery()).isEqualTo(Settings.Delivery.ENVELOPE);
        assertThat(c.maxMessageBytes()).isEqualTo(32768);
        assertThat(c.throttling()).isEqualTo(new StackConfig.Throttling(500.0, 1000));
        assertThat(c.fanout().concurrency()).isEqualTo(128);
        assertThat(c.tags()).isEmpty();
        assertThat(c.auth().mode()).isEqualTo(StackConfig.Auth.Mode.NONE);
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
                tags:
                  team: realtime
                  cost-center: 4711
                  empty:
                auth:
                  mode: none
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
        assertThat(c.fanout().concurrency()).isEqualTo(64);
        assertThat(c.tags()).containsOnly(entry("team", "realtime"), entry("cost-center", "4711"), entry("empty", ""));
    }

    /** One key: its flag, its variable, a file line and three distinct values. */
    record Layered(String key, String option, String env, String fileLine,
                   String flagValue, String envValue, Function<StackConfig, Object> read,
                   Object fromFile, Object fromEnv, Object fromFlag, Object byDefault) {
    }

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() {
        List<Layered> keys = List.of(
                new Layered("app", "--app", "WSCTL_APP", "app: from-file", "from-flag", "from-env",
                        StackConfig::app, "from-file", "from-env", "from-flag", "wsctl"),
                new Layered("stage", "--stage", "WSCTL_STAGE", "stage: file", "flag", "env",
                        StackConfig::stage, "file", "env", "flag", "dev"),
                new Layered("region", "--region", "WSCTL_REGION", "region: eu-west-1", "us-east-2", "ap-south-1",
                        StackConfig::region, Optional.of("eu-west-1"), Optional.of("ap-south-1"),
                        Optional.of("us-east-2"), Optional.empty()),
                new Layered("memory.all", "--memory", "WSCTL_MEMORY", "memory: {all: 2048}", "512", "3008",
                        c -> c.memory().of("send"), 2048, 3008, 512, 1024),
                new Layered("defaultChannel", "--default-channel", "WSCTL_DEFAULT_CHANNEL", "defaultChannel: lobby",
                        "none", "news", StackConfig::defaultChannel, Optional.of("lobby"), Optional.of("news"),
                        Optional.empty(), Optional.of("default")),
                new Layered("delivery", "--delivery", "WSCTL_DELIVERY", "delivery: raw", "envelope", "raw",
                        StackConfig::delivery, Settings.Delivery.RAW, Settings.Delivery.RAW,
                        Settings.Delivery.ENVELOPE, Settings.Delivery.ENVELOPE),
                new Layered("maxMessageBytes", "--max-message-bytes", "WSCTL_MAX_MESSAGE_BYTES",
                        "maxMessageBytes: 1000", "3000", "2000", StackConfig::maxMessageBytes, 1000, 2000, 3000, 32768),
                new Layered("snapStart", "--snap-start", "WSCTL_SNAP_START", "snapStart: false", "false", "TRUE",
                        StackConfig::snapStart, false, true, false, true),
                new Layered("throttling.rate", "--rate", "WSCTL_THROTTLING_RATE", "throttling: {rate: 10}", "30", "20.5",
                        c -> c.throttling().rate(), 10.0, 20.5, 30.0, 500.0));
        for (Layered k : keys) {
            Map<String, String> env = Map.of(k.env(), k.envValue());
            Flag flag = new Flag(k.key(), k.option(), k.flagValue());
            assertThat(k.read().apply(load(null, Map.of()))).as(k.key() + " default").isEqualTo(k.byDefault());
            assertThat(k.read().apply(load(k.fileLine(), Map.of()))).as(k.key() + " file").isEqualTo(k.fromFile());
            assertThat(k.read().apply(load(k.fileLine(), env))).as(k.key() + " env").isEqualTo(k.fromEnv());
            assertThat(k.read().apply(load(k.fileLine(), env, flag))).as(k.key() + " flag").isEqualTo(k.fromFlag());
        }
    }

    @Test
    void aFunctionsOwnMemoryBeatsMemoryAllFromAnySource() {
        StackConfig c = load("memory:\n  send: 2048\n", Map.of("WSCTL_MEMORY", "512"));
        assertThat(c.memory().of("send")).isEqualTo(2048);
        assertThat(c.memory().of("connect")).isEqualTo(512);
        assertThat(load("memory:\n  send: 2048\n", Map.of("WSCTL_MEMORY_SEND", "4096")).memory().of("send"))
                .isEqualTo(4096);
    }

    @Test
    void tagsFromTheEnvironmentAreAddedToTheFilesAndWinPerKey() {
        StackConfig c = load("tags:\n  team: realtime\n  env: dev\n", Map.of("WSCTL_TAGS", "env=prod, commit=abc123"));
        assertThat(c.tags()).containsOnly(entry("team", "realtime"), entry("env", "prod"), entry("commit", "abc123"));
        assertThat(c.allTags()).containsEntry("wsctl:app", "wsctl").containsEntry("wsctl:stage", "dev").hasSize(5);
    }

    @Test
    void theDefaultChannelIsOffWithNoneOrEmpty() {
        assertThat(load("defaultChannel: none\n", Map.of()).defaultChannel()).isEmpty();
        assertThat(load("defaultChannel: ''\n", Map.of()).defaultChannel()).isEmpty();
        assertThat(load(null, Map.of("WSCTL_DEFAULT_CHANNEL", "")).defaultChannel()).isEmpty();
        assertThat(load(null, Map.of("WSCTL_APP", "")).app()).as("an empty variable is not set").isEqualTo("wsctl");
    }

    @Test
    void theConfigFileIsTheFlagElseWsctlConfigElseWsctlYamlHere() throws IOException {
        write("app: here\n");
        Path other = Files.writeString(dir.resolve("other.yaml"), "app: other\n");
        Path third = Files.writeString(dir.resolve("third.yaml"), "app: third\n");
        ConfigLoader withEnv = new ConfigLoader(dir, Map.of("WSCTL_CONFIG", third.toString()));
        assertThat(new ConfigLoader(dir, Map.of()).load().app()).isEqualTo("here");
        assertThat(withEnv.load().app()).isEqualTo("third");
        assertThat(withEnv.load(other, List.of()).app()).isEqualTo("other");
        assertThat(new ConfigLoader(dir, Map.of()).load(Path.of("other.yaml"), List.of()).app())
                .as("relative to the working directory").isEqualTo("other");
    }

    @Test
    void aMissingExplicitFileIsAnErrorButAMissingWsctlYamlIsNot() {
        assertThat(new ConfigLoader(dir, Map.of()).load()).isEqualTo(StackConfig.defaults());
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> new ConfigLoader(dir, Map.of()).load(missing, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--config " + missing + ": no such file");
        assertThatThrownBy(() -> new ConfigLoader(dir, Map.of("WSCTL_CONFIG", "gone.yaml")).load())
                .isInstanceOf(ConfigException.class)
                .hasMessage("WSCTL_CONFIG gone.yaml: no such file");
        assertThatThrownBy(() -> new ConfigLoader(dir, Map.of()).load(dir, List.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is a directory");
    }

    @Test
    void anUnknownKeyNamesTheKeyTheLineAndTheKnownKeys() {
        assertThat(error("app: chat\nstage: dev\nmemroy: 2048\n")).isEqualTo(
                "wsctl.yaml line 3: unknown key 'memroy' (known: app, stage, region, runtime, architecture, memory, "
                        + "timeoutSeconds, snapStart, defaultChannel, delivery, maxMessageBytes, throttling, fanout, "
                        + "tags, auth); did you mean 'memory'?");
        assertThat(error("app: chat\nmemory:\n  all: 1024\n  sned: 2048\n")).isEqualTo(
                "wsctl.yaml line 4: unknown key 'memory.sned' (known in memory: all, connect, disconnect, channels, "
                        + "send, default); did you mean 'memory.send'?");
        assertThat(error("auth:\n  mode: none\n  secret: s3cret\n"))
                .startsWith("wsctl.yaml line 3: unknown key 'auth.secret' (known in auth: mode)")
                .contains("jwt");
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
        assertThat(error("memory: 2048\n")).startsWith(
                "wsctl.yaml line 1: memory must be a section with the keys all, connect, disconnect, channels, send, "
                        + "default, not 2048").contains("all: 2048");
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
        assertThat(error("throttling:\n  burst: 5\n  rate: 0\n")).startsWith("wsctl.yaml line 3: throttling.rate must be");
    }

    @Test
    void badAppAndStageNamesAreRefused() {
        assertThat(error("app: Chat\n")).isEqualTo("wsctl.yaml line 1: app must be 1 to 20 lowercase letters, "
                + "digits or '-', starting with a letter, not 'Chat'");
        assertThat(error("\napp: 1chat\n")).startsWith("wsctl.yaml line 2: app must be");
        assertThat(error("app: chat_app\n")).startsWith("wsctl.yaml line 1: app must be");
        assertThat(error("app: abcdefghijklmnopqrstu\n")).startsWith("wsctl.yaml line 1: app must be 1 to 20");
        assertThat(error("stage: abcdefghijklmnopq\n")).startsWith("wsctl.yaml line 1: stage must be 1 to 16");
        assertThat(load("app: abcdefghijklmnopqrst\nstage: abcdefghijklmnop\n", Map.of()).functionName("disconnect"))
                .isEqualTo("abcdefghijklmnopqrst-abcdefghijklmnop-disconnect");
    }

    @Test
    void badTagsAreRefused() {
        assertThat(error("tags:\n  team: realtime\n  aws:owner: me\n"))
                .startsWith("wsctl.yaml line 3: tags.aws:owner is not a tag key you may set: AWS reserves");
        assertThat(error("tags:\n  wsctl:app: other\n")).startsWith("wsctl.yaml line 2: tags.wsctl:app is not a tag key");
        assertThat(error("tags:\n  " + "k".repeat(129) + ": v\n")).startsWith("wsctl.yaml line 2: tags.kkk")
                .contains("1 to 128 characters");
        assertThat(error("tags:\n  team: " + "v".repeat(257) + "\n"))
                .isEqualTo("wsctl.yaml line 2: tags.team has a value of 257 characters; tag values have at most 256");
        assertThat(error("tags:\n  team: a|b\n")).isEqualTo("wsctl.yaml line 2: tags.team has the value 'a|b', "
                + "but tag values may contain only letters, digits, spaces and _ . : / = + - @");
        assertThat(error(null, Map.of("WSCTL_TAGS", "aws:x=1"))).startsWith("WSCTL_TAGS tag 'aws:x' is not a tag key");
        assertThat(error(null, Map.of("WSCTL_TAGS", "team"))).isEqualTo(
                "WSCTL_TAGS must be key=value pairs separated by commas, not 'team'");
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
                .startsWith("wsctl.yaml line 1: defaultChannel must be a channel name").endsWith("not 'no spaces'");
        assertThat(error("defaultChannel: '#connection'\n")).startsWith("wsctl.yaml line 1: defaultChannel must be");
        assertThat(error("defaultChannel: private-x\n"))
                .startsWith("wsctl.yaml line 1: defaultChannel must not be a private-* channel");
        assertThat(error("architecture: arm\n"))
                .isEqualTo("wsctl.yaml line 1: architecture must be arm64 or x86_64, not 'arm'");
        assertThat(error("runtime: python3.12\n")).startsWith("wsctl.yaml line 1: runtime must be a Java Lambda runtime");
        assertThat(error("runtime: java11\n")).startsWith("wsctl.yaml line 1: runtime must be");
        assertThat(error("region: us-east1\n")).startsWith("wsctl.yaml line 1: region must be an AWS region");
    }

    @Test
    void jwtAuthIsNotYetHere() {
        assertThat(error("app: chat\nauth:\n  mode: jwt\n")).isEqualTo("wsctl.yaml line 3: auth.mode is jwt, which "
                + "comes with a later version of wsctl; for now the only mode is none");
        assertThat(error("auth:\n  mode: oauth\n")).isEqualTo("wsctl.yaml line 2: auth.mode must be none "
                + "(jwt auth comes with a later version of wsctl), not 'oauth'");
    }

    @Test
    void yamlThatIsNotValidOrNotAMappingSaysWhere() {
        assertThat(error("app: chat\nstage: dev\n  memory: : 1\n"))
                .startsWith("wsctl.yaml line 3: not valid YAML at column").contains("mapping values are not allowed");
        assertThat(error("app: [chat\n")).startsWith("wsctl.yaml line ").contains("not valid YAML");
        assertThat(error("app: chat\n\tstage: dev\n")).startsWith("wsctl.yaml line 2: not valid YAML");
        assertThat(error("app: chat\nstage: dev\napp: other\n")).isEqualTo("wsctl.yaml line 3: duplicate key 'app'");
        assertThat(error("- app: chat\n")).startsWith("wsctl.yaml line 1: must be a mapping of keys to values")
                .endsWith("not a list");
        assertThat(error("app: chat\n---\napp: other\n")).startsWith("wsctl.yaml line 3: holds a second YAML document");
    }

    @Test
    void badEnvironmentVariablesAndFlagsAreNamed() {
        assertThat(error(null, Map.of("WSCTL_MEMORY", "lots"))).isEqualTo("WSCTL_MEMORY must be a whole number, not 'lots'");
        assertThat(error(null, Map.of("WSCTL_MEMORY_SEND", "64")))
                .isEqualTo("WSCTL_MEMORY_SEND must be between 128 and 10240, not 64");
        assertThat(error(null, Map.of("WSCTL_SNAP_START", "yes"))).isEqualTo("WSCTL_SNAP_START must be true or false, not 'yes'");
        assertThat(error(null, Map.of("WSCTL_DELIVERY", "raw!"))).isEqualTo("WSCTL_DELIVERY must be envelope or raw, not 'raw!'");
        assertThat(error(null, Map.of("WSCTL_THROTTLING_RATE", "fast"))).isEqualTo("WSCTL_THROTTLING_RATE must be a number, not 'fast'");
        assertThat(error("app: good\n", Map.of(), new Flag("app", "--app", "Bad"))).startsWith("--app must be 1 to 20");
    }

    @Test
    void aValueThatIsOverriddenIsCheckedOnlyForItsShape() {
        // the whole file is read (syntax, keys and types are checked), but the rules apply to the winning values
        assertThat(load("app: Bad\n", Map.of("WSCTL_APP", "good")).app()).isEqualTo("good");
        assertThat(load("memory:\n  all: 64\n", Map.of("WSCTL_MEMORY", "256")).memory().all()).isEqualTo(256);
    }

    @Test
    void flagsMustNameAKey() {
        assertThatThrownBy(() -> new Flag("memroy", "--memory", "1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(ConfigLoader.keys()).startsWith("app", "stage", "region").contains("memory.default", "tags", "auth.mode");
        assertThat(ConfigLoader.ENVIRONMENT.values()).allSatisfy(key -> assertThat(ConfigLoader.keys()).contains(key));
    }

    @Test
    void theStarterFileLoadsUnchangedToTheDefaults() throws IOException {
        String starter = ConfigLoader.starterFile();
        assertThat(load(starter, Map.of())).isEqualTo(StackConfig.defaults());
        Path onDisk = Path.of("../templates/wsctl.yaml");
        if (Files.exists(onDisk)) {
            assertThat(starter).as("the jar carries templates/wsctl.yaml").isEqualTo(Files.readString(onDisk));
        }
        for (String key : ConfigLoader.keys()) {
            String last = key.substring(key.lastIndexOf('.') + 1);
            assertThat(starter).as("the starter file shows " + key).containsPattern("(?m)^\\s*(# )?\\s*" + last + ":");
        }
    }

    @Test
    void theStarterFilesExamplesLoadWhenUncommented() {
        String uncommented = ConfigLoader.starterFile()
                .replace("tags: {}\n", "")
                .replaceAll("(?m)^# (region: .*)$", "$1")
                .replaceAll("(?m)^  # ([a-z]+: .*)$", "  $1")
                .replaceAll("(?m)^# (tags:)$", "$1")
                .replaceAll("(?m)^# ( {2}\\S+: .*)$", "$1");
        StackConfig c = load(uncommented, Map.of());
        assertThat(c.region()).isPresent();
        assertThat(c.memory().functions()).containsOnlyKeys(StackConfig.FUNCTIONS.toArray(String[]::new));
        assertThat(c.tags()).containsOnlyKeys("team", "cost-center");
    }

    @Test
    void stackHelpersNameResourcesAsDeployNamesThem() {
        StackConfig c = load("app: chat\nstage: prod\ntags:\n  team: rt\n", Map.of());
        assertThat(c.prefix()).isEqualTo("chat-prod");
        assertThat(c.functionName("send")).isEqualTo("chat-prod-send");
        assertThat(c.tableName()).isEqualTo("chat-prod-connections");
        assertThat(c.allTags()).containsExactly(entry("team", "rt"), entry("wsctl:app", "chat"), entry("wsctl:stage", "prod"));
        java.net.URI callback = java.net.URI.create("https://abc.execute-api.eu-central-1.amazonaws.com/prod");
        assertThat(Settings.fromEnvironment(c.functionEnvironment(callback))).isEqualTo(c.settings(callback));
        StackConfig off = load("defaultChannel: none\ndelivery: raw\n", Map.of());
        assertThat(Settings.fromEnvironment(off.functionEnvironment(callback))).isEqualTo(off.settings(callback));
    }

    @Test
    void theRecordsCheckTheirValuesToo() {
        StackConfig d = StackConfig.defaults();
        assertThatThrownBy(() -> new StackConfig("Bad", d.stage(), d.region(), d.runtime(), d.architecture(), d.memory(),
                d.timeoutSeconds(), d.snapStart(), d.defaultChannel(), d.delivery(), d.maxMessageBytes(),
                d.throttling(), d.fanout(), d.tags(), d.auth()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("app must be");
        assertThatThrownBy(() -> new StackConfig.Memory(1024, Map.of("send", 64)))
                .hasMessage("memory.send must be between 128 and 10240, not 64");
        assertThatThrownBy(() -> new StackConfig.Memory(1024, Map.of("authorize", 256)))
                .isInstanceOf(IllegalArgumentException.class);
        Map<String, String> tags = new HashMap<>();
        tags.put("aws:x", "1");
        assertThatThrownBy(() -> new StackConfig(d.app(), d.stage(), d.region(), d.runtime(), d.architecture(),
                d.memory(), d.timeoutSeconds(), d.snapStart(), d.defaultChannel(), d.delivery(), d.maxMessageBytes(),
                d.throttling(), d.fanout(), tags, d.auth())).hasMessageStartingWith("tags.aws:x");
        assertThatThrownBy(() -> d.tags().put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
    }
}
