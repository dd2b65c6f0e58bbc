package io.ringleader.agent.leadership;

import io.ringleader.agent.internal.SerialThread;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.listen.Listenable;
import org.apache.curator.framework.listen.StandardListenerManager;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link Leadership} on Curator's {@code LeaderLatch}; every term change runs on one own thread. */
final class LatchLeadership implements Leadership {
    private static final Logger log = LoggerFactory.getLogger(LatchLeadership.class);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CuratorFramework client;
    private final String electionPath;
    private final String participantId;
    private final SerialThread executor;
    private final LeaderLatch latch;
    private final StandardListenerManager<LeadershipListener> listeners = StandardListenerManager.standard();
    private final ConnectionStateListener connectionListener =
            (c, newState) -> submit(() -> onConnectionState(newState));
    private final Object monitor = new Object();
    private volatile Term term;

    LatchLeadership(CuratorFramework client, String electionPath, String participantId, String threadName) {
        this.client = client;
        this.electionPath = electionPath;
        this.participantId = participantId;
        this.executor = new SerialThread(
                threadName, log, "[election=" + electionPath + " participant=" + participantId + "] ", "leadership");
        this.latch = new LeaderLatch(client, electionPath, participantId, LeaderLatch.CloseMode.SILENT);
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("leadership already started or closed: " + state.get());
        }
        // Added before the latch's own listener: a SUSPENDED reaches this component first.
        client.getConnectionStateListenable().addListener(connectionListener);
        latch.addListener(
                new LeaderLatchListener() {
                    @Override
                    public void isLeader() {
                        onElected();
                    }

                    @Override
                    public void notLeader() {
                        endTerm("latch lost leadership");
                    }
                },
                executor);
        try {
            latch.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start election " + electionPath, e);
        }
    }

    @Override
    public String electionPath() {
        return electionPath;
    }

    @Override
    public String participantId() {
        return participantId;
    }

    @Override
    public Optional<Term> term() {
        return Optional.ofNullable(term);
    }

    @Override
    public Optional<Term> awaitTerm(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (term == null && state.get() == State.STARTED) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(monitor, remaining);
            }
            return Optional.ofNullable(term);
        }
    }

    @Override
    public Listenable<LeadershipListener> listenable() {
        return listeners;
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
            executor.runAndWait(() -> endTerm("closed"), CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            latch.close();
        } catch (IOException | RuntimeException e) {
            log.debug("[election={} participant={}] latch close: {}", electionPath, participantId, e.toString());
        }
        executor.stop(CLOSE_WAIT);
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

    private void onConnectionState(ConnectionState newState) {
        switch (newState) {
            case SUSPENDED -> endTerm("connection suspended: another participant may be elected");
            case LOST -> endTerm("session lost");
            case READ_ONLY -> endTerm("connected to a read-only server");
            default -> {} // RECONNECTED: the latch re-checks its znode and calls isLeader() if it still leads
        }
    }

    private void onElected() {
        if (state.get() != State.STARTED || term != null) {
            return;
        }
        String ourPath = latch.getOurPath();
        if (ourPath == null || !client.getZookeeperClient().isConnected()) {
            return;
        }
        Stat stat;
        try {
            stat = client.checkExists().forPath(ourPath);
        } catch (Exception e) {
            log.warn(
                    "[election={} participant={}] cannot read the latch znode ({}); not leading",
                    electionPath,
                    participantId,
                    e.toString());
            return;
        }
        // The latch may have moved on while the znode was read.
        if (stat == null || !latch.hasLeadership() || !ourPath.equals(latch.getOurPath())) {
            return;
        }
        Term started = new Term(electionPath, participantId, stat.getCzxid(), ourPath, Instant.now());
        synchronized (monitor) {
            term = started;
            monitor.notifyAll();
        }
        log.info(
                "[election={} participant={}] term started at epoch 0x{}",
                electionPath,
                participantId,
                Long.toHexString(started.epoch()));
        listeners.forEach(l -> l.termStarted(started));
    }

    private void endTerm(String reason) {
        Term ended;
        synchronized (monitor) {
            ended = term;
            term = null;
        }
        if (ended == null) {
            return;
        }
        log.info(
                "[election={} participant={}] term at epoch 0x{} ended: {}",
                electionPath,
                participantId,
                Long.toHexString(ended.epoch()),
                reason);
        listeners.forEach(l -> l.termEnded(ended, reason));
    }

    /** See {@link Leadership#leaderOf}: Curator's latch nodes end in {@code latch-<sequence>}. */
    static Optional<String> leaderOf(CuratorFramework client, String electionPath) throws Exception {
        List<String> children;
        try {
            children = client.getChildren().forPath(electionPath);
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
        List<String> latches = children.stream()
                .filter(c -> c.contains("latch-"))
                .sorted(Comparator.comparing(c -> c.substring(c.lastIndexOf("latch-"))))
                .toList();
        for (String latch : latches) {
            try {
                byte[] id = client.getData().forPath(electionPath + "/" + latch);
                return Optional.of(new String(id, StandardCharsets.UTF_8));
            } catch (KeeperException.NoNodeException e) {
                // gone meanwhile: the next one leads
            }
        }
        return Optional.empty();
    }
}
