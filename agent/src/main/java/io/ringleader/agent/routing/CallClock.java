package io.ringleader.agent.routing;

import java.time.Duration;

/**
 * The time a {@link Caller} reads (for its retry budget and circuits) and waits (between retries). Tests inject one
 * whose {@link #sleep} only moves its own time forward.
 */
public interface CallClock {

    /** A monotonic time in nanoseconds, as {@link System#nanoTime()}: only differences mean anything. */
    long nanoTime();

    /** Waits {@code duration}. */
    void sleep(Duration duration) throws InterruptedException;

    /** {@link System#nanoTime()} and {@link Thread#sleep}. */
    static CallClock system() {
        return SystemCallClock.INSTANCE;
    }
}

/** The real clock. */
enum SystemCallClock implements CallClock {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis(), (int) (duration.toNanos() % 1_000_000));
    }
}
