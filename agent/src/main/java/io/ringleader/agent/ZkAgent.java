package io.ringleader.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.ringleader.agent.events.EventLog;
import io.ringleader.agent.health.HealthMonitor;
import io.ringleader.agent.health.PeerSuspicion;
import io.ringleader.agent.internal.Meters;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.RecordAcl;
import io.ringleader.agent.leadership.Leadership;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberIdConflictException;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.membership.MemberView;
import io.ringleader.agent.membership.Membership;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.roles.RoleSnapshot;
import io.ringleader.agent.roles.Roles;
import io.ringleader.agent.routing.Router;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.agent.vip.VirtualEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The agent: owns (or borrows) a Curator client and the membership built on it. */
final class ZkAgent implements Agent {
    private static final Logger log = LoggerFactory.getLogger(ZkAgent.class);

    private static final long DRAIN_POLL_MILLIS = 10;

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorFramework client;
    private final boolean ownsClient;
    private final ClusterPath path;
    private final String memberId;
    private final boolean observer;
    /** Whether the agent creates open znodes: the insecure flag without authentication. */
    private final boolean insecure;

    private final Membership membership;
    private final Router router;
    private final Roles roles;
    private final HealthMonitor health;
    private final PeerSuspicion suspicion;
    private final List<Leadership> leaderships = new CopyOnWriteArrayList<>();
    private final List<VirtualEndpoint> virtualEndpoints = new CopyOnWriteArrayList<>();
    private final Meters meters;
    private final ConnectionStateListener connectionListener = (c, newState) -> connection = newState;
    private volatile ConnectionState connection;

    ZkAgent(Agent.Builder builder, ClusterPath path, String memberId, Member self) {
        this.path = path;
        this.memberId = memberId;
        this.observer = self == null;
        if (builder.client() != null) {
            if (builder.client().getState() != CuratorFrameworkState.STARTED) {
                throw new IllegalStateException("the Curator client given to the agent must be started first");
            }
            this.client = builder.client();
            this.ownsClient = false;
        } else {
            CuratorFrameworkFactory.Builder cb = CuratorFrameworkFactory.builder()
                    .connectString(builder.connectString())
                    .sessionTimeoutMs(millis(builder.sessionTimeout()))
                    .connectionTimeoutMs(millis(builder.connectionTimeout()))
                    .retryPolicy(builder.retryPolicy())
                    .authorization(builder.authorization())
                    .threadFactory(named("ringleader-agent-" + memberId + "-curator-"));
            if (!builder.authorization().isEmpty()) {
                cb.aclProvider(RecordAcl.provider(path));
            }
            this.client = cb.build();
            this.ownsClient = true;
        }
        boolean authenticated = !builder.authorization().isEmpty();
        this.insecure = !authenticated && builder.isInsecure();
        List<ACL> acl = RecordAcl.of(authenticated, builder.isInsecure());
        Membership.Builder mb =
                Membership.builder(client, path).acl(acl).threadName("ringleader-agent-" + memberId + "-membership");
        if (self != null) {
            mb.self(self);
        }
        this.membership = mb.build();
        Tags tags = Tags.of("cluster", path.cluster(), "member", memberId);
        MeterRegistry registry = builder.meterRegistry();
        this.meters = new Meters(registry, tags);
        // The router runs on the membership's thread: no thread name of its own.
        Router.Builder rb =
                Router.builder(client, path, membership).logName((observer ? "observer=" : "member=") + memberId);
        if (registry != null) {
            rb.meterRegistry(registry, tags);
        }
        this.router = rb.build();
        this.health = builder.healthCheck() == null
                ? null
                : new HealthMonitor(
                        builder.healthCheck(),
                        builder.healthInterval(),
                        builder.healthFailures(),
                        membership,
                        "ringleader-agent-" + memberId + "-health");
        this.suspicion = observer
                ? null
                : new PeerSuspicion(
                        client,
                        path,
                        memberId,
                        builder.suspicionTtl(),
                        acl,
                        "ringleader-agent-" + memberId + "-suspicion");
        this.roles = Roles.create(
                client,
                observer ? null : memberId,
                membership,
                router,
                "ringleader-agent-" + memberId + "-roles",
                observer || !builder.takeoverEvents() ? null : new EventLog(client, path, acl),
                observer || registry == null
                        ? null
                        : meters.timer(
                                "ringleader.takeover.duration",
                                "takeovers by this member: from its member view holding the change to its role"
                                        + " listeners told"));
        registerGauges();
    }

    /** The agent's own gauges; the router registers the ring's and the call helper's meters. */
    private void registerGauges() {
        client.getConnectionStateListenable().addListener(connectionListener);
        connection = client.getZookeeperClient().isConnected() ? ConnectionState.CONNECTED : null;
        for (String s : new String[] {"connected", "suspended", "lost", "read_only"}) {
            meters.gauge(
                    "ringleader.zk.connection",
                    "1 for the ZooKeeper connection state the agent is in, 0 for the others",
                    this,
                    a -> s.equals(a.connectionName()) ? 1 : 0,
                    "state",
                    s);
        }
        for (MemberState s : MemberState.values()) {
            meters.gauge(
                    "ringleader.members",
                    "members present in the agent's view, by state",
                    this,
                    a -> a.members().countByState().getOrDefault(s, 0L),
                    "state",
                    s.name());
        }
        if (!observer) {
            meters.gauge("ringleader.roles.primary.slots", "slots this member is primary of", this, a -> a.roles
                    .current()
                    .primary()
                    .size());
            meters.gauge("ringleader.roles.backup.slots", "slots this member is a backup of", this, a -> a.roles
                    .current()
                    .backup()
                    .size());
        }
    }

