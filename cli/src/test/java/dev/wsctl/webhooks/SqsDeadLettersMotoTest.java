package dev.wsctl.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wsctl.aws.AwsReadBack;
import dev.wsctl.aws.MotoServer;
import dev.wsctl.awshttp.AwsEndpoints;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * {@link SqsDeadLetters} against moto's SQS, an independent implementation of SendMessage in SQS's JSON protocol: the
 * queue is created and read back with the SDK's {@code SqsClient}, and {@link SqsDeadLetters} reaches moto as the
 * webhooks function reaches SQS, through {@code AWS_ENDPOINT_URL} ({@link AwsEndpoints#sqs(Region)}).
 */
class SqsDeadLettersMotoTest {
    private static final Region REGION = Region.of(AwsReadBack.REGION);

    private AwsReadBack aws;
    private SqsDeadLetters deadLetters;
    private String queueUrl;

    @BeforeEach
    void start() {
        aws = new AwsReadBack(MotoServer.url());
        queueUrl = aws.sqs
                .createQueue(b -> b.queueName("dl" + System.nanoTime() + "-webhooks-failed"))
                .queueUrl();
    }

    @AfterEach
    void stop() {
        if (deadLetters != null) {
            deadLetters.close();
        }
        aws.sqs.deleteQueue(b -> b.queueUrl(queueUrl));
        aws.close();
    }

    private SqsDeadLetters deadLetters(String url) {
        Map<String, String> env =
                Map.of(AwsEndpoints.ENV_ENDPOINT_URL, MotoServer.url().toString());
        deadLetters = new SqsDeadLetters(url, AwsEndpoints.of(env).sqs(REGION), REGION, AwsReadBack.credentials());
        return deadLetters;
    }

    @Test
    void aDeadLetterIsTheSignedBodyWithItsAttributes() {
        // multi-byte characters and JSON escapes: the message must hold the bytes as signed
        byte[] body =
                "{\"timeMs\":1764680000000,\"events\":[{\"name\":\"member_added\",\"channel\":\"presence-zürich\",\"user\":\"a\\\"l\\\\ice 😀\"}]}"
                        .getBytes(StandardCharsets.UTF_8);
        deadLetters(queueUrl)
                .put(new DeadLetters.DeadLetter(body, 503, "503 Service Unavailable: not now", 7, 1764680000123L));

        List<Message> messages = aws.sqs
                .receiveMessage(b -> b.queueUrl(queueUrl)
                        .messageAttributeNames("All")
                        .maxNumberOfMessages(10)
                        .waitTimeSeconds(1))
                .messages();
        assertThat(messages).hasSize(1);
        Message m = messages.get(0);
        assertThat(m.body().getBytes(StandardCharsets.UTF_8)).isEqualTo(body);
        Map<String, MessageAttributeValue> a = m.messageAttributes();
        assertThat(a).containsOnlyKeys("status", "error", "attempts", "firstAttemptMs");
        assertThat(a.get("status")).isEqualTo(number("503"));
        assertThat(a.get("attempts")).isEqualTo(number("7"));
        assertThat(a.get("firstAttemptMs")).isEqualTo(number("1764680000123"));
        assertThat(a.get("error"))
                .isEqualTo(MessageAttributeValue.builder()
                        .dataType("String")
                        .stringValue("503 Service Unavailable: not now")
                        .build());
    }

    @Test
    void anEmptyErrorIsSentAsADash() {
        byte[] body = "{\"events\":[]}".getBytes(StandardCharsets.UTF_8);
        deadLetters(queueUrl).put(new DeadLetters.DeadLetter(body, 0, "", 1, 1L));

        Message m = aws.sqs
                .receiveMessage(
                        b -> b.queueUrl(queueUrl).messageAttributeNames("All").waitTimeSeconds(1))
                .messages()
                .get(0);
        assertThat(m.body()).isEqualTo("{\"events\":[]}");
        assertThat(m.messageAttributes().get("error").stringValue()).isEqualTo("-");
        assertThat(m.messageAttributes().get("status")).isEqualTo(number("0"));
    }

    @Test
    void aQueueThatDoesNotExistFailsThePut() {
        String missing = queueUrl.substring(0, queueUrl.lastIndexOf('/') + 1) + "no-such-queue-" + System.nanoTime();
        SqsDeadLetters d = deadLetters(missing);
        DeadLetters.DeadLetter letter =
                new DeadLetters.DeadLetter("{}".getBytes(StandardCharsets.UTF_8), 500, "x", 1, 1L);

        assertThatThrownBy(() -> d.put(letter))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(missing)
                .hasMessageContaining("400")
                .hasMessageContaining("QueueDoesNotExist");
        assertThat(aws.sqs
                        .receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(0))
                        .messages())
                .isEmpty();
    }

    @Test
    void aDeadLetterThatCannotBeWrittenFailsTheDelivery() throws Exception {
        // the handler does not catch what deliver throws: the invocation fails and Lambda retries the batch
        String missing = queueUrl.substring(0, queueUrl.lastIndexOf('/') + 1) + "no-such-queue-" + System.nanoTime();
        try (WebhookReceiver receiver = new WebhookReceiver("s3cret", null)) {
            receiver.answers = () -> 400; // refused: dead-lettered at once
            WebhookDelivery delivery = new WebhookDelivery(
                    new WebhookSender(receiver.url(), null),
                    "s3cret",
                    RetryPolicy.of(RetryPolicy.MIN_WINDOW),
                    deadLetters(missing));
            byte[] body = delivery.body(List.of(new WebhookEvent(WebhookEvent.CHANNEL_OCCUPIED, "news", null, null)));
            assertThatThrownBy(() -> delivery.deliver(body)).hasMessageContaining("QueueDoesNotExist");
            assertThat(receiver.posts).hasSize(1);
        }
    }

    private static MessageAttributeValue number(String value) {
        return MessageAttributeValue.builder()
                .dataType("Number")
                .stringValue(value)
                .build();
    }
}
