package dev.wsctl.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.wsctl.json.Json;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * One share of a sharded fan-out: what the send path hands to a {@code fanout} worker, as the worker's event
 * (JSON, {@code {"channel","payload":<base64>,"ids":[…],"except","maxRate","burst","sentAt","batch","batches"}}).
 *
 * @param channel the channel, for the worker's log line
 * @param payload what each connection receives, as the send path built it
 * @param ids     the connections to post to
 * @param except  the sender, never posted to (already left out of {@code ids}; kept as a guard); may be null
 * @param maxRate this batch's share of the rate cap, calls per second ({@link Double#POSITIVE_INFINITY}: none)
 * @param burst   this batch's share of the burst, at least 1
 * @param sentAt  when the send path handed the message off, epoch milliseconds (the worker logs its lag)
 * @param batch   this batch's number, from 1
 * @param batches how many batches the message was split into
 */
public record FanoutBatch(
        String channel,
        byte[] payload,
        List<String> ids,
        String except,
        double maxRate,
        int burst,
        long sentAt,
        int batch,
        int batches) {

    /**
     * A batch is kept under this many bytes of JSON, half of the 256 KB asynchronous invocation long allowed
     * (Lambda's documentation now gives 1 MB): a default batch (2,000 ids of API Gateway's 16 characters and a 32 KiB message)
     * is about 82 KB, and {@link #split} makes batches smaller where that would not fit.
     */
    public static final int MAX_BYTES = 128 * 1024;

    public FanoutBatch {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(payload, "payload");
        ids = List.copyOf(ids);
    }

    /** The token bucket of this batch's share of the rate cap. */
    public RateCap rateCap() {
        return new RateCap(maxRate, burst);
    }

    /** The worker's event. */
    public byte[] toJson() {
        ObjectNode o = Json.object();
        o.put("channel", channel);
        o.put("payload", Base64.getEncoder().encodeToString(payload));
        ArrayNode list = o.putArray("ids");
        ids.forEach(list::add);
        if (except != null) {
            o.put("except", except);
        }
        // no cap is written as none: JSON has no Infinity
        if (maxRate != Double.POSITIVE_INFINITY) {
            o.put("maxRate", maxRate);
        }
        o.put("burst", burst);
        o.put("sentAt", sentAt);
        o.put("batch", batch);
        o.put("batches", batches);
        return Json.bytes(o);
    }

    /** Reads a worker's event; a batch that is not one fails with a message that says what is wrong. */
    public static FanoutBatch parse(byte[] json) {
        JsonNode o;
        try {
            o = Json.read(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("a fan-out batch must be JSON: " + e.getOriginalMessage());
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("a fan-out batch must be a JSON object");
        }
        JsonNode ids = o.get("ids");
        if (ids == null || !ids.isArray()) {
            throw new IllegalArgumentException("a fan-out batch needs \"ids\", an array of connection ids");
        }
        List<String> list = new ArrayList<>(ids.size());
        for (JsonNode id : ids) {
            if (!id.isTextual() || id.asText().isEmpty()) {
                throw new IllegalArgumentException("every connection id in a fan-out batch must be a non-empty string");
            }
            list.add(id.asText());
        }
        byte[] payload;
        try {
            payload = Base64.getDecoder().decode(text(o, "payload"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a fan-out batch's \"payload\" must be base64: " + e.getMessage());
        }
        JsonNode maxRate = o.get("maxRate");
        JsonNode except = o.get("except");
        double rate = maxRate == null || maxRate.isNull() ? Double.POSITIVE_INFINITY : maxRate.asDouble();
        int burst = o.path("burst").asInt(0);
        if (!(rate > 0) || burst < 1) {
            throw new IllegalArgumentException(
                    "a fan-out batch needs \"maxRate\" above 0 (or none) and \"burst\" of at least 1");
        }
        return new FanoutBatch(
                text(o, "channel"),
                payload,
                list,
                except == null || except.isNull() ? null : except.asText(),
                rate,
                burst,
                o.path("sentAt").asLong(0),
                o.path("batch").asInt(1),
                o.path("batches").asInt(1));
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("a fan-out batch needs \"" + field + "\", a string");
        }
        return v.asText();
    }

    /**
     * A rate cap split evenly over {@code batches} workers that run at once, so that together they stay under it.
     * The burst share is at least 1, so with more batches than the burst allows the workers' bursts add up to more
     * than the cap's (one call each).
     */
    public record Share(double maxRate, int burst) {
        public static Share of(double maxRate, int burst, int batches) {
            if (batches < 1) {
                throw new IllegalArgumentException("at least one batch, not " + batches);
            }
            return new Share(maxRate / batches, Math.max(1, burst / batches));
        }
    }

    /**
     * Splits {@code ids} into as few batches as {@code shardSize} and {@link #MAX_BYTES} allow, of even sizes (they
     * differ by one at most, so that workers with equal rate shares finish together), each carrying its share of
     * the rate cap. Fails when even one id would not fit next to the payload.
     */
    public static List<FanoutBatch> split(
            String channel,
            byte[] payload,
            List<String> ids,
            String except,
            double maxRate,
            int burst,
            int shardSize,
            long sentAt) {
        if (ids.isEmpty()) {
            return List.of();
        }
        // the batch without ids, with the longest numbers any batch can carry
        int fixed = new FanoutBatch(
                        channel,
                        payload,
                        List.of(),
                        except,
                        -Double.MAX_VALUE,
                        Integer.MIN_VALUE,
                        Long.MIN_VALUE,
                        Integer.MIN_VALUE,
                        Integer.MIN_VALUE)
                .toJson()
                .length;
        int widest = 0;
        for (String id : ids) {
            widest = Math.max(widest, encodedLength(id) + 1);
        }
        int fits = (MAX_BYTES - fixed) / widest;
        if (fits < 1) {
            throw new IllegalArgumentException("a " + payload.length + "-byte message leaves no room for connection ids"
                    + " in a " + MAX_BYTES + "-byte fan-out batch");
        }
        int perBatch = Math.min(shardSize, fits);
        int count = (ids.size() + perBatch - 1) / perBatch;
        Share share = Share.of(maxRate, burst, count);
        List<FanoutBatch> batches = new ArrayList<>(count);
        for (int i = 0, from = 0; i < count; i++) {
            int to = from + ids.size() / count + (i < ids.size() % count ? 1 : 0);
            batches.add(new FanoutBatch(
                    channel,
                    payload,
                    ids.subList(from, to),
                    except,
                    share.maxRate(),
                    share.burst(),
                    sentAt,
                    i + 1,
                    count));
            from = to;
        }
        return batches;
    }

    /** An id's length as a JSON string, quotes included. */
    static int encodedLength(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return Json.bytes(TextNode.valueOf(id)).length;
            }
        }
        return id.length() + 2;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FanoutBatch b
                && channel.equals(b.channel)
                && java.util.Arrays.equals(payload, b.payload)
                && ids.equals(b.ids)
                && Objects.equals(except, b.except)
                && Double.compare(maxRate, b.maxRate) == 0
                && burst == b.burst
                && sentAt == b.sentAt
                && batch == b.batch
                && batches == b.batches;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                channel, java.util.Arrays.hashCode(payload), ids, except, maxRate, burst, sentAt, batch, batches);
    }

    @Override
    public String toString() {
        return "FanoutBatch[" + channel + " " + batch + "/" + batches + ", " + ids.size() + " ids, " + payload.length
                + " B, " + maxRate + "/s, burst " + burst + "]";
    }
}
