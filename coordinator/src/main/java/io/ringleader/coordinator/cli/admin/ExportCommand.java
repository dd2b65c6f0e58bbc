package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.coordinator.OperatorConfigCodec;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.Backup;
import io.ringleader.coordinator.admin.ClusterAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ringleader admin export FILE}: back up the operator config and the ring. */
@Command(
        name = "export",
        description = {
            "Back up the operator config and the ring to a file.",
            "The file (JSON) is written whole or not at all; restore it with import."
        })
final class ExportCommand extends ReadTask {
    @Parameters(index = "0", paramLabel = "FILE", description = "The file to write.")
    Path file;

    @Option(names = "--force", description = "Overwrite FILE if it exists.")
    boolean force;

    @Override
    void prepare() throws AdminException {
        if (!force && Files.exists(file)) {
            throw AdminException.badInput(file + " exists; pass --force to overwrite it or choose another file");
        }
    }

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        Backup backup = cluster.export();
        backup.write(file, force);
        if (json()) {
            ObjectNode node = object();
            node.put("file", file.toString());
            node.put("cluster", backup.cluster());
            node.put("exportedAt", backup.exportedAt().toString());
            node.set("config", OperatorConfigCodec.toTree(backup.config()));
            if (backup.ring() == null) {
                node.putNull("ringEpoch");
            } else {
                node.put("ringEpoch", backup.ring().epoch());
            }
            print(node);
            return;
        }
        out().println("exported cluster '" + backup.cluster() + "' to " + file + ": config ("
                + backup.config().describe() + "), "
                + (backup.ring() == null
                        ? "no ring"
                        : "ring epoch " + hex(backup.ring().epoch()) + " with "
                                + backup.ring().members().size() + " members"));
    }
}
