package io.ringleader.agent.roles;

import java.util.Objects;

/**
 * One batch of role changes of this member, as told to a {@link RoleListener}.
 *
 * @param gainedPrimary slots this member is now primary of
 * @param lostPrimary slots this member must stop serving as primary, at once
 * @param gainedBackup slots this member now backs up
 * @param lostBackup slots this member no longer backs up
 * @param epoch the routing epoch of the new roles
 * @param cause why: a ring or membership change, a suspended or lost connection, a reconnect
 * @param current the roles after this change
 */
public record RoleChange(
        SlotSet gainedPrimary,
        SlotSet lostPrimary,
        SlotSet gainedBackup,
        SlotSet lostBackup,
        long epoch,
        String cause,
        RoleSnapshot current) {
    public RoleChange {
        Objects.requireNonNull(gainedPrimary, "gainedPrimary");
        Objects.requireNonNull(lostPrimary, "lostPrimary");
        Objects.requireNonNull(gainedBackup, "gainedBackup");
        Objects.requireNonNull(lostBackup, "lostBackup");
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(current, "current");
    }

    /** Whether nothing changed. */
    public boolean isEmpty() {
        return gainedPrimary.isEmpty() && lostPrimary.isEmpty() && gainedBackup.isEmpty() && lostBackup.isEmpty();
    }

    @Override
    public String toString() {
        return "RoleChange{epoch=0x" + Long.toHexString(epoch) + ", +primary=" + gainedPrimary.size() + ", -primary="
                + lostPrimary.size() + ", +backup=" + gainedBackup.size() + ", -backup=" + lostBackup.size()
                + ", cause="
                + cause + "}";
    }
}
