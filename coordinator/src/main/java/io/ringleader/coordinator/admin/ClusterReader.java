package io.ringleader.coordinator.admin;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.MalformedRecordException;
import io.ringleader.agent.layout.RingStore;
import io.ringleader.agent.leadership.Leadership;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberCodec;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingChunks;
import io.ringleader.coordinator.FailoversCodec;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.OperatorConfigCodec;
import io.ringleader.coordinator.assign.Failovers;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Reads what a cluster is from ZooKeeper through a client someone else owns: its live members, ring (with what the
 * primary pins did to it), operator config and active coordinator. {@link ClusterAdmin} reads through one, and so does the coordinator's HTTP API.
 *
 * <p>IMPORTANT: the reads are several ZooKeeper calls, not one atomic snapshot, and each is as fresh as the server
 * the client is connected to.
 */
public final class ClusterReader {
    private final CuratorFramework client;
    private final ClusterPath path;

    /**
     * A reader of the cluster at {@code path} through {@code client}, which the caller starts and closes.
     *
     * @throws NullPointerException if either is null
     */
    public ClusterReader(CuratorFramework client, ClusterPath path) {
        this.client = Objects.requireNonNull(client, "client");
        this.path = Objects.requireNonNull(path, "path");
    }

    /** The cluster's paths. */
    public ClusterPath path() {
        return path;
    }

    /**
     * Reads the live members, the ring, the config and the active coordinator. A member record, ring or config that
     * cannot be parsed is reported in the result rather than failing the read; a cluster that does not exist reads
     * as one with no members, no ring and the empty config.
     *
     * @throws Exception if ZooKeeper cannot be read (connection loss, no permission, interrupted)
     */
    public ClusterState read() throws Exception {
        Stat membersStat = new Stat();
        List<String> ids;
        try {
            ids = new ArrayList<>(
                    client.getChildren().storingStatIn(membersStat).forPath(path.members()));
        } catch (KeeperException.NoNodeException e) {
            ids = new ArrayList<>();
        }
        ids.sort(null);
        List<Member> members = new ArrayList<>();
        SortedMap<String, String> malformed = new TreeMap<>();
        for (String id : ids) {
            String memberPath = path.members() + "/" + id;
            try {
                members.add(MemberCodec.decode(memberPath, id, client.getData().forPath(memberPath)));
            } catch (KeeperException.NoNodeException e) {
                // left meanwhile
            } catch (MalformedRecordException e) {
                malformed.put(id, e.getMessage());
            }
        }
        Stored<Ring> ring = readRing();
        Stored<FailoversCodec.Stored> failovers = read(FailoversCodec.path(path), FailoversCodec::decode);
        Stored<OperatorConfig> config = readConfig();
        Optional<String> coordinator = Leadership.leaderOf(client, path.coordinator());
        Ring r = ring.value();
        Failovers turned = r == null
                ? null
                : failovers.value() == null
                        ? Failovers.none(r.slotCount())
                        : failovers.value().of(r);
        return new ClusterState(
                path,
                members,
                malformed,
                membersStat.getPzxid(),
                ring.value(),
                ring.version(),
                ring.problem(),
                config.value() == null ? OperatorConfig.empty() : config.value(),
                config.version(),
                config.problem(),
                coordinator,
                turned);
    }

    /**
     * A znode's content as read: the value (null if none or unparsable), its stat (null if none), the problem, and
     * the chunk directory named by the header the ring znode holds, even if its chunks cannot be read (null for a
     * whole ring or no valid header, and for every other znode).
     */
    record Stored<T>(T value, Stat stat, String problem, String chunkDir) {
        Stored(T value, Stat stat, String problem) {
            this(value, stat, problem, null);
        }

        int version() {
            return stat == null ? -1 : stat.getVersion();
        }
    }

    /** How a record is parsed: {@code OperatorConfigCodec::decode}, {@code FailoversCodec::decode}. */
    @FunctionalInterface
    private interface Decoder<T> {
        T decode(String path, byte[] data) throws Exception;
    }

    /**
     * The ring, whole or assembled from its chunks, with the chunk directory its header names; a chunk gone (the ring
     * written again meanwhile) is a problem.
     */
    Stored<Ring> readRing() throws Exception {
        Stat stat = new Stat();
        byte[] data = dataOrNull(path.ring(), stat);
        if (data == null) {
            return new Stored<>(null, null, null);
        }
        RingChunks.Header header = null;
        try {
            header = RingStore.headerOf(path, data);
            return new Stored<>(RingStore.read(client, path, data, header), stat, null, dirOf(header));
        } catch (MalformedRecordException | RingStore.ChunksGoneException e) {
            return new Stored<>(null, stat, e.getMessage(), dirOf(header));
        }
    }

    Stored<OperatorConfig> readConfig() throws Exception {
        return read(path.config(), OperatorConfigCodec::decode);
    }

    private <T> Stored<T> read(String znode, Decoder<T> decoder) throws Exception {
        Stat stat = new Stat();
        byte[] data = dataOrNull(znode, stat);
        if (data == null) {
            return new Stored<>(null, null, null);
        }
        try {
            return new Stored<>(decoder.decode(znode, data), stat, null);
        } catch (MalformedRecordException e) {
            return new Stored<>(null, stat, e.getMessage());
        }
    }

    /** The content of {@code znode}, its stat stored in {@code stat}; null if it does not exist. */
    private byte[] dataOrNull(String znode, Stat stat) throws Exception {
        try {
            return client.getData().storingStatIn(stat).forPath(znode);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    private static String dirOf(RingChunks.Header header) {
        return header == null ? null : header.dir();
    }
}
