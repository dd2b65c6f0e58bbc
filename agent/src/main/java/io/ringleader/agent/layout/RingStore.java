package io.ringleader.agent.layout;

import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingChunks;
import io.ringleader.agent.ring.RingCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;

/**
 * Reads and writes the ring znode, whole or in chunks ({@link RingChunks}).
 *
 * <p>A ring whose record fits {@link RingCodec#MAX_BYTES} is stored whole in {@link ClusterPath#ring()}, format
 * {@value Ring#FORMAT_VERSION}. A larger one (many members at 65,536 slots or a high replication) is written first as
 * chunks under a new directory of {@link ClusterPath#ringChunks()}, then named by a small header in the ring znode,
 * written by the caller in its fenced transaction: the header is the only write that makes a ring current, so a deposed
 * writer's chunks are never read. Chunk directories are never changed; the writer of a ring deletes, after its write,
 * the directories of lower epochs but the previous ring's (which a reader may be reading).
 */
public final class RingStore {

    private RingStore() {}

    /**
     * A chunk the header read names is missing: the ring was written again since and its chunks collected (read the
     * ring znode again), or they were deleted by hand (then the ring znode still holds that header).
     */
    public static final class ChunksGoneException extends Exception {
        private static final long serialVersionUID = 1L;

        ChunksGoneException(String message) {
            super(message);
        }
    }

    /**
     * A ring ready to be written: the record for the ring znode, and the chunk directory already written for it, or
     * null if the record holds the whole ring.
     */
    public record Prepared(byte[] record, String dir) {}

    /**
     * The ring in {@code data}, read from the ring znode: decoded, or assembled from the chunks its header names.
     * Parses the header; a caller that needs it too (its chunk directory or epoch) takes it from {@link #headerOf} and
     * passes it to {@link #read(CuratorFramework, ClusterPath, byte[], RingChunks.Header)}, so it is parsed once.
     *
     * @throws MalformedRecordException naming the ring's path and the problem (a bad record, header or chunk)
     * @throws ChunksGoneException if a chunk the header names no longer exists
     * @throws Exception if ZooKeeper cannot be read
     */
    public static Ring read(CuratorFramework client, ClusterPath path, byte[] data) throws Exception {
        return read(client, path, data, headerOf(path, data));
    }

    /**
     * The ring in {@code data}, read from the ring znode, whose header was parsed already: decoded if {@code header}
     * is null, else assembled from the chunks it names.
     *
     * @param header {@link #headerOf}{@code (path, data)}: null if {@code data} is not a header
     * @throws MalformedRecordException naming the ring's path and the problem (a bad record or chunk)
     * @throws ChunksGoneException if a chunk the header names no longer exists
     * @throws Exception if ZooKeeper cannot be read
     */
    public static Ring read(CuratorFramework client, ClusterPath path, byte[] data, RingChunks.Header header)
            throws Exception {
        if (header == null) {
            return RingCodec.decode(path.ring(), data);
        }
        String dir = path.ringChunks() + "/" + header.dir();
        List<byte[]> chunks = new ArrayList<>(Math.min(header.count(), 64));
        for (int i = 0; i < header.count(); i++) {
            try {
                chunks.add(client.getData().forPath(dir + "/" + i));
            } catch (KeeperException.NoNodeException e) {
                throw new ChunksGoneException(
                        "chunk " + i + " of ring epoch " + header.epoch() + " (" + dir + ") is missing");
            }
        }
        return RingChunks.assemble(path.ring(), header, chunks);
    }

    /**
     * The header in {@code data}, read from the ring znode, or null if it is not one (a whole ring, or anything else,
     * which {@link #read} then judges).
     *
     * @throws MalformedRecordException naming the ring's path if the record is a header with a field missing or invalid
     */
    public static RingChunks.Header headerOf(ClusterPath path, byte[] data) throws MalformedRecordException {
        return RingChunks.headerOf(path.ring(), data);
    }

    /** The chunk directory a ring record's header names, or null if it is not a valid header. */
    public static String dirOf(byte[] data) {
        try {
            RingChunks.Header header = RingChunks.headerOf("ring", data);
            return header == null ? null : header.dir();
        } catch (MalformedRecordException e) {
            return null;
        }
    }

