package io.ringleader.coordinator;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.ring.Ring;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.Stat;

/**
 * The epoch rule for a new ring (docs/zookeeper-layout.md, "Ring writes and their fencing"): its epoch must exceed
 * every epoch a ring of the cluster ever had, also one that was deleted or cannot be parsed. Used by the coordinator
 * and by a ring import.
 */
public final class RingEpochs {
    private RingEpochs() {}

    /**
     * The floor a new ring's epoch must exceed. With a ring znode: its {@code mzxid} and the epoch it holds ({@code
     * ring}, null if it cannot be parsed). Without one: the base znode's {@code pzxid}, the zxid of its last child
     * change (such as the ring's deletion), 0 if the base is gone too.
     *
     * @param ringStat the ring znode's stat as read, or null if there is no ring znode
     * @throws Exception if ZooKeeper cannot be read
     */
    public static long floor(CuratorFramework client, ClusterPath path, Stat ringStat, Ring ring) throws Exception {
        if (ringStat != null) {
            return Math.max(ringStat.getMzxid(), ring == null ? 0 : ring.epoch());
        }
        Stat base = client.checkExists().forPath(path.base());
        return base == null ? 0 : base.getPzxid();
    }
}
