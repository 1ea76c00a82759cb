package dev.wsctl.ops;

import dev.wsctl.config.StackConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The webhooks of a deployed stack (docs/observability.md#lifecycle-webhooks): the secret is the webhooks function's
 * {@code WSCTL_WEBHOOK_SECRET} ({@link FunctionSecret#WEBHOOKS}), the failed bodies are the messages of the queue
 * {@code {app}-{stage}-webhooks-failed}, each with the attributes {@code status}, {@code error}, {@code attempts} and
 * {@code firstAttemptMs} the function gave it.
 *
 * <p>Listing receives every message (SQS has no way to look without receiving), each hidden from other receivers for
 * {@link #LISTING_VISIBILITY_SECONDS} while the listing runs so that no message is received twice, then makes them all
 * visible again at once (ChangeMessageVisibility to 0): a listing leaves the queue as it was. Each message keeps the
 * receipt handle of that receive as its {@link FailedWebhook#id}, which {@link #remove} deletes it by: SQS deletes a
 * message by its most recently received handle even once it is visible again
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html). Should something else
 * receive it in between, the delete does nothing and the body stays to be redriven again: at least once, as every
 * delivery. SDK errors are left to the caller.
 */
public final class DeployedWebhooks implements WebhookTarget {
    /** Long enough to receive a queue's worth of messages, ten at a time. */
    static final int LISTING_VISIBILITY_SECONDS = 60;

    /** At most this many bodies are listed: more than anyone reads, and a bound on the listing's time. */
    static final int MAX_LISTED = 1000;

    private final LambdaClient lambda;
    private final SqsClient sqs;
    private final StackConfig config;
    private String queueUrl;

    public DeployedWebhooks(LambdaClient lambda, SqsClient sqs, StackConfig config) {
        this.lambda = lambda;
        this.sqs = sqs;
        this.config = config;
    }

    /** The secret; a stack without it (not deployed, or without webhooks) is a {@link NotDeployed}. */
    @Override
    public String secret() {
        FunctionSecret.Lookup lookup = FunctionSecret.WEBHOOKS.read(lambda, config);
        return switch (lookup.found()) {
            case SECRET -> lookup.secret().orElseThrow();
            case NOT_DEPLOYED -> throw new NotDeployed("Stack " + config.prefix() + " is not deployed.");
            case NO_FUNCTION ->
                throw new NotDeployed("Stack " + config.prefix() + " has no webhooks (no function "
                        + lookup.functionName() + "): set webhooks.url in wsctl.yaml and deploy.");
            case NO_SECRET ->
                throw new NotDeployed(
                        "Function " + lookup.functionName() + " has no " + FunctionSecret.WEBHOOKS.variable() + ".");
        };
    }

    /** The stack has nothing to read: one sentence for the user. */
    public static final class NotDeployed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public NotDeployed(String message) {
            super(message);
        }
    }

    private String queueUrl() {
        if (queueUrl == null) {
            try {
                queueUrl = sqs.getQueueUrl(r -> r.queueName(config.webhooksQueueName()))
                        .queueUrl();
            } catch (QueueDoesNotExistException e) {
                throw new NotDeployed("Stack " + config.prefix() + " has no webhooks (no queue "
                        + config.webhooksQueueName() + "): set webhooks.url in wsctl.yaml and deploy.");
            }
        }
        return queueUrl;
    }

    @Override
    public List<FailedWebhook> failed() {
        String url = queueUrl();
        Map<String, Message> received = new LinkedHashMap<>();
        while (received.size() < MAX_LISTED) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(url)
                            .maxNumberOfMessages(10)
                            .visibilityTimeout(LISTING_VISIBILITY_SECONDS)
                            .waitTimeSeconds(0)
                            .messageAttributeNames("All")
                            .messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP))
                    .messages();
            // an empty answer can come from a queue that still has messages (short polling asks some of SQS's servers):
            // one more try before taking it as the end
            if (batch.isEmpty()) {
                batch = sqs.receiveMessage(r -> r.queueUrl(url)
                                .maxNumberOfMessages(10)
                                .visibilityTimeout(LISTING_VISIBILITY_SECONDS)
                                .waitTimeSeconds(1)
                                .messageAttributeNames("All")
                                .messageSystemAttributeNames(MessageSystemAttributeName.SENT_TIMESTAMP))
                        .messages();
            }
            if (batch.isEmpty() || batch.stream().allMatch(m -> received.containsKey(m.messageId()))) {
                break;
            }
            batch.forEach(m -> received.put(m.messageId(), m));
        }
        release(url, new ArrayList<>(received.values()));
        return received.values().stream()
                .map(DeployedWebhooks::failedWebhook)
                .sorted(Comparator.comparingLong(FailedWebhook::firstAttemptMs))
                .toList();
    }

    /** Makes the listed messages visible again, ten per call. */
    private void release(String url, List<Message> messages) {
        for (int i = 0; i < messages.size(); i += 10) {
            List<Message> some = messages.subList(i, Math.min(messages.size(), i + 10));
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (int k = 0; k < some.size(); k++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(String.valueOf(k))
                        .receiptHandle(some.get(k).receiptHandle())
                        .visibilityTimeout(0)
                        .build());
            }
            sqs.changeMessageVisibilityBatch(r -> r.queueUrl(url).entries(entries));
        }
    }

    private static FailedWebhook failedWebhook(Message m) {
        Map<String, MessageAttributeValue> a = m.messageAttributes();
        long sent = number(m.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP), 0);
        return new FailedWebhook(
                m.receiptHandle(),
                number(text(a, "firstAttemptMs"), sent),
                (int) number(text(a, "attempts"), 0),
                (int) number(text(a, "status"), 0),
                text(a, "error") == null ? "" : text(a, "error"),
                m.body());
    }

    private static String text(Map<String, MessageAttributeValue> attributes, String name) {
        MessageAttributeValue value = attributes.get(name);
        return value == null ? null : value.stringValue();
    }

    private static long number(String text, long otherwise) {
        if (text == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    @Override
    public void remove(FailedWebhook body) {
        String url = queueUrl();
        sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(body.id()));
    }
}
