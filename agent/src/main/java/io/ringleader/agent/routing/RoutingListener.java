package io.ringleader.agent.routing;

/**
 * Told when the routing table changes: a new ring, a member view that moves a primary or changes the present or
 * UP members, or a newer {@link RoutingTable#epoch() epoch} with the same routing.
 *
 * <p>Listeners run on the router's own thread, one call at a time and in order, never on a ZooKeeper event thread.
 * A slow listener delays the next table; hand long work to your own executor.
 */
@FunctionalInterface
public interface RoutingListener {

    /** Routing moved from {@code previous} to {@code current}; {@code current} is already what the router serves. */
    void routingChanged(RoutingTable previous, RoutingTable current);
}
