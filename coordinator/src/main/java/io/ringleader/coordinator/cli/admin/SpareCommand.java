package io.ringleader.coordinator.cli.admin;

import io.ringleader.coordinator.admin.ClusterState;
import picocli.CommandLine.Command;

/** {@code ringleader admin spare ID}: the member becomes an N+1 spare. */
@Command(
        name = "spare",
        description = {
            "Make a member an N+1 spare.",
            "While it holds no slots it gets none, until a member of the ring departs; then it takes over "
                    + "exactly that member's slots. A member that holds slots stays active: drain it, then undrain it, "
                    + "to make it an idle spare. Undo with unspare."
        })
final class SpareCommand extends MemberFlagCommand {
    @Override
    Flag flag() {
        return Flag.SPARE;
    }

    @Override
    boolean value() {
        return true;
    }

    @Override
    String note(ClusterState state) {
        return state.ring() != null && state.ring().indexOf(id) >= 0
                ? id + " holds slots, so it stays active: drain it, then undrain it, to make it an idle spare"
                : null;
    }
}
