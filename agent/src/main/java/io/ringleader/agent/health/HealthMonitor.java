package io.ringleader.agent.health;

import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.membership.Membership;
import java.io.Closeable;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link HealthCheck} on an interval and moves the member between {@link MemberState#UP} and {@link
 * MemberState#DOWN}: DOWN after {@code failuresBeforeDown} failures in a row, UP again after one pass. It never
 * touches a member in another state (JOINING, DRAINING, SPARE): those are the service's own decisions.
 */
public final class HealthMonitor implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final HealthCheck check;
    private final Duration interval;
    private final int failuresBeforeDown;
    private final Membership membership;
    private final String logPrefix;
    private final ScheduledExecutorService executor;
    private int failures;

    /**
     * A monitor of {@code membership}'s own record.
     *
     * @throws IllegalArgumentException if the interval is not between 10 ms and 10 min, or failuresBeforeDown < 1
     */
    public HealthMonitor(
            HealthCheck check, Duration interval, int failuresBeforeDown, Membership membership, String threadName) {
        this.check = Objects.requireNonNull(check, "check");
        this.interval = Objects.requireNonNull(interval, "interval");
        if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException(
                    "health check interval must be between PT0.01S and PT10M, was " + interval);
        }
        if (failuresBeforeDown < 1) {
            throw new IllegalArgumentException("failuresBeforeDown must be >= 1, was " + failuresBeforeDown);
        }
        this.failuresBeforeDown = failuresBeforeDown;
        this.membership = membership;
        this.logPrefix = "[member=" + membership.self().map(m -> m.id()).orElse("?") + "] ";
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts checking. */
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("health monitor already started or closed: " + state.get());
        }
        executor.scheduleWithFixedDelay(this::runCheck, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runCheck() {
        boolean healthy;
        String why = "check returned false";
        try {
            healthy = check.healthy();
        } catch (Exception | Error e) {
            healthy = false;
            why = "check failed: " + e;
        }
        MemberState now = membership.self().map(m -> m.state()).orElse(null);
        try {
            if (healthy) {
                failures = 0;
                if (now == MemberState.DOWN) {
                    log.info("{}health check passes again: UP", logPrefix);
                    // Checked again inside the update: a drain meanwhile must not be undone.
                    membership.update(m -> m.state() == MemberState.DOWN ? m.withState(MemberState.UP) : m);
                }
            } else if (++failures >= failuresBeforeDown && now == MemberState.UP) {
                log.warn("{}health check failed {} times ({}): DOWN", logPrefix, failures, why);
                membership.update(m -> m.state() == MemberState.UP ? m.withState(MemberState.DOWN) : m);
            }
        } catch (IllegalStateException closed) {
            // the membership closed under us
        }
    }

    /** Stops checking. Idempotent. */
    @Override
    public void close() {
        state.set(State.CLOSED);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
