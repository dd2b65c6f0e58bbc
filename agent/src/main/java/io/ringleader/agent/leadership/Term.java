package io.ringleader.agent.leadership;

import java.time.Instant;
import java.util.Objects;

/**
 * One term of leadership: who holds it and the fencing epoch that comes with it.
 *
 * <p>The epoch is the czxid of the holder's latch znode. Latch znodes are ordered by creation, and the leader is
 * always the oldest live one, so every later term has a larger epoch. A holder passes its epoch to whatever it
 * protects, which rejects anything carrying an older one. {@link #latchPath()} can be put in a ZooKeeper
 * transaction as a {@code check}: the transaction then fails once this term is over.
 *
 * @param election the election's znode path
 * @param holderId the participant id of the holder
 * @param epoch the fencing epoch, positive, larger for every later term
 * @param latchPath the holder's latch znode; it exists exactly as long as the term can last
 * @param startedAt when the holder learned it leads
 */
public record Term(String election, String holderId, long epoch, String latchPath, Instant startedAt) {
    public Term {
        Objects.requireNonNull(election, "election");
        Objects.requireNonNull(holderId, "holderId");
        Objects.requireNonNull(latchPath, "latchPath");
        Objects.requireNonNull(startedAt, "startedAt");
        if (epoch <= 0) {
            throw new IllegalArgumentException("epoch must be positive, was " + epoch);
        }
    }

    @Override
    public String toString() {
        return holderId + "@0x" + Long.toHexString(epoch);
    }
}
