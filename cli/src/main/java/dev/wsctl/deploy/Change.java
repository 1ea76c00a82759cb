package dev.wsctl.deploy;

/** One field of a resource whose actual value differs from the desired one. */
public record Change(String field, String from, String to) {
    @Override
    public String toString() {
        return field + ": " + from + " → " + to;
    }
}
