package io.ringleader.agent.internal;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The one named daemon thread of an agent component, on which all its ZooKeeper work, events and listener calls
 * run in order. A task that throws is logged and does not stop the thread; a task offered after {@link #stop} is
 * dropped. Internal to the agent: not part of its API.
 */
public final class SerialThread implements Executor {
    private final ScheduledExecutorService executor;
    private final Logger log;
    private final String failure;
    private volatile Thread thread;

    /**
     * A thread named {@code name}; a failed task is logged to {@code log} as {@code <logPrefix><what> task failed}.
     */
    public SerialThread(String name, Logger log, String logPrefix, String what) {
        this.log = log;
        this.failure = logPrefix + what + " task failed";
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    /** Runs {@code task} on the thread, after the tasks before it; dropped once stopped. */
    @Override
    public void execute(Runnable task) {
        try {
            executor.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            // stopped: nothing more to do
        }
    }

    /** Runs {@code task} on the thread after {@code millis}; returns null once stopped. */
    public ScheduledFuture<?> schedule(Runnable task, long millis) {
        try {
            return executor.schedule(guarded(task), millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /**
     * Runs {@code task} on the thread and waits for it at most {@code timeout}; runs it inline when called from
     * the thread itself, which cannot wait for itself.
     *
     * @return false if it did not finish in time or the thread was stopped
     */
    public boolean runAndWait(Runnable task, Duration timeout) throws InterruptedException {
        if (isCurrent()) {
            task.run();
            return true;
        }
        try {
            executor.submit(guarded(task)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException | java.util.concurrent.ExecutionException e) {
            return false;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /** Whether the caller runs on this thread. */
    public boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /**
     * Interrupts the running task, drops the queued ones and waits at most {@code timeout} for the thread to end
     * (not when called from the thread itself). Idempotent.
     *
     * @return false if the thread was still running after the wait
     */
    public boolean stop(Duration timeout) {
        executor.shutdownNow();
        if (isCurrent()) {
            return true;
        }
        try {
            return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error(failure, e);
            }
        };
    }
}
