package io.ringleader.coordinator.cli.admin;

import io.ringleader.coordinator.admin.ClusterState;
import picocli.CommandLine.Command;

/** {@code ringleader admin drain ID}: the member gives up every replica entry; its session lives on. */
@Command(
        name = "drain",
        description = {
            "Drain a member: it gives up every replica entry.",
            "The coordinator moves every replica entry the member holds, at every rank, to the other "
                    + "members, and gives it none while it stays drained. Its process keeps running. Undo with "
                    + "undrain."
        })
final class DrainCommand extends MemberFlagCommand {
    @Override
    Flag flag() {
        return Flag.DRAINED;
    }

    @Override
    boolean value() {
        return true;
    }

    @Override
    String note(ClusterState state) {
        int entries = 0;
        if (state.ring() != null && state.ring().indexOf(id) >= 0) {
            for (int slot = 0; slot < state.ring().slotCount(); slot++) {
                entries += state.ring().replicas(slot).contains(id) ? 1 : 0;
            }
        }
        return entries == 0 ? null : entries + " replica entries of " + id + " move to the other members";
    }
}
