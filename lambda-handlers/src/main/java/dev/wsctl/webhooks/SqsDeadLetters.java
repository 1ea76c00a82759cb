package dev.wsctl.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.awshttp.Futures;
import dev.wsctl.awshttp.SigV4;
import dev.wsctl.awshttp.UrlConnectionPool;
import dev.wsctl.json.Json;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;

/**
 * The deployed stack's dead letters: SQS's {@code SendMessage} to the queue {@code {app}-{stage}-webhooks-failed},
 * in SQS's JSON protocol ({@code POST /}, {@code X-Amz-Target: AmazonSQS.SendMessage},
 * {@code Content-Type: application/x-amz-json-1.0}: "Making query API requests using AWS JSON protocol in Amazon SQS",
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html;
 * the request's fields: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html),
 * signed by {@link SigV4} ({@code sqs}) over the functions' one HTTP transport: no SQS client in handlers.jar. The
 * message's body is the signed body; its attributes {@code status}, {@code attempts}, {@code firstAttemptMs}
 * (Number) and {@code error} (String) say what happened.
 */
public final class SqsDeadLetters implements DeadLetters, AutoCloseable {
    static final String SERVICE = "sqs";
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String queueUrl;
    private final UrlConnectionPool http;
    private final SigV4 sigV4;
    private final SdkHttpRequest template;

    /**
     * @param queueUrl the queue's URL ({@code WSCTL_WEBHOOK_DEAD_LETTERS})
     * @param endpoint SQS's endpoint ({@link dev.wsctl.awshttp.AwsEndpoints#sqs(Region)})
     */
    public SqsDeadLetters(String queueUrl, URI endpoint, Region region, AwsCredentialsProvider credentials) {
        this.queueUrl = queueUrl;
        this.http = new UrlConnectionPool(endpoint, 1, TIMEOUT, null, "wsctl-sqs");
        this.sigV4 = new SigV4(credentials, SERVICE, region.id(), true, Clock.systemUTC());
        String base = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
        this.template = SigV4.template(endpoint, base)
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("X-Amz-Target", "AmazonSQS.SendMessage")
                .putHeader("User-Agent", "wsctl-webhooks")
                .build();
    }

    /** Sends the message; throws when SQS did not take it (no answer, or not 2xx), with SQS's error. */
    @Override
    public void put(DeadLetter letter) {
        ObjectNode request = Json.object();
        request.put("QueueUrl", queueUrl);
        request.put("MessageBody", new String(letter.body(), StandardCharsets.UTF_8));
        ObjectNode attributes = request.putObject("MessageAttributes");
        number(attributes, "status", letter.status());
        number(attributes, "attempts", letter.attempts());
        number(attributes, "firstAttemptMs", letter.firstAttemptMs());
        // SQS refuses an empty String attribute
        string(attributes, "error", letter.error() == null || letter.error().isEmpty() ? "-" : letter.error());
        byte[] body = Json.bytes(request);
        SdkHttpRequest signed = sigV4.sign(
                template.toBuilder()
                        .putHeader("Content-Length", Integer.toString(body.length))
                        .build(),
                () -> new ByteArrayInputStream(body));
        UrlConnectionPool.Response answer = Futures.join(http.post(signed, body));
        if (!answer.ok()) {
            throw new IllegalStateException("SQS did not take the dead letter for " + queueUrl + ": "
                    + answer.status() + (answer.errorType() == null ? "" : " " + answer.errorType()) + " "
                    + answer.errorBody());
        }
    }

    private static void number(ObjectNode attributes, String name, long value) {
        ObjectNode a = attributes.putObject(name);
        a.put("DataType", "Number");
        a.put("StringValue", Long.toString(value));
    }

    private static void string(ObjectNode attributes, String name, String value) {
        ObjectNode a = attributes.putObject(name);
        a.put("DataType", "String");
        a.put("StringValue", value);
    }

    @Override
    public void close() {
        http.close();
    }
}
