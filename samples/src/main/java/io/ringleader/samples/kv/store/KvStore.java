package io.ringleader.samples.kv.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable key-value store of one member: per key, the entry with the highest {@link Version} (last writer wins by
 * version), tombstones included, held in memory and logged to a directory.
 *
 * <p>Writes go through one writer thread by group commit: every entry waiting when it starts a sync is written and
 * synced at once, then made visible, then acknowledged. Snapshots (by {@link #snapshot()}, or every {@link
 * StoreOptions#snapshotEveryEntries()} entries on the store's snapshot thread) bound the log; {@code
 * docs/kv-storage.md} describes the files and how {@link #open} recovers them.
 *
 * <p>IMPORTANT: the futures of {@link #apply} and {@link #applyAll} complete on the store's own acknowledgement thread
 * ({@code ringleader-kvstore-<dir>-acks}), so a stage chained without an executor runs there, one after another: hand
 * slow or blocking work to an executor of your own, and never wait there for another write of this store.
 */
public final class KvStore implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(KvStore.class);
    /** The most slots a store holds. */
    public static final int MAX_SLOTS = 1 << 20;

    private enum State {
        OPEN,
        CLOSED
    }

    private final StoreFiles files;
    private final int slotCount;
    private final StoreOptions options;
    private final String logPrefix;
    private final SlotTable table;
    private final Recovery.Report recovery;
    private final ExecutorService acks;
    private final Executor ackExecutor;
    private final ExecutorService snapshots;
    private final ReentrantLock snapshotLock = new ReentrantLock();
    private final AtomicBoolean snapshotScheduled = new AtomicBoolean();
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
    private final LogWriter writer;
    private volatile Thread ackThread;
    private long appliedSinceSnapshot; // writer thread only

    private KvStore(StoreFiles files, int slotCount, StoreOptions options, LogWriter.Sync sync) throws IOException {
        this.files = files;
        this.slotCount = slotCount;
        this.options = options;
        Path name = files.dir().toAbsolutePath().getFileName();
        String threadPrefix = "ringleader-kvstore-" + (name == null ? "root" : name) + "-";
        this.logPrefix = "[store=" + files.dir() + "] ";
        Recovery.Result recovered = Recovery.run(files, slotCount, logPrefix);
        this.table = recovered.table();
        this.recovery = recovered.report();
        this.appliedSinceSnapshot = recovery.entriesReplayed();
        this.acks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadPrefix + "acks");
            t.setDaemon(true);
            ackThread = t;
            return t;
        });
        this.ackExecutor = task -> {
            try {
                acks.execute(task);
            } catch (RejectedExecutionException e) {
                task.run(); // closed: complete on the caller's thread rather than never
            }
        };
        this.snapshots = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadPrefix + "snapshot");
            t.setDaemon(true);
            return t;
        });
        this.writer = new LogWriter(
                files, table, recovered.nextSegment(), sync, this::onApplied, threadPrefix + "writer", logPrefix);
        log.info(
                "{}opened with {} slots: snapshot {} ({} entries), then {} entries from {} log segments; {} keys",
                logPrefix,
                slotCount,
                recovery.snapshot() == null ? "none" : recovery.snapshot().getFileName(),
                recovery.snapshotEntries(),
                recovery.entriesReplayed(),
                recovery.segmentsReplayed(),
                table.keyCount());
    }

    /**
     * Opens the store in {@code dir}, creating the directory if needed, and recovers it: the newest intact snapshot,
     * then the log after it. A torn write at the end of the log (the process stopped while writing it, so it was
     * never acknowledged) is dropped with one warning. A damaged newest snapshot is passed over for the one before
     * it, with a warning. One process at a time may open a directory.
     *
     * @param slotCount how many slots keys fall into: a power of two between 1 and {@link #MAX_SLOTS}, the same on
     *     every open of the directory
     * @throws IllegalArgumentException if {@code slotCount} is not a power of two between 1 and {@link #MAX_SLOTS}
     * @throws IOException if the directory is in use, was created with another slot count, or cannot be recovered:
     *     a damaged frame that is not a torn write (the message names the file and offset), a missing log segment, or
     *     no intact snapshot while the log no longer reaches back to the start
     */
    public static KvStore open(Path dir, int slotCount, StoreOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        LogWriter.Sync sync = options.fsync() ? channel -> channel.force(false) : channel -> {};
        return open(dir, slotCount, options, sync);
    }

    /** {@link #open(Path, int, StoreOptions)} with the sync of each group commit given, for tests. */
    static KvStore open(Path dir, int slotCount, StoreOptions options, LogWriter.Sync sync) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        if (slotCount < 1 || slotCount > MAX_SLOTS || Integer.bitCount(slotCount) != 1) {
            throw new IllegalArgumentException(
                    "slotCount must be a power of two between 1 and " + MAX_SLOTS + ", was " + slotCount);
        }
        StoreFiles files = StoreFiles.lock(dir, options.fsync());
        try {
            return new KvStore(files, slotCount, options, sync);
        } catch (IOException | RuntimeException e) {
            files.close();
            throw e;
        }
    }

    /**
     * Logs {@code entry} if its version is newer than its key's, and then makes it visible. The entry is synced with
     * every other write waiting at that moment (group commit).
     *
     * @return completes after the sync with true if the entry was applied, false if the key held an equal or newer
     *     version (nothing changed); exceptionally with {@link IllegalStateException} if the store is closed, or with
     *     the {@link IOException} if the log failed: the store then fails every later write, and whether this entry
     *     is in the store after a reopen is unknown (it was written, but its sync failed)
     * @throws NullPointerException if {@code entry} is null
     * @throws IllegalArgumentException if the entry's slot is not below {@link #slotCount()}, its version is not
     *     after {@link Version#ZERO}, its key or value holds an unpaired surrogate, or it takes more than 4 MiB
     */
    public CompletableFuture<Boolean> apply(Entry entry) {
        Objects.requireNonNull(entry, "entry");
        return applyAll(List.of(entry)).thenApply(applied -> applied == 1);
    }

    /**
     * Applies {@code entries} as {@link #apply} does, in order, with one sync (a catch-up batch): entries of the same
     * key end with the highest version visible.
     *
     * @return completes after the sync with how many entries were newer than their key's; as {@link #apply} on
     *     failure
     * @throws NullPointerException if {@code entries} or one of them is null
     * @throws IllegalArgumentException if one of the entries breaks a precondition of {@link #apply}
     */
    public CompletableFuture<Integer> applyAll(List<Entry> entries) {
        List<Entry> batch = List.copyOf(entries);
        List<byte[]> encoded = new ArrayList<>(batch.size());
        for (Entry entry : batch) {
            checkSlot(entry.slot());
            if (!entry.version().isAfter(Version.ZERO)) {
                throw new IllegalArgumentException(
                        "entry version must be after Version.ZERO, was " + entry.version() + " for key " + entry.key());
            }
            encoded.add(EntryCodec.encode(entry));
        }
        if (state.get() == State.CLOSED) {
            return CompletableFuture.failedFuture(new IllegalStateException("store is closed"));
        }
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        return writer.append(batch, encoded).thenApplyAsync(Function.identity(), ackExecutor);
    }

    /**
     * The newest entry of {@code key} in {@code slot}, tombstones included: every entry whose future has completed
     * is visible, and no entry before it is synced.
     *
     * @throws IllegalArgumentException if {@code slot} is not below {@link #slotCount()}
     * @throws NullPointerException if {@code key} is null
     */
    public Optional<Entry> get(int slot, String key) {
        checkSlot(slot);
        Objects.requireNonNull(key, "key");
        return table.get(slot, key);
    }

    /**
     * Every entry of {@code slot} as it was at one moment, tombstones included, in no particular order: an immutable
     * copy for a replica catching up.
     *
     * @throws IllegalArgumentException if {@code slot} is not below {@link #slotCount()}
     */
    public List<Entry> slotEntries(int slot) {
        checkSlot(slot);
        return table.copy(slot);
    }

    /** The number of slots, as given to {@link #open}. */
    public int slotCount() {
        return slotCount;
    }

    /** How many keys the store holds, tombstones included. */
    public long keyCount() {
        return table.keyCount();
    }

    /**
     * Writes a snapshot of the store, then deletes the files it makes unnecessary. It rolls the log to a new segment
     * (after the writes queued before the call are synced), writes every entry to a temporary file while writes go on,
     * syncs it, renames it into place and syncs the directory. Two snapshots are kept, the newest and the one before
     * it, with the log since the older one, so that a damaged newest snapshot still leaves a way back; older
     * snapshots and segments are deleted. Calls are serialized.
     *
     * @throws IllegalStateException if the store is closed
     * @throws IOException if the snapshot could not be written; no entry is lost, the log simply goes on
     */
    public void snapshot() throws IOException {
        snapshotLock.lock();
        try {
            if (state.get() == State.CLOSED) {
                throw new IllegalStateException("store is closed");
            }
            long start = writer.roll();
            long entries = SnapshotFile.write(files, start, table);
            deleteCoveredFiles();
            log.info("{}wrote {} ({} entries)", logPrefix, files.snapshot(start).getFileName(), entries);
        } finally {
            snapshotLock.unlock();
        }
    }

    /**
     * Closes the store: syncs and acknowledges the writes accepted before the call, waits for a running snapshot,
     * ends the store's threads and releases the directory. Later writes fail with {@link IllegalStateException};
     * reads go on answering from memory. Idempotent.
     */
    @Override
    public void close() {
        if (!state.compareAndSet(State.OPEN, State.CLOSED)) {
            return;
        }
        writer.stop();
        snapshots.shutdown();
        awaitTermination(snapshots);
        snapshotLock.lock();
        try {
            files.close();
        } catch (IOException e) {
            log.warn("{}could not release the directory lock: {}", logPrefix, e.toString());
        } finally {
            snapshotLock.unlock();
        }
        acks.shutdown();
        if (Thread.currentThread() != ackThread) {
            awaitTermination(acks);
        }
        log.info("{}closed", logPrefix);
    }

    /** What {@link #open} recovered. */
    Recovery.Report recovery() {
        return recovery;
    }

    /** How many syncs the log has made: one for each group commit. */
    long syncCount() {
        return writer.syncCount();
    }

    /** How many operations wait for the log writer. */
    int queuedWrites() {
        return writer.queued();
    }

    private void onApplied(long applied) {
        appliedSinceSnapshot += applied;
        long every = options.snapshotEveryEntries();
        if (every > 0 && appliedSinceSnapshot >= every && snapshotScheduled.compareAndSet(false, true)) {
            appliedSinceSnapshot = 0;
            try {
                snapshots.execute(this::automaticSnapshot);
            } catch (RejectedExecutionException e) {
                snapshotScheduled.set(false); // closing
            }
        }
    }

    private void automaticSnapshot() {
        try {
            snapshot();
        } catch (IllegalStateException e) {
            // closed meanwhile
        } catch (IOException | RuntimeException e) {
            log.error("{}automatic snapshot failed: {}", logPrefix, e.toString());
        } finally {
            snapshotScheduled.set(false);
        }
    }

    private void deleteCoveredFiles() throws IOException {
        NavigableMap<Long, Path> kept = files.snapshots();
        while (kept.size() > 2) {
            Files.deleteIfExists(kept.pollFirstEntry().getValue());
        }
        if (kept.size() == 2) {
            for (Path segment : files.segments().headMap(kept.firstKey(), false).values()) {
                Files.deleteIfExists(segment);
            }
        }
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= slotCount) {
            throw new IllegalArgumentException("slot must be between 0 and " + (slotCount - 1) + ", was " + slot);
        }
    }

    private static void awaitTermination(ExecutorService executor) {
        boolean interrupted = false;
        while (!executor.isTerminated()) {
            try {
                executor.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
