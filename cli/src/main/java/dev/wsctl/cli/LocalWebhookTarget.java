package dev.wsctl.cli;

import dev.wsctl.local.SqliteConnectionStore;
import dev.wsctl.local.SqliteWebhooks;
import dev.wsctl.ops.WebhookTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The webhook secret and failed bodies of the stack {@code wsctl local} runs (or ran) from a state directory: the
 * secret in {@code webhook-secret}, the bodies in the {@code webhook_failed} table of its {@code local.db}. The stack
 * need not be running.
 */
final class LocalWebhookTarget implements WebhookTarget {
    private final Path stateDir;

    LocalWebhookTarget(Path stateDir) {
        this.stateDir = stateDir;
    }

    /** The secret, created when the stack has not made one yet (the endpoint can be set up before the first start). */
    @Override
    public String secret() {
        return LocalSecret.webhookSecret(stateDir);
    }

    @Override
    public List<FailedWebhook> failed() {
        Path db = db();
        if (!Files.exists(db)) {
            return List.of();
        }
        try (SqliteConnectionStore store = new SqliteConnectionStore(db)) {
            return store.webhooks().failed().stream()
                    .map(f -> new FailedWebhook(
                            f.id(), f.firstAttemptMs(), f.attempts(), f.status(), f.error(), f.body()))
                    .toList();
        } catch (SqliteConnectionStore.StoreException e) {
            throw new CliException(
                    ExitCode.FAILED, "Could not read the failed webhooks in " + db + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void remove(FailedWebhook body) {
        Path db = db();
        try (SqliteConnectionStore store = new SqliteConnectionStore(db)) {
            new SqliteWebhooks(store).remove(body.id());
        } catch (SqliteConnectionStore.StoreException e) {
            throw new CliException(
                    ExitCode.FAILED, "Could not remove a failed webhook from " + db + ": " + e.getMessage(), e);
        }
    }

    /** The running stack's file, or the state directory's where a stack would keep it. */
    private Path db() {
        return LocalState.peek(stateDir).map(LocalState::db).orElse(stateDir.resolve("local.db"));
    }
}
