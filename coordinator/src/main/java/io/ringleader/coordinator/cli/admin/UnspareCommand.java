package io.ringleader.coordinator.cli.admin;

import picocli.CommandLine.Command;

/** {@code ringleader admin unspare ID}: the member is placed as an active member again. */
@Command(name = "unspare", description = "Undo spare: the member gets its share of slots.")
final class UnspareCommand extends MemberFlagCommand {
    @Override
    Flag flag() {
        return Flag.SPARE;
    }

    @Override
    boolean value() {
        return false;
    }
}
