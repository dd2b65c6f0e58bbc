package io.ringleader.coordinator.cli.admin;

import picocli.CommandLine.Command;

/** {@code ringleader admin undrain ID}: the member gets its share of slots again. */
@Command(name = "undrain", description = "Undo a drain: the member gets its share of slots again.")
final class UndrainCommand extends MemberFlagCommand {
    @Override
    Flag flag() {
        return Flag.DRAINED;
    }

    @Override
    boolean value() {
        return false;
    }
}
