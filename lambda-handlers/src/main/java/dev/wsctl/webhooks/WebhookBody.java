package dev.wsctl.webhooks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What one POST carries: the body {@code {"timeMs":…,"events":[…]}} and its signature, the header
 * {@value #SIGNATURE_HEADER}{@code : sha256=<hex HMAC-SHA256 of the body's bytes>} under the stack's secret. The key is
 * the secret's text as {@code wsctl webhooks secret} prints it, in UTF-8 (so a receiver passes that string to its
 * HMAC as it is).
 */
public final class WebhookBody {
    public static final String SIGNATURE_HEADER = "X-Wsctl-Signature";
    static final String HMAC = "HmacSHA256";

    private WebhookBody() {}

    /** The body of {@code events}, posted at {@code timeMs}. */
    public static byte[] of(long timeMs, List<WebhookEvent> events) {
        ObjectNode body = Json.object();
        body.put("timeMs", timeMs);
        ArrayNode list = body.putArray("events");
        events.forEach(e -> list.add(e.toJson()));
        return Json.bytes(body);
    }

    /** {@code sha256=<hex HMAC-SHA256 of body under secret>}, the value of {@value #SIGNATURE_HEADER}. */
    public static String signature(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            // every JDK has HmacSHA256 (the Mac algorithms every implementation must support), and any key works
            throw new IllegalStateException("cannot compute HMAC-SHA256", e);
        }
    }
}
