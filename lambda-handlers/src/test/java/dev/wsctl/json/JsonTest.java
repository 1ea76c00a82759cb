package dev.wsctl.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runtime's mapper-less JSON reads and writes the same trees and text as the ObjectMapper does, except that it writes
 * numbers as they were read, characters outside the BMP as UTF-8, and reads one JSON value only.
 */
class JsonTest {
    /** An ObjectMapper of the test's own: what the runtime wrote, read by Jackson's binder. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":{\"text\":\"h\\u00e9\\\"llo\\n\",\"n\":[1,-2,true,false,null]}}",
                "{\"big\":123456789012345678901234567890,\"long\":9007199254740993,\"int\":7,\"zero\":0}",
                "[]",
                "[[],{},\"\",0]",
                "\"text\"",
                "42",
                "null",
                "true",
                " {} \n",
                "{\"dup\":1,\"dup\":2}",
                "{\"bmp\":\"\u00fc\\u20ac\",\"ctl\":\"\\u0001\\t\"}"
            })
    void readsAndWritesAsTheMapperDoes(String json) throws Exception {
        JsonNode ours = Json.read(json);
        JsonNode mappers = MAPPER.readTree(json);

        assertThat(ours).isEqualTo(mappers);
        assertThat(Json.read(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(mappers);
        assertThat(Json.write(ours)).isEqualTo(MAPPER.writeValueAsString(mappers));
        assertThat(Json.bytes(ours)).isEqualTo(MAPPER.writeValueAsBytes(mappers));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Json.write(out, ours);
        assertThat(out.toByteArray()).isEqualTo(MAPPER.writeValueAsBytes(mappers));
    }

    @Test
    void nodesBuiltInCodeAreWrittenAsTheMapperWritesThem() throws Exception {
        ObjectNode o = Json.object();
        o.put("decimal", new BigDecimal("1.10"))
                .put("float", 1.25f)
                .put("short", (short) 3)
                .putNull("none");
        o.put("binary", new byte[] {1, 2, 3});
        o.putArray("list").add(1L).add("x");

        assertThat(Json.write(o)).isEqualTo(MAPPER.writeValueAsString(o));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "1e400",
                "-1E-400",
                "12345678901234567890.123456789",
                "1.0000000000000001",
                "-0",
                "-0.0",
                "0.0",
                "1.10",
                "1E+2",
                "1.5e-320",
                "3.5",
                "1e99999999999",
                "-2E-2147483649",
                "[1.0,-0,2e0,{\"n\":-0.000}]"
            })
    void numbersAreWrittenAsTheyWereRead(String json) throws Exception {
        JsonNode read = Json.read(json);

        assertThat(Json.write(read)).isEqualTo(json);
        assertThat(new String(Json.bytes(read), StandardCharsets.UTF_8)).isEqualTo(json);
        assertThat(MAPPER.writeValueAsString(read)).as("by the mapper too").isEqualTo(json);
    }

    @Test
    void exactNumbersAreNumbersWithTheirDecimalValue() throws Exception {
        JsonNode n = Json.read("{\"a\":12345678901234567890.123456789,\"b\":-0,\"c\":2.5}");

        assertThat(n.get("a").isNumber()).isTrue();
        assertThat(n.get("a").decimalValue()).isEqualByComparingTo("12345678901234567890.123456789");
        assertThat(n.get("b").asInt()).isZero();
        assertThat(n.get("c").asDouble()).isEqualTo(2.5);
        assertThat(Json.read("7").isInt()).as("integers stay int nodes").isTrue();
        JsonNode huge = Json.read("1e99999999999"); // no BigDecimal holds it: read and written all the same
        assertThat(huge.isNumber()).isTrue();
        assertThat(huge.canConvertToLong()).isFalse();
        assertThat(huge.asDouble()).isInfinite();
    }

    @Test
    void charactersOutsideTheBmpAreWrittenAsTheirFourUtf8Bytes() throws Exception {
        String emoji = "\uD83D\uDE00"; // U+1F600
        JsonNode read = Json.read("\"" + emoji + "\\ud83d\\ude00\"");

        byte[] bytes = Json.bytes(read);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("\"" + emoji + emoji + "\"");
        assertThat(bytes).hasSize(2 + 4 + 4);
        assertThat(Json.write(read)).isEqualTo("\"" + emoji + emoji + "\"");
        // a lone surrogate is no character: it stays an escape, and the output valid UTF-8
        assertThat(new String(Json.bytes(Json.read("\"a\\ud83d\"")), StandardCharsets.UTF_8))
                .isEqualTo("\"a\\uD83D\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}{}", "{\"a\":1}{\"b\":2}", "{} garbage", "1 2", "[] ]", "\"a\" \"b\"", "{}}", "null x"})
    void anythingAfterTheValueButWhitespaceIsAParseError(String json) {
        assertThatThrownBy(() -> Json.read(json)).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> Json.read(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> Json.read(new java.io.ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(JsonProcessingException.class);
    }

    @Test
    void emptyInputIsMissingAndBadInputAParseError() throws Exception {
        assertThat(Json.read("").isMissingNode()).isTrue();
        assertThatThrownBy(() -> Json.read("{\"a\":")).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> Json.read("{a:1}")).isInstanceOf(JsonProcessingException.class);
    }
}
