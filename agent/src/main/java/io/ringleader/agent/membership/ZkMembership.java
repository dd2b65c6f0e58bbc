package io.ringleader.agent.membership;

import io.ringleader.agent.internal.SerialThread;
import io.ringleader.agent.internal.ViewThread;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.MalformedRecordException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.listen.Listenable;
import org.apache.curator.framework.listen.StandardListenerManager;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper implementation of {@link Membership}: one persistent recursive watch on {@code members/}, one
 * ephemeral znode for the own record, and one thread on which every ZooKeeper read, write and listener call
 * happens in order.
 */
final class ZkMembership implements Membership, ViewThread {
    private static final Logger log = LoggerFactory.getLogger(ZkMembership.class);
    private static final long RETRY_MILLIS = 250;
    private static final long FALLBACK_RETRY_MILLIS = 1_000;
    private static final long AUTH_RETRY_MILLIS = 5_000;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorFramework client;
    private final ClusterPath path;
    private final List<ACL> acl;
    private final String selfPath;
    private final String logPrefix;
    private final SerialThread executor;
    private final Watcher watcher = event -> submit(() -> onEvent(event));
    private final StandardListenerManager<MembershipListener> listeners = StandardListenerManager.standard();
    private final List<Consumer<MemberView>> followers = new CopyOnWriteArrayList<>();
    private final ConnectionStateListener connectionListener = (c, newState) -> onConnectionStateNow(newState);
    private final Object monitor = new Object();

    // Confined to the executor thread.
    private final TreeMap<String, MemberView.Entry> entries = new TreeMap<>();
    private final Map<String, Long> warnedMalformed = new HashMap<>();
    private final Set<Long> ownSessions = new HashSet<>();
    private long zxid;
    private boolean current;
    private int selfVersion = -1;
    private long selfSession;
    private long selfCzxid;
    private long foreignOwner;
    private long foreignDeadline;
    private boolean authWarned;
    private ScheduledFuture<?> retry;
    private MemberView notifiedView = MemberView.empty();
    private RegistrationState notifiedRegistration;

    private volatile MemberView view = MemberView.empty();
    private volatile Member self;
    private volatile RegistrationState registration;
    private volatile boolean viewLoaded;
    private volatile boolean connected;
    private volatile MemberIdConflictException conflict;

