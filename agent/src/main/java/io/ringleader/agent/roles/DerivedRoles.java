package io.ringleader.agent.roles;

import io.micrometer.core.instrument.Timer;
import io.ringleader.agent.events.EventLog;
import io.ringleader.agent.internal.SerialThread;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberView;
import io.ringleader.agent.membership.Membership;
import io.ringleader.agent.membership.MembershipListener;
import io.ringleader.agent.membership.RegistrationState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.Router;
import io.ringleader.agent.routing.RoutingTable;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.listen.Listenable;
import org.apache.curator.framework.listen.StandardListenerManager;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link Roles} derived from the router's tables, on one own thread. */
final class DerivedRoles implements Roles {
    private static final Logger log = LoggerFactory.getLogger(DerivedRoles.class);
    private static final long FRESH_CHECK_MILLIS = 50;

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorFramework client;
    private final String memberId;
    private final Membership membership;
    private final Router router;
    private final String logPrefix;
    private final SerialThread executor;
    private final StandardListenerManager<RoleListener> listeners = StandardListenerManager.standard();
    private final ConnectionStateListener connectionListener = (c, s) -> onConnectionStateNow(s);
    private final Object monitor = new Object();
    /** Null when takeovers are not recorded. */
    private final TakeoverRecorder takeovers;

    private volatile RoleSnapshot current = RoleSnapshot.NONE;
    /** False from a suspension until the ring and members were read again. */
    private volatile boolean fresh;
    // Confined to the executor: what the listeners were last told.
    private RoleSnapshot told = RoleSnapshot.NONE;
    /** The table the roles last told were derived from; null before the first. */
    private RoutingTable toldFrom;

    private boolean freshCheckScheduled;

