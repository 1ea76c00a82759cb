package dev.wsctl.deploy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The webhooks' dead-letter queue {@code {app}-{stage}-webhooks-failed}: the webhooks function puts there each body it
 * gave up posting, and {@code wsctl webhooks failed / redrive} read it. Messages are kept 14 days, the most SQS keeps
 * them (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html,
 * MessageRetentionPeriod), encrypted with SQS-managed keys (SqsManagedSseEnabled). Publishes its URL
 * ({@code webhooks.queue.url}, what the function sends to) and ARN ({@code webhooks.queue.arn}, what its role may
 * send to).
 */
final class QueueResource implements Resource<QueueResource.State> {
    /** 14 days, in seconds. */
    static final int RETENTION_SECONDS = 14 * 24 * 3600;

    record State(String retentionSeconds, String managedEncryption, Map<String, String> tags) {}

    private final SqsClient sqs;
    private final String name;
    private final Map<String, String> tags;

    QueueResource(SqsClient sqs, String name, Map<String, String> tags) {
        this.sqs = sqs;
        this.name = name;
        this.tags = Map.copyOf(tags);
    }

    @Override
    public Id id() {
        return new Id("queue", name);
    }

    @Override
    public State desired(Outputs outputs) {
        return new State(String.valueOf(RETENTION_SECONDS), "true", tags);
    }

    private Map<QueueAttributeName, String> attributes(State state) {
        return Map.of(
                QueueAttributeName.MESSAGE_RETENTION_PERIOD, state.retentionSeconds(),
                QueueAttributeName.SQS_MANAGED_SSE_ENABLED, state.managedEncryption());
    }

    @Override
    public Optional<State> actual(Outputs outputs) {
        String url;
        try {
            url = sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
        } catch (QueueDoesNotExistException absent) {
            return Optional.empty();
        }
        Map<QueueAttributeName, String> got = sqs.getQueueAttributes(r -> r.queueUrl(url)
                        .attributeNames(
                                QueueAttributeName.QUEUE_ARN,
                                QueueAttributeName.MESSAGE_RETENTION_PERIOD,
                                QueueAttributeName.SQS_MANAGED_SSE_ENABLED))
                .attributes();
        outputs.put("webhooks.queue.url", url);
        outputs.put("webhooks.queue.arn", got.get(QueueAttributeName.QUEUE_ARN));
        return Optional.of(new State(
                got.get(QueueAttributeName.MESSAGE_RETENTION_PERIOD),
                String.valueOf(Boolean.parseBoolean(got.get(QueueAttributeName.SQS_MANAGED_SSE_ENABLED))),
                sqs.listQueueTags(r -> r.queueUrl(url)).tags()));
    }

    @Override
    public List<Change> diff(State actual, State desired) {
        return new Diff()
                .field("retention", actual.retentionSeconds(), desired.retentionSeconds())
                .field("sqs-managed encryption", actual.managedEncryption(), desired.managedEncryption())
                .tags(actual.tags(), desired.tags())
                .changes();
    }

    @Override
    public void create(State desired, Outputs outputs) {
        sqs.createQueue(r -> r.queueName(name).attributes(attributes(desired)).tags(desired.tags()));
        actual(outputs);
    }

    @Override
    public void update(State actual, State desired, List<Change> changes, Outputs outputs) {
        String url = outputs.get("webhooks.queue.url");
        if (Diff.names(changes, "retention") || Diff.names(changes, "sqs-managed encryption")) {
            sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(attributes(desired)));
        }
        if (Diff.names(changes, "tags")) {
            Diff.syncTags(
                    actual.tags(),
                    desired.tags(),
                    stale -> sqs.untagQueue(r -> r.queueUrl(url).tagKeys(stale)),
                    () -> sqs.tagQueue(r -> r.queueUrl(url).tags(desired.tags())));
        }
    }

    /** A queue's {@code Ref} is its URL. */
    @Override
    public void template(State desired, Template template, Outputs outputs) {
        String id = "WebhooksFailedQueue";
        template.resource(id, "AWS::SQS::Queue")
                .put("QueueName", name)
                .put("MessageRetentionPeriod", RETENTION_SECONDS)
                .put("SqsManagedSseEnabled", true)
                .set("Tags", Template.tagList(desired.tags()));
        outputs.put("webhooks.queue.url", Template.ref(id));
        outputs.put("webhooks.queue.arn", Template.attribute(id, "Arn"));
    }

    @Override
    public void delete(Outputs outputs) {
        try {
            String url = sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
            sqs.deleteQueue(r -> r.queueUrl(url));
        } catch (QueueDoesNotExistException gone) {
            // already deleted
        }
    }
}
