package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterState;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ringleader admin primaries [--member ID]}: which member serves which slots as primary now. */
@Command(
        name = "primaries",
        description = {
            "Which member is primary of which slots now.",
            "The primary of a slot is its first replica that is live and UP. With --member, that member's "
                    + "slots as ranges."
        })
final class PrimariesCommand extends ReadTask {
    @Option(names = "--member", paramLabel = "ID", description = "Only this member, with its slots.")
    String member;

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ClusterState s = cluster.read();
        Ring ring = s.requireRing();
        if (member != null) {
            s.requireLive(member);
        }
        RoutingTable table = s.table();
        Map<String, boolean[]> slotsOf = new TreeMap<>();
        boolean[] without = new boolean[ring.slotCount()];
        for (Member m : s.members()) {
            if (member == null || member.equals(m.id())) {
                slotsOf.put(m.id(), new boolean[ring.slotCount()]);
            }
        }
        int withoutCount = 0;
        Map<String, Integer> counts = new TreeMap<>();
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            Member p = table.primary(slot);
            if (p == null) {
                without[slot] = true;
                withoutCount++;
            } else if (slotsOf.containsKey(p.id())) {
                slotsOf.get(p.id())[slot] = true;
                counts.merge(p.id(), 1, Integer::sum);
            }
        }
        if (json()) {
            ObjectNode node = object();
            node.put("epoch", ring.epoch());
            ArrayNode list = node.putArray("primaries");
            slotsOf.forEach((id, slots) -> {
                ObjectNode e = list.addObject();
                e.put("member", id);
                e.put("count", counts.getOrDefault(id, 0));
                rangesJson(e, "slots", ranges(slots));
            });
            ObjectNode w = node.putObject("withoutPrimary");
            w.put("count", withoutCount);
            rangesJson(w, "slots", ranges(without));
            print(node);
            return;
        }
        if (member != null) {
            List<int[]> ranges = ranges(slotsOf.get(member));
            out().println(member + " is primary of " + counts.getOrDefault(member, 0) + " slots (ring epoch "
                    + hex(ring.epoch()) + ")" + (ranges.isEmpty() ? "" : ": " + ranges(ranges)));
            return;
        }
        out().println("primaries at ring epoch " + hex(ring.epoch()) + ":");
        Columns columns = new Columns("MEMBER", "SLOTS");
        slotsOf.keySet().forEach(id -> columns.row(id, counts.getOrDefault(id, 0)));
        columns.print(out());
        out().println(withoutCount + " slots without a primary"
                + (withoutCount == 0 ? "" : ": " + ranges(ranges(without))));
    }
}
