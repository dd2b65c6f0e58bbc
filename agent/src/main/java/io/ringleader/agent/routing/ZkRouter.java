package io.ringleader.agent.routing;

import io.ringleader.agent.internal.Meters;
import io.ringleader.agent.internal.SerialThread;
import io.ringleader.agent.internal.ViewThread;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.MalformedRecordException;
import io.ringleader.agent.layout.RingStore;
import io.ringleader.agent.membership.MemberView;
import io.ringleader.agent.membership.Membership;
import io.ringleader.agent.membership.MembershipListener;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingChunks;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.listen.Listenable;
import org.apache.curator.framework.listen.StandardListenerManager;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper implementation of {@link Router}: one persistent (non-recursive) watch on the ring znode, and one
 * thread on which every read, table computation and listener call happens in order.
 *
 * <p>Over the ZooKeeper membership that thread is the membership's own, and the router follows each view change
 * right after it is published, before the membership's listeners are told: no hand-off between threads on the
 * takeover path, and a membership listener reads a table that already follows the view it is told. Over any other
 * {@link Membership} the router starts a thread of its own and follows the view through a membership listener.
 */
final class ZkRouter implements Router {
    private static final Logger log = LoggerFactory.getLogger(ZkRouter.class);
    private static final long RETRY_MILLIS = 250;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorFramework client;
    private final ClusterPath path;
    private final String ringPath;
    private final Membership membership;
    private final String logPrefix;
    private final SerialThread executor;
    /** The membership when the router shares its thread (which the membership starts and stops), else null. */
    private final ViewThread shared;

    private final Watcher watcher = event -> submit(() -> onEvent(event));
    private final ConnectionStateListener connectionListener =
            (c, newState) -> submit(() -> onConnectionState(newState));
    private final MembershipListener membershipListener = (previous, current) -> submit(this::recompute);
    private final Consumer<MemberView> viewFollower = view -> {
        if (state.get() == State.STARTED) {
            recompute(view);
        }
    };
    private final StandardListenerManager<RoutingListener> listeners = StandardListenerManager.standard();
    private final Meters meters;
    private final CallMeters callMeters;

    // Confined to the executor thread.
    private Ring ring;
    private long ringZxid;
    /** The chunk directory of the ring served, or null if it was read whole. */
    private String servedDir;

    private String problem;
    private long loggedProblemZxid = -1;
    private boolean current;
    private MemberView computedFrom;

    /** See {@link #beforeRingRead(Consumer)}; for tests. */
    private volatile Consumer<RingChunks.Header> beforeRingRead = header -> {};

    private volatile RoutingTable table = RoutingTable.EMPTY;
    private volatile RouterStatus status;

