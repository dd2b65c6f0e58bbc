package io.ringleader.agent.vip;

import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.Router;
import io.ringleader.agent.routing.RoutingListener;
import io.ringleader.agent.routing.RoutingTable;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.listen.Listenable;
import org.apache.curator.framework.listen.StandardListenerManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link VirtualEndpoint} that reads the primary of its slot from the router's table, and tells master changes
 * and runs switchover actions on one own thread.
 */
final class RoutedVirtualEndpoint implements VirtualEndpoint {
    private static final Logger log = LoggerFactory.getLogger(RoutedVirtualEndpoint.class);
    private static final long CLOSE_WAIT_SECONDS = 5;

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final Router router;
    private final String name;
    /** The fixed slot, or -1 for the slot of the name. */
    private final int fixedSlot;

    private final String logPrefix;
    private final ExecutorService executor;
    private final StandardListenerManager<MasterListener> listeners = StandardListenerManager.standard();
    private final List<SwitchoverAction> actions = new CopyOnWriteArrayList<>();
    private final AtomicBoolean evaluationQueued = new AtomicBoolean();
    private final RoutingListener routingListener = (previous, current) -> queueEvaluation();
    private volatile Thread thread;

    // Confined to the executor thread.
    private Member told;
    private boolean warnedSlotOutOfRange;

    RoutedVirtualEndpoint(Router router, String name, int fixedSlot, String threadName, String logPrefix) {
        this.router = router;
        this.name = name;
        this.fixedSlot = fixedSlot;
        this.logPrefix = logPrefix;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public OptionalInt slot() {
        Ring ring = router.table().ring().orElse(null);
        return ring == null ? OptionalInt.empty() : OptionalInt.of(slotIn(ring));
    }

    @Override
    public Optional<Member> resolve() {
        return Optional.ofNullable(masterIn(router.table()));
    }

    @Override
    public Listenable<MasterListener> listenable() {
        return listeners;
    }

    @Override
    public void addSwitchoverAction(SwitchoverAction action) {
        Objects.requireNonNull(action, "action");
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("virtual endpoint '" + name + "' is closed");
        }
        actions.add(action);
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("virtual endpoint already started or closed: " + state.get());
        }
        router.listenable().addListener(routingListener);
        // A table served before the listener was added would otherwise never be looked at.
        queueEvaluation();
    }

    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        router.listenable().removeListener(routingListener);
        // Interrupts a running action: a command is killed rather than left behind a closed agent.
        executor.shutdownNow();
        if (Thread.currentThread() != thread) {
            try {
                if (!executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    log.warn("{}endpoint thread did not stop within {}s", logPrefix, CLOSE_WAIT_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        listeners.clear();
        actions.clear();
    }

    /**
     * Queues one look at the router's newest table unless one is queued already: tables that arrive while the
     * thread is busy are folded into that look.
     */
    private void queueEvaluation() {
        if (state.get() != State.STARTED || !evaluationQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(this::evaluate);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void evaluate() {
        // Cleared before reading the table, so that a table served after this read queues another look.
        evaluationQueued.set(false);
        if (state.get() != State.STARTED) {
            return;
        }
        RoutingTable table = router.table();
        Member master = masterIn(table);
        if (sameMaster(told, master)) {
            return;
        }
        Member old = told;
        told = master;
        long epoch = table.epoch();
        log.info(
                "{}master {} -> {} at epoch 0x{}", logPrefix, describe(old), describe(master), Long.toHexString(epoch));
        listeners.forEach(l -> l.masterChanged(old, master, epoch));
        if (master != null) {
            runActions(old, master, epoch);
        }
    }

    private void runActions(Member old, Member master, long epoch) {
        for (SwitchoverAction action : actions) {
            if (state.get() != State.STARTED) {
                return;
            }
            try {
                action.run(old, master, epoch);
            } catch (InterruptedException e) {
                log.warn(
                        "{}switchover action {} interrupted by close, switching to {} at epoch 0x{}",
                        logPrefix,
                        action,
                        describe(master),
                        Long.toHexString(epoch));
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                log.warn(
                        "{}switchover action {} failed, switching {} -> {} at epoch 0x{}: {}; not retried",
                        logPrefix,
                        action,
                        describe(old),
                        describe(master),
                        Long.toHexString(epoch),
                        e.getMessage() != null ? e.getMessage() : e.toString());
            }
        }
    }

    private Member masterIn(RoutingTable table) {
        Ring ring = table.ring().orElse(null);
        if (ring == null) {
            return null;
        }
        int slot = slotIn(ring);
        if (slot >= ring.slotCount()) {
            if (!warnedSlotOutOfRange && Thread.currentThread() == thread) {
                warnedSlotOutOfRange = true;
                log.warn(
                        "{}slot {} is not in a ring of {} slots (epoch {}): no master",
                        logPrefix,
                        slot,
                        ring.slotCount(),
                        ring.epoch());
            }
            return null;
        }
        return table.primary(slot);
    }

    private int slotIn(Ring ring) {
        return fixedSlot >= 0 ? fixedSlot : ring.slotOf(name);
    }

    /**
     * Whether two masters are one: the same member id at the same endpoint in the same incarnation. A new record of
     * the state, weight or attributes of the same incarnation is not a change of master.
     */
    private static boolean sameMaster(Member a, Member b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.id().equals(b.id())
                && a.endpoint().equals(b.endpoint())
                && a.startedAt().equals(b.startedAt());
    }

    private static String describe(Member m) {
        return m == null ? "none" : m.id() + " (" + m.endpoint() + ")";
    }

    @Override
    public String toString() {
        return "VirtualEndpoint{" + name + (fixedSlot >= 0 ? ", slot=" + fixedSlot : "") + "}";
    }
}
