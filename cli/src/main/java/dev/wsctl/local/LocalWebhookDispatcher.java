package dev.wsctl.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import dev.wsctl.json.JsonLog;
import dev.wsctl.webhooks.WebhookDelivery;
import dev.wsctl.webhooks.WebhookEvent;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code wsctl local}'s webhook poster: one thread that takes the oldest events of the outbox ({@link
 * SqliteWebhooks}), up to {@link #BATCH} at a time, posts them as one body through the shared {@link WebhookDelivery}
 * (signature, retry window, backoff), and then forgets them, or moves the body into {@code webhook_failed} when the
 * delivery gave up. So events are posted in the order they were written, at least once: a body posted but not yet
 * forgotten when the process stops is posted again at the next start, from the file. It looks at the outbox every
 * {@link #POLL_MILLIS} ms while it is empty (one indexed read of the file; events may come from other processes
 * too).
 */
public final class LocalWebhookDispatcher implements AutoCloseable {
    /** Events per body at most (a stream batch on AWS holds up to 100 records). */
    static final int BATCH = 100;

    static final long POLL_MILLIS = 200;

    private final SqliteWebhooks outbox;
    private final WebhookDelivery delivery;
    private final JsonLog log;
    private final Thread thread;
    private volatile boolean closed;

    public LocalWebhookDispatcher(SqliteWebhooks outbox, WebhookDelivery delivery, JsonLog log) {
        this.outbox = outbox;
        this.delivery = delivery;
        this.log = log;
        this.thread = new Thread(this::run, "wsctl-webhooks");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!closed) {
            try {
                if (!dispatchOne()) {
                    Thread.sleep(POLL_MILLIS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                ObjectNode line = Json.object();
                line.put("event", "webhooks");
                line.put("outcome", "internal");
                line.put("error", e.toString());
                log.write(line);
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** Posts the next batch; false when the outbox was empty. */
    boolean dispatchOne() {
        List<SqliteWebhooks.Pending> pending = outbox.pending(BATCH);
        if (pending.isEmpty()) {
            return false;
        }
        long start = System.nanoTime();
        List<WebhookEvent> events =
                pending.stream().map(SqliteWebhooks.Pending::event).toList();
        long lastId = pending.get(pending.size() - 1).id();
        byte[] body = delivery.body(events);
        // the dead letter and forgetting the batch are one transaction: the body is in one of the two tables
        WebhookDelivery.Outcome outcome = delivery.withDeadLetters(letter -> outbox.failed(lastId, letter))
                .deliver(body);
        if (outcome.delivered()) {
            outbox.posted(lastId);
        } else if (!outcome.deadLettered()) {
            return false; // interrupted: closing; the events stay for the next start
        }
        ObjectNode line = Json.object();
        line.put("event", "webhooks");
        line.put("events", events.size());
        line.put("status", outcome.last().status());
        line.put("attempts", outcome.attempts());
        line.put("millis", (System.nanoTime() - start) / 1_000_000);
        line.put("deadLettered", outcome.deadLettered());
        if (!outcome.delivered()) {
            line.put("error", outcome.last().error());
        }
        log.write(line);
        return true;
    }

    /** Stops the thread; a delivery waiting to retry stops, and its events stay in the outbox. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
