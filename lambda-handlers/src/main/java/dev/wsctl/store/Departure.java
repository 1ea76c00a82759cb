package dev.wsctl.store;

/** A user whose last connection left a presence channel: what {@code member_removed} announces. */
public record Departure(String channel, String user) {}
