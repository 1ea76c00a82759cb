package dev.wsctl.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON for the runtime: trees ({@link JsonNode}) read and written with Jackson's streaming parser and generator
 * alone. Building an {@link ObjectMapper} costs a cold JVM about 0.2 s (its configuration, type factory,
 * serializer and deserializer caches), a fifth of a Lambda function's cold start, and the message path needs
 * none of it: it reads and writes trees only. The mapper's trees but for numbers: integers as int, long or
 * BigInteger nodes, and every number whose text those would change (a fraction, an exponent, {@code -0}) as an
 * {@link ExactNumber} that is written back as it was read; a repeated key keeps its last value, an empty input
 * is a {@link MissingNode}, anything after the value but whitespace is a parse error.
 * Written UTF-8 is UTF-8 throughout: a character outside the BMP is its four bytes, not the escapes of its two UTF-16
 * surrogates (the generator's default), so a message is sent, and measured, at its size.
 * Nothing here binds objects: the runtime reads and writes trees only.
 */
public final class Json {
    // off by default in Jackson 2.x: https://github.com/FasterXML/jackson-core/wiki/JsonWriteFeatures
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {}

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static JsonNode read(InputStream in) throws IOException {
        try (JsonParser p = FACTORY.createParser(in)) {
            return tree(p);
        }
    }

    /** From memory: the only failure is JSON that does not parse. */
    public static JsonNode read(byte[] json) throws JsonProcessingException {
        return readInMemory(() -> FACTORY.createParser(json));
    }

    /** From memory: the only failure is JSON that does not parse. */
    public static JsonNode read(String json) throws JsonProcessingException {
        return readInMemory(() -> FACTORY.createParser(json));
    }

    private interface InMemory {
        JsonParser open() throws IOException;
    }

    /** A parser over memory reads nothing that can fail but the JSON: any other IOException is a bug, unchecked. */
    private static JsonNode readInMemory(InMemory source) throws JsonProcessingException {
        try (JsonParser p = source.open()) {
            return tree(p);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one value of the input: a second value, or anything but whitespace after the first, does not parse. */
    private static JsonNode tree(JsonParser p) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            return MissingNode.getInstance();
        }
        JsonNode value = value(p, first);
        JsonToken after = p.nextToken();
        if (after != null) {
            throw new JsonParseFailure(p, "trailing content after the JSON value: " + after);
        }
        return value;
    }

    private static JsonNode value(JsonParser p, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                    String name = p.currentName();
                    object.set(name, value(p, p.nextToken()));
                }
                return object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                    array.add(value(p, t));
                }
                return array;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                if (p.getTextLength() == 2
                        && p.getText()
                                .equals("-0")) { // the one integer an int node writes otherwise: JSON has no "-01"
                    return new ExactNumber(p.getText());
                }
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return new ExactNumber(p.getText());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new JsonParseFailure(p, "unexpected " + token);
        }
    }

    private static final class JsonParseFailure extends com.fasterxml.jackson.core.JsonParseException {
        JsonParseFailure(JsonParser p, String message) {
            super(p, message);
        }
    }

    /** {@code node} as JSON text. */
    public static String write(JsonNode node) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            serialize(node, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** {@code node} as UTF-8 JSON. */
    public static byte[] bytes(JsonNode node) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            write(out, node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code node} as UTF-8 JSON to {@code out}, which stays open. */
    public static void write(OutputStream out, JsonNode node) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            serialize(node, g);
        }
    }

    /** A tree as an ObjectMapper writes it with its defaults (every member, nulls too); no POJO nodes. */
    private static void serialize(JsonNode node, JsonGenerator g) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> member = it.next();
                    g.writeFieldName(member.getKey());
                    serialize(member.getValue(), g);
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode element : node) {
                    serialize(element, g);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(node.textValue());
            case NUMBER -> {
                if (node instanceof ExactNumber exact) {
                    g.writeNumber(exact.text());
                } else
                    switch (node.numberType()) {
                        case INT -> g.writeNumber(node.intValue());
                        case LONG -> g.writeNumber(node.longValue());
                        case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
                        case FLOAT -> g.writeNumber(node.floatValue());
                        case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
                        default -> g.writeNumber(node.doubleValue());
                    }
            }
            case BOOLEAN -> g.writeBoolean(node.booleanValue());
            case BINARY -> g.writeBinary(node.binaryValue());
            case POJO -> throw new IllegalArgumentException("a POJO node needs an ObjectMapper: " + node);
            default -> g.writeNull(); // NULL, MISSING
        }
    }
}