    ZkRouter(
            CuratorFramework client,
            ClusterPath path,
            Membership membership,
            String threadName,
            String logPrefix,
            Meters meters) {
        this.client = client;
        this.path = path;
        this.ringPath = path.ring();
        this.membership = membership;
        this.logPrefix = logPrefix;
        this.problem = "no ring read yet from " + ringPath;
        this.status = new RouterStatus(-1, 0, problem, false);
        this.shared = membership instanceof ViewThread v ? v : null;
        this.executor = shared != null ? shared.thread() : new SerialThread(threadName, log, logPrefix, "router");
        this.meters = meters;
        this.callMeters = new CallMeters(meters);
        meters.gauge(
                "ringleader.ring.epoch",
                "epoch of the ring the router serves (-1 before the first)",
                this,
                r -> r.status().ringEpoch());
        meters.gauge(
                "ringleader.ring.healthy",
                "1 while the router serves a ring read since it (re)connected and has no problem to report",
                this,
                r -> r.status().isHealthy() ? 1 : 0);
        meters.gauge(
                "ringleader.ring.slots.without.primary",
                "slots of the served ring with no replica that is present and UP",
                this,
                r -> r.table().slotsWithoutPrimary());
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("router already started or closed: " + state.get());
        }
        if (shared != null) {
            shared.addFollower(viewFollower);
        } else {
            membership.listenable().addListener(membershipListener);
        }
        client.getConnectionStateListenable().addListener(connectionListener);
        // The client may have connected before this listener was added: CONNECTED would then never reach us.
        submit(() -> {
            recompute();
            if (client.getZookeeperClient().isConnected()) {
                onConnected();
            }
        });
    }

    /**
     * Calls {@code hook} on the router's thread before each ring record read from the ring znode is decoded or
     * assembled, with its header (null for a whole ring); not for a header naming the chunks of the ring served, which
     * is not read again. For tests: a test rewrites the ring there, so that a chunk goes missing between the read of
     * the header and the read of the chunks.
     */
    void beforeRingRead(Consumer<RingChunks.Header> hook) {
        this.beforeRingRead = Objects.requireNonNull(hook, "hook");
    }

    @Override
    public RoutingTable table() {
        return table;
    }

    @Override
    public RouterStatus status() {
        return status;
    }

    @Override
    public Caller caller(CallPolicy policy) {
        return new RoutedCaller(this::table, Objects.requireNonNull(policy, "policy"), logPrefix, callMeters);
    }

    @Override
    public Listenable<RoutingListener> listenable() {
        return listeners;
    }

    @Override
    public void close() {
        if (state.compareAndSet(State.LATENT, State.CLOSED)) {
            meters.close();
            if (shared == null) {
                executor.stop(CLOSE_WAIT);
            }
            return;
        }
        if (!state.compareAndSet(State.STARTED, State.CLOSED)) {
            return;
        }
        meters.close();
        if (shared != null) {
            shared.removeFollower(viewFollower);
        } else {
            membership.listenable().removeListener(membershipListener);
        }
        client.getConnectionStateListenable().removeListener(connectionListener);
        try {
            if (!executor.runAndWait(this::removeWatch, CLOSE_WAIT)) {
                // A shared thread the membership stopped first (or a thread stuck for CLOSE_WAIT): removing the
                // watch touches nothing confined to the thread.
                removeWatch();
            }
        } catch (InterruptedException e) {
            removeWatch();
            Thread.currentThread().interrupt();
        }
        if (shared == null && !executor.stop(CLOSE_WAIT)) {
            log.warn("{}router thread did not stop within {}", logPrefix, CLOSE_WAIT);
        }
        listeners.clear();
    }

    private void submit(Runnable task) {
        if (state.get() == State.STARTED) {
            executor.execute(whileStarted(task));
        }
    }

    /** {@code task}, skipped if the router is closed by the time it runs: a shared thread outlives the router. */
    private Runnable whileStarted(Runnable task) {
        return () -> {
            if (state.get() == State.STARTED) {
                task.run();
            }
        };
    }

    private void onConnectionState(ConnectionState newState) {
        switch (newState) {
            case CONNECTED, RECONNECTED -> onConnected(); // new session, new handle: watch again, read in full
            case SUSPENDED, READ_ONLY, LOST -> markStale(); // keep serving the last table, flagged not current
        }
    }

    private void onConnected() {
        if (ensureWatch()) {
            readRing();
        }
    }

    /**
     * Sets the persistent watch on the ring znode through the raw ZooKeeper handle, which keeps the zxid of each
     * event and works on a znode that does not exist yet (it then fires NodeCreated). The handle is new after a
     * session expiry, so this runs on every (re)connect; within one session it is idempotent.
     */
    private boolean ensureWatch() {
        try {
            client.getZookeeperClient().getZooKeeper().addWatch(ringPath, watcher, AddWatchMode.PERSISTENT);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            log.debug("{}could not watch {}: {}", logPrefix, ringPath, e.toString());
            schedule(this::onConnected);
            return false;
        }
    }

    private void removeWatch() {
        try {
            client.getZookeeperClient().getZooKeeper().removeWatches(ringPath, watcher, Watcher.WatcherType.Any, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("{}ring watch not removed: {}", logPrefix, e.toString());
        }
    }

    private void onEvent(WatchedEvent event) {
        if (!ringPath.equals(event.getPath())) {
            return;
        }
        switch (event.getType()) {
            case NodeCreated, NodeDataChanged -> readRing();
            case NodeDeleted -> onAbsent();
            default -> {}
        }
    }

    private void readRing() {
        readRing(0);
    }

    /** Reads the ring znode; {@code attempt} counts the reads again after the chunks a header named were missing. */
    private void readRing(int attempt) {
        if (state.get() != State.STARTED) {
            return;
        }
        Stat stat = new Stat();
        byte[] data;
        try {
            data = client.getData().storingStatIn(stat).forPath(ringPath);
        } catch (KeeperException.NoNodeException e) {
            onAbsent();
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            // A reconnect reads again; while connected, try again shortly.
            log.debug("{}could not read {}: {}", logPrefix, ringPath, e.toString());
            schedule(this::readRing);
            return;
        }
        long mzxid = stat.getMzxid();
        RingChunks.Header header = null;
        Ring next = null;
        String unreadable = null;
        try {
            header = RingStore.headerOf(path, data);
            if (header != null && header.dir().equals(servedDir)) {
                next = ring; // the same chunk directory holds the same ring: chunks are never changed once written
            } else {
                beforeRingRead.accept(header);
                next = RingStore.read(client, path, data, header);
            }
        } catch (MalformedRecordException e) {
            unreadable = e.getMessage();
        } catch (RingStore.ChunksGoneException e) {
            // A ring in chunks was written again after its header was read and its chunks collected: read the new
            // one, unless the ring znode still names them (deleted by hand), which is a problem to report.
            if (!sameZxid(mzxid)) {
                if (attempt < 3) {
                    readRing(attempt + 1);
                } else {
                    schedule(this::readRing);
                }
                return;
            }
            unreadable = e.getMessage() + ", and the ring znode still names it";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            log.debug("{}could not read the chunks of {}: {}", logPrefix, ringPath, e.toString());
            schedule(this::readRing);
            return;
        }
        current = client.getZookeeperClient().isConnected();
        if (unreadable != null) {
            reject(mzxid, "unreadable ring record at zxid 0x" + Long.toHexString(mzxid) + ": " + unreadable, true);
            return;
        }
        if (accept(next, mzxid)) {
            servedDir = header == null ? null : header.dir();
        }
    }

    /** Whether the ring znode still has modification zxid {@code mzxid}; false if it cannot be read. */
    private boolean sameZxid(long mzxid) {
        try {
            Stat now = client.checkExists().forPath(ringPath);
            return now != null && now.getMzxid() == mzxid;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** Serves {@code next} unless its epoch is lower, or equal with other content; true if it is served. */
    private boolean accept(Ring next, long mzxid) {
        if (ring != null && next.epoch() < ring.epoch()) {
            reject(
                    mzxid,
                    "ring at " + ringPath + " (zxid 0x" + Long.toHexString(mzxid) + ") has epoch " + next.epoch()
                            + ", lower than the served epoch " + ring.epoch() + "; ignored",
                    false);
            return false;
        }
        if (ring != null && next.epoch() == ring.epoch() && !next.equals(ring)) {
            reject(
                    mzxid,
                    "ring at " + ringPath + " (zxid 0x" + Long.toHexString(mzxid) + ") has the served epoch "
                            + next.epoch() + " but other content; ignored",
                    false);
            return false;
        }
        boolean changed = !next.equals(ring);
        boolean rewritten = mzxid != ringZxid;
        if (changed) {
            ring = next; // an equal ring keeps its instance: the next table follows the previous one's (RoutingTable)
        }
        ringZxid = mzxid;
        problem = null;
        // Before the listeners are told: the roles derive nothing from a table whose router is not current, and no
        // later event would make them derive again.
        publishStatus();
        if (changed) {
            log.info(
                    "{}serving ring epoch {} ({} slots, replication {}, {} members) from zxid 0x{}",
                    logPrefix,
                    next.epoch(),
                    next.slotCount(),
                    next.replication(),
                    next.members().size(),
                    Long.toHexString(mzxid));
        }
        if (changed || rewritten) {
            // The same ring written again still moves the table's epoch: catchUp to its zxid must not wait in vain.
            recompute();
        }
        return true;
    }

    /** Keeps the served ring; logs once per bad record (a reconnect re-reads the same mzxid). */
    private void reject(long mzxid, String why, boolean error) {
        problem = why;
        if (mzxid != loggedProblemZxid) {
            loggedProblemZxid = mzxid;
            String kept = ring == null ? "no ring served yet" : "keeping ring epoch " + ring.epoch();
            if (error) {
                log.error("{}{}; {}", logPrefix, why, kept);
            } else {
                log.warn("{}{}; {}", logPrefix, why, kept);
            }
        }
        publishStatus();
    }

    private void onAbsent() {
        current = client.getZookeeperClient().isConnected();
        String next = ring == null ? "no ring znode at " + ringPath + " yet" : "ring znode deleted";
        if (ring != null && !next.equals(problem)) {
            log.warn("{}ring znode {} deleted; keeping ring epoch {}", logPrefix, ringPath, ring.epoch());
        }
        problem = next;
        publishStatus();
    }

    private void markStale() {
        current = false;
        publishStatus();
    }

    private void recompute() {
        recompute(membership.view());
    }

    /** From {@code view}: the one the membership just published, when the router follows it as it is published. */
    private void recompute(MemberView view) {
        RoutingTable previous = table;
        if (view == computedFrom && previous.ring().orElse(null) == ring && previous.ringZxid() == ringZxid) {
            return;
        }
        computedFrom = view;
        RoutingTable next = RoutingTable.of(ring, ringZxid, view, previous);
        table = next;
        boolean rerouted = !next.sameRouting(previous);
        if (rerouted || next.epoch() != previous.epoch()) {
            if (rerouted && next.slotsWithoutPrimary() != previous.slotsWithoutPrimary() && ring != null) {
                log.info(
                        "{}ring epoch {}: {} of {} slots without a primary ({} members UP)",
                        logPrefix,
                        ring.epoch(),
                        next.slotsWithoutPrimary(),
                        ring.slotCount(),
                        next.upMembers().size());
            }
            listeners.forEach(l -> l.routingChanged(previous, next));
        }
    }

    private void publishStatus() {
        status = new RouterStatus(ring == null ? -1 : ring.epoch(), ringZxid, problem, current);
    }

    private void schedule(Runnable task) {
        if (state.get() != State.STARTED || !client.getZookeeperClient().isConnected()) {
            return;
        }
        executor.schedule(whileStarted(task), RETRY_MILLIS);
    }
}
