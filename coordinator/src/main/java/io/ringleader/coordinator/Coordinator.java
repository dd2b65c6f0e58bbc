package io.ringleader.coordinator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.ringleader.agent.Agent;
import io.ringleader.agent.events.Event;
import io.ringleader.agent.events.EventLog;
import io.ringleader.agent.internal.Meters;
import io.ringleader.agent.internal.SerialThread;
import io.ringleader.agent.layout.MalformedRecordException;
import io.ringleader.agent.layout.RecordAcl;
import io.ringleader.agent.layout.RingStore;
import io.ringleader.agent.leadership.Leadership;
import io.ringleader.agent.leadership.LeadershipListener;
import io.ringleader.agent.leadership.Term;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberView;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingChunks;
import io.ringleader.coordinator.assign.Assignment;
import io.ringleader.coordinator.assign.Failovers;
import io.ringleader.coordinator.assign.Move;
import io.ringleader.coordinator.assign.Participant;
import io.ringleader.coordinator.assign.PlacementConfig;
import io.ringleader.coordinator.assign.PrimaryPins;
import io.ringleader.coordinator.assign.Role;
import io.ringleader.coordinator.metrics.TakeoverFeed;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator: one of one to three instances is elected active and owns the ring; the others are hot
 * standbys that follow the members and take over when the active one goes.
 *
 * <p>The active coordinator recomputes the ring from the members whenever membership has been quiet for the
 * debounce delay, and writes it only if it changed. Every write is one ZooKeeper transaction that also checks the
 * coordinator's own election znode, so a deposed coordinator's late write fails in ZooKeeper itself, and that
 * is conditional on the ring znode's version, so a concurrent write is never overwritten blindly.
 *
 * <p>The operator's intent, the {@code config} znode ({@link OperatorConfig}), is applied to every placement: weight
 * overrides, drained members, spares, the rebalance delay, and last the primary pins ({@link PrimaryPins}: a
 * failed-over member leads no slot another replica can lead). The coordinator follows the znode through one watch; a
 * change is recomputed after the same debounce as a membership change. A config that cannot be parsed is logged
 * once and the last good one is kept.
 *
 * <p>What the pins did to the ring (which slots they turned) is written with the ring, in the same transaction, to
 * the {@code failovers} znode ({@link FailoversCodec}); every recomputation undoes it before placing the members
 * again and applies the pins afresh, so the pins survive every recomputation and a change of active coordinator, and
 * a recomputation with nothing new writes nothing.
 *
 * <p>State is rebuilt from ZooKeeper at the start of every term: the ring is read again, and a member of the ring
 * that is not live starts its rebalance delay from that moment. A ring that cannot be parsed is never patched: the
 * coordinator logs one error and places the members afresh, with a larger epoch.
 *
 * <p>The active coordinator also records the cluster's history ({@link EventLog}, {@code events/}): the start of its
 * term, every member that joined, left or changed state (from the differences between the member views it sees
 * during its term), and every ring it wrote with what moved. Events are queued on the coordinator's thread and
 * written there after the ring write of the same recomputation, so they never delay it; a failed event write is
 * logged and dropped.
 *
 * <p>Connection states: SUSPENDED and LOST end the term at once (no write is attempted until a new term starts);
 * RECONNECTED resumes the same term only if the election znode survived.
 */
