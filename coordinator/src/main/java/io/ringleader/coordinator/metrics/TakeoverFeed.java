package io.ringleader.coordinator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.ringleader.agent.events.Event;
import io.ringleader.agent.events.EventReader;
import io.ringleader.agent.events.TakeoverTimeline;
import io.ringleader.agent.layout.ClusterPath;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the cluster's history ({@code events/}, one children watch) and times every takeover a member reports
 * there: from the reporter's member view holding the change to its role listeners told ({@link TakeoverTimeline}).
 * Only takeovers reported after the feed started are timed, so a restarted coordinator does not count old ones
 * again. Runs on a thread of its own; a ZooKeeper failure is logged once and retried every second.
 */
public final class TakeoverFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TakeoverFeed.class);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long RETRY_MILLIS = 1000;

    private final EventReader reader;
    private final Timer duration;
    private final Counter slots;
    private final Thread thread;
    private final String logPrefix;
    private volatile boolean running = true;
    /** Set once the history was first read: takeovers reported from then on are timed. */
    private volatile boolean following;

    /**
     * A feed of the history of {@code path}, not started.
     *
     * @param duration where each reported takeover is timed
     * @param slots counts the slots taken over
     */
    public TakeoverFeed(
            CuratorFramework client,
            ClusterPath path,
            Timer duration,
            Counter slots,
            String threadName,
            String logPrefix) {
        this.reader = new EventReader(client, path, skipped -> log.warn("{}{}", logPrefix, skipped));
        this.duration = duration;
        this.slots = slots;
        this.logPrefix = logPrefix;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    /**
     * Whether the feed has read the history once: takeovers reported before (also while ZooKeeper could not be read
     * after the start) are not timed, those reported after are.
     */
    public boolean following() {
        return following;
    }

    /** Starts following. */
    public void start() {
        thread.start();
    }

    private void run() {
        long last = -1;
        boolean failing = false;
        while (running) {
            try {
                if (!following) {
                    List<Event> latest = reader.latest(1);
                    last = latest.isEmpty() ? -1 : latest.get(0).sequence();
                    following = true;
                }
                for (Event e : reader.awaitAfter(last, WAIT)) {
                    last = Math.max(last, e.sequence());
                    record(e);
                }
                if (failing) {
                    failing = false;
                    log.info("{}takeover metrics follow the history again", logPrefix);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                if (!failing) {
                    failing = true;
                    log.warn("{}cannot read the history for takeover metrics ({}); retrying", logPrefix, e.toString());
                }
                try {
                    Thread.sleep(RETRY_MILLIS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void record(Event e) {
        if (!Event.TAKEOVER.equals(e.type())) {
            return;
        }
        long detected = e.number(TakeoverTimeline.DETECTED_AT, -1);
        long told = e.number(TakeoverTimeline.NEW_PRIMARY_AT, -1);
        if (detected < 0 || told < detected) {
            return;
        }
        duration.record(told - detected, TimeUnit.MICROSECONDS);
        slots.increment(e.number(TakeoverTimeline.SLOTS, 0));
    }

    /** Stops following and waits for the thread. Idempotent. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
