package io.ringleader.coordinator.zk;

import io.ringleader.coordinator.zk.ZooKeeperStartException.Reason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The directory an embedded server keeps its snapshots and transaction log in, checked and locked
 * so that two servers never share one.
 */
final class DataDirectory implements AutoCloseable {
    static final String LOCK_FILE = "ringleader-zk.lock";

    private final Path path;
    private final boolean temporary;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private DataDirectory(Path path, boolean temporary, FileChannel lockChannel, FileLock lock) {
        this.path = path;
        this.temporary = temporary;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Creates a fresh temporary directory, deleted again by {@link #close()}. */
    static DataDirectory temporary() {
        try {
            return lock(Files.createTempDirectory("ringleader-zk-"), true);
        } catch (IOException e) {
            throw new ZooKeeperStartException(
                    Reason.DATA_DIR_UNUSABLE, "cannot create a temporary data directory: " + describe(e), e);
        }
    }

    /**
     * Creates {@code dir} if needed, checks that it is a writable directory and locks it.
     *
     * @throws ZooKeeperStartException naming the path if it cannot be used
     */
    static DataDirectory open(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        for (Path p = abs; p != null; p = p.getParent()) {
            if (Files.isDirectory(p)) {
                break;
            }
            if (Files.exists(p)) {
                String what = p.equals(abs) ? "it is a file" : p + " is a file";
                throw new ZooKeeperStartException(
                        Reason.DATA_DIR_UNUSABLE,
                        "cannot use " + abs + " as data directory: " + what + ", not a directory");
            }
        }
        try {
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new ZooKeeperStartException(
                    Reason.DATA_DIR_UNUSABLE, "cannot create data directory " + abs + ": " + describe(e), e);
        }
        try {
            Files.delete(Files.createTempFile(abs, ".write-check-", ".tmp"));
        } catch (IOException e) {
            throw new ZooKeeperStartException(
                    Reason.DATA_DIR_UNUSABLE, "cannot write to data directory " + abs + ": " + describe(e), e);
        }
        return lock(abs, false);
    }

    private static DataDirectory lock(Path dir, boolean temporary) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw locked(dir);
            }
            return new DataDirectory(dir, temporary, channel, lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw locked(dir);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new ZooKeeperStartException(
                    Reason.DATA_DIR_UNUSABLE, "cannot lock data directory " + dir + ": " + describe(e), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static ZooKeeperStartException locked(Path dir) {
        return new ZooKeeperStartException(
                Reason.DATA_DIR_LOCKED, "data directory " + dir + " is in use by another ZooKeeper server");
    }

    Path path() {
        return path;
    }

    /** Releases the lock; deletes the directory if it was temporary. Never throws. */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException | RuntimeException ignored) {
            // the channel close below releases it as well
        }
        closeQuietly(lockChannel);
        if (temporary) {
            deleteTree(path);
        }
    }

    /** Deletes a directory tree as far as it can; a leftover file is not worth failing a stop for. */
    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
    }

    static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        }
    }
}
