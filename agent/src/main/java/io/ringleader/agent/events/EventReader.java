package io.ringleader.agent.events;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.MalformedRecordException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.zookeeper.KeeperException;

/**
 * Reads a cluster's event history ({@code events/e-<seq>}), oldest first: the latest N ({@link #latest}), those after
 * a sequence number ({@link #after}), and waiting for new ones ({@link #awaitAfter}), for the admin CLI and the HTTP
 * admin alike.
 *
 * <p>An event znode that cannot be parsed is skipped, reported once per znode to the {@code onSkipped} callback; one
 * deleted between the listing and its read (trimmed) is skipped silently.
 *
 * <p>IMPORTANT: the history is as fresh as the server this client talks to; events of different writers are ordered
 * by their znodes' sequence, which is the order in which ZooKeeper created them, not necessarily the order of
 * their {@code at} times (the writers' wall clocks).
 */
public final class EventReader {
    private final CuratorFramework client;
    private final String events;
    private final Consumer<String> onSkipped;
    private final Set<String> skipped = ConcurrentHashMap.newKeySet();
    private final Semaphore changed = new Semaphore(0);
    private final CuratorWatcher watcher = event -> changed.release();

    /**
     * A reader of {@code path}'s history.
     *
     * @param onSkipped told once per event znode that cannot be parsed, with a one-line message naming it
     */
    public EventReader(CuratorFramework client, ClusterPath path, Consumer<String> onSkipped) {
        this.client = Objects.requireNonNull(client, "client");
        this.events = Objects.requireNonNull(path, "path").events();
        this.onSkipped = Objects.requireNonNull(onSkipped, "onSkipped");
    }

    /**
     * The latest {@code limit} events (0: all), oldest first; empty if the cluster has none.
     *
     * @throws IllegalArgumentException if {@code limit} is negative
     * @throws Exception if ZooKeeper fails
     */
    public List<Event> latest(int limit) throws Exception {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be 0 (all) or more, was " + limit);
        }
        List<String> names = names(false);
        return read(limit == 0 || names.size() <= limit ? names : names.subList(names.size() - limit, names.size()));
    }

    /**
     * The events with a sequence number above {@code sequence}, oldest first.
     *
     * @throws Exception if ZooKeeper fails
     */
    public List<Event> after(long sequence) throws Exception {
        return read(newer(names(false), sequence));
    }

    /** True while a caller of {@link #awaitAfter} waits on the watch (for tests). */
    boolean waiting() {
        return changed.hasQueuedThreads();
    }

    /**
     * The events with a sequence number above {@code sequence}, waiting at most {@code maxWait} for one if there is
     * none yet (one children watch, no polling); empty if none came.
     *
     * @throws Exception if ZooKeeper fails
     * @throws InterruptedException if interrupted while waiting
     */
    public List<Event> awaitAfter(long sequence, Duration maxWait) throws Exception {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            changed.drainPermits();
            List<Event> found = read(newer(names(true), sequence));
            long remaining = deadline - System.nanoTime();
            if (!found.isEmpty() || remaining <= 0) {
                return found;
            }
            if (!changed.tryAcquire(remaining, TimeUnit.NANOSECONDS)) {
                return List.of();
            }
        }
    }

    /** The names of the event znodes by ascending sequence number; with a one-shot watch on the listing if asked. */
    private List<String> names(boolean watch) throws Exception {
        List<String> names;
        try {
            names = watch
                    ? client.getChildren().usingWatcher(watcher).forPath(events)
                    : client.getChildren().forPath(events);
        } catch (KeeperException.NoNodeException e) {
            if (watch) {
                client.checkExists().usingWatcher(watcher).forPath(events);
            }
            return List.of();
        }
        List<String> out = new ArrayList<>(names.size());
        for (String name : names) {
            if (EventLog.sequenceOf(name) >= 0) {
                out.add(name);
            }
        }
        out.sort(Comparator.comparingLong(EventLog::sequenceOf));
        return out;
    }

    private static List<String> newer(List<String> names, long sequence) {
        int i = 0;
        while (i < names.size() && EventLog.sequenceOf(names.get(i)) <= sequence) {
            i++;
        }
        return names.subList(i, names.size());
    }

    private List<Event> read(List<String> names) throws Exception {
        List<Event> out = new ArrayList<>(names.size());
        for (String name : names) {
            long seq = EventLog.sequenceOf(name);
            String path = events + "/" + name;
            byte[] data;
            try {
                data = client.getData().forPath(path);
            } catch (KeeperException.NoNodeException e) {
                continue; // trimmed meanwhile
            }
            try {
                out.add(EventCodec.decode(path, seq, data));
            } catch (MalformedRecordException e) {
                if (skipped.add(path)) {
                    onSkipped.accept("skipping event " + e.getMessage());
                }
            }
        }
        return out;
    }
}
