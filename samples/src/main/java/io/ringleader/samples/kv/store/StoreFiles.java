package io.ringleader.samples.kv.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of one store directory, held under a lock file so that one process at a time opens it: log segments
 * {@code wal-<n>.log}, snapshots {@code snapshot-<n>.snap} (n: the first segment the snapshot does not cover), both
 * with n zero-padded to 20 digits, and {@code .tmp} files that a stopped snapshot left.
 */
final class StoreFiles implements Closeable {
    private static final Pattern SEGMENT = Pattern.compile("wal-(\\d{20})\\.log");
    private static final Pattern SNAPSHOT = Pattern.compile("snapshot-(\\d{20})\\.snap");
    static final String TEMP_SUFFIX = ".tmp";
    static final String CORRUPT_SUFFIX = ".corrupt";

    private final Path dir;
    private final boolean fsync;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private StoreFiles(Path dir, boolean fsync, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.fsync = fsync;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Creates {@code dir} if needed and locks it.
     *
     * @throws IOException if another process or another store of this JVM holds the directory
     */
    static StoreFiles lock(Path dir, boolean fsync) throws IOException {
        Files.createDirectories(dir);
        FileChannel channel =
                FileChannel.open(dir.resolve("store.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new IOException("store directory " + dir + " is in use by another process");
            }
            return new StoreFiles(dir, fsync, channel, lock);
        } catch (OverlappingFileLockException e) {
            channel.close();
            throw new IOException("store directory " + dir + " is already open in this JVM", e);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    Path segment(long number) {
        return dir.resolve(String.format("wal-%020d.log", number));
    }

    Path snapshot(long start) {
        return dir.resolve(String.format("snapshot-%020d.snap", start));
    }

    /** The log segments by number. */
    NavigableMap<Long, Path> segments() throws IOException {
        return list(SEGMENT);
    }

    /** The snapshots by the first segment they do not cover. */
    NavigableMap<Long, Path> snapshots() throws IOException {
        return list(SNAPSHOT);
    }

    /** Deletes the temporary files a stopped snapshot left. */
    void deleteTemporaries() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + TEMP_SUFFIX)) {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** Syncs file {@code channel} to the disk when fsync is on, its metadata included. */
    void sync(FileChannel channel) throws IOException {
        if (fsync) {
            channel.force(true);
        }
    }

    /**
     * Syncs the directory when fsync is on, so that files created, renamed or deleted in it stay so after a crash.
     * Skipped where a directory cannot be opened (Windows).
     */
    void syncDirectory() throws IOException {
        if (!fsync) {
            return;
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException e) {
            return;
        }
        try (channel) {
            channel.force(true);
        }
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        try (lockChannel) {
            lock.release();
        }
    }

    private NavigableMap<Long, Path> list(Pattern pattern) throws IOException {
        NavigableMap<Long, Path> found = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                Matcher m = pattern.matcher(file.getFileName().toString());
                if (m.matches()) {
                    found.put(Long.parseLong(m.group(1)), file);
                }
            }
        }
        return found;
    }
}