public final class Coordinator implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Coordinator.class);
    /** Events queued beyond this many between two writes are dropped: a write that keeps failing must not hoard. */
    static final int MAX_QUEUED_EVENTS = 1000;
    /** Member ids named in one event at most, so that it stays within its size budget. */
    private static final int MAX_IDS = 20;
    /** Detail of a ring event: how many slots had an entry moved; also the slots-moved meter's increment. */
    public static final String SLOTS_MOVED = "slotsMoved";
    /** Detail of a ring event: how many entries moved. */
    public static final String ENTRIES_MOVED = "entriesMoved";
    /** Detail of a ring event: how many slots changed primary. */
    public static final String PRIMARIES_MOVED = "primariesMoved";
    /** Detail of a ring event: entries moved per {@link Move.Reason} name. */
    public static final String REASONS = "reasons";

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CoordinatorConfig config;
    private final Clock clock;
    private final Agent agent;
    private final Leadership leadership;
    private final SerialThread executor;
    private final String logPrefix;
    private final CuratorCache suspects;
    private final CuratorCache operatorConfig;
    private final EventLog events;
    /** The ACL of the ring, failovers and events this coordinator creates. */
    private final List<ACL> acl;

    // Confined to the executor.
    /** A NOAUTH on the ring write: logged once until a write goes through. */
    private final LogOnce noAuth = new LogOnce();
    /** A ring over the size budget: logged once until a write goes through. */
    private final LogOnce tooLarge = new LogOnce();
    /** A failure to write a ring's chunks: logged once until the chunks of a ring are written. */
    private final LogOnce chunksUnwritten = new LogOnce();
    /** A failure to delete the chunks of older rings: logged once until they are deleted after a write. */
    private final LogOnce chunksUncollected = new LogOnce();

    private final DepartureDelays delays = new DepartureDelays();
    private final Map<String, Member> lastKnown = new HashMap<>();
    private final Set<String> suspectedLogged = new TreeSet<>();
    /** The members the last reconcile took out of the ring for a quorum of suspicions. */
    private Set<String> suspectedApplied = Set.of();

    private Term term;
    private ScheduledFuture<?> pending;
    /** A ring whose shape is not the configured one: logged once. */
    private final LogOnce shapeKept = new LogOnce();

    private OperatorConfig intent = OperatorConfig.empty();
    private long malformedIntentLogged = -1;
    private long malformedFailoversLogged = -1;
    private long rebalanceRequestsSeen = -1;
    /** The view the last member events were computed from in this term; null before the first current one. */
    private MemberView eventBaseline;

    private final List<Event> queuedEvents = new ArrayList<>();
    private boolean capPublished;
    /** Events dropped for a full queue: logged once until one is queued again. */
    private final LogOnce queueFull = new LogOnce();

    private final Meters meters;
    private final Counter terms;
    private final Counter ringWrites;
    private final Counter slotsMoved;
    private final Counter primariesMoved;
    /** Null without a registry. */
    private final TakeoverFeed takeovers;

    private volatile Ring lastWritten;
    private volatile long writes;
    private volatile long recomputations;

    private Coordinator(CoordinatorConfig config, Clock clock, MeterRegistry registry) {
        this.config = config.requireAuthenticationOrInsecure();
        this.clock = clock;
        this.logPrefix = "[cluster=" + config.path().cluster() + " coordinator=" + config.coordinatorId() + "] ";
        Agent.Builder builder = Agent.builder()
                .connectString(config.connectString())
                .root(config.path().root())
                .cluster(config.path().cluster())
                .memberId(config.coordinatorId())
                .observer()
                .sessionTimeout(config.sessionTimeout())
                .connectionTimeout(config.connectionTimeout());
        if (config.authScheme() != null) {
            builder.authorization(config.authScheme(), config.authCredentials());
        }
        if (config.insecure()) {
            builder.insecure();
        }
        if (registry != null) {
            builder.meterRegistry(registry);
        }
        this.agent = builder.build();
        this.leadership = Leadership.builder(agent.curator(), config.path().coordinator(), config.coordinatorId())
                .threadName("ringleader-coordinator-" + config.coordinatorId() + "-election")
                .build();
        this.suspects = CuratorCache.build(agent.curator(), config.path().suspects());
        this.operatorConfig =
                CuratorCache.build(agent.curator(), config.path().config(), CuratorCache.Options.SINGLE_NODE_CACHE);
        this.executor =
                new SerialThread("ringleader-coordinator-" + config.coordinatorId(), log, logPrefix, "coordinator");
        this.acl = RecordAcl.of(config.authScheme() != null, config.insecure());
        this.events = new EventLog(agent.curator(), config.path(), acl);
        this.meters = new Meters(
                registry, Tags.of("cluster", config.path().cluster(), "coordinator", config.coordinatorId()));
        meters.gauge(
                "ringleader.coordinator.active",
                "1 while this coordinator is the active one, 0 while it is a standby",
                this,
                c -> c.isActive() ? 1 : 0);
        this.terms = meters.counter("ringleader.coordinator.terms", "terms this coordinator began as the active one");
        this.ringWrites = meters.counter("ringleader.coordinator.ring.writes", "rings this coordinator wrote");
        this.slotsMoved =
                meters.counter("ringleader.coordinator.slots.moved", "slots with an entry moved, over its ring writes");
        this.primariesMoved =
                meters.counter("ringleader.coordinator.primaries.moved", "primaries moved, over its ring writes");
        this.takeovers = registry == null
                ? null
                : new TakeoverFeed(
                        agent.curator(),
                        config.path(),
                        meters.timer(
                                "ringleader.cluster.takeover.duration",
                                "takeovers reported by the members: from a new primary's member view holding the"
                                        + " change to its role listeners told"),
                        meters.counter("ringleader.cluster.takeover.slots", "slots taken over, as the members report"),
                        "ringleader-coordinator-" + config.coordinatorId() + "-takeover-metrics",
                        logPrefix);
    }

    /**
     * A coordinator for these settings, not started, without meters.
     *
     * @throws IllegalArgumentException if the settings have neither authentication nor the insecure flag ({@link
     *     CoordinatorConfig#requireAuthenticationOrInsecure()})
     */
    public static Coordinator create(CoordinatorConfig config) {
        return new Coordinator(config, Clock.systemUTC(), null);
    }

    /**
     * A coordinator for these settings, not started, whose meters go to {@code registry} (the README's metrics
     * list): whether it is active, its terms, ring writes and moves, takeover durations as the members report them,
     * and its observer agent's meters (ZooKeeper connection, members by state, ring epoch, slots without a
     * primary).
     *
     * @throws IllegalArgumentException if the settings have neither authentication nor the insecure flag ({@link
     *     CoordinatorConfig#requireAuthenticationOrInsecure()})
     */
    public static Coordinator create(CoordinatorConfig config, MeterRegistry registry) {
        return new Coordinator(config, Clock.systemUTC(), Objects.requireNonNull(registry, "registry"));
    }

    /** A coordinator whose rebalance delays are measured on {@code clock}. */
    static Coordinator create(CoordinatorConfig config, Clock clock) {
        return new Coordinator(config, clock, null);
    }

    /**
     * Connects, follows the members and joins the election. Returns at once.
     *
     * @throws IllegalStateException if already started or closed
     */
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("coordinator already started or closed: " + state.get());
        }
        agent.membershipListenable().addListener((before, after) -> submit(() -> onView(before, after)));
        leadership.listenable().addListener(new LeadershipListener() {
            @Override
            public void termStarted(Term started) {
                submit(() -> onTermStarted(started));
            }

            @Override
            public void termEnded(Term ended, String reason) {
                submit(() -> onTermEnded(ended, reason));
            }
        });
        agent.start();
        if (config.suspicionQuorum() > 0) {
            suspects.listenable().addListener((type, before, after) -> submit(this::onSuspicion));
            suspects.start();
        }
        operatorConfig
                .listenable()
                .addListener((type, before, after) -> submit(() -> {
                    if (term != null) {
                        schedule(config.debounce());
                    }
                }));
        operatorConfig.start();
        if (takeovers != null) {
            takeovers.start();
        }
        leadership.start();
        log.info("{}started against {}", logPrefix, config.connectString());
    }

    /** Whether this coordinator is the active one now. */
    public boolean isActive() {
        return leadership.isLeader();
    }

    /** The current term, if active. */
    public Optional<Term> term() {
        return leadership.term();
    }

    /**
     * Whether the cluster takeover meters follow the history: a registry was given and the history was read once
     * (takeovers reported from then on are timed).
     */
    public boolean followsTakeovers() {
        return takeovers != null && takeovers.following();
    }

    /** The last ring this coordinator wrote, if any. */
    public Optional<Ring> lastWritten() {
        return Optional.ofNullable(lastWritten);
    }

    /** How many ring writes this coordinator made. */
    public long writes() {
        return writes;
    }

    /** How many recomputations of the ring this coordinator completed, whether they wrote or not; for tests. */
    long recomputations() {
        return recomputations;
    }

    /** The members as this coordinator sees them. */
    public MemberView members() {
        return agent.members();
    }

    /** The Curator client, for tests. */
    CuratorFramework curator() {
        return agent.curator();
    }

    /** The coordinator's settings. */
    public CoordinatorConfig config() {
        return config;
    }

    /** Leaves the election, stops following and disconnects. Idempotent. */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        executor.stop(Duration.ofSeconds(5));
        if (takeovers != null) {
            takeovers.close();
        }
        meters.close();
        leadership.close();
        suspects.close();
        operatorConfig.close();
        agent.close();
        log.info("{}stopped", logPrefix);
    }

    private void submit(Runnable task) {
        if (state.get() == State.STARTED) {
            executor.execute(task);
        }
    }

    private void onTermStarted(Term started) {
        terms.increment();
        term = started;
        delays.clear();
        rebalanceRequestsSeen = -1;
        MemberView view = agent.members();
        eventBaseline = view.isCurrent() ? view : null;
        capPublished = false;
        queueEvent(Event.of(Event.COORDINATOR, clock.millis(), config.coordinatorId(), started.epoch(), Map.of()));
        log.info("{}active at epoch 0x{}", logPrefix, Long.toHexString(started.epoch()));
        reconcile();
    }

    private void onTermEnded(Term ended, String reason) {
        if (term != null && term.equals(ended)) {
            term = null;
            cancelPending();
            eventBaseline = null;
            queuedEvents.clear();
            log.info("{}standing by: {}", logPrefix, reason);
        }
    }

    private void onView(MemberView before, MemberView after) {
        Instant now = clock.instant();
        for (Member m : after.members()) {
            lastKnown.put(m.id(), m);
            delays.present(m.id());
        }
        for (Member m : before.members()) {
            if (!after.contains(m.id()) && after.isCurrent()) {
                delays.departed(m.id(), now);
            }
        }
        if (term != null && after.isCurrent()) {
            if (eventBaseline != null) {
                queueMemberEvents(eventBaseline, after, now.toEpochMilli());
            }
            eventBaseline = after;
            schedule(config.debounce());
        }
    }

    /** Member events from the difference of two current views, written after the next ring write. */
    private void queueMemberEvents(MemberView before, MemberView after, long at) {
        for (Member m : after.members()) {
            Optional<Member> was = before.member(m.id());
            if (was.isEmpty()) {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("state", m.state().name());
                if (m.zone() != null) {
                    details.put("zone", m.zone());
                }
                queueEvent(Event.of(Event.MEMBER_JOINED, at, m.id(), after.zxid(), details));
            } else if (was.get().state() != m.state()) {
                queueEvent(Event.of(
                        Event.MEMBER_STATE,
                        at,
                        m.id(),
                        after.zxid(),
                        Map.of("from", was.get().state().name(), "to", m.state().name())));
            }
        }
        for (Member m : before.members()) {
            if (!after.contains(m.id())) {
                queueEvent(Event.of(Event.MEMBER_LEFT, at, m.id(), after.zxid(), Map.of()));
            }
        }
    }

    private void queueEvent(Event event) {
        if (queuedEvents.size() < MAX_QUEUED_EVENTS) {
            queuedEvents.add(event);
            queueFull.reset();
        } else {
            queueFull.log(() ->
                    log.warn("{}{} events wait to be written; dropping the next ones", logPrefix, queuedEvents.size()));
        }
    }

    /**
     * Writes the queued events, after the ring write of this recomputation: an event write never delays the ring. A
     * failure is logged and the events are dropped; the history is an aid, not a record the cluster depends on.
     */
    private void writeEvents() {
        if (term == null) {
            queuedEvents.clear(); // a deposed coordinator records nothing, and its next term starts afresh
            return;
        }
        if (queuedEvents.isEmpty()) {
            return;
        }
        List<Event> batch = List.copyOf(queuedEvents);
        queuedEvents.clear();
        try {
            if (!capPublished) {
                events.publishCap(config.eventsCap());
                capPublished = true;
            }
            events.append(batch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn(
                    "{}could not write {} events to {} ({}); dropped",
                    logPrefix,
                    batch.size(),
                    config.path().events(),
                    e.toString());
        }
    }

    /**
     * A suspicion came or went. Only a change of the members suspected by the quorum changes the ring, and then the
     * ring is recomputed at once: the debounce is for membership churn, and waiting for it would only delay moving
     * the slots of a member that fails its peers.
     */
    private void onSuspicion() {
        if (term != null && !quorumSuspects(agent.members()).keySet().equals(suspectedApplied)) {
            schedule(Duration.ZERO);
        }
    }

    private void schedule(Duration delay) {
        cancelPending();
        pending = executor.schedule(this::reconcile, Math.max(0, delay.toMillis()));
    }

    private void cancelPending() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    /** Recomputes the ring and writes it if it changed, then writes the events queued meanwhile. */
    private void reconcile() {
        try {
            reconcileRing();
        } finally {
            writeEvents();
        }
    }

    /** Reads the ring, computes the next one from the members, and writes it if it changed. */
    private void reconcileRing() {
        Term current = term;
        MemberView view = agent.members();
        if (current == null || !view.isCurrent()) {
            return; // a new term or the next current view calls again
        }
        CuratorFramework client = agent.curator();
        String ringPath = config.path().ring();
        Stat stat = new Stat();
        Ring previous = null;
        RingChunks.Header header = null;
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(ringPath);
            try {
                header = RingStore.headerOf(config.path(), data);
                previous = RingStore.read(client, config.path(), data, header);
            } catch (RingStore.ChunksGoneException e) {
                Stat now = client.checkExists().forPath(ringPath);
                if (now != null && now.getMzxid() != stat.getMzxid()) {
                    schedule(Duration.ZERO); // written again since it was read, its chunks collected: read it again
                    return;
                }
                log.error(
                        "{}the ring cannot be read ({}, and the ring znode still names it); rebuilding it from the"
                                + " members",
                        logPrefix,
                        e.getMessage());
            } catch (MalformedRecordException e) {
                log.error(
                        "{}the ring cannot be parsed ({}); rebuilding it from the members", logPrefix, e.getMessage());
            }
        } catch (KeeperException.NoNodeException e) {
            stat = null;
        } catch (Exception e) {
            log.warn("{}cannot read the ring ({}); retrying", logPrefix, e.toString());
            schedule(config.debounce().plusMillis(250));
            return;
        }
        long epochFloor;
        try {
            // a header whose chunks cannot be read still tells the epoch its readers may serve
            epochFloor = Math.max(
                    RingEpochs.floor(client, config.path(), stat, previous), header == null ? 0 : header.epoch());
        } catch (Exception e) {
            log.warn("{}cannot read the cluster's base znode ({}); retrying", logPrefix, e.toString());
            schedule(config.debounce().plusMillis(250));
            return;
        }
        if (lastWritten != null) {
            epochFloor = Math.max(epochFloor, lastWritten.epoch());
        }
        String previousDir = header == null ? null : header.dir();

        OperatorConfig currentIntent;
        FailoversRead failovers;
        try {
            currentIntent = readIntent(client);
            failovers = readFailovers(client, previous);
        } catch (Exception e) {
            log.warn("{}cannot read the operator config or the failovers ({}); retrying", logPrefix, e.toString());
            schedule(config.debounce().plusMillis(250));
            return;
        }
        Duration delay =
                currentIntent.rebalanceDelay() != null ? currentIntent.rebalanceDelay() : config.rebalanceDelay();
        boolean waiveDelays = rebalanceRequested(currentIntent);

        Instant now = clock.instant();
        Set<String> suspected = suspected(view);
        suspectedApplied = suspected;
        // A suspected member is out of the ring at once although its session lives: its backups take over.
        List<Member> present =
                view.members().stream().filter(m -> !suspected.contains(m.id())).toList();
        DepartureDelays.Kept running = delays.keep(
                previous == null ? List.of() : previous.members(),
                id -> !view.contains(id) && !suspected.contains(id),
                now,
                delay,
                waiveDelays);
        Instant nextExpiry = running.nextExpiry();
        List<Participant> kept = new ArrayList<>();
        for (String id : running.ids()) {
            // Kept in place while the delay runs: its backups serve its slots meanwhile.
            Member known = lastKnown.get(id);
            kept.add(new Participant(
                    id, known == null ? 1 : known.weight(), known == null ? null : known.zone(), Role.ACTIVE));
        }
        List<Participant> participants = currentIntent.participants(present, previous, kept);
        if (participants.isEmpty() && previous == null) {
            return; // nothing to place yet
        }
        int slots = previous != null ? previous.slotCount() : config.slotCount();
        int replication = previous != null ? previous.replication() : config.replication();
        if (previous != null && (slots != config.slotCount() || replication != config.replication())) {
            shapeKept.log(() -> log.warn(
                    "{}the ring has {} slots and {} replicas; the configured {} and {} apply to a new ring only",
                    logPrefix,
                    slots,
                    replication,
                    config.slotCount(),
                    config.replication()));
        }
        Assignment assignment = currentIntent
                .pins()
                .place(previous, failovers.applied(), participants, new PlacementConfig(slots, replication));
        Ring placed = assignment.ring();
        if (previous != null
                && sameContent(previous, placed)
                && assignment.failovers().equals(failovers.applied())) {
            lastWritten = lastWritten == null ? previous : lastWritten;
        } else {
            Ring next = Ring.of(epochFloor + 1, slots, replication, placed.members(), placed.replicaTable());
            FailoversWrite record =
                    failovers.stat() == null && assignment.failovers().isEmpty()
                            ? null // a cluster that never failed over a primary has no failovers znode
                            : new FailoversWrite(
                                    failovers.path(),
                                    failovers.stat(),
                                    FailoversCodec.encode(next.epoch(), assignment.failovers()));
            write(client, current, ringPath, stat, previousDir, next, assignment, record);
        }
        recomputations++;
        if (nextExpiry != null) {
            schedule(Duration.between(now, nextExpiry).plus(config.debounce()));
        }
    }

    /**
     * Reads the operator config. A missing znode is the empty config. One that cannot be parsed is logged once (per
     * change) and the last good one is kept.
     *
     * @throws Exception if ZooKeeper cannot be read
     */
    private OperatorConfig readIntent(CuratorFramework client) throws Exception {
        String path = config.path().config();
        Stat stat = new Stat();
        byte[] data;
        try {
            data = client.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            intent = OperatorConfig.empty();
            return intent;
        }
        try {
            intent = OperatorConfigCodec.decode(path, data);
            malformedIntentLogged = -1;
        } catch (MalformedRecordException e) {
            if (malformedIntentLogged != stat.getMzxid()) {
                malformedIntentLogged = stat.getMzxid();
                log.error(
                        "{}the operator config cannot be parsed ({}); keeping the last good one: {}",
                        logPrefix,
                        e.getMessage(),
                        intent.describe());
            }
        }
        return intent;
    }

    /**
     * What the primary pins did to the ring as read, and the failovers znode's stat (null if there is none).
     *
     * @param path the failovers znode
     * @param stat its stat as read, or null if it does not exist
     * @param applied the slots of the ring as read that the pins turned; none if the record is for another ring (one
     *     written by a coordinator that knows no pins, or restored) or cannot be parsed: that ring is taken as placed
     */
    private record FailoversRead(String path, Stat stat, Failovers applied) {}

    /** A failovers record to write with a ring: the znode, its stat as read (null: create it), the record. */
    record FailoversWrite(String path, Stat stat, byte[] bytes) {}

    /**
     * Reads the failovers znode for {@code ring}. One that cannot be parsed is logged once (per change) and taken as
     * none: the ring is then placed as it stands, which costs moves of primaries but never a wrong ring.
     *
     * @throws Exception if ZooKeeper cannot be read
     */
    private FailoversRead readFailovers(CuratorFramework client, Ring ring) throws Exception {
        String path = FailoversCodec.path(config.path());
        Failovers none = Failovers.none(ring != null ? ring.slotCount() : config.slotCount());
        Stat stat = new Stat();
        byte[] data;
        try {
            data = client.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return new FailoversRead(path, null, none);
        }
        if (ring == null) {
            return new FailoversRead(path, stat, none);
        }
        try {
            return new FailoversRead(
                    path, stat, FailoversCodec.decode(path, data).of(ring));
        } catch (MalformedRecordException e) {
            if (malformedFailoversLogged != stat.getMzxid()) {
                malformedFailoversLogged = stat.getMzxid();
                log.error(
                        "{}the failovers record cannot be parsed ({}); placing the ring as it stands",
                        logPrefix,
                        e.getMessage());
            }
            return new FailoversRead(path, stat, none);
        }
    }

    /**
     * Whether the operator asked for a rebalance since the last read in this term. The first read of a term only
     * takes note of the count: a request made while no coordinator was active is not acted on.
     */
    private boolean rebalanceRequested(OperatorConfig current) {
        long requests = current.rebalanceRequests();
        boolean requested = rebalanceRequestsSeen >= 0 && requests != rebalanceRequestsSeen;
        rebalanceRequestsSeen = requests;
        if (requested) {
            log.info("{}rebalance requested by the operator: the slots of departed members move now", logPrefix);
        }
        return requested;
    }

    /** What became of one fenced ring write. */
    enum WriteOutcome {
        WRITTEN,
        DEPOSED,
        CONFLICT,
        FAILED,
        /** The ring does not fit its znode: nothing written, the last ring stays. */
        TOO_LARGE
    }

    /** The members {@link #quorumSuspects} names, each logged once when it is first taken out. */
    private Set<String> suspected(MemberView view) {
        Map<String, Set<String>> suspects = quorumSuspects(view);
        suspects.forEach((suspect, by) -> {
            if (suspectedLogged.add(suspect)) {
                log.warn(
                        "{}taking {} out of the ring: suspected by {} (quorum {})",
                        logPrefix,
                        suspect,
                        by,
                        config.suspicionQuorum());
            }
        });
        suspectedLogged.retainAll(suspects.keySet());
        return suspects.keySet();
    }

    /**
     * Members suspected by at least the quorum of distinct reporters that are live members themselves (a member's
     * suspicion of itself does not count), each with its reporters. Empty when peer suspicion is off.
     */
    private Map<String, Set<String>> quorumSuspects(MemberView view) {
        int quorum = config.suspicionQuorum();
        if (quorum <= 0) {
            return Map.of();
        }
        String base = config.path().suspects() + "/";
        Map<String, Set<String>> reporters = new HashMap<>();
        suspects.stream().forEach(data -> {
            String rest = data.getPath().startsWith(base) ? data.getPath().substring(base.length()) : "";
            int slash = rest.indexOf('/');
            if (slash > 0) {
                String suspect = rest.substring(0, slash);
                String reporter = rest.substring(slash + 1);
                if (view.contains(reporter) && !reporter.equals(suspect)) {
                    reporters.computeIfAbsent(suspect, k -> new TreeSet<>()).add(reporter);
                }
            }
        });
        reporters.values().removeIf(by -> by.size() < quorum);
        return reporters;
    }

    private void write(
            CuratorFramework client,
            Term current,
            String ringPath,
            Stat stat,
            String previousDir,
            Ring next,
            Assignment a,
            FailoversWrite failovers) {
        switch (fencedWrite(client, current, ringPath, stat, previousDir, next, failovers)) {
            case WRITTEN -> {
                lastWritten = next;
                writes++;
                Event written = ringEvent(next, a);
                ringWrites.increment();
                slotsMoved.increment(written.number(SLOTS_MOVED, 0));
                primariesMoved.increment(a.plan().primariesMoved());
                queueEvent(written);
                log.info(
                        "{}ring epoch 0x{} written: {} members, {} entries moved ({} primaries){}{}",
                        logPrefix,
                        Long.toHexString(next.epoch()),
                        next.members().size(),
                        a.plan().moves().size(),
                        a.plan().primariesMoved(),
                        a.activatedSpares().isEmpty() ? "" : ", spares activated: " + a.activatedSpares(),
                        a.failovers().isEmpty()
                                ? ""
                                : ", " + a.failovers().count() + " slots failed over by the operator");
                switch (a.plan().zoneSpread()) {
                    case PARTIAL -> log.warn("{}{}", logPrefix, a.plan().describeZones());
                    case FULL -> {
                        if (a.plan().zoneRepairs() > 0) {
                            log.info("{}{}", logPrefix, a.plan().describeZones());
                        }
                    }
                    case NONE -> {}
                }
            }
            case DEPOSED -> {
                log.warn("{}the ring write was refused: this coordinator's term is over", logPrefix);
                if (term != null && term.equals(current)) {
                    term = null;
                }
            }
            case CONFLICT -> {
                log.info("{}the ring changed while it was computed; recomputing", logPrefix);
                schedule(config.debounce());
            }
            case FAILED -> schedule(config.debounce().plusMillis(250));
            case TOO_LARGE -> {} // logged; the next change of the members or the config tries again
        }
    }

    /** The event of a ring written: what moved and why. */
    private Event ringEvent(Ring next, Assignment a) {
        Set<Integer> slots = new HashSet<>();
        Map<String, Integer> reasons = new TreeMap<>();
        for (Move m : a.plan().moves()) {
            slots.add(m.slot());
            reasons.merge(m.reason().name(), 1, Integer::sum);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("coordinator", config.coordinatorId());
        details.put("members", next.members().size());
        details.put("slots", next.slotCount());
        details.put(ENTRIES_MOVED, a.plan().moves().size());
        details.put(SLOTS_MOVED, slots.size());
        details.put(PRIMARIES_MOVED, a.plan().primariesMoved());
        details.put(REASONS, reasons);
        if (!a.activatedSpares().isEmpty()) {
            details.put("activatedSpares", Event.firstIds(a.activatedSpares(), MAX_IDS));
        }
        if (!a.failovers().isEmpty()) {
            details.put("failedOverSlots", a.failovers().count());
        }
        return Event.of(Event.RING, clock.millis(), null, next.epoch(), details);
    }

    /**
     * Writes {@code next} in one transaction with a check of {@code current}'s election znode: ZooKeeper refuses it
     * once that term is over, whatever this process believes.
     *
     * @param stat the ring znode's stat as read, or null if it did not exist
     */
    WriteOutcome fencedWrite(CuratorFramework client, Term current, String ringPath, Stat stat, Ring next) {
        return fencedWrite(client, current, ringPath, stat, null, next, null);
    }

    /**
     * Writes {@code next}, and {@code failovers} if not null, in one transaction with a check of {@code current}'s
     * election znode, each conditional on the version read. A ring over one record ({@link RingStore}) has its chunks
     * written first and deleted again if the transaction fails; after a write, the chunks of older rings but those of
     * {@code previousDir} (the chunk directory the record read named, or null) are deleted.
     */
    WriteOutcome fencedWrite(
            CuratorFramework client,
            Term current,
            String ringPath,
            Stat stat,
            String previousDir,
            Ring next,
            FailoversWrite failovers) {
        RingStore.Prepared prepared;
        try {
            prepared = RingStore.prepare(client, config.path(), next, acl, RingChunks.CHUNK_BYTES);
        } catch (IllegalArgumentException e) {
            tooLarge.log(() -> log.error(
                    "{}cannot write ring epoch 0x{}: {}; the last ring stays. A ring of fewer slots or replicas"
                            + " fits (ringleader.ring.slots, ringleader.ring.replication; they shape a new ring)",
                    logPrefix,
                    Long.toHexString(next.epoch()),
                    e.getMessage()));
            return WriteOutcome.TOO_LARGE;
        } catch (Exception e) {
            chunksUnwritten.log(() -> log.warn(
                    "{}the chunks of ring epoch 0x{} cannot be written under {} ({}); the last ring stays, retrying",
                    logPrefix,
                    Long.toHexString(next.epoch()),
                    config.path().ringChunks(),
                    e.toString()));
            return WriteOutcome.FAILED;
        }
        chunksUnwritten.reset();
        WriteOutcome outcome = transact(client, current, ringPath, stat, prepared.record(), failovers);
        if (outcome != WriteOutcome.WRITTEN) {
            // a write applied whose reply was lost fails on its retry: the chunks stay if the ring names them
            RingStore.discardUnlessCurrent(client, config.path(), prepared);
            return outcome;
        }
        try {
            RingStore.collect(client, config.path(), next.epoch(), previousDir);
            chunksUncollected.reset();
        } catch (Exception e) {
            chunksUncollected.log(() -> log.warn(
                    "{}the chunks of older rings under {} cannot be deleted ({}); the next ring write tries again",
                    logPrefix,
                    config.path().ringChunks(),
                    e.toString()));
        }
        return outcome;
    }

    /** The fenced transaction of {@link #fencedWrite}: the term check, the ring record, the failovers if any. */
    private WriteOutcome transact(
            CuratorFramework client, Term current, String ringPath, Stat stat, byte[] bytes, FailoversWrite failovers) {
        try {
            List<CuratorOp> ops = new ArrayList<>(3);
            ops.add(client.transactionOp().check().forPath(current.latchPath()));
            ops.add(versioned(client, ringPath, stat, bytes, acl));
            if (failovers != null) {
                ops.add(versioned(client, failovers.path(), failovers.stat(), failovers.bytes(), acl));
            }
            client.transaction().forOperations(ops);
            noAuth.reset();
            tooLarge.reset();
            return WriteOutcome.WRITTEN;
        } catch (KeeperException e) {
            if (failedOp(e) == 0) {
                return WriteOutcome.DEPOSED;
            }
            if (e.code() == KeeperException.Code.NOAUTH) {
                noAuth.log(() -> log.error(
                        "{}ZooKeeper refused writing the ring (NOAUTH): the cluster's znodes belong to another"
                                + " identity; run every coordinator with the cluster's ringleader.auth.scheme and"
                                + " credentials (retrying)",
                        logPrefix));
                return WriteOutcome.FAILED;
            }
            if (e.code() == KeeperException.Code.BADVERSION
                    || e.code() == KeeperException.Code.NODEEXISTS
                    || e.code() == KeeperException.Code.NONODE) {
                return WriteOutcome.CONFLICT;
            }
            log.warn("{}the ring write failed ({}); retrying", logPrefix, e.toString());
            return WriteOutcome.FAILED;
        } catch (Exception e) {
            log.warn("{}the ring write failed ({}); retrying", logPrefix, e.toString());
            return WriteOutcome.FAILED;
        }
    }

    /** A create with {@code acl} if {@code stat} is null, else a set conditional on its version. */
    private static CuratorOp versioned(CuratorFramework client, String path, Stat stat, byte[] bytes, List<ACL> acl)
            throws Exception {
        return stat == null
                ? client.transactionOp().create().withACL(acl).forPath(path, bytes)
                : client.transactionOp()
                        .setData()
                        .withVersion(stat.getVersion())
                        .forPath(path, bytes);
    }

    /** Which operation of a failed transaction failed first: 0 the term check, 1 the ring write, -1 unknown. */
    private static int failedOp(KeeperException e) {
        List<OpResult> results = e.getResults();
        if (results == null) {
            return -1;
        }
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i) instanceof OpResult.ErrorResult error
                    && error.getErr() != KeeperException.Code.OK.intValue()
                    && error.getErr() != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
                return i;
            }
        }
        return -1;
    }

    private static boolean sameContent(Ring a, Ring b) {
        return a.slotCount() == b.slotCount()
                && a.replication() == b.replication()
                && a.members().equals(b.members())
                && java.util.Arrays.equals(a.replicaTable(), b.replicaTable());
    }
}
