package io.ringleader.agent.routing;

/**
 * How a {@link Picker} chooses a member. Keyless strategies choose among the members that are present and UP
 * ({@link RoutingTable#upMembers()}, sorted by id); key strategies follow the ring.
 *
 * <p>When the candidates change (a new {@link RoutingTable}), a strategy's position or weights start over.
 */
public enum PickStrategy {
    /** Keyless. Cycles through the UP members in id order: over any n consecutive picks of a stable table, each of
     * the n members is chosen exactly once. Lock-free. */
    ROUND_ROBIN(false),

    /** Keyless. Each UP member with equal probability, independently of earlier picks. Lock-free. */
    RANDOM(false),

    /**
     * Keyless. Smooth weighted round-robin (as nginx) by {@link io.ringleader.agent.membership.Member#weight()}:
     * over every window of W = sum of weights consecutive picks of a stable table, each member is chosen exactly
     * its weight times, and the choices are interleaved (weights 5, 1, 1 give a a b a c a a). Ties go to the
     * lower id. Takes a short lock per pick.
     */
    WEIGHTED(false),

    /**
     * Keyless. The UP member with the fewest calls in flight through this picker (see {@link Picker#lease()}); ties
     * go round-robin. Scans the UP members: O(n) per pick. Members without in-flight calls are always preferred
     * over members with some.
     */
    LEAST_OUTSTANDING(false),

    /** By key. The key's primary, exactly as {@link Router#route(String)}: the same member on every agent. */
    CONSISTENT_HASH(true),

    /**
     * By key. Consistent hashing with bounded loads: walks the key's slot's replicas in ring order and takes the
     * first that is present, UP and has at most {@code ceil((1 + ε) × mean)} calls in flight, where mean is this
     * picker's calls in flight divided by the number of UP members; falls back to the primary if none qualifies.
     * So a key stays on its primary unless the primary is over the bound, and then goes only to its own backups.
     */
    BOUNDED_LOAD(true);

    private final boolean keyed;

    PickStrategy(boolean keyed) {
        this.keyed = keyed;
    }

    /** Whether this strategy picks by key ({@link Picker#pick(String)}) rather than without ({@link Picker#pick()}). */
    public boolean isKeyed() {
        return keyed;
    }
}
