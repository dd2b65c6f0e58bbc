package io.ringleader.agent.health;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.RecordAcl;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's reports of peers it sees failing: an ephemeral znode {@code suspects/<suspect>/<reporter>} per
 * suspicion, deleted when the suspicion expires (a report renews it) or is withdrawn, and with the reporter's
 * session. When enough distinct live reporters agree (the coordinator's quorum), the coordinator takes the suspect
 * out of the ring although its session lives: the gray failure that session liveness misses.
 */
public final class PeerSuspicion implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(PeerSuspicion.class);

    private final CuratorFramework client;
    private final ClusterPath path;
    private final String reporter;
    private final Duration ttl;
    private final List<ACL> acl;
    private final ScheduledExecutorService executor;
    private final Map<String, ScheduledFuture<?>> expiries = new ConcurrentHashMap<>();
    private final AtomicInteger failedDeletes = new AtomicInteger();
    /** Suspects whose delete failed and is being tried again (logged at WARN once, then at DEBUG). */
    private final Set<String> failing = ConcurrentHashMap.newKeySet();

    /**
     * Suspicions reported by {@code reporter}, each lasting {@code ttl} unless renewed, each znode created with
     * {@code acl} ({@link RecordAcl}).
     *
     * @throws IllegalArgumentException if the ttl is not between 100 ms and 10 min
     */
    public PeerSuspicion(
            CuratorFramework client,
            ClusterPath path,
            String reporter,
            Duration ttl,
            List<ACL> acl,
            String threadName) {
        this.client = Objects.requireNonNull(client, "client");
        this.acl = List.copyOf(Objects.requireNonNull(acl, "acl"));
        this.path = Objects.requireNonNull(path, "path");
        this.reporter = ClusterPath.checkName("reporter", reporter);
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        if (ttl.compareTo(Duration.ofMillis(100)) < 0 || ttl.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("suspicion ttl must be between PT0.1S and PT10M, was " + ttl);
        }
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** The znode of {@code suspect}'s suspicions. */
    public static String suspectPath(ClusterPath path, String suspect) {
        return path.suspects() + "/" + ClusterPath.checkName("suspect", suspect);
    }

    /**
     * Reports that calls to {@code suspect} fail, or renews the report; it expires after the ttl. Runs on the
     * suspicion thread; returns at once.
     *
     * @throws IllegalArgumentException if the suspect is this member or not a valid id
     */
    public void report(String suspect) {
        ClusterPath.checkName("suspect", suspect);
        if (suspect.equals(reporter)) {
            throw new IllegalArgumentException("a member cannot suspect itself");
        }
        submit(() -> {
            String node = suspectPath(path, suspect) + "/" + reporter;
            try {
                client.create()
                        .creatingParentContainersIfNeeded()
                        .withMode(CreateMode.EPHEMERAL)
                        .withACL(acl)
                        .forPath(
                                node,
                                ("{\"format\":1,\"reporter\":\"" + reporter + "\"}").getBytes(StandardCharsets.UTF_8));
                log.info("[member={}] suspects {}", reporter, suspect);
            } catch (KeeperException.NodeExistsException renewed) {
                // still reported: only the expiry moves
            } catch (Exception e) {
                log.warn("[member={}] could not report {} ({})", reporter, suspect, e.toString());
                return;
            }
            ScheduledFuture<?> previous = expiries.put(
                    suspect, executor.schedule(() -> delete(suspect), ttl.toMillis(), TimeUnit.MILLISECONDS));
            if (previous != null) {
                previous.cancel(false);
            }
        });
    }

    /** Withdraws this member's suspicion of {@code suspect}, if any. */
    public void withdraw(String suspect) {
        ClusterPath.checkName("suspect", suspect);
        submit(() -> {
            ScheduledFuture<?> expiry = expiries.remove(suspect);
            if (expiry != null) {
                expiry.cancel(false);
            }
            delete(suspect);
        });
    }

    /**
     * Deletes this member's suspicion of {@code suspect}. A failed delete (no connection, for one) is tried again
     * every {@link #retryDelay()} until it succeeds or a new report or withdrawal replaces it, so that a suspicion
     * does not outlive its ttl for as long as the reporter's session lives.
     */
    private void delete(String suspect) {
        expiries.remove(suspect);
        try {
            client.delete().forPath(suspectPath(path, suspect) + "/" + reporter);
            failing.remove(suspect);
            log.info("[member={}] no longer suspects {}", reporter, suspect);
        } catch (KeeperException.NoNodeException gone) {
            failing.remove(suspect);
        } catch (Exception e) {
            boolean first = failing.add(suspect);
            failedDeletes.incrementAndGet();
            if (first) {
                log.warn(
                        "[member={}] suspicion of {} not deleted ({}); trying again every {} ms",
                        reporter,
                        suspect,
                        e.toString(),
                        retryDelay().toMillis());
            } else {
                log.debug("[member={}] suspicion of {} still not deleted: {}", reporter, suspect, e.toString());
            }

            try {
                expiries.put(
                        suspect,
                        executor.schedule(() -> delete(suspect), retryDelay().toMillis(), TimeUnit.MILLISECONDS));
            } catch (RejectedExecutionException closed) {
                // closing: the znode goes with the session
            }
        }
    }

    /** How many deletes of a suspicion failed (each is tried again); for tests. */
    int failedDeletes() {
        return failedDeletes.get();
    }

    /** How long a failed delete waits before it is tried again: the ttl, at most one second. */
    private Duration retryDelay() {
        return ttl.compareTo(Duration.ofSeconds(1)) < 0 ? ttl : Duration.ofSeconds(1);
    }

    private void submit(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** Withdraws every suspicion and stops. Idempotent. */
    @Override
    public void close() {
        if (executor.isShutdown()) {
            return;
        }
        for (String suspect : expiries.keySet()) {
            withdraw(suspect);
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
