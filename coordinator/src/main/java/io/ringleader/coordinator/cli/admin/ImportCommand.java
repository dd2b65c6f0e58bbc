package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.OperatorConfigCodec;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.Backup;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.Restore;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ringleader admin import FILE}: restore a backup made by export. */
@Command(
        name = "import",
        description = {
            "Restore the operator config and the ring from a file.",
            "The file, written by export, is validated completely first; then both are written in one "
                    + "ZooKeeper transaction, or neither is. The ring belongs to the active coordinator, so it is "
                    + "restored only while no coordinator runs; --config-only restores the config alone while one "
                    + "does."
        })
final class ImportCommand extends AdminTask {
    @Override
    boolean writes() {
        return !dryRun;
    }

    @Parameters(index = "0", paramLabel = "FILE", description = "A file written by 'ringleader admin export'.")
    Path file;

    @Option(names = "--dry-run", description = "Validate and show what would be written; write nothing.")
    boolean dryRun;

    @Option(names = "--config-only", description = "Restore the config only, not the ring.")
    boolean configOnly;

    private Backup backup;

    @Override
    void prepare() throws AdminException {
        backup = Backup.read(file);
    }

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        Restore restore = cluster.restore(backup, configOnly, dryRun);
        Ring ring = restore.ringAfter();
        if (json()) {
            ObjectNode node = object();
            node.put("file", file.toString());
            node.put("dryRun", dryRun);
            node.put("written", restore.written());
            node.put("fromCluster", restore.fromCluster());
            node.set("config", OperatorConfigCodec.toTree(restore.configAfter()));
            putRing(node, "ring", ring);
            node.put("ringNote", restore.ringNote());
            print(node);
            return;
        }
        String verb = dryRun ? "would write" : "wrote";
        out().println("config: " + verb + " " + restore.configAfter().describe()
                + (restore.configBefore() == null
                        ? ""
                        : " (was: " + restore.configBefore().describe() + ")"));
        if (ring == null) {
            out().println("ring: not restored (" + restore.ringNote() + ")");
        } else {
            out().println("ring: " + verb + " epoch " + hex(ring.epoch()) + ", " + ring.slotCount()
                    + " slots, replication "
                    + ring.replication() + ", " + ring.members().size() + " members"
                    + (restore.ringBefore() == null
                            ? ""
                            : " (was epoch " + hex(restore.ringBefore().epoch()) + ")"));
        }
        if (!restore.fromCluster().equals(cluster.path().cluster())) {
            out().println("note: " + file + " was exported from cluster '" + restore.fromCluster() + "'");
        }
        out().println(
                        dryRun
                                ? "dry run: nothing written"
                                : "imported " + file + " into cluster '"
                                        + cluster.path().cluster() + "'");
    }
}