    /** The gauge name of the connection state, or null before the first connection. */
    private String connectionName() {
        ConnectionState s = connection;
        if (s == null) {
            return null;
        }
        return switch (s) {
            case CONNECTED, RECONNECTED -> "connected";
            case SUSPENDED -> "suspended";
            case LOST -> "lost";
            case READ_ONLY -> "read_only";
        };
    }

    /** Curator's own threads named after the agent, as every thread of the agent is. */
    private static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("agent already started or closed: " + state.get());
        }
        if (ownsClient) {
            client.start();
        }
        log.info(
                "[cluster={} member={}] starting {} against {}",
                path.cluster(),
                memberId,
                observer ? "observer" : "agent",
                client.getZookeeperClient().getCurrentConnectionString());
        if (insecure) {
            log.warn("[cluster={} member={}] {}", path.cluster(), memberId, RecordAcl.INSECURE_WARNING);
        }
        membership.start();
        // The roles before the router: their takeover recorder notes each view's time before the router follows it
        // on the membership's thread. They derive nothing until the router is current.
        roles.start();
        router.start();
        if (health != null) {
            health.start();
        }
    }

    @Override
    public void awaitJoined(Duration timeout) throws InterruptedException, TimeoutException, MemberIdConflictException {
        if (state.get() == State.LATENT) {
            throw new IllegalStateException("agent not started: call start() first");
        }
        membership.awaitJoined(timeout);
    }

    @Override
    public String memberId() {
        return memberId;
    }

    @Override
    public ClusterPath clusterPath() {
        return path;
    }

    @Override
    public boolean isObserver() {
        return observer;
    }

    @Override
    public MemberView members() {
        return membership.view();
    }

    @Override
    public Membership membership() {
        return membership;
    }

    @Override
    public void drain(Duration timeout, IntSupplier inFlight) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        setState(MemberState.DRAINING);
        log.info(
                "[cluster={} member={}] draining: handing primary roles to the next replicas",
                path.cluster(),
                memberId);
        while (true) {
            RoleSnapshot roles = this.roles.current();
            // Roles derived from a table that already holds the DRAINING record, not from an older one.
            boolean seenDraining = members()
                    .entry(memberId)
                    .filter(e -> e.member().state() == MemberState.DRAINING)
                    .map(e -> roles.epoch() >= e.modifiedZxid())
                    .orElse(false);
            int running = inFlight.getAsInt();
            int orphaned = orphanedSlots();
            if (seenDraining && roles.active() && roles.primary().isEmpty() && orphaned == 0 && running == 0) {
                log.info("[cluster={} member={}] drained: primary of no slot", path.cluster(), memberId);
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("not drained within " + timeout + ": still primary of "
                        + roles.primary().size() + " slots, " + orphaned
                        + " of its slots without another UP replica to take over, " + running + " requests in flight");
            }
            Thread.sleep(DRAIN_POLL_MILLIS);
        }
    }

    /** Slots that list this member but have no primary: draining would leave them without one. */
    private int orphanedSlots() {
        RoutingTable table = router.table();
        Ring ring = table.ring().orElse(null);
        int me = ring == null ? -1 : ring.indexOf(memberId);
        if (me < 0) {
            return 0;
        }
        int orphaned = 0;
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            if (table.primary(slot) != null) {
                continue;
            }
            for (int rank = 0; rank < ring.replication(); rank++) {
                if (ring.replicaIndex(slot, rank) == me) {
                    orphaned++;
                    break;
                }
            }
        }
        return orphaned;
    }

    @Override
    public void suspect(String suspect) {
        if (suspicion == null) {
            throw new IllegalStateException("an observer does not report suspicions");
        }
        suspicion.report(suspect);
    }

    @Override
    public void withdrawSuspicion(String suspect) {
        if (suspicion != null) {
            suspicion.withdraw(suspect);
        }
    }

    @Override
    public Roles roles() {
        return roles;
    }

    @Override
    public Router router() {
        return router;
    }

    @Override
    public Leadership leadership(String name) {
        String electionPath = path.election(name);
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("agent is closed");
        }
        Leadership leadership = Leadership.builder(client, electionPath, memberId)
                .threadName("ringleader-agent-" + memberId + "-election-" + name)
                .build();
        leaderships.add(leadership);
        return leadership;
    }

    @Override
    public VirtualEndpoint virtualEndpoint(String name) {
        VirtualEndpoint.Builder builder = VirtualEndpoint.builder(router, name);
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("agent is closed");
        }
        VirtualEndpoint endpoint = builder.threadName("ringleader-agent-" + memberId + "-vip-" + name)
                .logName("cluster=" + path.cluster() + (observer ? " observer=" : " member=") + memberId)
                .build();
        virtualEndpoints.add(endpoint);
        if (state.get() == State.CLOSED) {
            // Closed meanwhile: the agent's close may have missed it.
            endpoint.close();
            throw new IllegalStateException("agent is closed");
        }
        return endpoint;
    }

    @Override
    public CuratorFramework curator() {
        return client;
    }

    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        // Roles first, so that nothing acts as primary once the record is gone; then the record, at once, so that
        // the successors take over without waiting for the rest of the shutdown.
        roles.close();
        membership.close();
        leaderships.forEach(Leadership::close);
        virtualEndpoints.forEach(VirtualEndpoint::close);
        if (health != null) {
            health.close();
        }
        if (suspicion != null) {
            suspicion.close();
        }
        router.close();
        client.getConnectionStateListenable().removeListener(connectionListener);
        meters.close();
        if (ownsClient && previous == State.STARTED) {
            client.close();
        }
    }
}
