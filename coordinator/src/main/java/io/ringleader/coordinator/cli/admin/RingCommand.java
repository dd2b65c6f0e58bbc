package io.ringleader.coordinator.cli.admin;

import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterJson;
import io.ringleader.coordinator.admin.RingSummary;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code ringleader admin ring}: the ring's shape and epoch, slot counts per member, and its balance. */
@Command(
        name = "ring",
        description = {
            "The ring: epoch, slot counts per member, balance.",
            "Each member's primary slots (rank 0) and replica entries (any rank), and the balance: the "
                    + "largest ratio of a member's count to its exact weighted share (1.000 is perfect)."
        })
final class RingCommand extends ReadTask {
    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        RingSummary summary = RingSummary.of(cluster.read());
        if (json()) {
            print(ClusterJson.ring(summary));
            return;
        }
        Ring ring = summary.ring();
        out().println("ring epoch " + hex(ring.epoch()) + ": " + ring.slotCount() + " slots, replication "
                + ring.replication() + ", " + ring.members().size() + " members, "
                + summary.slotsWithoutPrimary() + " slots without a primary");
        Columns columns = new Columns("MEMBER", "WEIGHT", "PRIMARY", "REPLICAS", "");
        for (RingSummary.Entry e : summary.members()) {
            columns.row(e.id(), e.weight(), e.primary(), e.replicas(), e.live() ? "" : "departed");
        }
        columns.print(out());
        out().println("balance (largest count over its weighted share): primary " + format(summary.primaryBalance())
                + ", replicas " + format(summary.replicaBalance()));
    }

    private static String format(Double balance) {
        return balance == null ? "-" : String.format(Locale.ROOT, "%.3f", balance);
    }
}
