package dev.wsctl.webhooks;

import dev.wsctl.awshttp.NotSent;
import dev.wsctl.awshttp.SigV4;
import dev.wsctl.awshttp.UrlConnectionPool;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLSocketFactory;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Posts a signed body to the stack's webhook URL, once, over the functions' one HTTP transport
 * ({@link UrlConnectionPool}: the JDK's {@code HttpURLConnection}, which checks an https endpoint's certificate and
 * host name), and says what the answer means: a 2xx is done; a 5xx, no answer in time or no connection is worth
 * another try; any other answer (a 4xx: the endpoint refused this body) is not.
 */
public final class WebhookSender implements AutoCloseable {
    /** An endpoint that heard the body answers within this, or the post counts as not answered. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** Of an answer's body, this much is kept (for {@code wsctl webhooks test} and the dead letter's error). */
    static final int ANSWER_CHARS = 200;

    private final URI url;
    private final UrlConnectionPool http;
    private final SdkHttpRequest template;

    /** What one post came to. */
    public enum Verdict {
        DELIVERED,
        RETRY,
        GIVE_UP
    }

    /**
     * One post's result.
     *
     * @param status the HTTP status, 0 when there was no answer
     * @param answer the first characters of the answer's body, or what went wrong when there was no answer
     */
    public record Attempt(Verdict verdict, int status, String answer) {
        /** One line for a log or a dead letter: the status and the answer, or the failure. */
        public String error() {
            return verdict == Verdict.DELIVERED ? "" : status == 0 ? answer : status + " " + answer;
        }
    }

    /**
     * @param url the webhook URL (http or https; its path and query are the request's)
     * @param tls TLS sockets for https, or null for the JDK's default trust (tests pass one that trusts their own
     *            certificate)
     */
    public WebhookSender(URI url, SSLSocketFactory tls) {
        this(url, tls, READ_TIMEOUT);
    }

    public WebhookSender(URI url, SSLSocketFactory tls, Duration readTimeout) {
        this.url = url;
        this.http = new UrlConnectionPool(url, 1, readTimeout, tls, "wsctl-webhook");
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        SdkHttpRequest.Builder builder = SigV4.template(url, path)
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "wsctl-webhooks");
        if (url.getRawQuery() != null) {
            for (String pair : url.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                builder.appendRawQueryParameter(
                        eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? null : pair.substring(eq + 1));
            }
        }
        this.template = builder.build();
    }

    public URI url() {
        return url;
    }

    /** Posts {@code body} with its {@code signature} and waits for the answer. */
    public Attempt post(byte[] body, String signature) {
        SdkHttpRequest request = template.toBuilder()
                .putHeader(WebhookBody.SIGNATURE_HEADER, signature)
                .putHeader("Content-Length", Integer.toString(body.length))
                .build();
        UrlConnectionPool.Response answer;
        try {
            answer = http.post(request, body).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt(Verdict.RETRY, 0, "interrupted");
        } catch (ExecutionException | CompletionException e) {
            return new Attempt(Verdict.RETRY, 0, failure(e.getCause() == null ? e : e.getCause()));
        }
        String text = new String(answer.body(), StandardCharsets.UTF_8);
        text = text.length() > ANSWER_CHARS ? text.substring(0, ANSWER_CHARS) : text;
        int status = answer.status();
        Verdict verdict = answer.ok() ? Verdict.DELIVERED : status >= 500 ? Verdict.RETRY : Verdict.GIVE_UP;
        return new Attempt(verdict, status, text.strip());
    }

    private String failure(Throwable e) {
        if (e instanceof NotSent) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return "no connection to " + url.getHost() + ": " + cause;
        }
        if (e instanceof SocketTimeoutException) {
            return "no answer in time: " + e.getMessage();
        }
        return e.toString();
    }

    @Override
    public void close() {
        http.close();
    }
}
