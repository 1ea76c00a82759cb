package dev.wsctl.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The runtime's mapper-less JSON reads and writes the same trees and text as the ObjectMapper does. */
class JsonTest {
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"action\":\"sendmessage\",\"channel\":\"news\",\"message\":{\"text\":\"h\\u00e9\\\"llo\\n\",\"n\":[1,-2,3.5,1e300,true,false,null]}}",
            "{\"big\":123456789012345678901234567890,\"long\":9007199254740993,\"int\":7,\"neg\":-0.0,\"tiny\":1.5e-320}",
            "[]", "[[],{},\"\",0]", "\"text\"", "42", "null", "true",
            "{\"dup\":1,\"dup\":2}",
            "{\"emoji\":\"\\ud83d\\ude00 \u00fc\",\"ctl\":\"\\u0001\\t\"}"})
    void readsAndWritesAsTheMapperDoes(String json) throws Exception {
        JsonNode ours = Json.read(json);
        JsonNode mappers = Json.mapper().readTree(json);

        assertThat(ours).isEqualTo(mappers);
        assertThat(Json.read(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(mappers);
        assertThat(Json.write(ours)).isEqualTo(Json.mapper().writeValueAsString(mappers));
        assertThat(Json.bytes(ours)).isEqualTo(Json.mapper().writeValueAsBytes(mappers));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Json.write(out, ours);
        assertThat(out.toByteArray()).isEqualTo(Json.mapper().writeValueAsBytes(mappers));
    }

    @Test
    void nodesBuiltInCodeAreWrittenAsTheMapperWritesThem() throws Exception {
        ObjectNode o = Json.object();
        o.put("decimal", new BigDecimal("1.10")).put("float", 1.25f).put("short", (short) 3).putNull("none");
        o.put("binary", new byte[] {1, 2, 3});
        o.putArray("list").add(1L).add("x");

        assertThat(Json.write(o)).isEqualTo(Json.mapper().writeValueAsString(o));
    }

    @Test
    void emptyInputIsMissingAndBadInputAParseError() throws Exception {
        assertThat(Json.read("").isMissingNode()).isTrue();
        assertThatThrownBy(() -> Json.read("{\"a\":")).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> Json.read("{a:1}")).isInstanceOf(JsonProcessingException.class);
    }
}
