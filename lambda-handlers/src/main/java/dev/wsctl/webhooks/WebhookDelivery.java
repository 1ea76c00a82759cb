package dev.wsctl.webhooks;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Delivers bodies at least once: signs each, posts it through the {@link WebhookSender}, posts again after the
 * {@link RetryPolicy}'s backoff while the answer is worth another try and the window is open, and hands a body the
 * endpoint refused, or did not take within the window, to the {@link DeadLetters}. The one delivery the deployed
 * webhooks function and {@code wsctl local}'s dispatcher share.
 */
public final class WebhookDelivery {
    private final WebhookSender sender;
    private final String secret;
    private final RetryPolicy retry;
    private final DeadLetters deadLetters;
    private final Clock clock;
    private final Sleeper sleeper;

    /** Waits; a test may shorten nothing here, only the policy. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /**
     * What a delivery came to.
     *
     * @param delivered      whether the endpoint took the body
     * @param deadLettered   whether the body went to the dead letters (neither: the delivery was interrupted, and
     *                       the caller still has the body)
     * @param attempts       posts made
     * @param last           the last post's result
     * @param firstAttemptMs when the first post was made
     */
    public record Outcome(
            boolean delivered, boolean deadLettered, int attempts, WebhookSender.Attempt last, long firstAttemptMs) {}

    public WebhookDelivery(WebhookSender sender, String secret, RetryPolicy retry, DeadLetters deadLetters) {
        this(sender, secret, retry, deadLetters, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()));
    }

    public WebhookDelivery(
            WebhookSender sender,
            String secret,
            RetryPolicy retry,
            DeadLetters deadLetters,
            Clock clock,
            Sleeper sleeper) {
        this.sender = Objects.requireNonNull(sender, "sender");
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("the webhook secret is empty");
        }
        this.secret = secret;
        this.retry = Objects.requireNonNull(retry, "retry");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /** The body of {@code events}, stamped now. */
    public byte[] body(List<WebhookEvent> events) {
        return WebhookBody.of(clock.millis(), events);
    }

    /**
     * Posts {@code body} until the endpoint takes it, refuses it, or the window has passed since the first post;
     * in the last two cases the body goes to the dead letters (whose failure is thrown: the body must not be
     * forgotten). Interrupted while it waits, it stops and returns neither delivered nor dead-lettered.
     */
    public Outcome deliver(byte[] body) {
        long first = clock.millis();
        long deadline = first + retry.window().toMillis();
        int attempts = 0;
        boolean interrupted = false;
        WebhookSender.Attempt last;
        while (true) {
            attempts++;
            last = post(body);
            if (last.verdict() != WebhookSender.Verdict.RETRY) {
                break;
            }
            long remaining = deadline - clock.millis();
            if (remaining <= 0) {
                break;
            }
            Duration wait = retry.delayBefore(attempts + 1);
            try {
                sleeper.sleep(wait.toMillis() > remaining ? Duration.ofMillis(remaining) : wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                interrupted = true;
                break;
            }
        }
        boolean delivered = last.verdict() == WebhookSender.Verdict.DELIVERED;
        boolean deadLettered = !delivered && !interrupted;
        if (deadLettered) {
            deadLetters.put(new DeadLetters.DeadLetter(body, last.status(), last.error(), attempts, first));
        }
        return new Outcome(delivered, deadLettered, attempts, last, first);
    }

    /** The same delivery, with its given-up bodies going to {@code deadLetters}. */
    public WebhookDelivery withDeadLetters(DeadLetters deadLetters) {
        return new WebhookDelivery(sender, secret, retry, deadLetters, clock, sleeper);
    }

    /** One signed post, no retry: {@code wsctl webhooks test} and {@code redrive}. */
    public WebhookSender.Attempt post(byte[] body) {
        return sender.post(body, WebhookBody.signature(secret, body));
    }
}