    /**
     * Roles of {@code memberId} (null for an observer, which has none) over a membership and a router; the agent
     * starts the roles after the membership and before the router, and they derive nothing until the router is
     * current.
     *
     * @param threadName the roles thread's name
     * @param takeoverLog where this member records its takeovers, or null not to
     * @param takeoverDuration where it times them, or null not to
     */
    DerivedRoles(
            CuratorFramework client,
            String memberId,
            Membership membership,
            Router router,
            String threadName,
            EventLog takeoverLog,
            Timer takeoverDuration) {
        this.client = client;
        this.memberId = memberId;
        this.membership = membership;
        this.router = router;
        this.logPrefix = "[member=" + memberId + "] ";
        this.executor = new SerialThread(threadName, log, logPrefix, "roles");
        this.takeovers = (takeoverLog == null && takeoverDuration == null) || memberId == null
                ? null
                : new TakeoverRecorder(
                        memberId,
                        membership,
                        router,
                        takeoverLog,
                        takeoverDuration,
                        Clock.systemUTC(),
                        threadName.endsWith("-roles")
                                ? threadName.substring(0, threadName.length() - "-roles".length()) + "-takeovers"
                                : threadName + "-takeovers");
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("roles already started or closed: " + state.get());
        }
        client.getConnectionStateListenable().addListener(connectionListener);
        if (takeovers != null) {
            takeovers.start();
        }
        // The router tells every new table, including one whose only change is its epoch; membership changes reach
        // the roles through it, so that roles are always derived from the table the router serves.
        router.listenable().addListener((before, after) -> submit(this::derive));
        membership.listenable().addListener(new MembershipListener() {
            @Override
            public void viewChanged(MemberView previous, MemberView now) {}

            @Override
            public void registrationChanged(RegistrationState registration, String detail) {
                submit(DerivedRoles.this::derive);
            }
        });
        fresh = client.getZookeeperClient().isConnected();
        submit(this::derive);
    }

    @Override
    public RoleSnapshot current() {
        return current;
    }

    @Override
    public Listenable<RoleListener> listenable() {
        return listeners;
    }

    @Override
    public boolean catchUp(long epoch, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (current.epoch() >= epoch) {
            return true;
        }
        try {
            // sync() makes the server this client talks to catch up with the leader; the watches then deliver
            // whatever it had not sent yet.
            client.sync().inBackground().forPath("/");
        } catch (Exception e) {
            log.debug("{}sync failed: {}", logPrefix, e.toString());
        }
        synchronized (monitor) {
            while (current.epoch() < epoch) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(monitor, remaining);
            }
            return true;
        }
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            executor.stop(Duration.ofSeconds(5));
            return;
        }
        client.getConnectionStateListenable().removeListener(connectionListener);
        synchronized (monitor) {
            fresh = false;
            RoleSnapshot was = current;
            current = new RoleSnapshot(SlotSet.empty(), SlotSet.empty(), was.epoch(), false);
        }
        executor.stop(Duration.ofSeconds(5));
        if (takeovers != null) {
            takeovers.close();
        }
        listeners.clear();
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    private void submit(Runnable task) {
        if (state.get() == State.STARTED) {
            executor.execute(task);
        }
    }

    /**
     * On Curator's thread: a suspension ends every primary role before anything else happens, so that
     * {@link RoleSnapshot#isPrimary(int)} is false from this moment on; the listeners are told on the roles thread.
     */
    private void onConnectionStateNow(ConnectionState newState) {
        switch (newState) {
            case SUSPENDED, LOST, READ_ONLY -> {
                synchronized (monitor) {
                    fresh = false;
                    RoleSnapshot was = current;
                    current = new RoleSnapshot(SlotSet.empty(), was.backup(), was.epoch(), false);
                }
                String cause = newState == ConnectionState.LOST
                        ? "session lost"
                        : "connection " + newState.name().toLowerCase(java.util.Locale.ROOT);
                submit(() -> tell(cause, null));
            }
            case CONNECTED, RECONNECTED -> submit(this::awaitFresh);
        }
    }

    /** After a reconnect: roles come back only once the members and the ring were read again. */
    private void awaitFresh() {
        if (state.get() != State.STARTED || !client.getZookeeperClient().isConnected()) {
            return;
        }
        if (membership.view().isCurrent() && router.status().current()) {
            fresh = true;
            derive();
        } else if (!freshCheckScheduled) {
            freshCheckScheduled = true;
            executor.schedule(this::scheduledFreshCheck, FRESH_CHECK_MILLIS);
        }
    }

    /** The one scheduled re-check: a reconnect meanwhile does not start a second chain of them. */
    private void scheduledFreshCheck() {
        freshCheckScheduled = false;
        awaitFresh();
    }

    private void derive() {
        if (!fresh || memberId == null) {
            return;
        }
        MemberView view = membership.view();
        if (!view.isCurrent() || !router.status().current()) {
            return;
        }
        RoutingTable table = router.table();
        Ring ring = table.ring().orElse(null);
        SlotSet.Builder primary = new SlotSet.Builder();
        SlotSet.Builder backup = new SlotSet.Builder();
        if (ring != null && ownRecordIsLive(view)) {
            int me = ring.indexOf(memberId);
            if (me >= 0) {
                for (int slot = 0; slot < ring.slotCount(); slot++) {
                    Member p = table.primary(slot);
                    if (p != null && p.id().equals(memberId)) {
                        primary.add(slot);
                    } else if (listed(ring, slot, me)) {
                        backup.add(slot);
                    }
                }
            }
        }
        synchronized (monitor) {
            if (!fresh) {
                return; // suspended meanwhile
            }
            current = new RoleSnapshot(primary.build(), backup.build(), table.epoch(), true);
            monitor.notifyAll();
        }
        tell("ring epoch " + table.ringEpoch() + ", members at zxid 0x" + Long.toHexString(table.membersZxid()), table);
    }

    /**
     * Whether the view's record of this member is the one this agent registered under its current session: a
     * predecessor's record (an expired session the server has not removed yet) does not make this member primary.
     */
    private boolean ownRecordIsLive(MemberView view) {
        if (membership.registrationState() != RegistrationState.REGISTERED) {
            return false;
        }
        long session;
        try {
            session = client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return false;
        }
        return view.entry(memberId).map(e -> e.sessionId() == session).orElse(false);
    }

    private static boolean listed(Ring ring, int slot, int member) {
        for (int rank = 0; rank < ring.replication(); rank++) {
            int index = ring.replicaIndex(slot, rank);
            if (index == Ring.NONE) {
                return false;
            }
            if (index == member) {
                return true;
            }
        }
        return false;
    }

    /** Tells the listeners what changed since they were last told; {@code table}: derived from it, or null. */
    private void tell(String cause, RoutingTable table) {
        RoleSnapshot now = current;
        RoleSnapshot before = told;
        RoleChange change = new RoleChange(
                now.primary().minus(before.primary()),
                before.primary().minus(now.primary()),
                now.backup().minus(before.backup()),
                before.backup().minus(now.backup()),
                now.epoch(),
                cause,
                now);
        told = now;
        RoutingTable derivedBefore = toldFrom;
        if (table != null) {
            toldFrom = table;
        }
        if (change.isEmpty()) {
            return;
        }
        if (!change.gainedPrimary().isEmpty() || !change.lostPrimary().isEmpty()) {
            log.info(
                    "{}primary of {} slots at epoch 0x{} (+{} -{}): {}",
                    logPrefix,
                    now.primary().size(),
                    Long.toHexString(now.epoch()),
                    change.gainedPrimary().size(),
                    change.lostPrimary().size(),
                    cause);
        }
        listeners.forEach(l -> l.rolesChanged(change));
        if (takeovers != null && table != null) {
            takeovers.told(derivedBefore, table, change);
        }
    }
}
