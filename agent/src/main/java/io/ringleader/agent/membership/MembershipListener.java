package io.ringleader.agent.membership;

/**
 * Told of every change of the member view, and of the agent's own registration.
 *
 * <p>Listeners run on the membership's own thread, never on a ZooKeeper event thread, one call at a time and in
 * order. A slow listener delays the next view; hand long work to your own executor. In an agent the router follows
 * the view on the same thread before the listeners are told, so a listener reads a routing table that already
 * follows the view it is told.
 */
@FunctionalInterface
public interface MembershipListener {

    /** The view changed from {@code previous} to {@code current}. */
    void viewChanged(MemberView previous, MemberView current);

    /** The agent's own registration moved to {@code state}; {@code detail} says why, for logs. */
    default void registrationChanged(RegistrationState state, String detail) {}
}
