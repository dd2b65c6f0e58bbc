package io.ringleader.coordinator.cli.admin;

import io.ringleader.agent.membership.Member;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterJson;
import io.ringleader.coordinator.admin.ClusterState;
import io.ringleader.coordinator.admin.MemberSummary;
import java.util.ArrayList;
import java.util.List;
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
final class MembersCommand extends ReadTask {
    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ClusterState s = cluster.read();
        List<MemberSummary> members = MemberSummary.of(s);
        if (json()) {
            print(ClusterJson.members(members));
            return;
        }
        if (members.isEmpty()) {
            out().println("cluster '" + s.path().cluster() + "' has no members");
            return;
        }
        OperatorConfig config = s.config();
        Columns columns = new Columns("ID", "STATE", "ENDPOINT", "ZONE", "WEIGHT", "PRIMARY", "REPLICAS", "CONFIG");
        for (MemberSummary summary : members) {
            String id = summary.id();
            Member m = summary.record();
            List<String> notes = new ArrayList<>();
            if (summary.drained()) {
                notes.add("drained");
            }
            if (summary.spare()) {
                notes.add("spare");
            }
            if (config.weights().containsKey(id)) {
                notes.add("weight " + config.weights().get(id) + (m == null ? "" : " (record " + m.weight() + ")"));
            }
            columns.row(
                    id,
                    summary.state(),
                    m == null ? null : m.endpoint().host() + ":" + m.endpoint().port(),
                    m == null ? null : m.zone(),
                    summary.weight(),
                    summary.primarySlots(),
                    summary.replicaEntries(),
                    notes.isEmpty() ? null : String.join(", ", notes));
        }
        columns.print(out());
    }
}
