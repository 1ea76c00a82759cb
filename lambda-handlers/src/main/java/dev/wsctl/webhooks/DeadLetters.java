package dev.wsctl.webhooks;

/**
 * Where a body goes that the endpoint did not take within the retry window, or refused: an SQS queue on AWS
 * ({@link SqsDeadLetters}), the {@code webhook_failed} table of {@code wsctl local}'s file. {@code wsctl webhooks
 * failed} lists them and {@code redrive} posts them again.
 */
public interface DeadLetters {

    /**
     * Keeps {@code letter}; returns once it is kept.
     *
     * @throws RuntimeException when it could not be kept (the caller must not forget the body then)
     */
    void put(DeadLetter letter);

    /**
     * One body given up on.
     *
     * @param body           the JSON body exactly as it was signed
     * @param status         the endpoint's last HTTP status, 0 when there was no answer
     * @param error          what went wrong, one line
     * @param attempts       how many posts were made
     * @param firstAttemptMs when it was first posted, ms since the epoch
     */
    record DeadLetter(byte[] body, int status, String error, int attempts, long firstAttemptMs) {}
}
