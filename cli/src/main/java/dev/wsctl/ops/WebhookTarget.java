package dev.wsctl.ops;

import java.util.List;

/**
 * Where a stack keeps its webhook secret and the bodies it gave up posting (docs/observability.md#lifecycle-webhooks):
 * a {@code wsctl local} stack's state directory, or a deployed stack's webhooks function and dead-letter queue. The
 * {@code wsctl webhooks} commands work on either through this.
 */
public interface WebhookTarget extends AutoCloseable {

    /** The secret the stack signs its posts with (hex); only {@code wsctl webhooks secret} prints it. */
    String secret();

    /** The bodies the stack gave up posting, oldest first. */
    List<FailedWebhook> failed();

    /** Forgets {@code body}, after the endpoint accepted it again ({@code wsctl webhooks redrive}). */
    void remove(FailedWebhook body);

    /** Lets go of what reaching the stack took (a deployed stack's SDK clients). */
    @Override
    default void close() {}

    /**
     * One body the stack gave up posting.
     *
     * @param id             what {@link #remove} needs to find it again (a row id, an SQS receipt handle)
     * @param firstAttemptMs when it was first posted, ms since the epoch
     * @param attempts       how many posts were made
     * @param status         the endpoint's last HTTP status, 0 when there was no answer
     * @param error          what went wrong, one line
     * @param body           the JSON body exactly as it was signed
     */
    record FailedWebhook(String id, long firstAttemptMs, int attempts, int status, String error, String body) {}
}
