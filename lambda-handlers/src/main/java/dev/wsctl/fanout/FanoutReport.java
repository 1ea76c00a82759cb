package dev.wsctl.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wsctl.json.Json;

/**
 * What one fan-out did.
 *
 * @param recipients connections the message was addressed to (the sender excluded)
 * @param delivered  PostToConnection calls that succeeded
 * @param gone       connections that answered 410 Gone; their rows were removed
 * @param failed     connections that could not be reached for another reason, retries exhausted
 * @param throttled  throttled answers (429 / LimitExceeded) that were retried; not a count of connections
 * @param millis     wall time of the whole fan-out
 */
public record FanoutReport(long recipients, long delivered, long gone, long failed, long throttled, long millis) {

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("recipients", recipients);
        o.put("delivered", delivered);
        o.put("gone", gone);
        o.put("failed", failed);
        o.put("throttled", throttled);
        o.put("millis", millis);
        return o;
    }
}
