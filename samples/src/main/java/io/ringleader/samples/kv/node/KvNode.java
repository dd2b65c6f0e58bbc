package io.ringleader.samples.kv.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberIdConflictException;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.roles.Fence;
import io.ringleader.agent.roles.RoleChange;
import io.ringleader.agent.roles.RoleSnapshot;
import io.ringleader.agent.routing.NoRouteException;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.samples.kv.node.Peers.Address;
import io.ringleader.samples.kv.node.Peers.PeerException;
import io.ringleader.samples.kv.node.Wire.CatchUpAnswer;
import io.ringleader.samples.kv.node.Wire.CatchUpRequest;
import io.ringleader.samples.kv.node.Wire.Handback;
import io.ringleader.samples.kv.node.Wire.Problem;
import io.ringleader.samples.kv.node.Wire.Result;
import io.ringleader.samples.kv.node.Wire.SlotEntries;
import io.ringleader.samples.kv.node.Wire.SlotMessage;
import io.ringleader.samples.kv.node.Wire.WireEntry;
import io.ringleader.samples.kv.store.Entry;
import io.ringleader.samples.kv.store.KvStore;
import io.ringleader.samples.kv.store.StoreOptions;
import io.ringleader.samples.kv.store.Version;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import java.util.function.IntSupplier;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.utils.ThreadUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replicated key-value node: it embeds an agent, serves {@code PUT/GET/DELETE /kv/{key}} for the slots it is
 * primary of, and replicates every write synchronously to the slot's other replicas before acknowledging it.
 *
 * <p>The rules that keep every acknowledged write (docs/kv.md has the argument):
 *
 * <ul>
 *   <li>a write gets a version (the primary's epoch, a sequence) and is acknowledged only after every replica of
 *       its slot present in the primary's view, and every member that caught the slot up from it since, accepted
 *       it; then it is logged locally (fsync) and made visible;
 *   <li>a replica accepts a message of a slot only from the member its own view names primary of the slot, at an
 *       epoch not older than the newest it has seen for the slot; a message from a newer epoch first makes it
 *       catch up with ZooKeeper ({@code sync}) — so a deposed, paused or partitioned primary is refused;
 *   <li>a read is answered by the primary after the replicas confirmed it is still their primary, each storing
 *       the entry read if it lacked it (a write-back: a value read is on every replica a write reaches);
 *   <li>a node serves a slot as primary only once its copy is complete ("synced"): after it caught the slot up
 *       from the primary as a backup, or, made primary of a slot it had not synced, after it gathered the slot from
 *       every present replica (each admits the gatherer's epoch before it copies);
 *   <li>a node starts JOINING (cold standby), catches up, then calls {@code ready()}; after its session was lost
 *       it forgets every sync and does it again, since writes may have been acknowledged without it meanwhile.
 * </ul>
 */
public final class KvNode implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(KvNode.class);
    private static final int MAX_KEY_BYTES = 1024;
    private static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final Duration CATCH_UP_EPOCH_WAIT = Duration.ofSeconds(1);
    private static final long SYNC_PERIOD_MILLIS = 500;
    private static final long RESEND_MILLIS = 25;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** How long a primary handing slots back waits for their requests in flight, and the undrain for its answer. */
    private static final Duration HANDBACK_WAIT = Duration.ofSeconds(5);
    /**
     * How long, after its wait, a primary refuses new requests for slots it hands back if the returning node does not
     * take them.
     */
    private static final Duration HANDBACK_HOLD = Duration.ofSeconds(3);
    /** How much longer than the primary's wait the undrain waits for its answer. */
    private static final Duration HANDBACK_ANSWER_MARGIN = Duration.ofSeconds(1);

    static {
        // The JDK server writes a response's headers and body apart: without TCP_NODELAY, Nagle's algorithm and the
        // peer's delayed ACK add 40 ms to every request. Read once, when the server classes load.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    /** The agent's meters, served at {@code /metrics}. */
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private final Agent agent;
    private final String id;
    private final String host;
    private final HttpServer server;
    private final ExecutorService httpPool;
    private final ExecutorService peerPool;
    private final ScheduledExecutorService syncThread;
    private final Path dataDir;
    private final StoreOptions storeOptions;
    private final SlotStates slots;
    private final Fence fence;
    private final Peers peers;
    private final Duration writeTimeout;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile KvStore store;
    private volatile boolean handingOff;
    /** Held by a drain or undrain while it runs. */
    private final Object adminLock = new Object();
    /** Per slot: client requests in flight, counted before the hand-back check. */
    private final AtomicIntegerArray slotInFlight;
    /**
     * Slots this node leads for now and hands back to a returning node, each with the {@link System#nanoTime()} until
     * which new requests for it are refused: until the node leads it no more, or the hold ends (the returning node
     * did not come back).
     */
    private final Map<Integer, Long> handingBack = new ConcurrentHashMap<>();

    private volatile String ringProblem;

    private KvNode(Builder b) throws IOException {
        this.dataDir = b.dataDir;
        this.storeOptions = b.storeOptions;
        this.host = b.host;
        this.server = HttpServer.create(new InetSocketAddress(b.host, b.port), 128);
        int port = server.getAddress().getPort();
        this.agent = b.agent
                .endpoint(b.host, port)
                .initialState(MemberState.JOINING)
                .meterRegistry(metrics)
                .build();
        this.id = agent.memberId();
        this.httpPool = Executors.newFixedThreadPool(
                b.httpThreads, ThreadUtils.newGenericThreadFactory("ringleader-kv-" + id + "-http"));
        this.peerPool =
                Executors.newCachedThreadPool(ThreadUtils.newGenericThreadFactory("ringleader-kv-" + id + "-peers"));
        this.syncThread = Executors.newSingleThreadScheduledExecutor(
                ThreadUtils.newGenericThreadFactory("ringleader-kv-" + id + "-sync"));
        this.slots = new SlotStates(b.slots);
        this.slotInFlight = new AtomicIntegerArray(b.slots);
        this.fence = Fence.forSlots(b.slots);
        this.peers = new Peers(peerPool, b.replicationTimeout, b.catchUpTimeout);
        this.writeTimeout = b.writeTimeout;
        server.setExecutor(httpPool);
        server.createContext("/kv/", this::serveKey);
        server.createContext("/internal/replicate", ex -> serveSlotMessage(ex, true));
        server.createContext("/internal/confirm", ex -> serveSlotMessage(ex, false));
        server.createContext("/internal/catch-up", this::serveCatchUp);
        server.createContext("/internal/handback", this::serveHandback);
        server.createContext("/status", this::serveStatus);
        server.createContext("/metrics", this::serveMetrics);
        server.createContext("/admin/drain", ex -> serveAdmin(ex, "/admin/drain", this::drain));
        server.createContext("/admin/undrain", ex -> serveAdmin(ex, "/admin/undrain", this::undrain));
    }

    /** A builder; {@link Builder#agent} and {@link Builder#dataDir} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the store (recovering it), starts serving HTTP, joins the cluster as JOINING and starts catching up;
     * the node turns UP by itself once caught up. Returns once the member record is registered.
     *
     * @throws IllegalStateException if already started or closed
     * @throws IOException if the store cannot be opened; the message names the problem
     * @throws TimeoutException if the agent did not join within 30 s
     */
    public void start() throws IOException, InterruptedException, TimeoutException, MemberIdConflictException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("already started or closed: " + state.get());
        }
        store = KvStore.open(dataDir, slots.slotCount(), storeOptions);
        log.info("[member={}] store open in {}: {} keys", id, dataDir, store.keyCount());
        agent.roles().listenable().addListener(this::onRoles);
        agent.curator().getConnectionStateListenable().addListener((client, newState) -> {
            if (newState == ConnectionState.LOST) {
                onSessionLost();
            }
        });
        server.start();
        agent.start();
        agent.awaitJoined(Duration.ofSeconds(30));
        syncThread.scheduleWithFixedDelay(this::catchUpQuietly, 0, SYNC_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        log.info("[member={}] serving on {}:{}; catching up before turning UP", id, host, port());
    }

    /** The port the node serves HTTP on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The member id. */
    public String memberId() {
        return id;
    }

    /** The embedded agent. */
    public Agent agent() {
        return agent;
    }

    /** How many slots this node's copy is complete for. */
    public int syncedSlots() {
        return slots.syncedCount();
    }

    /** Requests being served as primary right now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Stops serving, leaves the cluster, closes the store. Idempotent. */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        syncThread.shutdownNow();
        agent.close();
        server.stop(0);
        httpPool.shutdownNow();
        peerPool.shutdownNow();
        KvStore s = store;
        if (s != null) {
            s.close();
        }
        log.info("[member={}] closed", id);
    }

    // ---- roles and catch-up -----------------------------------------------------------------------------------

    private void onRoles(RoleChange change) {
        RoleSnapshot now = change.current();
        if (now.active()) {
            // A slot this node no longer holds at all gets writes elsewhere from now on: its copy goes stale.
            change.lostPrimary().union(change.lostBackup()).forEach(slot -> {
                if (!now.primary().contains(slot) && !now.backup().contains(slot)) {
                    slots.markUnsynced(slot);
                }
            });
            now.primary().forEach(slot -> fence.admit(slot, now.epoch()));
        }
        change.lostPrimary().forEach(slot -> handingBack.remove(slot));
        if (!change.isEmpty()) {
            log.info(
                    "[member={}] roles at epoch 0x{}: primary of {} slots (+{} -{}), backup of {} ({})",
                    id,
                    Long.toHexString(change.epoch()),
                    now.primary().size(),
                    change.gainedPrimary().size(),
                    change.lostPrimary().size(),
                    now.backup().size(),
                    change.cause());
        }
        if (state.get() == State.STARTED) {
            syncThread.execute(this::catchUpQuietly);
        }
    }

    private void onSessionLost() {
        slots.unsyncAll();
        try {
            agent.setState(MemberState.JOINING);
        } catch (IllegalStateException e) {
            return; // closing
        }
        log.warn("[member={}] session lost: every slot is caught up again before this node turns UP", id);
    }

    private void catchUpQuietly() {
        try {
            catchUp();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | IOException e) {
            log.warn("[member={}] catch-up round failed, retrying: {}", id, e.toString());
        }
    }

    /** One catch-up round, on the sync thread: backups from their primary, unsynced primaries from their replicas. */
    private void catchUp() throws InterruptedException, IOException {
        // A sync forgotten while this round copies (session lost, slot gone) makes its copies too old to mark synced.
        long round = slots.generation();
        RoleSnapshot roles = agent.roles().current();
        RoutingTable table = agent.router().table();
        if (!roles.active() || table.ring().isEmpty() || !ringFits(table)) {
            return;
        }
        Map<Member, List<Integer>> byPrimary = new LinkedHashMap<>();
        roles.backup().forEach(slot -> {
            if (!slots.isSynced(slot)) {
                Member primary = table.primary(slot);
                if (primary != null) {
                    byPrimary.computeIfAbsent(primary, m -> new ArrayList<>()).add(slot);
                }
            }
        });
        int caughtUp = 0;
        for (Map.Entry<Member, List<Integer>> e : byPrimary.entrySet()) {
            caughtUp += copyFrom(e.getKey(), e.getValue(), round);
        }
        caughtUp += gatherPrimaries(roles, table, round);
        if (caughtUp > 0) {
            log.info("[member={}] caught up {} slots ({} synced)", id, caughtUp, slots.syncedCount());
        }
        Optional<Member> self = agent.members().member(id);
        if (self.isPresent() && self.get().state() == MemberState.JOINING && backupsSynced(roles, table)) {
            log.info("[member={}] caught up every slot that has a primary: turning UP", id);
            agent.ready();
        }
    }

    /** Slots this node was made primary of without a complete copy: gathered from every present replica. */
    private int gatherPrimaries(RoleSnapshot roles, RoutingTable table, long round)
            throws InterruptedException, IOException {
        Map<Member, List<Integer>> byReplica = new LinkedHashMap<>();
        List<Integer> wanted = new ArrayList<>();
        roles.primary().forEach(slot -> {
            if (!slots.isSynced(slot)) {
                wanted.add(slot);
                for (Member m : table.replicas(slot)) {
                    if (!m.id().equals(id)) {
                        byReplica.computeIfAbsent(m, k -> new ArrayList<>()).add(slot);
                    }
                }
            }
        });
        if (wanted.isEmpty()) {
            return 0;
        }
        Map<Integer, List<WireEntry>> gathered = new HashMap<>();
        Set<Integer> failed = new HashSet<>();
        for (Map.Entry<Member, List<Integer>> e : byReplica.entrySet()) {
            CatchUpAnswer answer = ask(e.getKey(), e.getValue(), false, roles.epoch());
            if (answer == null) {
                failed.addAll(e.getValue());
                continue;
            }
            for (SlotEntries s : answer.slots()) {
                gathered.computeIfAbsent(s.slot(), k -> new ArrayList<>()).addAll(s.entries());
            }
            failed.addAll(answer.refused()); // the replica has seen a newer epoch: gather again next round
        }
        int done = 0;
        for (int slot : wanted) {
            if (failed.contains(slot)) {
                continue;
            }
            apply(slot, gathered.getOrDefault(slot, List.of()));
            if (slots.markSynced(slot, round)) {
                done++;
            }
        }
        return done;
    }

    /**
     * Copies slots from their primary, registering for their later writes, in a catch-up round begun at sync
     * generation {@code round}; returns how many it marked synced.
     */
    private int copyFrom(Member from, List<Integer> wanted, long round) throws InterruptedException, IOException {
        CatchUpAnswer answer = ask(from, wanted, true, agent.roles().current().epoch());
        if (answer == null) {
            return 0;
        }
        int marked = 0;
        for (SlotEntries s : answer.slots()) {
            apply(s.slot(), s.entries());
            if (slots.markSynced(s.slot(), round)) {
                marked++;
            }
        }
        return marked;
    }

    /** @param epoch the asker's: a gather sends the epoch of the roles that made it primary of the slots */
    private CatchUpAnswer ask(Member from, List<Integer> wanted, boolean register, long epoch)
            throws InterruptedException {
        Address address = address(from);
        if (address == null) {
            return null;
        }
        try {
            return peers.fetch(
                    "/internal/catch-up", new CatchUpRequest(id, host, port(), epoch, register, wanted), address);
        } catch (PeerException e) {
            log.info(
                    "[member={}] catch-up of {} slots from {} failed: {}",
                    id,
                    wanted.size(),
                    from.id(),
                    e.getMessage());
            return null;
        }
    }

    private void apply(int slot, List<WireEntry> entries) throws InterruptedException, IOException {
        if (entries.isEmpty()) {
            return;
        }
        List<Entry> batch = new ArrayList<>(entries.size());
        for (WireEntry w : entries) {
            batch.add(w.toEntry(slot));
        }
        await(store.applyAll(batch));
    }

    /** The entries of a read's write-back that are newer than this node's: usually none, and nothing is logged. */
    private List<WireEntry> newer(int slot, List<WireEntry> entries) {
        List<WireEntry> out = new ArrayList<>();
        for (WireEntry w : entries) {
            Optional<Entry> mine = store.get(slot, w.key());
            if (mine.isEmpty() || w.toEntry(slot).version().isAfter(mine.get().version())) {
                out.add(w);
            }
        }
        return out;
    }

    private boolean backupsSynced(RoleSnapshot roles, RoutingTable table) {
        boolean[] all = {true};
        roles.backup().forEach(slot -> {
            if (!slots.isSynced(slot) && table.primary(slot) != null) {
                all[0] = false;
            }
        });
        return all[0];
    }

    private boolean ringFits(RoutingTable table) {
        int ringSlots = table.ring().orElseThrow().slotCount();
        if (ringSlots == slots.slotCount()) {
            ringProblem = null;
            return true;
        }
        String problem = "the ring has " + ringSlots + " slots but this node stores " + slots.slotCount()
                + ": restart it with --slots " + ringSlots;
        if (!problem.equals(ringProblem)) {
            log.error("[member={}] {}", id, problem);
            ringProblem = problem;
        }
        return false;
    }

    // ---- client API ---------------------------------------------------------------------------------------------

    private void serveKey(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String raw = ex.getRequestURI().getRawPath().substring("/kv/".length());
            String key = URLDecoder.decode(raw, StandardCharsets.UTF_8);
            if (key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
                send(ex, 400, problem("bad_key", "a key is 1 to " + MAX_KEY_BYTES + " bytes", -1, true));
                return;
            }
            if (!method.equals("GET") && !method.equals("PUT") && !method.equals("DELETE")) {
                send(ex, 405, problem("bad_method", "use GET, PUT or DELETE on /kv/{key}", -1, true));
                return;
            }
            String value = null;
            if (method.equals("PUT")) {
                byte[] body = readBody(ex.getRequestBody(), MAX_VALUE_BYTES);
                if (body == null) {
                    send(ex, 413, problem("too_large", "a value is at most " + MAX_VALUE_BYTES + " bytes", -1, true));
                    return;
                }
                value = new String(body, StandardCharsets.UTF_8);
            }
            Reply reply = serveKey(method, key, value, clientEpoch(ex));
            send(ex, reply.status(), reply.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Reply(int status, Object body) {}

    private Reply serveKey(String method, String key, String value, long clientEpoch) throws InterruptedException {
        RoutingTable table = agent.router().table();
        if (table.ring().isEmpty() || !ringFits(table)) {
            return new Reply(503, problem("no_ring", "no usable ring yet", -1, true));
        }
        int slot = table.slotOf(key);
        RoleSnapshot roles = agent.roles().current();
        if (clientEpoch > roles.epoch()) {
            agent.roles().catchUp(clientEpoch, CATCH_UP_EPOCH_WAIT);
            roles = agent.roles().current();
            table = agent.router().table();
        }
        if (!roles.isPrimary(slot)) {
            return notPrimary(table, slot, roles);
        }
        if (!slots.isSynced(slot)) {
            return new Reply(503, problem("catching_up", id + " is still catching up slot " + slot, slot, true));
        }
        // Counted before the drain check: a drain that saw no request in flight after refusing new ones has
        // none to wait for.
        inFlight.incrementAndGet();
        slotInFlight.incrementAndGet(slot);
        try {
            if (handingOff) {
                return new Reply(
                        503,
                        problem(
                                "draining",
                                id + " is handing its slots over: retry at their next primary",
                                slot,
                                true));
            }
            if (handedBack(slot)) {
                return new Reply(
                        503,
                        problem(
                                "handing_back",
                                id + " is handing slot " + slot + " back to its returning primary: retry there",
                                slot,
                                true));
            }
            // The roles again, read after the sync and hold checks: a gather that synced the slot admitted its
            // round's epoch at the replicas (a message at an older epoch would be refused), and a hold ends when the
            // roles drop the slot, which they publish before they tell us (a request that read them before the
            // hold ended could otherwise pass).
            RoleSnapshot now = agent.roles().current();
            if (!now.isPrimary(slot)) {
                return notPrimary(agent.router().table(), slot, now);
            }
            return method.equals("GET")
                    ? read(slot, key, now.epoch())
                    : write(slot, key, method.equals("PUT") ? value : null, now.epoch());
        } finally {
            slotInFlight.decrementAndGet(slot);
            inFlight.decrementAndGet();
        }
    }

    private Reply notPrimary(RoutingTable table, int slot, RoleSnapshot roles) {
        Member primary = primaryOrNull(table, slot);
        return new Reply(
                421,
                new Problem(
                        "not_primary",
                        id + " is not the primary of slot " + slot,
                        slot,
                        primary == null ? null : primary.id(),
                        roles.epoch(),
                        true));
    }

    private Reply write(int slot, String key, String value, long epoch) throws InterruptedException {
        Lock lock = slots.lock(slot).readLock();
        lock.lock();
        try {
            Entry entry = new Entry(slot, key, new Version(epoch, sequence.incrementAndGet()), value);
            Problem refused = sendToReplicas(
                    "/internal/replicate", new SlotMessage(slot, epoch, id, List.of(WireEntry.of(entry))), false);
            if (refused != null) {
                return new Reply(statusOf(refused), refused);
            }
            try {
                await(store.apply(entry));
            } catch (IOException e) {
                return new Reply(500, problem("store_failed", e.getMessage(), slot, false));
            }
            return new Reply(
                    200,
                    new Result(
                            key,
                            slot,
                            value,
                            value != null,
                            epoch,
                            entry.version().seq()));
        } finally {
            lock.unlock();
        }
    }

    private Reply read(int slot, String key, long epoch) throws InterruptedException {
        Optional<Entry> entry = store.get(slot, key);
        // The confirmation carries the entry read: a replica that lacks it stores it before it confirms (a write-back).
        // This node may hold an entry no write acknowledged (it accepted it as a replica from the primary before,
        // whose write another replica refused); once a read returns it, it must be on every replica, or a later
        // primary without it would read an older value.
        List<WireEntry> read = entry.map(e -> List.of(WireEntry.of(e))).orElse(List.of());
        Problem refused = sendToReplicas("/internal/confirm", new SlotMessage(slot, epoch, id, read), true);
        if (refused != null) {
            return new Reply(statusOf(refused), refused);
        }
        if (entry.isEmpty() || entry.get().value() == null) {
            return new Reply(404, new Problem("not_found", "no value for the key", slot, id, epoch, true));
        }
        Version v = entry.get().version();
        return new Reply(200, new Result(key, slot, entry.get().value(), true, v.epoch(), v.seq()));
    }

    /**
     * Sends a slot message to every replica target and waits until each accepted it or left this node's view: a
     * member that cannot be reached is tried again (every {@value #RESEND_MILLIS} ms) until it leaves the view, for
     * at most the write timeout. A refusal as stale stops at once: this node is deposed.
     *
     * @param definite whether a failure leaves the operation certainly not applied (a read) or unknown (a write)
     * @return null if every target accepted, else the problem to answer
     */
    private Problem sendToReplicas(String path, SlotMessage message, boolean definite) throws InterruptedException {
        int slot = message.slot();
        long deadline = System.nanoTime() + writeTimeout.toNanos();
        Set<String> accepted = new HashSet<>();
        while (true) {
            List<Address> targets = targets(slot, agent.router().table());
            if (targets == null) {
                return problem("no_endpoint", "a replica of slot " + slot + " has no endpoint", slot, definite);
            }
            targets.removeIf(a -> accepted.contains(a.id()));
            Map<String, PeerException> failures = peers.sendAll(path, message, targets);
            for (Address a : targets) {
                if (!failures.containsKey(a.id())) {
                    accepted.add(a.id());
                }
            }
            if (failures.isEmpty()) {
                return null;
            }
            for (PeerException f : failures.values()) {
                if (f.stale()) {
                    return problem("stale_epoch", f.getMessage(), slot, definite);
                }
            }
            PeerException first = failures.values().iterator().next();
            log.debug(
                    "[member={}] slot {}: {} of {} replicas failed, resending: {}",
                    id,
                    slot,
                    failures.size(),
                    targets.size(),
                    first.getMessage());
            if (System.nanoTime() > deadline) {
                return problem(definite ? "unconfirmed" : "replication_failed", first.getMessage(), slot, definite);
            }
            if (!agent.roles().current().isPrimary(slot)) {
                return problem("lost_primary", id + " lost slot " + slot + ": " + first.getMessage(), slot, definite);
            }
            Thread.sleep(RESEND_MILLIS);
        }
    }

    /** Every replica of the slot present in the view but this node, plus members registered by catching up. */
    private List<Address> targets(int slot, RoutingTable table) {
        Map<String, Address> out = new LinkedHashMap<>();
        for (Member m : table.replicas(slot)) {
            if (m.id().equals(id)) {
                continue;
            }
            Address a = address(m);
            if (a == null) {
                return null;
            }
            out.put(m.id(), a);
        }
        for (SlotStates.Target t : slots.registered(slot, System.nanoTime())) {
            if (out.containsKey(t.id()) || !inView(table, t.id())) {
                // Listed as a replica now (it gets every write that way), or gone: its next life catches up again.
                slots.unregister(slot, t.id());
            } else {
                out.put(t.id(), new Address(t.id(), t.host(), t.port()));
            }
        }
        return new ArrayList<>(out.values());
    }

    // ---- replica side -------------------------------------------------------------------------------------------

    private void serveSlotMessage(HttpExchange ex, boolean replicate) throws IOException {
        try (ex) {
            SlotMessage m = Wire.JSON.readValue(ex.getRequestBody(), SlotMessage.class);
            if (m.slot() < 0 || m.slot() >= slots.slotCount() || m.from() == null) {
                send(ex, 400, problem("bad_message", "slot out of range or no sender", m.slot(), true));
                return;
            }
            if (m.epoch() > agent.roles().current().epoch()) {
                // before the lock: a slow catch-up must not hold up a gather or a registration of the slot
                agent.roles().catchUp(m.epoch(), CATCH_UP_EPOCH_WAIT);
            }
            // Under the slot's read lock: a new primary's gather (which takes the write lock) copies the slot either
            // after this message was applied or after it admitted its own epoch, which then refuses this message.
            Lock lock = slots.lock(m.slot()).readLock();
            lock.lock();
            Problem refused;
            try {
                refused = admit(m);
                if (refused == null) {
                    if (replicate) {
                        apply(m.slot(), m.entries());
                    } else {
                        apply(m.slot(), newer(m.slot(), m.entries()));
                    }
                }
            } finally {
                lock.unlock();
            }
            if (refused != null) {
                log.debug(
                        "[member={}] refused {} from {}: {}",
                        id,
                        replicate ? "replicate" : "confirm",
                        m.from(),
                        refused.message());
                send(ex, statusOf(refused), refused);
                return;
            }
            send(ex, 200, Map.of("ok", true));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The fence: the sender must be the slot's primary in this node's view, at an epoch not older than seen. The
     * caller has caught up to the message's epoch (or tried to) already; this does not wait.
     */
    private Problem admit(SlotMessage m) {
        if (m.epoch() > agent.roles().current().epoch()) {
            return problem("behind", id + " could not reach epoch 0x" + Long.toHexString(m.epoch()), m.slot(), true);
        }
        RoutingTable table = agent.router().table();
        Member primary = primaryOrNull(table, m.slot());
        if (primary == null || !primary.id().equals(m.from())) {
            return problem(
                    "stale_epoch",
                    m.from() + " is not the primary of slot " + m.slot() + " in " + id + "'s view at epoch 0x"
                            + Long.toHexString(table.epoch()) + " (primary: "
                            + (primary == null ? "none" : primary.id()) + ")",
                    m.slot(),
                    true);
        }
        if (!fence.admit(m.slot(), m.epoch())) {
            return problem(
                    "stale_epoch",
                    "epoch 0x" + Long.toHexString(m.epoch()) + " is older than 0x"
                            + Long.toHexString(fence.newest(m.slot())) + " seen for slot " + m.slot(),
                    m.slot(),
                    true);
        }
        return null;
    }

    /**
     * A gather of the slot is answered unless this node's view, at the asker's epoch or later, names another member
     * its primary (the asker has lost the slot, and admitting its epoch would refuse the real primary). A view still
     * older than the asker's epoch (a slow catch-up) does not refuse it.
     */
    private boolean gatherAllowed(int slot, CatchUpRequest r) {
        RoutingTable table = agent.router().table();
        if (table.epoch() < r.epoch()) {
            return true;
        }
        Member primary = primaryOrNull(table, slot);
        return primary != null && primary.id().equals(r.from());
    }

    private void serveCatchUp(HttpExchange ex) throws IOException {
        try (ex) {
            CatchUpRequest r = Wire.JSON.readValue(ex.getRequestBody(), CatchUpRequest.class);
            List<SlotEntries> copied = new ArrayList<>();
            List<Integer> refused = new ArrayList<>();
            if (r.epoch() > agent.roles().current().epoch()) {
                // The asker's record is older than its epoch: once caught up, this node's view holds it (and, for a
                // gather, names the asker primary).
                agent.roles().catchUp(r.epoch(), CATCH_UP_EPOCH_WAIT);
            }
            boolean askerInView = inView(agent.router().table(), r.from());
            for (int slot : r.slots()) {
                if (slot < 0 || slot >= slots.slotCount()) {
                    refused.add(slot);
                    continue;
                }
                if (!r.register()) {
                    // A new primary gathering: admit its epoch before copying, under the slot's write lock, so that
                    // a primary this node followed gets no later write or read write-back of the slot accepted here
                    // that the copy misses; messages in flight are in the copy.
                    Lock lock = slots.lock(slot).writeLock();
                    lock.lock();
                    try {
                        if (gatherAllowed(slot, r) && fence.admit(slot, r.epoch())) {
                            copied.add(new SlotEntries(slot, wire(store.slotEntries(slot))));
                        } else {
                            refused.add(slot);
                        }
                    } finally {
                        lock.unlock();
                    }
                    continue;
                }
                if (!askerInView || !agent.roles().current().isPrimary(slot) || !slots.isSynced(slot)) {
                    refused.add(slot);
                    continue;
                }
                // Under the write lock no write of the slot is in flight: each is in the copy or goes to the asker.
                Lock lock = slots.lock(slot).writeLock();
                lock.lock();
                try {
                    slots.register(slot, new SlotStates.Target(r.from(), r.host(), r.port(), System.nanoTime()));
                    copied.add(new SlotEntries(slot, wire(store.slotEntries(slot))));
                } finally {
                    lock.unlock();
                }
            }
            send(ex, 200, new CatchUpAnswer(copied, refused));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean inView(RoutingTable table, String memberId) {
        for (Member m : table.members()) {
            if (m.id().equals(memberId)) {
                return true;
            }
        }
        return false;
    }

    // ---- status and admin ----------------------------------------------------------------------------------------

    /** The agent's meters in Prometheus' text format. */
    private void serveMetrics(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] bytes = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
        }
    }

    private void serveStatus(HttpExchange ex) throws IOException {
        try (ex) {
            RoleSnapshot roles = agent.roles().current();
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("id", id);
            status.put(
                    "state",
                    agent.members().member(id).map(m -> m.state().name()).orElse("ABSENT"));
            status.put("epoch", roles.epoch());
            status.put("active", roles.active());
            status.put("primarySlots", roles.primary().size());
            status.put("backupSlots", roles.backup().size());
            status.put("syncedSlots", slots.syncedCount());
            status.put("keys", store == null ? 0 : store.keyCount());
            status.put("inFlight", inFlight.get());
            if (ringProblem != null) {
                status.put("problem", ringProblem);
            }
            send(ex, 200, status);
        }
    }

    /** A POST to {@code path} that runs {@code action} alone: one drain or undrain at a time. */
    private void serveAdmin(HttpExchange ex, String path, HttpHandler action) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("POST")) {
                send(ex, 405, problem("bad_method", "POST " + path, -1, true));
                return;
            }
            // an undrain waiting for its handbacks must not turn a node a drain just emptied UP
            synchronized (adminLock) {
                action.handle(ex);
            }
        }
    }

    private void drain(HttpExchange ex) throws IOException {
        try {
            // New requests are refused as certainly not applied (clients retry them at the next primary) and
            // those in flight finish while every replica still names this node primary: none of them fails.
            handingOff = true;
            awaitNone(inFlight::get, System.nanoTime() + DRAIN_TIMEOUT.toNanos(), 5);
            agent.drain(DRAIN_TIMEOUT, inFlight::get);
            log.info("[member={}] drained: primary of no slot", id);
            send(ex, 200, Map.of("drained", true, "id", id));
        } catch (TimeoutException e) {
            send(ex, 504, problem("drain_timeout", e.getMessage(), -1, true));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Undoes a drain without a failed request: the primaries of the slots this node leads once UP again first stop
     * taking new requests for them (clients retry, and reach this node once it is UP) and finish those in flight,
     * while every replica still names them primary; only then does this node turn UP. A primary that does not
     * answer in time is logged and the node turns UP anyway (its writes in flight may then end unknown).
     */
    private void undrain(HttpExchange ex) throws IOException {
        handingOff = false;
        Map<Address, Handback> asks = new LinkedHashMap<>();
        slotsToTakeBack().forEach((primary, taken) -> asks.put(primary, new Handback(id, taken)));
        int slotCount = asks.values().stream().mapToInt(h -> h.slots().size()).sum();
        try {
            Map<String, PeerException> failed =
                    peers.postAll("/internal/handback", asks, HANDBACK_WAIT.plus(HANDBACK_ANSWER_MARGIN));
            failed.forEach((peer, e) -> log.warn(
                    "[member={}] undrain: {} did not quiesce the slots it hands back ({}); taking them anyway",
                    id,
                    peer,
                    e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        agent.setState(MemberState.UP);
        log.info("[member={}] undrained: {} slots handed back by {} primaries", id, slotCount, asks.size());
        send(ex, 200, Map.of("drained", false, "id", id));
    }

    /**
     * By current primary: the slots this node leads once UP again, those whose primary (the first replica present and
     * UP) it precedes in the ring.
     */
    private Map<Address, List<Integer>> slotsToTakeBack() {
        RoutingTable table = agent.router().table();
        Ring ring = table.ring().orElse(null);
        Map<Address, List<Integer>> out = new LinkedHashMap<>();
        for (int slot = 0; ring != null && slot < ring.slotCount(); slot++) {
            Member primary = primaryOrNull(table, slot);
            Address at = primary == null || primary.id().equals(id) ? null : address(primary);
            List<String> replicas = ring.replicas(slot);
            int mine = replicas.indexOf(id);
            int theirs = at == null ? -1 : replicas.indexOf(primary.id());
            if (at != null && mine >= 0 && (theirs < 0 || mine < theirs)) {
                out.computeIfAbsent(at, a -> new ArrayList<>()).add(slot);
            }
        }
        return out;
    }

    /** Whether new requests for {@code slot} are refused because it is being handed back; a hold that ended lapses. */
    private boolean handedBack(int slot) {
        Long until = handingBack.get(slot);
        if (until == null) {
            return false;
        }
        if (System.nanoTime() - until < 0) {
            return true;
        }
        handingBack.remove(slot, until);
        return false;
    }

    /**
     * A returning node asks this one to hand slots back: those it leads are refused to new requests from now on
     * (until it leads them no more, at most {@link #HANDBACK_HOLD}), and the answer comes once the requests in flight
     * for them finished.
     */
    private void serveHandback(HttpExchange ex) throws IOException {
        try (ex) {
            Handback h = Wire.JSON.readValue(ex.getRequestBody(), Handback.class);
            RoleSnapshot roles = agent.roles().current();
            // the hold covers the wait for requests in flight, then the returning node's turn to UP
            long until = System.nanoTime() + HANDBACK_WAIT.toNanos() + HANDBACK_HOLD.toNanos();
            List<Integer> held = new ArrayList<>();
            for (int slot : h.slots()) {
                if (slot >= 0 && slot < slots.slotCount() && roles.isPrimary(slot)) {
                    handingBack.put(slot, until);
                    held.add(slot);
                }
            }
            long deadline = System.nanoTime() + HANDBACK_WAIT.toNanos();
            for (int slot : held) {
                awaitNone(() -> slotInFlight.get(slot), deadline, 1);
            }
            log.info("[member={}] handing {} slots back to {}", id, held.size(), h.from());
            send(ex, 200, Map.of("held", held.size(), "to", h.from()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** Waits until {@code count} is 0 or the {@link System#nanoTime()} {@code deadline} passed, polling. */
    private static void awaitNone(IntSupplier count, long deadline, long pollMillis) throws InterruptedException {
        while (count.getAsInt() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(pollMillis);
        }
    }

    /** A replica's refusal as an HTTP status: 409 for a stale epoch (this node is deposed), else 503. */
    private static int statusOf(Problem refused) {
        return refused.error().equals("stale_epoch") ? 409 : 503;
    }

    private static Member primaryOrNull(RoutingTable table, int slot) {
        try {
            return table.primary(slot);
        } catch (NoRouteException e) {
            return null;
        }
    }

    private static Address address(Member m) {
        return m.endpoint() == null
                ? null
                : new Address(m.id(), m.endpoint().host(), m.endpoint().port());
    }

    private static List<WireEntry> wire(List<Entry> entries) {
        List<WireEntry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(WireEntry.of(e));
        }
        return out;
    }

    private Problem problem(String error, String message, int slot, boolean definite) {
        return new Problem(error, message, slot, null, agent.roles().current().epoch(), definite);
    }

    private static long clientEpoch(HttpExchange ex) {
        String header = ex.getRequestHeaders().getFirst("Ringleader-Epoch");
        if (header == null) {
            return 0;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future)
            throws InterruptedException, IOException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new IOException("store: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static byte[] readBody(InputStream in, int limit) throws IOException {
        byte[] body = in.readNBytes(limit + 1);
        return body.length > limit ? null : body;
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = Wire.JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    /** Builds a {@link KvNode}. */
    public static final class Builder {
        private Agent.Builder agent;
        private Path dataDir;
        private String host = "127.0.0.1";
        private int port;
        private int slots = 16384;
        private int httpThreads = 32;
        private Duration replicationTimeout = Duration.ofSeconds(1);
        private Duration catchUpTimeout = Duration.ofSeconds(15);
        private Duration writeTimeout = Duration.ofSeconds(5);
        private StoreOptions storeOptions = StoreOptions.defaults();

        private Builder() {}

        /** The agent to embed, with its ZooKeeper, cluster and member id set; the node sets endpoint and state. */
        public Builder agent(Agent.Builder agent) {
            this.agent = Objects.requireNonNull(agent, "agent");
            return this;
        }

        /** Where the write-ahead log and snapshots live. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dataDir");
            return this;
        }

        /** The advertised host (default 127.0.0.1), also the address bound. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The HTTP port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** The ring's slot count (default 16384); a ring with another count is refused with a clear error. */
        public Builder slots(int slots) {
            if (slots < 1 || Integer.bitCount(slots) != 1 || slots > 65536) {
                throw new IllegalArgumentException("slots must be a power of two up to 65536, was " + slots);
            }
            this.slots = slots;
            return this;
        }

        /** How long a replica may take to accept a write (default 1 s). */
        public Builder replicationTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("replicationTimeout must be positive, was " + timeout);
            }
            this.replicationTimeout = timeout;
            return this;
        }

        /**
         * How long a write may wait for an unreachable replica to accept it or leave the view (default 5 s; set it
         * above the session timeout so that a crashed replica's expiry unblocks writes).
         */
        public Builder writeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("writeTimeout must be positive, was " + timeout);
            }
            this.writeTimeout = timeout;
            return this;
        }

        /** Store options (fsync, snapshot period). */
        public Builder storeOptions(StoreOptions options) {
            this.storeOptions = Objects.requireNonNull(options, "storeOptions");
            return this;
        }

        /**
         * Binds the HTTP port and builds the agent; nothing runs until {@link KvNode#start()}.
         *
         * @throws IllegalStateException if the agent or the data dir is missing
         * @throws IOException if the port cannot be bound; the message names it
         */
        public KvNode build() throws IOException {
            if (agent == null || dataDir == null) {
                throw new IllegalStateException("a KV node needs an agent and a data dir");
            }
            try {
                return new KvNode(this);
            } catch (java.net.BindException e) {
                throw new IOException(
                        "cannot listen on " + host + ":" + port + " (" + e.getMessage() + "); pick another --http-port",
                        e);
            }
        }
    }
}