    /**
     * Encodes {@code ring} for the ring znode. Where its record is over {@code chunkBytes}, writes the chunks first,
     * under a directory named by the epoch and a random nonce, with {@code acl}, and returns the header.
     *
     * @param chunkBytes the largest chunk, at most {@link RingChunks#CHUNK_BYTES}; smaller only in tests
     * @throws IllegalArgumentException if the ring is over {@link RingCodec#MAX_WHOLE_BYTES} encoded, naming its size
     * @throws Exception if ZooKeeper refuses a chunk (the chunks written are deleted again, best effort; a later
     *     write collects what is left)
     */
    public static Prepared prepare(CuratorFramework client, ClusterPath path, Ring ring, List<ACL> acl, int chunkBytes)
            throws Exception {
        if (chunkBytes < 1 || chunkBytes > RingChunks.CHUNK_BYTES) {
            throw new IllegalArgumentException(
                    "chunkBytes must be between 1 and " + RingChunks.CHUNK_BYTES + ", was " + chunkBytes);
        }
        byte[] whole = RingCodec.encodeWhole(ring);
        if (whole.length <= chunkBytes) {
            return new Prepared(whole, null);
        }
        List<byte[]> chunks = RingChunks.split(whole, chunkBytes);
        String name = RingChunks.Header.dirName(
                ring.epoch(), ThreadLocalRandom.current().nextInt());
        String dir = path.ringChunks() + "/" + name;
        try {
            client.create().creatingParentsIfNeeded().withACL(acl, true).forPath(dir);
            for (int i = 0; i < chunks.size(); i++) {
                client.create().withACL(acl).forPath(dir + "/" + i, chunks.get(i));
            }
        } catch (Exception e) {
            deleteQuietly(client, dir);
            throw e;
        }
        return new Prepared(RingChunks.encodeHeader(RingChunks.header(ring.epoch(), name, whole, chunks.size())), name);
    }

    /**
     * After a write of the header that was not reported done: deletes the prepared chunks unless the ring znode names
     * them. A write can be applied and its reply lost (Curator then retries it, and the retry fails on the version it
     * already changed), so only the ring znode tells. If it cannot be read, the chunks stay; a later write collects
     * them.
     */
    public static void discardUnlessCurrent(CuratorFramework client, ClusterPath path, Prepared prepared) {
        if (prepared.dir() == null) {
            return;
        }
        try {
            byte[] data = client.getData().forPath(path.ring());
            if (prepared.dir().equals(dirOf(data))) {
                return;
            }
        } catch (KeeperException.NoNodeException e) {
            // no ring: nothing names them
        } catch (Exception e) {
            return;
        }
        deleteQuietly(client, path.ringChunks() + "/" + prepared.dir());
    }

    private static void deleteQuietly(CuratorFramework client, String dir) {
        try {
            client.delete().deletingChildrenIfNeeded().forPath(dir);
        } catch (Exception e) {
            // collected after a later write
        }
    }

    /**
     * After ring epoch {@code written} was written over a record naming {@code previousDir} (null if it was whole or
     * unknown): deletes every chunk directory of a lower epoch but that one, which a reader may still be reading.
     * Directories of the written epoch or a higher one are left: the written ring's, a later writer's, or a deposed
     * writer's that a later write collects. A reader still reading a deleted directory finds a chunk gone and reads the
     * ring znode again.
     *
     * @return how many directories it deleted
     * @throws Exception if ZooKeeper cannot list them or delete one (the others are still deleted; what is left is
     *     collected by the next write)
     */
    public static int collect(CuratorFramework client, ClusterPath path, long written, String previousDir)
            throws Exception {
        List<String> dirs;
        try {
            dirs = client.getChildren().forPath(path.ringChunks());
        } catch (KeeperException.NoNodeException e) {
            return 0;
        }
        int deleted = 0;
        Exception failed = null;
        for (String dir : dirs) {
            if (dir.equals(previousDir) || epochOf(dir) >= written) {
                continue;
            }
            try {
                client.delete().deletingChildrenIfNeeded().forPath(path.ringChunks() + "/" + dir);
                deleted++;
            } catch (KeeperException.NoNodeException e) {
                // deleted meanwhile
            } catch (Exception e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
        return deleted;
    }

    /** The epoch in a chunk directory's name; a name of another shape counts as epoch 0 (collected). */
    private static long epochOf(String dir) {
        if (dir.length() < 16) {
            return 0;
        }
        try {
            return Long.parseUnsignedLong(dir.substring(0, 16), 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
