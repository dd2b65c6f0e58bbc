package io.ringleader.coordinator.cli.admin;

import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterJson;
import io.ringleader.coordinator.admin.ClusterState;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code ringleader admin status}: the cluster at a glance. */
@Command(
        name = "status",
        description = {
            "The cluster at a glance.",
            "The active coordinator, the ring's epoch, slots without a primary, the members by state, "
                    + "members of the ring that departed, and the operator config."
        })
final class StatusCommand extends ReadTask {
    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ClusterState s = cluster.read();
        if (json()) {
            print(ClusterJson.status(s));
            return;
        }
        Map<MemberState, List<String>> byState = ClusterJson.byState(s);
        Ring ring = s.ring();
        PrintWriter out = out();
        Columns lines = Columns.untitled(2);
        lines.row(
                "cluster",
                s.path().cluster() + " (" + s.path().base() + " on "
                        + cluster.target().connectString() + ")");
        lines.row("coordinator", s.coordinator().map(c -> c + " is active").orElse("none active"));
        if (ring == null) {
            lines.row("ring", s.ringProblem() == null ? "none yet" : "cannot be parsed: " + s.ringProblem());
        } else {
            lines.row(
                    "ring",
                    "epoch " + hex(ring.epoch()) + ": " + ring.slotCount() + " slots, replication " + ring.replication()
                            + ", " + ring.members().size() + " members");
            int without = s.table().slotsWithoutPrimary();
            lines.row("primaries", (ring.slotCount() - without) + " slots served, " + without + " without a primary");
        }
        StringBuilder states = new StringBuilder(s.members().size() + " live");
        String sep = ": ";
        for (Map.Entry<MemberState, List<String>> e : byState.entrySet()) {
            states.append(sep)
                    .append(e.getValue().size())
                    .append(' ')
                    .append(e.getKey())
                    .append(' ');
            states.append(ids(e.getValue()));
            sep = ", ";
        }
        lines.row("members", states);
        if (!s.absentFromRing().isEmpty()) {
            lines.row("departed", ids(s.absentFromRing()) + " still in the ring (their rebalance delay runs)");
        }
        s.malformedMembers().forEach((id, problem) -> lines.row("unreadable", problem));
        lines.row(
                "config", s.configProblem() == null ? s.config().describe() : "cannot be parsed: " + s.configProblem());
        if (s.config().hasFailovers()
                || (s.failovers() != null && !s.failovers().isEmpty())) {
            lines.row(
                    "failovers",
                    s.config().describeFailovers()
                            + (s.failovers() == null
                                    ? ""
                                    : " (" + s.failovers().count() + " slots led by a later replica)"));
        }
        lines.print(out);
    }
}
