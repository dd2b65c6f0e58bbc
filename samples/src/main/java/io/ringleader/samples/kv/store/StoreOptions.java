package io.ringleader.samples.kv.store;

/**
 * How a {@link KvStore} snapshots and syncs.
 *
 * @param snapshotEveryEntries take a snapshot, off the apply path, after this many entries have been applied since
 *     the last one; 0 never snapshots automatically ({@link KvStore#snapshot()} still does). {@code >= 0}.
 * @param fsync whether writes are synced to the disk before they are acknowledged. {@code false} is for tests and
 *     benchmarks only: an acknowledged write may then be lost if the machine (not only the process) stops.
 */
public record StoreOptions(long snapshotEveryEntries, boolean fsync) {
    /** The entries between automatic snapshots in {@link #defaults()}. */
    public static final long DEFAULT_SNAPSHOT_EVERY_ENTRIES = 100_000;

    /**
     * @throws IllegalArgumentException if {@code snapshotEveryEntries < 0}
     */
    public StoreOptions {
        if (snapshotEveryEntries < 0) {
            throw new IllegalArgumentException(
                    "snapshotEveryEntries must be >= 0 (0 = never automatically), was " + snapshotEveryEntries);
        }
    }

    /** A snapshot every {@value #DEFAULT_SNAPSHOT_EVERY_ENTRIES} entries, fsync on. */
    public static StoreOptions defaults() {
        return new StoreOptions(DEFAULT_SNAPSHOT_EVERY_ENTRIES, true);
    }
}
