package dev.wsctl.cost;

/**
 * What a stack is asked to carry, on average over a month.
 *
 * @param connections       clients connected at once
 * @param hoursPerDay       hours a day they are connected, 0-24
 * @param messagesPerMinute messages published a minute, stack-wide, while they are connected
 * @param bytes             size of a message as delivered, in bytes
 * @param recipients        connections each message reaches, at most {@code connections}
 * @param pingMinutes       how often each client pings to stay connected; 0: never
 */
public record Workload(
        long connections, double hoursPerDay, double messagesPerMinute, long bytes, long recipients, int pingMinutes) {

    /** The ping period of wsctl's example client ({@code examples/client.js}). */
    public static final int DEFAULT_PING_MINUTES = 5;

    public Workload {
        if (connections < 0 || hoursPerDay < 0 || hoursPerDay > 24 || messagesPerMinute < 0 || bytes < 0) {
            throw new IllegalArgumentException("a workload's figures must not be negative, nor hours above 24");
        }
        if (recipients < 0 || recipients > connections || pingMinutes < 0) {
            throw new IllegalArgumentException("recipients must be 0 to connections, ping minutes not negative");
        }
    }
}
