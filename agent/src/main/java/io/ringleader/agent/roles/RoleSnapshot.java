package io.ringleader.agent.roles;

import java.util.Objects;

/**
 * This member's roles at one moment: the slots it is primary of, the slots it is a backup of, and the epoch.
 *
 * @param primary the slots this member must serve as primary; empty while not {@code active}
 * @param backup the slots whose replica list holds this member but whose primary is another member
 * @param epoch the routing epoch these roles were derived at (see {@code RoutingTable.epoch()}); carry it on every
 *     write and replication message of these slots
 * @param active false while the connection is suspended or lost, and after a reconnect until the ring and the
 *     members were read again: the member must not act as primary then
 */
public record RoleSnapshot(SlotSet primary, SlotSet backup, long epoch, boolean active) {
    public RoleSnapshot {
        Objects.requireNonNull(primary, "primary");
        Objects.requireNonNull(backup, "backup");
    }

    static final RoleSnapshot NONE = new RoleSnapshot(SlotSet.empty(), SlotSet.empty(), 0, false);

    /** Whether this member may act as primary of {@code slot} now. */
    public boolean isPrimary(int slot) {
        return active && primary.contains(slot);
    }
}
