package io.ringleader.coordinator.admin;

import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.OperatorConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One member as {@code ringleader admin members} and the coordinator's {@code /api/members} show it.
 *
 * @param id the member
 * @param record its record, or null when it is not live (state {@code ABSENT})
 * @param weight the weight placement gives it ({@link ClusterState#effectiveWeight})
 * @param primarySlots slots it serves as primary now (the first live {@code UP} replica of each)
 * @param replicaEntries replica entries it holds in the ring, at any rank
 * @param inRing whether the ring's member table lists it
 * @param drained whether the operator config drains it
 * @param spare whether the operator config makes it a spare
 */
public record MemberSummary(
        String id,
        Member record,
        int weight,
        int primarySlots,
        int replicaEntries,
        boolean inRing,
        boolean drained,
        boolean spare) {

    /** {@code JOINING}, {@code UP}, {@code DRAINING}, {@code SPARE}, {@code DOWN} from its record, or {@code ABSENT}. */
    public String state() {
        return record == null ? "ABSENT" : record.state().name();
    }

    /** Every live member of {@code s} and every member of its ring that is not live, sorted by id. */
    public static List<MemberSummary> of(ClusterState s) {
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
        List<MemberSummary> out = new ArrayList<>();
        for (String id : ids) {
            out.add(new MemberSummary(
                    id,
                    s.member(id).orElse(null),
                    s.effectiveWeight(id),
                    serving.getOrDefault(id, 0),
                    entries.getOrDefault(id, 0),
                    ring != null && ring.indexOf(id) >= 0,
                    config.drained().contains(id),
                    config.spares().contains(id)));
        }
        return out;
    }
}
