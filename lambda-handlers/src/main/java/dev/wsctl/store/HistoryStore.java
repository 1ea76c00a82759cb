package dev.wsctl.store;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The kept messages of history channels, for recovery after a reconnect (docs/presence-and-history.md).
 *
 * <p>Each channel has a head: its {@code latest} offset and its {@code epoch}. Every append takes the next offset (1,
 * 2, 3 … without gaps, atomically, whoever appends at the same time) and keeps the message's delivery frame until
 * {@code ttl} after it was appended; only the last {@code size} messages count. When the head has expired (the
 * channel idle for longer than {@code ttl}) or was never written, the next append or {@link #position} starts a new
 * epoch at offset 0, so that an offset never means two messages within one epoch.
 *
 * <p>Both implementations (DynamoDB for AWS, SQLite for {@code wsctl local}) pass one contract test suite.
 */
public interface HistoryStore extends AutoCloseable {

    /** Where a channel's history stands, or where a client left it. */
    record Position(long offset, String epoch) {
        public Position {
            Objects.requireNonNull(epoch, "epoch");
            if (offset < 0) {
                throw new IllegalArgumentException("offset must be 0 or more, not " + offset);
            }
        }
    }

    /**
     * One kept message.
     *
     * @param frame     the delivery frame exactly as it was posted to subscribers
     * @param expiresAt epoch seconds after which it is no longer kept
     */
    record Message(long offset, String epoch, byte[] frame, long expiresAt) {}

    /**
     * What a recovery came to.
     *
     * @param recovered whether every message after the client's offset in its epoch could be given
     * @param position  when recovered, where the given messages bring the client; otherwise the channel's head
     * @param frames    the frames of the messages after the client's offset, in offset order; empty unless recovered
     */
    record Recovery(boolean recovered, Position position, List<byte[]> frames) {
        public Recovery {
            frames = List.copyOf(frames);
        }
    }

    /**
     * Appends a message to {@code channel}: takes the channel's next offset, then keeps the frame that {@code frame}
     * makes for that position (the delivery frame, which carries it). Returns the position taken.
     */
    Position append(String channel, Function<Position, byte[]> frame);

    /** The channel's head; a channel without one (or whose head expired) gets a new epoch at offset 0. */
    Position position(String channel);

    /**
     * The messages after {@code since}, in offset order, when the kept history still holds every one of them in
     * {@code since}'s epoch; else not recovered, with the channel's head. Refused when the epoch differs, when more
     * than {@code size} messages came since, when {@code since} is ahead of the head, or when a message of the range
     * is missing or expired. Nothing is ever given with a gap.
     */
    Recovery recover(String channel, Position since);

    /** Up to {@code limit} of the channel's kept messages, the latest ones, oldest first. */
    List<Message> recent(String channel, int limit);

    /**
     * A new epoch nobody else has: a random UUID, made when it is needed and never at init, so that execution
     * environments restored from one SnapStart snapshot do not share it
     * (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html).
     */
    static String newEpoch() {
        return java.util.UUID.randomUUID().toString();
    }

    /**
     * The rules of {@link #recover} that both stores follow, given the channel's live {@code head}: refused for
     * another epoch, an offset ahead of the head or more than {@code size} behind it; else the messages that
     * {@code range} reads for offsets {@code since+1}…{@code head} (in offset order, rows of other epochs included),
     * refused when one of them has expired or when a kept one follows a missing one. A missing tail is left out:
     * the recovery's position is then the last offset given (see {@link DynamoDbHistoryStore}).
     *
     * @param nowSeconds epoch seconds; a message whose {@code expiresAt} is not after it has expired
     * @param range      reads the messages of offsets {@code from}…{@code to}
     */
    static Recovery recovery(
            Position head,
            Position since,
            int size,
            long nowSeconds,
            java.util.function.BiFunction<Long, Long, List<Message>> range) {
        long behind = head.offset() - since.offset();
        if (!head.epoch().equals(since.epoch()) || behind < 0 || behind > size) {
            return new Recovery(false, head, List.of());
        }
        if (behind == 0) {
            return new Recovery(true, head, List.of());
        }
        List<byte[]> frames = new java.util.ArrayList<>();
        long next = since.offset() + 1;
        for (Message m : range.apply(next, head.offset())) {
            if (!head.epoch().equals(m.epoch())) {
                continue; // another epoch's row: this epoch's message of that offset is not there (yet)
            }
            if (m.expiresAt() <= nowSeconds || m.offset() != next) {
                return new Recovery(false, head, List.of()); // expired, or kept after a missing one
            }
            frames.add(m.frame());
            next++;
        }
        return new Recovery(true, new Position(next - 1, head.epoch()), frames);
    }

    @Override
    void close();
}
