package dev.wsctl.store;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** DynamoDB attribute values as both stores write and read them. */
final class Attributes {
    private Attributes() {}

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    /** A number attribute's value; 0 when it is absent. */
    static long number(AttributeValue v) {
        return v == null || v.n() == null ? 0L : Long.parseLong(v.n());
    }
}
