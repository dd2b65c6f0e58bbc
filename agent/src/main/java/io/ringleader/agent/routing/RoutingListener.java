package io.ringleader.agent.routing;

/**
 * Told when the routing table changes: a new ring, a member view that moves a primary or changes the present or
 * UP members, or a newer {@link RoutingTable#epoch() epoch} with the same routing.
 *
 * <p>Listeners run on the router's thread, one call at a time and in order, never on a ZooKeeper event thread. In an
 * agent that thread is the membership's (a member view change reaches the table without a hand-off between threads),
 * so a slow listener delays the next table, the next member view, the own record's registration and its deletion at
 * close: hand long work to your own executor, and never wait in a listener for something the membership does (such
 * as {@code awaitJoined}), which would wait for its own thread.
 */
@FunctionalInterface
public interface RoutingListener {

    /** Routing moved from {@code previous} to {@code current}; {@code current} is already what the router serves. */
    void routingChanged(RoutingTable previous, RoutingTable current);
}
