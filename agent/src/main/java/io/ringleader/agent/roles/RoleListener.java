package io.ringleader.agent.roles;

/**
 * Told of this member's role changes, one batch per change of the ring, the members or the connection, on the
 * agent's roles thread (never on a ZooKeeper event thread), in order.
 *
 * <p>IMPORTANT: {@code lostPrimary} must take effect at once: stop accepting writes for those slots before
 * returning. A SUSPENDED connection produces such a change before the session can expire, so that a member cut off
 * from ZooKeeper stops acting as primary before another member can be made primary.
 */
@FunctionalInterface
public interface RoleListener {

    /** This member's roles changed. */
    void rolesChanged(RoleChange change);
}