    ZkMembership(CuratorFramework client, ClusterPath path, Member self, List<ACL> acl, String threadName) {
        this.client = client;
        this.path = path;
        this.self = self;
        this.acl = acl;
        this.selfPath = self == null ? null : path.member(self.id());
        this.registration = self == null ? RegistrationState.OBSERVER : RegistrationState.REGISTERING;
        this.logPrefix = "[cluster=" + path.cluster() + (self == null ? " observer" : " member=" + self.id()) + "] ";
        this.notifiedRegistration = registration;
        this.executor = new SerialThread(threadName, log, logPrefix, "membership");
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("membership already started or closed: " + state.get());
        }
        client.getConnectionStateListenable().addListener(connectionListener);
        // The client may have connected before this listener was added: CONNECTED would then never reach us.
        if (client.getZookeeperClient().isConnected()) {
            connected = true;
            submit(this::onConnected);
        }
    }

    @Override
    public MemberView view() {
        return view;
    }

    @Override
    public SerialThread thread() {
        return executor;
    }

    @Override
    public void addFollower(Consumer<MemberView> follower) {
        followers.add(Objects.requireNonNull(follower, "follower"));
    }

    @Override
    public void removeFollower(Consumer<MemberView> follower) {
        followers.remove(follower);
    }

    @Override
    public Listenable<MembershipListener> listenable() {
        return listeners;
    }

    @Override
    public Optional<Member> self() {
        return Optional.ofNullable(self);
    }

    @Override
    public RegistrationState registrationState() {
        return registration;
    }

    @Override
    public void update(UnaryOperator<Member> change) {
        if (selfPath == null) {
            throw new IllegalStateException("an observer has no record to update");
        }
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("membership is closed");
        }
        synchronized (monitor) {
            Member before = self;
            Member after = Objects.requireNonNull(change.apply(before), "the change returned null");
            if (!after.id().equals(before.id())
                    || !after.endpoint().equals(before.endpoint())
                    || !after.startedAt().equals(before.startedAt())) {
                throw new IllegalArgumentException("a member's id, endpoint and start time cannot change");
            }
            MemberCodec.encode(after);
            if (after.equals(before)) {
                return; // nothing to publish: a write would only bump the record's version and every view's epoch
            }
            self = after;
        }
        submit(this::publishSelf);
    }

    @Override
    public void awaitJoined(Duration timeout) throws InterruptedException, TimeoutException, MemberIdConflictException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (true) {
                if (state.get() != State.STARTED) {
                    throw new IllegalStateException("membership is " + state.get() + ", not started");
                }
                if (conflict != null) {
                    throw conflict;
                }
                if (selfPath == null ? viewLoaded : registration == RegistrationState.REGISTERED) {
                    return;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new TimeoutException(timeoutMessage(timeout));
                }
                TimeUnit.NANOSECONDS.timedWait(monitor, remaining);
            }
        }
    }

    private String timeoutMessage(Duration timeout) {
        String what = selfPath == null ? "did not read the members of" : "did not join";
        String connectString = client.getZookeeperClient().getCurrentConnectionString();
        if (!client.getZookeeperClient().isConnected()) {
            return what + " cluster '" + path.cluster() + "' within " + timeout + ": cannot connect to ZooKeeper at "
                    + connectString + "; check the connect string and that ZooKeeper is running";
        }
        return what + " cluster '" + path.cluster() + "' within " + timeout + ": connected to " + connectString
                + " but registration is " + registration;
    }

    @Override
    public void close() {
        if (state.compareAndSet(State.LATENT, State.CLOSED)) {
            executor.stop(CLOSE_WAIT);
            return;
        }
        if (!state.compareAndSet(State.STARTED, State.CLOSED)) {
            return;
        }
        client.getConnectionStateListenable().removeListener(connectionListener);
        try {
            // The record first: the other members' takeover starts with its deletion.
            boolean done = executor.runAndWait(
                    () -> {
                        deleteSelf();
                        removeWatch();
                    },
                    CLOSE_WAIT);
            if (!done) {
                log.warn("{}could not delete the own record at close; it goes when the session ends", logPrefix);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!executor.stop(CLOSE_WAIT)) {
            log.warn("{}membership thread did not stop within {}", logPrefix, CLOSE_WAIT);
        }
        if (selfPath != null) {
            registration = RegistrationState.CLOSED;
        }
        listeners.clear();
        followers.clear();
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    private void submit(Runnable task) {
        if (state.get() != State.CLOSED) {
            executor.execute(task);
        }
    }

    /**
     * Runs on Curator's connection-state thread, so that SUSPENDED and LOST take effect at once even while the
     * membership thread is busy with a slow ZooKeeper call: the view stops being current and the registration
     * stops saying REGISTERED before anything else happens. Listeners are told on the membership thread.
     */
    private void onConnectionStateNow(ConnectionState newState) {
        switch (newState) {
            case CONNECTED, RECONNECTED -> {
                connected = true;
                submit(this::onConnected);
            }
            case SUSPENDED, READ_ONLY, LOST -> {
                synchronized (monitor) {
                    connected = false;
                    view = view.withCurrent(false);
                    if (selfPath != null
                            && registration != RegistrationState.CONFLICT
                            && registration != RegistrationState.CLOSED) {
                        if (newState == ConnectionState.LOST) {
                            registration = RegistrationState.LOST;
                        } else if (registration == RegistrationState.REGISTERED) {
                            registration = RegistrationState.SUSPENDED;
                        }
                    }
                    monitor.notifyAll();
                }
                String detail = newState == ConnectionState.LOST
                        ? "session lost: the record is re-created once a new session connects"
                        : "connection suspended: the record may be gone";
                submit(() -> {
                    current = false;
                    publish();
                    notifyRegistration(detail);
                });
            }
        }
    }

    private void onConnected() {
        ensureMembersPath();
        if (ensureWatch()) {
            refresh();
        }
        ensureRegistered();
    }

    /**
     * Sets the persistent recursive watch on {@code members/} through the raw ZooKeeper handle: Curator's watcher
     * wrapper drops the zxid that ZooKeeper 3.9 puts in every event, and that zxid orders deletions. The handle is
     * new after a session expiry, so this runs on every (re)connect; within one session it is idempotent.
     */
    private boolean ensureWatch() {
        try {
            client.getZookeeperClient()
                    .getZooKeeper()
                    .addWatch(path.members(), watcher, AddWatchMode.PERSISTENT_RECURSIVE);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            log.debug("{}could not watch {}: {}", logPrefix, path.members(), e.toString());
            schedule(this::onConnected);
            return false;
        }
    }

    private void removeWatch() {
        try {
            client.getZookeeperClient()
                    .getZooKeeper()
                    .removeWatches(path.members(), watcher, Watcher.WatcherType.Any, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("{}watch not removed: {}", logPrefix, e.toString());
        }
    }

    private void ensureMembersPath() {
        try {
            // the members' parent gets the records' ACL (an observer has none: the client's ACL provider decides)
            client.create().creatingParentsIfNeeded().withACL(acl).forPath(path.members());
        } catch (KeeperException.NodeExistsException e) {
            // the usual case
        } catch (Exception e) {
            log.debug("{}could not create {}: {}", logPrefix, path.members(), e.toString());
        }
    }

    private void ensureRegistered() {
        if (selfPath == null || state.get() != State.STARTED || registration == RegistrationState.CONFLICT) {
            return;
        }
        cancelRetry();
        long session;
        try {
            session = client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            scheduleRetry(RETRY_MILLIS);
            return;
        }
        if (session == 0 || !connected) {
            return; // CONNECTED/RECONNECTED calls again
        }
        // Recorded before the create: if its reply is lost and the session then expires, the node is still ours.
        ownSessions.add(session);
        try {
            Stat existing = client.checkExists().forPath(selfPath);
            if (existing != null) {
                onSelfExists(session);
                return;
            }
            Stat stat = new Stat();
            client.create()
                    .storingStatIn(stat)
                    .creatingParentsIfNeeded()
                    .withMode(CreateMode.EPHEMERAL)
                    .withACL(acl)
                    .forPath(selfPath, MemberCodec.encode(self));
            registered(session, stat, "registered under session 0x" + Long.toHexString(session));
        } catch (KeeperException.NodeExistsException e) {
            onSelfExists(session);
        } catch (KeeperException.NoAuthException | KeeperException.InvalidACLException e) {
            if (!authWarned) {
                authWarned = true;
                log.error(
                        "{}ZooKeeper refused to create {} ({}): check the agent's authorization and the ACL of {}",
                        logPrefix,
                        selfPath,
                        e.code(),
                        path.members());
            }
            setRegistration(RegistrationState.REGISTERING, "ZooKeeper refused the record: " + e.code());
            scheduleRetry(AUTH_RETRY_MILLIS);
        } catch (Exception e) {
            log.warn("{}could not register ({}); retrying", logPrefix, e.toString());
            scheduleRetry(RETRY_MILLIS);
        }
    }

    private void onSelfExists(long session) {
        try {
            Stat stat = new Stat();
            byte[] existing = client.getData().storingStatIn(stat).forPath(selfPath);
            long owner = stat.getEphemeralOwner();
            if (owner == session) {
                byte[] data = MemberCodec.encode(self);
                if (!Arrays.equals(existing, data)) {
                    stat = client.setData().withVersion(stat.getVersion()).forPath(selfPath, data);
                }
                registered(session, stat, "record confirmed under session 0x" + Long.toHexString(session));
            } else if (ownSessions.contains(owner)) {
                // The NodeDeleted event of the watch calls ensureRegistered(); the timer is only a fallback.
                setRegistration(
                        RegistrationState.REGISTERING,
                        "waiting for the record of expired session 0x" + Long.toHexString(owner) + " to go");
                scheduleRetry(FALLBACK_RETRY_MILLIS);
            } else {
                awaitRelease(owner);
            }
        } catch (KeeperException.NoNodeException gone) {
            submit(this::ensureRegistered);
        } catch (Exception e) {
            log.warn("{}could not check the existing record ({}); retrying", logPrefix, e.toString());
            scheduleRetry(RETRY_MILLIS);
        }
    }

    /**
     * Another session holds the id. It may be a crashed predecessor whose session has not timed out yet, so wait
     * one session timeout for it to go; if it is still there then, it is live: refuse rather than take it.
     */
    private void awaitRelease(long owner) {
        long now = System.nanoTime();
        if (owner != foreignOwner) {
            foreignOwner = owner;
            int sessionMillis = client.getZookeeperClient().getLastNegotiatedSessionTimeoutMs();
            foreignDeadline = now + TimeUnit.MILLISECONDS.toNanos(Math.max(sessionMillis, 1_000) + 500L);
        }
        if (now - foreignDeadline >= 0) {
            MemberIdConflictException e = new MemberIdConflictException(self.id(), owner, selfPath);
            log.error("{}{}", logPrefix, e.getMessage());
            conflict = e;
            setRegistration(RegistrationState.CONFLICT, e.getMessage());
            return;
        }
        setRegistration(
                RegistrationState.REGISTERING,
                "member id held by session 0x" + Long.toHexString(owner)
                        + "; waiting for it to be released, as a crashed predecessor's would be");
        scheduleRetry(Math.min(FALLBACK_RETRY_MILLIS, TimeUnit.NANOSECONDS.toMillis(foreignDeadline - now) + 1));
    }

    private void registered(long session, Stat stat, String detail) {
        selfSession = session;
        selfVersion = stat.getVersion();
        selfCzxid = stat.getCzxid();
        foreignOwner = 0;
        authWarned = false;
        boolean changed;
        synchronized (monitor) {
            // A suspension noticed meanwhile wins: RECONNECTED will confirm the record again.
            changed = connected && registration != RegistrationState.REGISTERED;
            if (changed) {
                registration = RegistrationState.REGISTERED;
                monitor.notifyAll();
            }
        }
        if (changed) {
            log.info("{}{}", logPrefix, detail);
            notifyRegistration(detail);
        }
    }

    private void publishSelf() {
        if (registration != RegistrationState.REGISTERED) {
            return; // published by ensureRegistered() when the session is back
        }
        try {
            Stat stat = client.setData().withVersion(selfVersion).forPath(selfPath, MemberCodec.encode(self));
            selfVersion = stat.getVersion();
        } catch (Exception e) {
            log.debug("{}record update deferred: {}", logPrefix, e.toString());
            ensureRegistered();
        }
    }

    private void deleteSelf() {
        if (selfPath == null) {
            return;
        }
        try {
            long session = client.getZookeeperClient().getZooKeeper().getSessionId();
            if (!ownSessions.contains(session)) {
                return;
            }
            if (registration == RegistrationState.REGISTERED && selfSession == session && deleteAt(selfVersion)) {
                return;
            }
            Stat stat = client.checkExists().forPath(selfPath);
            if (stat != null && stat.getEphemeralOwner() == session) {
                client.delete().withVersion(stat.getVersion()).forPath(selfPath);
                log.info("{}left the cluster", logPrefix);
            }
        } catch (Exception e) {
            log.debug("{}record not deleted: {}", logPrefix, e.toString());
        }
    }

    /**
     * Deletes the record registered under the current session at the version this member last wrote, without
     * reading it first: the successors' takeover starts one round trip earlier. False if the record changed since
     * (someone else wrote it) or is gone, for the checked delete to decide.
     *
     * <p>IMPORTANT: like the checked delete, this trusts that no other session re-created the record since this
     * session registered it; that takes an outside delete of a live member's record.
     */
    private boolean deleteAt(int version) throws Exception {
        try {
            client.delete().withVersion(version).forPath(selfPath);
            log.info("{}left the cluster", logPrefix);
            return true;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            return false;
        }
    }

    private void scheduleRetry(long millis) {
        cancelRetry();
        retry = schedule(this::ensureRegistered, millis);
    }

    private ScheduledFuture<?> schedule(Runnable task) {
        return schedule(task, RETRY_MILLIS);
    }

    /** Runs {@code task} again after a while, unless disconnected: CONNECTED/RECONNECTED then runs everything. */
    private ScheduledFuture<?> schedule(Runnable task, long millis) {
        if (state.get() != State.STARTED || !client.getZookeeperClient().isConnected()) {
            return null;
        }
        return executor.schedule(task, millis);
    }

    private void cancelRetry() {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
    }

    private void setRegistration(RegistrationState next, String detail) {
        synchronized (monitor) {
            if (registration == next) {
                return;
            }
            registration = next;
            monitor.notifyAll();
        }
        notifyRegistration(detail);
    }

    /** Tells listeners the registration state if it changed since they were last told. */
    private void notifyRegistration(String detail) {
        RegistrationState now = registration;
        if (now != notifiedRegistration) {
            notifiedRegistration = now;
            listeners.forEach(l -> l.registrationChanged(now, detail));
        }
    }

    private void onEvent(WatchedEvent event) {
        if (event.getType() == EventType.None || event.getPath() == null) {
            return;
        }
        String eventPath = event.getPath();
        long eventZxid = event.getZxid();
        if (eventPath.equals(path.members())) {
            if (event.getType() == EventType.NodeDeleted) {
                entries.clear();
                advance(eventZxid);
                publish();
            } else if (event.getType() == EventType.NodeCreated) {
                refresh();
            }
            return;
        }
        String id = path.memberIdOf(eventPath);
        if (id == null) {
            return;
        }
        switch (event.getType()) {
            case NodeDeleted -> {
                if (id.equals(selfId()) && (eventZxid < 0 || eventZxid > selfCzxid)) {
                    onSelfDeleted();
                }
                MemberView.Entry known = entries.get(id);
                // A full re-read may already hold a newer znode of the same id than the one this event deletes.
                if (known != null && (eventZxid < 0 || known.createdZxid() < eventZxid)) {
                    entries.remove(id);
                }
                advance(eventZxid);
                publish();
            }
            case NodeCreated, NodeDataChanged -> {
                readOne(id);
                advance(eventZxid);
                publish();
            }
            default -> {}
        }
    }

    private String selfId() {
        return selfPath == null ? null : self.id();
    }

    private void onSelfDeleted() {
        if (registration == RegistrationState.REGISTERED) {
            log.warn("{}the own record was deleted by someone else; re-creating it", logPrefix);
            setRegistration(RegistrationState.REGISTERING, "the own record was deleted; re-creating it");
        }
        if (registration == RegistrationState.REGISTERING) {
            ensureRegistered();
        }
    }

    private void readOne(String id) {
        String memberPath = path.members() + "/" + id;
        Stat stat = new Stat();
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(memberPath);
            accept(entries, id, data, stat);
        } catch (KeeperException.NoNodeException e) {
            entries.remove(id);
        } catch (Exception e) {
            // A reconnect re-reads everything.
            log.debug("{}could not read {}: {}", logPrefix, memberPath, e.toString());
        }
    }

    private void accept(Map<String, MemberView.Entry> into, String id, byte[] data, Stat stat) {
        String memberPath = path.members() + "/" + id;
        try {
            Member member = MemberCodec.decode(memberPath, id, data);
            into.put(id, new MemberView.Entry(member, stat.getEphemeralOwner(), stat.getCzxid(), stat.getMzxid()));
            warnedMalformed.remove(id);
        } catch (MalformedRecordException e) {
            into.remove(id);
            Long warnedAt = warnedMalformed.put(id, stat.getMzxid());
            if (warnedAt == null || warnedAt != stat.getMzxid()) {
                log.warn("{}skipping malformed member record {}; fix or delete that znode", logPrefix, e.getMessage());
            }
        }
        advance(stat.getMzxid());
    }

    private void refresh() {
        if (state.get() != State.STARTED) {
            return;
        }
        Stat parent = new Stat();
        List<String> children;
        try {
            children = client.getChildren().storingStatIn(parent).forPath(path.members());
        } catch (KeeperException.NoNodeException e) {
            entries.clear();
            loaded();
            return;
        } catch (Exception e) {
            log.debug("{}could not list members: {}", logPrefix, e.toString());
            schedule(this::refresh);
            return;
        }
        Map<String, CuratorEvent> results = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(children.size());
        try {
            for (String child : children) {
                client.getData()
                        .inBackground((c, event) -> {
                            results.put(child, event);
                            done.countDown();
                        })
                        .forPath(path.members() + "/" + child);
            }
            // Bounded: a background read whose retries gave up may never call back.
            long waitMillis = Math.max(2_000, client.getZookeeperClient().getConnectionTimeoutMs());
            if (!done.await(waitMillis, TimeUnit.MILLISECONDS)) {
                log.warn("{}members not read within {} ms; keeping the last view", logPrefix, waitMillis);
                schedule(this::refresh);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            log.debug("{}could not read members: {}", logPrefix, e.toString());
            schedule(this::refresh);
            return;
        }
        TreeMap<String, MemberView.Entry> next = new TreeMap<>();
        for (String child : children) {
            CuratorEvent event = results.get(child);
            int rc = event.getResultCode();
            if (rc == KeeperException.Code.OK.intValue()) {
                accept(next, child, event.getData(), event.getStat());
            } else if (rc == KeeperException.Code.NOAUTH.intValue()) {
                Long warnedAt = warnedMalformed.put(child, -1L);
                if (warnedAt == null) {
                    log.warn(
                            "{}skipping member record {}/{}: not readable (NOAUTH); fix its ACL",
                            logPrefix,
                            path.members(),
                            child);
                }
            } else if (rc != KeeperException.Code.NONODE.intValue()) {
                log.debug("{}could not read member {}: {}", logPrefix, child, KeeperException.Code.get(rc));
                schedule(this::refresh);
                return;
            }
        }
        entries.clear();
        entries.putAll(next);
        warnedMalformed.keySet().retainAll(children);
        advance(parent.getPzxid());
        loaded();
    }

    private void loaded() {
        current = true;
        publish();
        if (!viewLoaded) {
            synchronized (monitor) {
                viewLoaded = true;
                monitor.notifyAll();
            }
        }
    }

    private void advance(long seen) {
        if (seen > zxid) {
            zxid = seen;
        }
    }

    private void publish() {
        MemberView next = new MemberView(entries, zxid, current && connected);
        view = next;
        MemberView previous = notifiedView;
        if (!next.sameContent(previous)) {
            notifiedView = next;
            for (Consumer<MemberView> follower : followers) {
                try {
                    follower.accept(next);
                } catch (RuntimeException e) {
                    log.error("{}view follower failed", logPrefix, e);
                }
            }
            listeners.forEach(l -> l.viewChanged(previous, next));
        }
    }
}
