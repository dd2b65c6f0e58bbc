package io.ringleader.agent.routing;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.ringleader.agent.internal.Meters;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.Membership;
import java.io.Closeable;
import java.util.List;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.listen.Listenable;

/**
 * Routes keys to members: follows the ring znode {@code <root>/<cluster>/ring} and the member view, and serves
 * the primary of every slot from a precomputed {@link RoutingTable}.
 *
 * <pre>{@code
 * Member owner = agent.router().route("customer-42");        // the slot's primary
 * List<Member> copies = agent.router().replicas("customer-42");
 * Picker picker = agent.router().picker(PickStrategy.LEAST_OUTSTANDING);
 * try (Picker.Lease lease = picker.lease()) { call(lease.member()); }
 * }</pre>
 *
 * <p>The primary of a slot is the first replica in the slot's ring list whose member is present and UP (or a SPARE
 * the coordinator activated: the ring lists it). When a member leaves or stops being UP, every router moves its
 * slots to the next replica on its own: no ZooKeeper write is on that path.
 *
 * <p>Connection states have one effect each: SUSPENDED and LOST mark the {@link #status() status} not current (the
 * last table is still served); CONNECTED and RECONNECTED set the ring watch again (the ZooKeeper handle is new
 * after a session expiry) and read the ring in full.
 *
 * <p>A ring record that cannot be decoded, or whose epoch is lower than the served ring's, is not served: the
 * router keeps its last good ring, logs one line per bad record, and reports it in {@link #status()}. A deleted
 * ring znode also keeps the last good ring.
 *
 * <p>IMPORTANT: routing is as fresh as the ZooKeeper server the agent talks to; two agents may briefly disagree
 * while a change propagates. A member that receives a request for a slot it is not primary of should refuse it
 * (the roles' epoch fences it).
 */
public interface Router extends Closeable {

    /**
     * A builder for a router over an existing, started client and a membership, neither of which the router
     * closes or starts.
     */
    static Builder builder(CuratorFramework client, ClusterPath path, Membership membership) {
        return new Builder(client, path, membership);
    }

    /**
     * Starts following the ring and the members. Returns at once.
     *
     * @throws IllegalStateException if already started or closed
     */
    void start();

    /** The current routing snapshot; never null. Reading it is one volatile read. */
    RoutingTable table();

    /** Where the ring stands; never null. */
    RouterStatus status();

    /**
     * The primary of the key's slot: one hash and two array reads, no allocation for an ASCII key, no lock.
     *
     * @throws NoRouteException if no ring has been read, or no replica of the key's slot is present and eligible;
     *     the message names the slot
     */
    default Member route(String key) {
        return table().route(key);
    }

    /**
     * The primary of a binary key's slot.
     *
     * @throws NoRouteException as {@link #route(String)}
     */
    default Member route(byte[] key) {
        return table().route(key);
    }

    /**
     * The key's slot.
     *
     * @throws NoRouteException if no ring has been read
     */
    default int slotOf(String key) {
        return table().slotOf(key);
    }

    /**
     * The binary key's slot.
     *
     * @throws NoRouteException if no ring has been read
     */
    default int slotOf(byte[] key) {
        return table().slotOf(key);
    }

    /**
     * The replicas of the key's slot, in ring order, that are present in the member view (in any state): an
     * immutable list built with the routing table, so one hash and one array read, allocating nothing for an ASCII
     * key.
     *
     * @throws NoRouteException if no ring has been read
     */
    default List<Member> replicas(String key) {
        RoutingTable t = table();
        return t.replicas(t.slotOf(key));
    }

    /**
     * The replicas of the binary key's slot, in ring order, that are present in the member view; allocates nothing.
     *
     * @throws NoRouteException if no ring has been read
     */
    default List<Member> replicas(byte[] key) {
        RoutingTable t = table();
        return t.replicas(t.slotOf(key));
    }

    /**
     * The primary of {@code slot}.
     *
     * @throws NoRouteException if no ring has been read, or the slot has no replica that is present and eligible
     *     (UP, or an activated SPARE)
     * @throws IndexOutOfBoundsException if {@code slot} is not in {@code [0, S)}
     */
    default Member primary(int slot) {
        Member m = table().primary(slot);
        if (m == null) {
            throw new NoRouteException(
                    slot,
                    "no route for slot " + slot + ": none of its replicas is present and UP (or an activated SPARE)");
        }
        return m;
    }

    /** A new picker for stateless services with this strategy and its defaults; see {@link Picker#builder}. */
    default Picker picker(PickStrategy strategy) {
        return Picker.builder(this).strategy(strategy).build();
    }

    /**
     * A new caller that sends calls about keys to the members this router names, with {@code policy}'s timeouts,
     * retries, fallback and circuits; see {@link Caller}. The caller owns a thread pool: close it.
     */
    default Caller caller(CallPolicy policy) {
        return new RoutedCaller(this::table, Objects.requireNonNull(policy, "policy"), "", CallMeters.NONE);
    }

    /** Where to add {@link RoutingListener}s. */
    Listenable<RoutingListener> listenable();

    /** Stops following; the last table stays readable. Idempotent. */
    @Override
    void close();

    /** Builds a {@link Router}. */
    final class Builder {
        private final CuratorFramework client;
        private final ClusterPath path;
        private final Membership membership;
        private String threadName;
        private String logName;
        private MeterRegistry meterRegistry;
        private Tags meterTags = Tags.empty();

        private Builder(CuratorFramework client, ClusterPath path, Membership membership) {
            this.client = Objects.requireNonNull(client, "client");
            this.path = Objects.requireNonNull(path, "path");
            this.membership = Objects.requireNonNull(membership, "membership");
        }

        /**
         * The name of the router's thread (default {@code ringleader-router-<cluster>}), used only over a membership
         * that is not the ZooKeeper one: over {@link Membership#builder}'s membership the router runs on the
         * membership's thread.
         */
        public Builder threadName(String name) {
            this.threadName = Objects.requireNonNull(name, "threadName");
            return this;
        }

        /** Who the router belongs to in log lines, for example {@code member=kv-1} (default: none). */
        public Builder logName(String name) {
            this.logName = Objects.requireNonNull(name, "logName");
            return this;
        }

        /**
         * Registers the router's meters (ring epoch and health, slots without a primary, and the call helper's
         * calls by outcome, attempts, retries, fallbacks, timeouts, budget refusals and circuit openings) in {@code
         * registry}, each tagged with {@code tags}; they are removed when the router closes. Default: no meters.
         */
        public Builder meterRegistry(MeterRegistry registry, Tags tags) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            this.meterTags = Objects.requireNonNull(tags, "tags");
            return this;
        }

        /** Builds it (not started). */
        public Router build() {
            String name = threadName != null ? threadName : "ringleader-router-" + path.cluster();
            String prefix = "[cluster=" + path.cluster() + (logName == null ? "" : " " + logName) + "] ";
            return new ZkRouter(client, path, membership, name, prefix, new Meters(meterRegistry, meterTags));
        }
    }
}
