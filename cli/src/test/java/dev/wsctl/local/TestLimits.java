package dev.wsctl.local;

/** API Gateway's limits ({@link Limits#aws()}) with one of the local gateway's bounds shrunk, for a test to reach. */
final class TestLimits {
    private TestLimits() {}

    static Limits maxFrameBytes(int bytes) {
        Limits l = Limits.aws();
        return new Limits(
                bytes,
                l.maxMessageBytes(),
                l.idleTimeout(),
                l.maxConnectionDuration(),
                l.maxOutboundBytes(),
                l.maxInboundMessages(),
                l.maxInboundBytes());
    }

    static Limits maxOutboundBytes(long bytes) {
        Limits l = Limits.aws();
        return new Limits(
                l.maxFrameBytes(),
                l.maxMessageBytes(),
                l.idleTimeout(),
                l.maxConnectionDuration(),
                bytes,
                l.maxInboundMessages(),
                l.maxInboundBytes());
    }

    static Limits maxInboundMessages(int messages) {
        Limits l = Limits.aws();
        return new Limits(
                l.maxFrameBytes(),
                l.maxMessageBytes(),
                l.idleTimeout(),
                l.maxConnectionDuration(),
                l.maxOutboundBytes(),
                messages,
                l.maxInboundBytes());
    }

    static Limits maxInboundBytes(long bytes) {
        Limits l = Limits.aws();
        return new Limits(
                l.maxFrameBytes(),
                l.maxMessageBytes(),
                l.idleTimeout(),
                l.maxConnectionDuration(),
                l.maxOutboundBytes(),
                l.maxInboundMessages(),
                bytes);
    }
}
