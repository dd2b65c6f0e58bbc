package io.ringleader.samples.kv.store;

/**
 * The version a slot's primary gives a write: ordered by {@code epoch}, then by {@code seq} within an epoch. The
 * store keeps, per key, the entry with the highest version.
 *
 * @param epoch the primary's epoch, {@code >= 0}
 * @param seq the write's sequence number within the epoch, {@code >= 0}
 */
public record Version(long epoch, long seq) implements Comparable<Version> {
    /** Before every write: no entry can be applied at this version. */
    public static final Version ZERO = new Version(0, 0);

    /**
     * @throws IllegalArgumentException if {@code epoch < 0} or {@code seq < 0}
     */
    public Version {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, was " + epoch);
        }
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0, was " + seq);
        }
    }

    /** Orders by epoch, then by seq. */
    @Override
    public int compareTo(Version other) {
        int byEpoch = Long.compare(epoch, other.epoch);
        return byEpoch != 0 ? byEpoch : Long.compare(seq, other.seq);
    }

    /** Whether this version is strictly newer than {@code other}. */
    public boolean isAfter(Version other) {
        return compareTo(other) > 0;
    }
}
