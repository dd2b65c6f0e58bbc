package io.ringleader.samples.kv.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes the log, by group commit: it takes every append waiting, writes those of their entries
 * newer than the table's as one frame, syncs once, then puts them in the table and completes the appends. Segments
 * roll when asked (for a snapshot) and when one grows past {@link Segment#ROLL_BYTES}.
 *
 * <p>After a write or sync fails, every later append and roll fails with that error: the file may end in a partial
 * frame, and a failed fsync may have dropped pages, so writing on could lose acknowledged entries silently.
 */
final class LogWriter {
    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);
    private static final int PREFIX_BYTES = Segment.FRAME_HEADER_BYTES + 4;
    private static final int BUFFER_BYTES = 64 << 10;

    /** Makes a segment's written frames durable; the store passes {@code force(false)}, or nothing without fsync. */
    @FunctionalInterface
    interface Sync {
        void sync(FileChannel channel) throws IOException;
    }

    private sealed interface Op permits Append, Roll, Stop {}

    /** Entries to log, with their encoded form; {@code done} completes with how many were newer. */
    private static final class Append implements Op {
        final List<Entry> entries;
        final List<byte[]> encoded;
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        int applied;

        Append(List<Entry> entries, List<byte[]> encoded) {
            this.entries = entries;
            this.encoded = encoded;
        }
    }

    private record Roll(CompletableFuture<Long> done) implements Op {}

    private enum Stop implements Op {
        INSTANCE
    }

    private final StoreFiles files;
    private final SlotTable table;
    private final Sync sync;
    private final LongConsumer onApplied;
    private final String logPrefix;
    private final Thread thread;
    private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private final ReadWriteLock admission = new ReentrantReadWriteLock();
    private final AtomicLong syncs = new AtomicLong();
    private boolean stopped; // guarded by admission

    // Owned by the writer thread once started.
    private FileChannel channel;
    private long segment;
    private long segmentBytes;
    private ByteBuffer frame = newFrame(BUFFER_BYTES);
    private final List<Entry> frameEntries = new ArrayList<>();
    private final List<Append> frameOwners = new ArrayList<>();
    private final List<Append> completing = new ArrayList<>();
    private IOException failure;

    /**
     * Creates segment {@code firstSegment} and starts the thread.
     *
     * @param onApplied called on the writer thread with how many entries each sync made visible
     */
    LogWriter(
            StoreFiles files,
            SlotTable table,
            long firstSegment,
            Sync sync,
            LongConsumer onApplied,
            String threadName,
            String logPrefix)
            throws IOException {
        this.files = files;
        this.table = table;
        this.sync = sync;
        this.onApplied = onApplied;
        this.logPrefix = logPrefix;
        this.channel = createSegment(firstSegment);
        this.segment = firstSegment;
        this.segmentBytes = Segment.HEADER_BYTES;
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues {@code entries} (encoded as {@code encoded}) for the next group commit.
     *
     * @return completes with how many entries were newer after they are synced, or exceptionally if the log failed;
     *     already failed with {@link IllegalStateException} once stopped
     */
    CompletableFuture<Integer> append(List<Entry> entries, List<byte[]> encoded) {
        Append append = new Append(entries, encoded);
        if (!admit(append)) {
            return CompletableFuture.failedFuture(new IllegalStateException("store is closed"));
        }
        return append.done;
    }

    /**
     * Starts a new segment after the appends queued before this call are synced and visible.
     *
     * @return the new segment's number: the table now holds every entry of the segments before it
     * @throws IllegalStateException if stopped
     */
    long roll() throws IOException {
        Roll roll = new Roll(new CompletableFuture<>());
        if (!admit(roll)) {
            throw new IllegalStateException("store is closed");
        }
        try {
            return roll.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the log to roll");
        } catch (ExecutionException e) {
            throw new IOException("could not roll the log: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Syncs the appends queued so far, closes the segment and ends the thread; waits for it. Idempotent. */
    void stop() {
        admission.writeLock().lock();
        try {
            if (!stopped) {
                stopped = true;
                queue.add(Stop.INSTANCE);
            }
        } finally {
            admission.writeLock().unlock();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** How many syncs the log has made: one for each group commit. */
    long syncCount() {
        return syncs.get();
    }

    /** How many operations wait for the writer. */
    int queued() {
        return queue.size();
    }

    private boolean admit(Op op) {
        admission.readLock().lock();
        try {
            if (stopped) {
                return false;
            }
            queue.add(op);
            return true;
        } finally {
            admission.readLock().unlock();
        }
    }

    private void run() {
        List<Op> ops = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            try {
                ops.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only stop() ends the thread
            }
            queue.drainTo(ops);
            try {
                for (Op op : ops) {
                    if (op instanceof Append append) {
                        add(append);
                    } else if (op instanceof Roll roll) {
                        flush();
                        roll(roll);
                    } else {
                        stopping = true;
                    }
                }
                flush();
            } catch (RuntimeException e) {
                fail(new IOException("log writer failed", e));
                for (Op op : ops) {
                    if (op instanceof Append append) {
                        append.done.completeExceptionally(failure);
                    } else if (op instanceof Roll roll) {
                        roll.done.completeExceptionally(failure);
                    } else {
                        stopping = true; // a stop taken with this batch is not queued again
                    }
                }
            }
            ops.clear();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("{}could not close log segment {}: {}", logPrefix, files.segment(segment), e.toString());
        }
    }

    private void add(Append append) {
        for (int i = 0; i < append.entries.size() && failure == null; i++) {
            Entry entry = append.entries.get(i);
            if (!table.isNewer(entry)) {
                continue;
            }
            byte[] encoded = append.encoded.get(i);
            if (!frameEntries.isEmpty()
                    && frame.position() - Segment.FRAME_HEADER_BYTES + encoded.length > Segment.MAX_PAYLOAD_BYTES) {
                flush();
            }
            if (frame.remaining() < encoded.length) {
                int capacity = Math.max(frame.capacity() * 2, frame.position() + encoded.length);
                frame = ByteBuffer.allocate(capacity).put(frame.flip());
            }
            frame.put(encoded);
            frameEntries.add(entry);
            frameOwners.add(append);
        }
        if (failure != null) {
            append.done.completeExceptionally(failure);
        } else {
            completing.add(append);
        }
    }

    /** Writes and syncs the frame, makes its entries visible, then completes the appends it finishes. */
    private void flush() {
        if (frameEntries.isEmpty()) {
            completeAll();
            return;
        }
        int payload = frame.position() - Segment.FRAME_HEADER_BYTES;
        try {
            frame.putInt(0, payload).putInt(Segment.FRAME_HEADER_BYTES, frameEntries.size());
            frame.putInt(4, Segment.frameChecksum(frame.array(), 0, payload));
            frame.flip();
            while (frame.hasRemaining()) {
                channel.write(frame);
            }
            sync.sync(channel);
            syncs.incrementAndGet();
            segmentBytes += Segment.FRAME_HEADER_BYTES + payload;
        } catch (IOException e) {
            fail(e);
            return;
        }
        resetFrame();
        long applied = 0;
        for (int i = 0; i < frameEntries.size(); i++) {
            if (table.putIfNewer(frameEntries.get(i))) {
                frameOwners.get(i).applied++;
                applied++;
            }
        }
        frameEntries.clear();
        frameOwners.clear();
        completeAll();
        onApplied.accept(applied);
        if (segmentBytes >= Segment.ROLL_BYTES) {
            try {
                rollTo(segment + 1);
            } catch (IOException e) {
                fail(e);
            }
        }
    }

    private void roll(Roll roll) {
        if (failure != null) {
            roll.done.completeExceptionally(failure);
            return;
        }
        try {
            rollTo(segment + 1);
            roll.done.complete(segment);
        } catch (IOException e) {
            fail(e);
            roll.done.completeExceptionally(e);
        }
    }

    private void rollTo(long next) throws IOException {
        FileChannel created = createSegment(next);
        FileChannel old = channel;
        channel = created;
        segment = next;
        segmentBytes = Segment.HEADER_BYTES;
        // Every frame of the old segment is synced already; the close only releases the file.
        old.close();
    }

    private FileChannel createSegment(long number) throws IOException {
        FileChannel created =
                FileChannel.open(files.segment(number), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            ByteBuffer header = Segment.header(table.slotCount(), number);
            while (header.hasRemaining()) {
                created.write(header);
            }
            files.sync(created);
            files.syncDirectory();
            return created;
        } catch (IOException e) {
            created.close();
            throw e;
        }
    }

    private void completeAll() {
        completing.forEach(append -> append.done.complete(append.applied));
        completing.clear();
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
            if (e.getCause() instanceof RuntimeException) {
                log.error("{}the log writer failed, every later write fails", logPrefix, e);
            } else {
                log.error("{}the log failed, every later write fails: {}", logPrefix, e.toString());
            }
        }
        frameOwners.forEach(append -> append.done.completeExceptionally(failure));
        completing.forEach(append -> append.done.completeExceptionally(failure));
        frameEntries.clear();
        frameOwners.clear();
        completing.clear();
        resetFrame();
    }

    private void resetFrame() {
        if (frame.capacity() > BUFFER_BYTES * 16) {
            frame = newFrame(BUFFER_BYTES);
        } else {
            frame.clear().position(PREFIX_BYTES);
        }
    }

    private static ByteBuffer newFrame(int capacity) {
        return ByteBuffer.allocate(Math.max(capacity, BUFFER_BYTES)).position(PREFIX_BYTES);
    }
}
