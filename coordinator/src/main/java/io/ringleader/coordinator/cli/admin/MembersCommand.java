package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import picocli.CommandLine.Command;

/** {@code ringleader admin members}: every member with its state, endpoint, weight, slots and config. */
@Command(
        name = "members",
        description = {
            "Every member: state, endpoint, weight, slots, config.",
            "Every live member, and every member of the ring that departed (state ABSENT): its state, "
                    + "endpoint, zone, weight, the slots it serves as primary now, the replica entries it holds, and "
                    + "what the operator config says of it."
        })
final class MembersCommand extends AdminTask {

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ClusterState s = cluster.read();
        RoutingTable table = s.table();
        Map<String, Integer> serving = new HashMap<>();
        Map<String, Integer> entries = new HashMap<>();
        Ring ring = s.ring();
        if (ring != null) {
            for (int slot = 0; slot < ring.slotCount(); slot++) {
                Member primary = table.primary(slot);
                if (primary != null) {
                    serving.merge(primary.id(), 1, Integer::sum);
                }
                for (String id : ring.replicas(slot)) {
                    entries.merge(id, 1, Integer::sum);
                }
            }
        }
        SortedSet<String> ids = new TreeSet<>(s.absentFromRing());
        s.members().forEach(m -> ids.add(m.id()));
        OperatorConfig config = s.config();
        if (json()) {
            ObjectNode node = object();
            ArrayNode list = node.putArray("members");
            for (String id : ids) {
                Member m = s.member(id).orElse(null);
                ObjectNode e = list.addObject();
                e.put("id", id);
                e.put("state", m == null ? "ABSENT" : m.state().name());
                if (m == null) {
                    e.putNull("host");
                    e.putNull("port");
                    e.putNull("zone");
                    e.putNull("recordWeight");
                } else {
                    e.put("host", m.endpoint().host());
                    e.put("port", m.endpoint().port());
                    e.put("zone", m.zone());
                    e.put("recordWeight", m.weight());
                }
                e.put("weight", s.effectiveWeight(id));
                e.put("primarySlots", serving.getOrDefault(id, 0));
                e.put("replicaEntries", entries.getOrDefault(id, 0));
                e.put("inRing", ring != null && ring.indexOf(id) >= 0);
                e.put("drained", config.drained().contains(id));
                e.put("spare", config.spares().contains(id));
            }
            print(node);
            return;
        }
        if (ids.isEmpty()) {
            out().println("cluster '" + s.path().cluster() + "' has no members");
            return;
        }
        Columns columns = new Columns("ID", "STATE", "ENDPOINT", "ZONE", "WEIGHT", "PRIMARY", "REPLICAS", "CONFIG");
        for (String id : ids) {
            Member m = s.member(id).orElse(null);
            List<String> notes = new ArrayList<>();
            if (config.drained().contains(id)) {
                notes.add("drained");
            }
            if (config.spares().contains(id)) {
                notes.add("spare");
            }
            if (config.weights().containsKey(id)) {
                notes.add("weight " + config.weights().get(id) + (m == null ? "" : " (record " + m.weight() + ")"));
            }
            columns.row(
                    id,
                    m == null ? "ABSENT" : m.state(),
                    m == null ? null : m.endpoint().host() + ":" + m.endpoint().port(),
                    m == null ? null : m.zone(),
                    s.effectiveWeight(id),
                    serving.getOrDefault(id, 0),
                    entries.getOrDefault(id, 0),
                    notes.isEmpty() ? null : String.join(", ", notes));
        }
        columns.print(out());
    }
}
