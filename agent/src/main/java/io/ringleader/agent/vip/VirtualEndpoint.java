package io.ringleader.agent.vip;

import io.ringleader.agent.membership.Member;
import io.ringleader.agent.routing.Router;
import java.io.Closeable;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.curator.framework.listen.Listenable;

/**
 * A virtual endpoint ("VIP") for a single-master service: one name that always resolves to the current master.
 *
 * <pre>{@code
 * VirtualEndpoint db = agent.virtualEndpoint("orders-db");
 * db.listenable().addListener((old, now, epoch) -> log.info("master is now {}", now));
 * db.addSwitchoverAction(CommandSwitchover.builder(List.of("/usr/local/bin/move-ip", "eth0"))
 *         .timeout(Duration.ofSeconds(20))
 *         .build());
 * db.start();
 * Optional<Member> master = db.resolve();
 * }</pre>
 *
 * <p>The master is the primary of one fixed slot of the ring: by default the slot of the endpoint's name (the slot
 * {@code router.slotOf(name)} gives), or the one set with {@link Builder#slot(int)}. So it follows the same rules
 * as the primary of every slot: the first replica in the slot's ring list whose member is present and UP, moved to
 * the next replica by every agent on its own when the master leaves, stops being UP or is drained. No ZooKeeper
 * write is on that path.
 *
 * <p>{@link #resolve()} works at once, without {@link #start()}. Starting delivers master changes to the
 * {@link MasterListener}s and runs the {@link SwitchoverAction}s on the endpoint's own thread. When tables change
 * faster than that thread handles them, it goes straight to the newest one: listeners and actions hear the master
 * the router serves, not every master in between.
 *
 * <p>IMPORTANT: the endpoint is as fresh as the router's table (see {@link Router}): two agents may briefly resolve
 * the name to different members while a change propagates, and while the connection is SUSPENDED the last known
 * master is still resolved. The master must check its own roles ({@code roles().current().isPrimary(slot)}) before
 * acting as master, and pass the epoch to whatever it protects.
 */
public interface VirtualEndpoint extends Closeable {

    /**
     * A builder for an endpoint named {@code name} over a router that the endpoint neither starts nor closes.
     *
     * @throws IllegalArgumentException if {@code name} is blank
     */
    static Builder builder(Router router, String name) {
        return new Builder(router, name);
    }

    /** The endpoint's name. */
    String name();

    /** The slot this endpoint follows in the router's current ring; empty if no ring has been read yet. */
    OptionalInt slot();

    /**
     * The current master: the primary of the endpoint's slot in the router's current table. Never blocks: one
     * volatile read and an array read.
     *
     * @return the master, or empty if no ring has been read yet or no replica of the slot is present and UP
     */
    Optional<Member> resolve();

    /** Where to add {@link MasterListener}s; add them before {@link #start()} to hear the first master. */
    Listenable<MasterListener> listenable();

    /**
     * Adds an action to run on every takeover, after the ones added before; add it before {@link #start()} for it
     * to run for the first master too.
     *
     * @throws IllegalStateException if the endpoint is closed
     */
    void addSwitchoverAction(SwitchoverAction action);

    /**
     * Starts following the router: the listeners are told the current master (old master null) if there is one,
     * and then every change.
     *
     * @throws IllegalStateException if already started or closed
     */
    void start();

    /**
     * Stops following the router and ends the endpoint's thread, interrupting a running action. Idempotent;
     * {@link #resolve()} still answers from the router afterwards.
     */
    @Override
    void close();

    /** Builds a {@link VirtualEndpoint}. */
    final class Builder {
        private final Router router;
        private final String name;
        private int slot = -1;
        private String threadName;
        private String logName;

        private Builder(Router router, String name) {
            this.router = Objects.requireNonNull(router, "router");
            this.name = Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("virtual endpoint name must not be blank");
            }
        }

        /**
         * Follows this slot instead of the slot of the endpoint's name. A slot beyond the ring's slot count
         * resolves to nothing (and is logged).
         *
         * @throws IllegalArgumentException if {@code slot < 0}
         */
        public Builder slot(int slot) {
            if (slot < 0) {
                throw new IllegalArgumentException("slot must be at least 0, was " + slot);
            }
            this.slot = slot;
            return this;
        }

        /** The name of the endpoint's thread (default {@code ringleader-vip-<name>}). */
        public Builder threadName(String name) {
            this.threadName = Objects.requireNonNull(name, "threadName");
            return this;
        }

        /** Who the endpoint belongs to in log lines, for example {@code cluster=orders member=kv-1} (default none). */
        public Builder logName(String name) {
            this.logName = Objects.requireNonNull(name, "logName");
            return this;
        }

        /** Builds it (not started). */
        public VirtualEndpoint build() {
            String thread = threadName != null ? threadName : "ringleader-vip-" + name;
            String prefix = "[" + (logName == null ? "" : logName + " ") + "vip=" + name + "] ";
            return new RoutedVirtualEndpoint(router, name, slot, thread, prefix);
        }
    }
}
