package io.ringleader.coordinator.admin;

import static io.ringleader.agent.layout.RecordFields.firstLine;

import io.ringleader.agent.events.Event;
import io.ringleader.agent.events.EventLog;
import io.ringleader.agent.events.EventReader;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.RecordAcl;
import io.ringleader.agent.layout.RingStore;
import io.ringleader.agent.leadership.Leadership;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingChunks;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.OperatorConfigCodec;
import io.ringleader.coordinator.RingEpochs;
import io.ringleader.coordinator.admin.ClusterReader.Stored;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to one cluster for the operator: reads what the cluster is ({@link #read()}), changes the operator
 * config ({@link #updateConfig}), waits for the ring to show a change ({@link #awaitRing}), and backs up and restores the config and the ring ({@link #export()}, {@link
 * #restore}).
 *
 * <p>Every write is conditional on the version of the znode as read, so that two operators, or an operator and the
 * coordinator, never overwrite each other blindly; a config change is read again and retried on a conflict. Every
 * failure is an {@link AdminException} whose message is one line; a write that fails writes nothing.
 *
 * <p>IMPORTANT: what this reads may be stale by the time it is shown: the cluster goes on changing.
 */
public final class ClusterAdmin implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ClusterAdmin.class);

    /** How many times a config change is tried when another writer changes the znode meanwhile. */
    static final int CONFIG_ATTEMPTS = 5;

    private final CuratorFramework client;
    private final AdminTarget target;
    private final ClusterPath path;
    private final Clock clock;
    private final ClusterReader reader;

    private ClusterAdmin(CuratorFramework client, AdminTarget target, Clock clock) {
        this.client = client;
        this.target = target;
        this.path = target.path();
        this.clock = clock;
        this.reader = new ClusterReader(client, path);
    }

    /**
     * Connects to the ensemble and checks that the cluster exists. Without authentication but with the insecure flag
     * it logs {@link RecordAcl#INSECURE_WARNING} first (without either, it may only read).
     *
     * @throws AdminException if the connect string is invalid (bad input), ZooKeeper cannot be reached within the
     *     target's connect timeout, or the cluster does not exist
     */
    public static ClusterAdmin connect(AdminTarget target) throws AdminException {
        int millis = (int) target.connectTimeout().toMillis();
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(target.connectString())
                .sessionTimeoutMs(Math.max(10_000, millis))
                .connectionTimeoutMs(millis)
                .retryPolicy(new RetryNTimes(1, 250))
                .threadFactory(named());
        if (target.authScheme() != null) {
            builder.authorization(target.authScheme(), target.authCredentials().getBytes(StandardCharsets.UTF_8))
                    .aclProvider(RecordAcl.provider(target.path()));
        } else if (target.insecure()) {
            log.warn("[cluster={}] {}", target.path().cluster(), RecordAcl.INSECURE_WARNING);
        }
        CuratorFramework client;
        try {
            client = builder.build();
            client.start();
        } catch (RuntimeException e) {
            throw AdminException.badInput(
                    "invalid ZooKeeper connect string '" + target.connectString() + "' (" + firstLine(e.getMessage())
                            + "); use host:port[,host:port...][/chroot]",
                    e);
        }
        ClusterAdmin admin = new ClusterAdmin(client, target, Clock.systemUTC());
        try {
            if (!client.blockUntilConnected(millis, TimeUnit.MILLISECONDS)) {
                throw AdminException.failed("cannot reach ZooKeeper at " + target.connectString() + " within "
                        + human(target.connectTimeout()) + "; check --zk and that ZooKeeper is running");
            }
            admin.requireCluster();
            return admin;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admin.close();
            throw AdminException.failed("interrupted while connecting to " + target.connectString(), e);
        } catch (AdminException | RuntimeException e) {
            admin.close();
            throw e;
        }
    }

    private void requireCluster() throws AdminException {
        try {
            if (client.checkExists().forPath(path.base()) != null) {
                return;
            }
            List<String> clusters = new ArrayList<>();
            try {
                clusters.addAll(client.getChildren().forPath(path.root()));
            } catch (KeeperException.NoNodeException e) {
                // no cluster at all under this root
            }
            clusters.sort(null);
            throw AdminException.failed("cluster '" + path.cluster() + "' does not exist on " + target.connectString()
                    + " (no znode " + path.base() + "; "
                    + (clusters.isEmpty()
                            ? "no cluster under " + path.root()
                            : "clusters under " + path.root() + ": " + String.join(", ", clusters))
                    + "); check --cluster");
        } catch (AdminException e) {
            throw e;
        } catch (Exception e) {
            throw zkFailure("looking up cluster '" + path.cluster() + "'", e);
        }
    }

    /** The cluster's paths. */
    public ClusterPath path() {
        return path;
    }

    /** Where this admin is connected. */
    public AdminTarget target() {
        return target;
    }

    /**
     * Reads the live members, the ring, the config and the active coordinator. A member record, ring or config that
     * cannot be parsed is reported in the result rather than failing the read.
     *
     * @throws AdminException if ZooKeeper cannot be read
     */
    public ClusterState read() throws AdminException {
        try {
            return reader.read();
        } catch (Exception e) {
            throw zkFailure("reading cluster '" + path.cluster() + "'", e);
        }
    }

    /** The id of the active coordinator, if one runs. */
    public Optional<String> activeCoordinator() throws AdminException {
        try {
            return Leadership.leaderOf(client, path.coordinator());
        } catch (Exception e) {
            throw zkFailure("reading the coordinators' election", e);
        }
    }

    /**
     * Applies {@code change} to the operator config and writes the result if it differs, conditional on the version
     * read; on a conflict with another writer, reads again and retries.
     *
     * @param change from the current config (empty if there is none) to the next; must not have side effects, since
     *     it may run more than once
     * @throws AdminException if the target has neither authentication nor the insecure flag (bad input), the current
     *     config cannot be parsed, the next one is over its budget, the conflicts go on, or ZooKeeper fails; nothing
     *     was written then
     */
    public ConfigUpdate updateConfig(UnaryOperator<OperatorConfig> change) throws AdminException {
        requireWriteChoice();
        for (int attempt = 1; attempt <= CONFIG_ATTEMPTS; attempt++) {
            Stored<OperatorConfig> current;
            try {
                current = readConfig();
            } catch (Exception e) {
                throw zkFailure("reading the operator config", e);
            }
            if (current.problem() != null) {
                throw AdminException.failed("the operator config cannot be parsed (" + current.problem()
                        + "); nothing was written: restore it with 'ringleader admin import' or delete "
                        + path.config());
            }
            OperatorConfig before = current.value() == null ? OperatorConfig.empty() : current.value();
            OperatorConfig after = change.apply(before);
            if (after.equals(before)) {
                return new ConfigUpdate(before, after, current.version(), false);
            }
            byte[] bytes;
            try {
                bytes = OperatorConfigCodec.encode(after);
            } catch (IllegalArgumentException e) {
                throw AdminException.failed(e.getMessage() + "; nothing was written");
            }
            try {
                Stat stat = current.version() < 0
                        ? createConfig(bytes)
                        : client.setData().withVersion(current.version()).forPath(path.config(), bytes);
                return new ConfigUpdate(before, after, stat.getVersion(), true);
            } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
                // another writer came first: read its config and apply the change to it
            } catch (Exception e) {
                throw zkFailure("writing the operator config", e);
            }
        }
        throw AdminException.failed("the operator config changed " + CONFIG_ATTEMPTS
                + " times while this change was written; nothing was written: try again");
    }

    /**
     * Reads the cluster until {@code done} holds, again at every change of the ring, for at most {@code timeout}.
     *
     * @return the state that satisfied {@code done}, or empty if the time ran out first
     * @throws AdminException if ZooKeeper fails
     * @throws InterruptedException if interrupted while waiting
     */
    public Optional<ClusterState> awaitRing(Predicate<ClusterState> done, Duration timeout)
            throws AdminException, InterruptedException {
        long deadline = clock.millis() + timeout.toMillis();
        while (true) {
            CountDownLatch changed = new CountDownLatch(1);
            ClusterState state;
            try {
                // the watch is set before the read, so that no change between the two is missed
                client.checkExists()
                        .usingWatcher((Watcher) event -> changed.countDown())
                        .forPath(path.ring());
                state = reader.read();
            } catch (Exception e) {
                throw zkFailure("watching the ring", e);
            }
            if (done.test(state)) {
                return Optional.of(state);
            }
            long left = deadline - clock.millis();
            if (left <= 0 || !changed.await(left, TimeUnit.MILLISECONDS)) {
                return Optional.empty();
            }
        }
    }

    private Stat createConfig(byte[] bytes) throws Exception {
        client.create().withACL(acl()).forPath(path.config(), bytes);
        return client.checkExists().forPath(path.config());
    }

    /**
     * Reads the config and the ring for a backup.
     *
     * @throws AdminException if either cannot be parsed (nothing is exported then), or ZooKeeper fails
     */
    public Backup export() throws AdminException {
        Stored<Ring> ring;
        Stored<OperatorConfig> config;
        try {
            ring = readRing();
            config = readConfig();
        } catch (Exception e) {
            throw zkFailure("reading the config and the ring", e);
        }
        if (config.problem() != null) {
            throw AdminException.failed("cannot export: the operator config cannot be parsed (" + config.problem()
                    + "); fix it first (ringleader admin import, or delete " + path.config() + ")");
        }
        if (ring.problem() != null) {
            throw AdminException.failed("cannot export: the ring cannot be parsed (" + ring.problem()
                    + "); the active coordinator rebuilds it, export after that");
        }
        return new Backup(
                path.cluster(),
                path.root(),
                clock.instant(),
                config.value() == null ? OperatorConfig.empty() : config.value(),
                ring.value());
    }

    /**
     * Restores a backup: its config, and its ring unless {@code configOnly}. Both are written in one ZooKeeper
     * transaction, each conditional on the version read, so either both are written or neither is.
     *
     * <p>The config keeps this cluster's rebalance request count, so that restoring it does not ask for a
     * rebalance. The ring is written with a new epoch, larger than every epoch the cluster has seen (the rule of
     * the coordinator's own writes), so that every router takes it.
     *
     * <p>IMPORTANT: the ring belongs to the active coordinator, and a restored ring bypasses its fencing. So the ring
     * is restored only while no coordinator runs; with {@code configOnly}, the ring of the backup is ignored.
     *
     * @param dryRun if true, validate and compute everything but write nothing
     * @throws AdminException if a coordinator is active and the backup has a ring (unless {@code configOnly}), the
     *     config or the ring changed meanwhile, or ZooKeeper fails; nothing was written then
     */
    public Restore restore(Backup backup, boolean configOnly, boolean dryRun) throws AdminException {
        if (!dryRun) {
            requireWriteChoice();
        }
        try {
            Stored<OperatorConfig> config = readConfig();
            Stored<Ring> ring = readRing();
            long requests = config.value() == null
                    ? backup.config().rebalanceRequests()
                    : config.value().rebalanceRequests();
            OperatorConfig nextConfig = new OperatorConfig(
                    backup.config().weights(),
                    backup.config().drained(),
                    backup.config().spares(),
                    backup.config().rebalanceDelay(),
                    requests,
                    backup.config().failedOverSlots(),
                    backup.config().failedOverMembers());
            byte[] configBytes = OperatorConfigCodec.encode(nextConfig);
            Ring nextRing = null;
            String ringNote = null;
            if (backup.ring() == null) {
                ringNote = "the backup has no ring";
            } else if (configOnly) {
                ringNote = "--config-only";
            } else {
                Optional<String> coordinator = Leadership.leaderOf(client, path.coordinator());
                if (coordinator.isPresent()) {
                    throw AdminException.failed("coordinator " + coordinator.get() + " is active in cluster '"
                            + path.cluster() + "' and owns the ring; nothing was written: stop every coordinator"
                            + " to restore the ring, or pass --config-only to restore the config alone");
                }
                long floor = RingEpochs.floor(client, path, ring.stat(), ring.value());
                Ring from = backup.ring();
                nextRing = Ring.of(
                        Math.max(floor, from.epoch()) + 1,
                        from.slotCount(),
                        from.replication(),
                        from.members(),
                        from.replicaTable());
                RingCodec.encodeWhole(nextRing); // over the budget of a ring in chunks: bad input, before any write
            }
            Restore restore = new Restore(
                    config.value(), nextConfig, ring.value(), nextRing, ringNote, backup.cluster(), !dryRun);
            if (dryRun) {
                return restore;
            }
            List<CuratorOp> ops = new ArrayList<>();
            ops.add(
                    config.stat() == null
                            ? client.transactionOp().create().withACL(acl()).forPath(path.config(), configBytes)
                            : client.transactionOp()
                                    .setData()
                                    .withVersion(config.version())
                                    .forPath(path.config(), configBytes));
            RingStore.Prepared prepared = null;
            if (nextRing != null) {
                prepared = RingStore.prepare(client, path, nextRing, acl(), RingChunks.CHUNK_BYTES);
                byte[] ringBytes = prepared.record();
                ops.add(
                        ring.stat() == null
                                ? client.transactionOp().create().withACL(acl()).forPath(path.ring(), ringBytes)
                                : client.transactionOp()
                                        .setData()
                                        .withVersion(ring.version())
                                        .forPath(path.ring(), ringBytes));
            }
            try {
                client.transaction().forOperations(ops);
            } catch (Exception e) {
                if (prepared != null) {
                    RingStore.discardUnlessCurrent(client, path, prepared);
                }
                throw e;
            }
            if (nextRing != null) {
                try {
                    // the ring written over is the one read (the transaction checked its version): keep its chunks
                    RingStore.collect(client, path, nextRing.epoch(), ring.chunkDir());
                } catch (Exception e) {
                    // older chunks stay until the next ring write collects them
                }
            }
            return restore;
        } catch (AdminException e) {
            throw e;
        } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
            throw AdminException.failed(
                    "the config or the ring changed during the import; nothing was written: run it again", e);
        } catch (IllegalArgumentException e) {
            throw AdminException.badInput(firstLine(e.getMessage()) + "; nothing was written", e);
        } catch (Exception e) {
            throw zkFailure("importing", e);
        }
    }

    private Stored<Ring> readRing() throws Exception {
        return reader.readRing();
    }

    private Stored<OperatorConfig> readConfig() throws Exception {
        return reader.readConfig();
    }

    /** Writing needs authentication or the insecure flag (reading needs neither): bad input otherwise. */
    private void requireWriteChoice() throws AdminException {
        try {
            target.requireWriteChoice();
        } catch (IllegalArgumentException e) {
            throw AdminException.badInput(e.getMessage(), e);
        }
    }

    /** The ACL of the config and an imported ring: see {@link RecordAcl}. */
    private List<ACL> acl() {
        return RecordAcl.of(target.authScheme() != null, target.insecure());
    }

    /**
     * A reader of the cluster's event history; an event znode that cannot be parsed is skipped and reported once to
     * {@code onSkipped}. Read it through {@link #latestEvents} and {@link #awaitEvents}.
     */
    public EventReader eventReader(Consumer<String> onSkipped) {
        return new EventReader(client, path, onSkipped);
    }

    /**
     * The latest {@code limit} events (0: all), oldest first.
     *
     * @throws AdminException if ZooKeeper fails
     */
    public List<Event> latestEvents(EventReader reader, int limit) throws AdminException {
        try {
            return reader.latest(limit);
        } catch (Exception e) {
            throw zkFailure("reading the events", e);
        }
    }

    /**
     * The events after {@code sequence}, waiting at most {@code maxWait} for one.
     *
     * @throws AdminException if ZooKeeper fails
     * @throws InterruptedException if interrupted while waiting
     */
    public List<Event> awaitEvents(EventReader reader, long sequence, Duration maxWait)
            throws AdminException, InterruptedException {
        try {
            return reader.awaitAfter(sequence, maxWait);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw zkFailure("following the events", e);
        }
    }

    /**
     * The cap of the cluster's event history.
     *
     * @throws AdminException if ZooKeeper fails
     */
    public int eventsCap() throws AdminException {
        try {
            return EventLog.capOf(client.getData().forPath(path.events()));
        } catch (KeeperException.NoNodeException e) {
            return EventLog.DEFAULT_CAP;
        } catch (Exception e) {
            throw zkFailure("reading the events", e);
        }
    }

    private AdminException zkFailure(String doing, Exception e) {
        if (e instanceof AdminException admin) {
            return admin;
        }
        if (e instanceof KeeperException.NoAuthException || e instanceof KeeperException.AuthFailedException) {
            return AdminException.failed(
                    "not allowed: ZooKeeper refused " + doing + " (" + ((KeeperException) e).code()
                            + "); set ringleader.auth.scheme and ringleader.auth.credentials.env for an identity"
                            + " that may",
                    e);
        }
        if (e instanceof KeeperException.ConnectionLossException
                || e instanceof KeeperException.SessionExpiredException
                || e instanceof KeeperException.OperationTimeoutException) {
            return AdminException.failed(
                    "lost the connection to ZooKeeper at " + target.connectString() + " while " + doing
                            + "; check that ZooKeeper is running, then check with 'ringleader admin status' and retry",
                    e);
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return AdminException.failed("ZooKeeper failed while " + doing + ": " + firstLine(e.toString()), e);
    }

    private static ThreadFactory named() {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "ringleader-admin-curator-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** {@code 5s}, {@code 1500ms}. */
    public static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** Disconnects. Idempotent. */
    @Override
    public void close() {
        client.close();
    }
}
