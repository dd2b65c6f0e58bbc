package io.ringleader.agent.routing;

import io.ringleader.agent.membership.Member;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Chooses a member for a call to a service, with one {@link PickStrategy} fixed when it is built. A picker reads
 * the router's current {@link RoutingTable} on every pick, so it follows membership and ring changes by itself.
 *
 * <p>A picker counts the calls in flight per member that its callers bracket, either with a {@link Lease}
 * ({@code try (Lease lease = picker.lease()) { ... }}) or with {@link #onStart}/{@link #onFinish}. LEAST_OUTSTANDING
 * and BOUNDED_LOAD choose by those counts; the other strategies only keep them. Pickers are thread-safe; two
 * pickers count independently.
 */
public interface Picker {

    /** A builder of a picker over {@code router}. */
    static Builder builder(Router router) {
        Objects.requireNonNull(router, "router");
        return new Builder(router);
    }

    /** The strategy. */
    PickStrategy strategy();

    /**
     * A member for a keyless call.
     *
     * @throws NoRouteException if no member is present and UP
     * @throws IllegalStateException if the strategy picks by key ({@link PickStrategy#isKeyed()})
     */
    Member pick();

    /**
     * A member for a call about {@code key}.
     *
     * @throws NoRouteException if no ring has been read or no member can take the key's slot
     * @throws IllegalStateException if the strategy is keyless
     * @throws NullPointerException if {@code key} is null
     */
    Member pick(String key);

    /** {@link #pick()} and {@link #onStart}: the call is in flight until the lease is closed. */
    default Lease lease() {
        return start(pick());
    }

    /** {@link #pick(String)} and {@link #onStart}: the call is in flight until the lease is closed. */
    default Lease lease(String key) {
        return start(pick(key));
    }

    /** Counts a call to {@code member} as in flight until the returned lease is closed. */
    Lease start(Member member);

    /** Counts a call to {@code member} as in flight; pair each with one {@link #onFinish}. */
    void onStart(Member member);

    /**
     * Ends a call counted by {@link #onStart}.
     *
     * @throws IllegalStateException if no call to that member is in flight
     */
    void onFinish(Member member);

    /** The calls in flight to the member with this id through this picker. */
    int outstanding(String memberId);

    /** One call in flight to one member; closing it ends the call. */
    interface Lease extends AutoCloseable {

        /** The member the call goes to. */
        Member member();

        /** Ends the call. Idempotent. */
        @Override
        void close();
    }

    /**
     * Builds a {@link Picker}. Defaults: ε = {@value #DEFAULT_LOAD_EPSILON} (BOUNDED_LOAD), random numbers from
     * {@link java.util.concurrent.ThreadLocalRandom} (RANDOM).
     */
    final class Builder {
        /** The default ε of BOUNDED_LOAD: a member may carry 25% more than the mean before keys spill. */
        public static final double DEFAULT_LOAD_EPSILON = 0.25;

        private final Router router;
        private PickStrategy strategy;
        private Double epsilon;
        private RandomGenerator random;

        private Builder(Router router) {
            this.router = router;
        }

        /** The strategy. Required. */
        public Builder strategy(PickStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /**
         * ε of BOUNDED_LOAD: how far over the mean load a member may go before a key spills to its next replica.
         *
         * @throws IllegalArgumentException if {@code epsilon} is negative, NaN or infinite
         */
        public Builder loadEpsilon(double epsilon) {
            if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
                throw new IllegalArgumentException("loadEpsilon must be a finite number >= 0, was " + epsilon);
            }
            this.epsilon = epsilon;
            return this;
        }

        /** The random numbers of RANDOM, for reproducible tests; it must be thread-safe if pickers are shared. */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Builds it.
         *
         * @throws IllegalStateException if no strategy was set, or an option does not apply to the strategy
         */
        public Picker build() {
            if (strategy == null) {
                throw new IllegalStateException("strategy is required (one of ROUND_ROBIN, RANDOM, WEIGHTED, "
                        + "LEAST_OUTSTANDING, CONSISTENT_HASH, BOUNDED_LOAD)");
            }
            if (epsilon != null && strategy != PickStrategy.BOUNDED_LOAD) {
                throw new IllegalStateException("loadEpsilon applies to BOUNDED_LOAD only, strategy is " + strategy);
            }
            if (random != null && strategy != PickStrategy.RANDOM) {
                throw new IllegalStateException("random applies to RANDOM only, strategy is " + strategy);
            }
            return new StrategyPicker(
                    router::table, strategy, epsilon == null ? DEFAULT_LOAD_EPSILON : epsilon, random);
        }
    }
}
