package dev.wsctl.deploy;

/**
 * One field of a resource whose actual value differs from the desired one, or (from equal to to) one the plan
 * mentions because it stays as it is while the rest changes: {@code WSCTL_AUTH_SECRET: (kept)}.
 */
public record Change(String field, String from, String to) {
    @Override
    public String toString() {
        return from.equals(to) ? field + ": " + to : field + ": " + from + " → " + to;
    }
}
