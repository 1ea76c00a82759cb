package dev.wsctl.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.node.NumericNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A JSON number that is written back exactly as it was read: {@code 1e400}, {@code 1.0000000000000001},
 * {@code 12345678901234567890.123456789} and {@code -0} travel as their text, where a double node would
 * write {@code "Infinity"}, {@code 1.0}, {@code 1.2345678901234567E19} and a BigDecimal node {@code 0}.
 * Its value, for code that reads it, is the {@link BigDecimal} of that text, computed when asked for: a message
 * is passed on and never evaluated, so any JSON number travels, {@code 1e99999999999} too, which no BigDecimal
 * holds (a {@link NumberFormatException} for code that asks for its value).
 */
public final class ExactNumber extends NumericNode {
    private final String text;

    ExactNumber(String text) {
        this.text = text;
    }

    private BigDecimal value() {
        return new BigDecimal(text);
    }

    /** The number's JSON text as read. */
    public String text() {
        return text;
    }

    @Override
    public JsonToken asToken() {
        return JsonToken.VALUE_NUMBER_FLOAT;
    }

    @Override
    public JsonParser.NumberType numberType() {
        return JsonParser.NumberType.BIG_DECIMAL;
    }

    @Override
    public boolean isBigDecimal() {
        return true;
    }

    @Override
    public boolean isFloatingPointNumber() {
        return true;
    }

    @Override
    public Number numberValue() {
        return value();
    }

    @Override
    public int intValue() {
        return value().intValue();
    }

    @Override
    public long longValue() {
        return value().longValue();
    }

    @Override
    public double doubleValue() {
        return Double.parseDouble(text);
    }

    @Override
    public BigDecimal decimalValue() {
        return value();
    }

    @Override
    public BigInteger bigIntegerValue() {
        return value().toBigInteger();
    }

    @Override
    public boolean canConvertToInt() {
        return within(BigDecimal.valueOf(Integer.MIN_VALUE), BigDecimal.valueOf(Integer.MAX_VALUE));
    }

    @Override
    public boolean canConvertToLong() {
        return within(BigDecimal.valueOf(Long.MIN_VALUE), BigDecimal.valueOf(Long.MAX_VALUE));
    }

    private boolean within(BigDecimal min, BigDecimal max) {
        try {
            BigDecimal value = value();
            return value.compareTo(min) >= 0 && value.compareTo(max) <= 0;
        } catch (NumberFormatException e) {
            return false; // an exponent beyond an int's range: far outside
        }
    }

    @Override
    public String asText() {
        return text;
    }

    @Override
    public void serialize(JsonGenerator g, SerializerProvider provider) throws IOException {
        g.writeNumber(text);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExactNumber other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
