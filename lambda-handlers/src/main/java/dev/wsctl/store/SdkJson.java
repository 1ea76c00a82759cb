package dev.wsctl.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallLocation;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.core.util.SdkAutoConstructList;
import software.amazon.awssdk.core.util.SdkAutoConstructMap;
import software.amazon.awssdk.utils.builder.SdkBuilder;

/**
 * SDK model objects in the AWS JSON protocol's form (DynamoDB's {@code application/x-amz-json-1.0}),
 * read from and written to Jackson trees by walking the models' own field descriptions
 * ({@link SdkPojo#sdkFields()}: each member's wire name, type, and for lists and maps their members'),
 * as the SDK's JSON marshallers do, without the SDK's client pipeline. Payload members only: DynamoDB's
 * data-plane operations carry everything in the body. Timestamps are epoch seconds, blobs base64.
 */
final class SdkJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private SdkJson() {}

    /** {@code pojo}'s members that are set, by their wire names. */
    static ObjectNode write(SdkPojo pojo) {
        ObjectNode out = NODES.objectNode();
        for (SdkField<?> field : pojo.sdkFields()) {
            if (field.location() != MarshallLocation.PAYLOAD) {
                continue;
            }
            Object value = field.getValueOrDefault(pojo);
            if (isSet(value)) {
                out.set(field.locationName(), value(field, value));
            }
        }
        return out;
    }

    private static boolean isSet(Object value) {
        return value != null && !(value instanceof SdkAutoConstructList) && !(value instanceof SdkAutoConstructMap);
    }

    private static JsonNode value(SdkField<?> field, Object value) {
        MarshallingType<?> type = field.marshallingType();
        if (type == MarshallingType.STRING) {
            return NODES.textNode((String) value);
        } else if (type == MarshallingType.BOOLEAN) {
            return NODES.booleanNode((Boolean) value);
        } else if (type == MarshallingType.INTEGER || type == MarshallingType.SHORT || type == MarshallingType.BYTE) {
            return NODES.numberNode(((Number) value).intValue());
        } else if (type == MarshallingType.LONG) {
            return NODES.numberNode((Long) value);
        } else if (type == MarshallingType.DOUBLE || type == MarshallingType.FLOAT) {
            return NODES.numberNode(((Number) value).doubleValue());
        } else if (type == MarshallingType.BIG_DECIMAL) {
            return NODES.numberNode((BigDecimal) value);
        } else if (type == MarshallingType.SDK_BYTES) {
            return NODES.textNode(Base64.getEncoder().encodeToString(((SdkBytes) value).asByteArrayUnsafe()));
        } else if (type == MarshallingType.INSTANT) {
            Instant t = (Instant) value;
            return NODES.numberNode(BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano(), 9)));
        } else if (type == MarshallingType.SDK_POJO) {
            return write((SdkPojo) value);
        } else if (type == MarshallingType.LIST) {
            SdkField<?> member = field.getRequiredTrait(ListTrait.class).memberFieldInfo();
            ArrayNode array = NODES.arrayNode();
            for (Object element : (List<?>) value) {
                array.add(element == null ? NODES.nullNode() : value(member, element));
            }
            return array;
        } else if (type == MarshallingType.MAP) {
            SdkField<?> member = field.getRequiredTrait(MapTrait.class).valueFieldInfo();
            ObjectNode map = NODES.objectNode();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                map.set((String) e.getKey(), e.getValue() == null ? NODES.nullNode() : value(member, e.getValue()));
            }
            return map;
        }
        throw new IllegalArgumentException("cannot write member " + field.memberName() + " of type " + type);
    }

    /** A model object read from {@code json} into the builder {@code builder} supplies, then built. */
    @SuppressWarnings("unchecked")
    static <T> T read(JsonNode json, Supplier<? extends SdkPojo> builder) {
        SdkPojo pojo = builder.get();
        fill(pojo, json);
        return (T) ((SdkBuilder<?, ?>) pojo).build();
    }

    private static void fill(SdkPojo builder, JsonNode json) {
        if (!json.isObject()) {
            return;
        }
        for (SdkField<?> field : builder.sdkFields()) {
            if (field.location() != MarshallLocation.PAYLOAD) {
                continue;
            }
            JsonNode node = json.get(field.unmarshallLocationName());
            if (node != null && !node.isNull()) {
                field.set(builder, readValue(field, node));
            }
        }
    }

    private static Object readValue(SdkField<?> field, JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        MarshallingType<?> type = field.marshallingType();
        if (type == MarshallingType.STRING) {
            return node.asText();
        } else if (type == MarshallingType.BOOLEAN) {
            return node.asBoolean();
        } else if (type == MarshallingType.INTEGER) {
            return node.asInt();
        } else if (type == MarshallingType.SHORT) {
            return (short) node.asInt();
        } else if (type == MarshallingType.BYTE) {
            return (byte) node.asInt();
        } else if (type == MarshallingType.LONG) {
            return node.asLong();
        } else if (type == MarshallingType.DOUBLE) {
            return node.asDouble();
        } else if (type == MarshallingType.FLOAT) {
            return (float) node.asDouble();
        } else if (type == MarshallingType.BIG_DECIMAL) {
            return node.decimalValue();
        } else if (type == MarshallingType.SDK_BYTES) {
            return SdkBytes.fromByteArrayUnsafe(Base64.getDecoder().decode(node.asText()));
        } else if (type == MarshallingType.INSTANT) {
            BigDecimal seconds = node.decimalValue();
            return Instant.ofEpochSecond(
                    seconds.longValue(),
                    seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
        } else if (type == MarshallingType.SDK_POJO) {
            return read(node, field.constructor());
        } else if (type == MarshallingType.LIST) {
            SdkField<?> member = field.getRequiredTrait(ListTrait.class).memberFieldInfo();
            List<Object> list = new ArrayList<>(node.size());
            for (JsonNode element : node) {
                list.add(readValue(member, element));
            }
            return list;
        } else if (type == MarshallingType.MAP) {
            SdkField<?> member = field.getRequiredTrait(MapTrait.class).valueFieldInfo();
            Map<String, Object> map = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                map.put(e.getKey(), readValue(member, e.getValue()));
            }
            return map;
        }
        // DOCUMENT and anything newer: not part of DynamoDB's data plane
        return null;
    }
}
