package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterState;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ringleader admin route KEY}: where a key goes, as every agent computes it. */
@Command(
        name = "route",
        description = {
            "Where a key goes: its slot, replicas and primary.",
            "As every agent computes it: the primary is the first replica that is live and UP."
        })
final class RouteCommand extends ReadTask {
    @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8).")
    String key;

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ClusterState s = cluster.read();
        Ring ring = s.requireRing();
        RoutingTable table = s.table();
        int slot = ring.slotOf(key);
        Member primary = table.primary(slot);
        List<String> replicas = ring.replicas(slot);
        if (json()) {
            ObjectNode node = object();
            node.put("key", key);
            node.put("slot", slot);
            node.put("epoch", ring.epoch());
            if (primary == null) {
                node.putNull("primary");
            } else {
                ObjectNode p = node.putObject("primary");
                p.put("id", primary.id());
                p.put("host", primary.endpoint().host());
                p.put("port", primary.endpoint().port());
            }
            ArrayNode list = node.putArray("replicas");
            for (int rank = 0; rank < replicas.size(); rank++) {
                String id = replicas.get(rank);
                ObjectNode r = list.addObject();
                r.put("rank", rank);
                r.put("id", id);
                r.put("state", s.member(id).map(m -> m.state().name()).orElse("ABSENT"));
            }
            print(node);
            return;
        }
        List<String> described = new ArrayList<>();
        for (String id : replicas) {
            described.add(id + " (" + s.member(id).map(m -> m.state().name()).orElse("ABSENT") + ")");
        }
        out().println("key '" + key + "' → slot " + slot + " (ring epoch " + hex(ring.epoch()) + ")");
        out().println("primary   "
                + (primary == null
                        ? "none: no replica is live and UP"
                        : primary.id() + " at " + primary.endpoint().host() + ":"
                                + primary.endpoint().port()));
        out().println("replicas  " + (described.isEmpty() ? "none" : String.join(", ", described)));
    }
}
