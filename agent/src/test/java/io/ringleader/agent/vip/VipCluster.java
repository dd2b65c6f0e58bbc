package io.ringleader.agent.vip;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;

/** Rings and recorders shared by the virtual endpoint tests. */
final class VipCluster {
    static final int SLOTS = 64;

    private VipCluster() {}

    /** Every slot lists {@code ids} in this order, so the master of any name is the first present UP one. */
    static Ring sameOrder(long epoch, List<String> ids) {
        int r = ids.size();
        int[] table = new int[SLOTS * r];
        for (int s = 0; s < SLOTS; s++) {
            for (int k = 0; k < r; k++) {
                table[s * r + k] = k;
            }
        }
        return Ring.of(epoch, SLOTS, r, ids, table);
    }

    static void writeRing(Agent writer, Ring ring) throws Exception {
        CuratorFramework client = writer.curator();
        String path = writer.clusterPath().ring();
        if (client.checkExists().forPath(path) == null) {
            client.create().creatingParentsIfNeeded().forPath(path, RingCodec.encode(ring));
        } else {
            client.setData().forPath(path, RingCodec.encode(ring));
        }
    }

    /** One master change or switchover as heard, by member id ({@code null}: none). */
    record Change(String oldId, String newId, long epoch) {
        static Change of(Member oldMaster, Member newMaster, long epoch) {
            return new Change(
                    oldMaster == null ? null : oldMaster.id(), newMaster == null ? null : newMaster.id(), epoch);
        }

        @Override
        public String toString() {
            return oldId + "->" + newId + "@0x" + Long.toHexString(epoch);
        }
    }

    static List<String> transitions(List<Change> changes) {
        List<String> out = new ArrayList<>();
        changes.forEach(c -> out.add(c.oldId() + "->" + c.newId()));
        return out;
    }

    static List<String> list(String... s) {
        return Arrays.asList(s);
    }
}
