package dev.wsctl.local;

import dev.wsctl.auth.AuthSettings;
import dev.wsctl.json.JsonLog;
import dev.wsctl.protocol.Settings;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A {@link LocalStack.Config} for tests: {@code wsctl local}'s defaults on a free port, with the SQLite file the
 * test names, and each setting a test varies.
 */
public final class TestStackConfig {
    private final Path db;
    private Optional<String> defaultChannel = Optional.of(Settings.DEFAULT_CHANNEL);
    private int maxMessageBytes = Settings.DEFAULT_MAX_MESSAGE_BYTES;
    private Settings.Delivery delivery = Settings.Delivery.ENVELOPE;
    private Settings.Publish publish = Settings.Publish.MEMBERS;
    private Limits limits = Limits.aws();
    private AuthSettings auth = AuthSettings.none();
    private JsonLog log = JsonLog.discard();
    private Settings.Sharding sharding = Settings.Sharding.defaults();
    private Settings.History history = Settings.History.off();
    private LocalStack.Webhooks webhooks = LocalStack.Webhooks.off();

    private TestStackConfig(Path db) {
        this.db = db;
    }

    public static TestStackConfig at(Path db) {
        return new TestStackConfig(db);
    }

    public TestStackConfig settings(Optional<String> defaultChannel, int maxMessageBytes, Settings.Delivery delivery) {
        this.defaultChannel = defaultChannel;
        this.maxMessageBytes = maxMessageBytes;
        this.delivery = delivery;
        return this;
    }

    public TestStackConfig publish(Settings.Publish publish) {
        this.publish = publish;
        return this;
    }

    public TestStackConfig limits(Limits limits) {
        this.limits = limits;
        return this;
    }

    public TestStackConfig auth(AuthSettings auth) {
        this.auth = auth;
        return this;
    }

    public TestStackConfig log(JsonLog log) {
        this.log = log;
        return this;
    }

    public TestStackConfig sharding(Settings.Sharding sharding) {
        this.sharding = sharding;
        return this;
    }

    public TestStackConfig webhooks(LocalStack.Webhooks webhooks) {
        this.webhooks = webhooks;
        return this;
    }

    public TestStackConfig history(Settings.History history) {
        this.history = history;
        return this;
    }

    public LocalStack.Config build() {
        return new LocalStack.Config(
                "127.0.0.1",
                0,
                "local",
                db,
                defaultChannel,
                maxMessageBytes,
                delivery,
                publish,
                Settings.DEFAULT_FANOUT_CONCURRENCY,
                limits,
                auth,
                log,
                sharding,
                history,
                LocalStack.Config.DEFAULT_APP,
                webhooks);
    }
}
