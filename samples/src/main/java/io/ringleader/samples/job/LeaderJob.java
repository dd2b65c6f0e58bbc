package io.ringleader.samples.job;

import io.ringleader.agent.Agent;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.leadership.Leadership;
import io.ringleader.agent.leadership.LeadershipListener;
import io.ringleader.agent.leadership.Term;
import java.io.Closeable;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a job every period on exactly one instance of a cluster at a time: the leader of the election
 * {@code job-<name>}. When the leader leaves, the job moves to another instance at once; when it crashes or loses its
 * session, once its session has timed out.
 *
 * <pre>{@code
 * RunLog runs = RunLog.of(agent, "report");
 * try (LeaderJob job = new LeaderJob(agent, "report", Duration.ofMinutes(1), term -> runs.append(term))) {
 *     job.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Every instance that starts a {@code LeaderJob} of the same name joins the election
 * {@code agent.leadership("job-" + name)}. When a term of this instance starts, the job runs at once on this job's
 * own thread ({@code ringleader-<member>-job-<name>}, never a ZooKeeper thread), then again {@code period} after
 * each run ends. When the term ends (this job closed, the connection SUSPENDED, the session lost) the schedule is
 * cancelled at once; a new term starts a new schedule under the new term. Before each run the job checks that this
 * instance still holds a term with the epoch the schedule started with, so no run starts after its term ended.
 *
 * <p>IMPORTANT: that check does not make a run safe. A run in progress is not interrupted when its term ends, and a
 * pause (garbage collection, swapping, SIGSTOP) between the check and a write can outlast the session while another
 * instance is elected. So the job gets its {@link Term} and passes it to every write, and the store refuses a write
 * whose term is over: {@link RunLog} shows how in ZooKeeper, by checking the term's latch znode and by comparing
 * the fencing epoch with the last one it stored.
 *
 * <p>A run that throws is logged and the schedule goes on. {@link #close()} waits for a run in progress before it
 * leaves the election, so a graceful handover never has two runs at once.
 */
public final class LeaderJob implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(LeaderJob.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final String name;
    private final Duration period;
    private final Job job;
    private final Leadership leadership;
    private final ScheduledExecutorService runner;
    private final String logPrefix;
    private final LeadershipListener listener = new LeadershipListener() {
        @Override
        public void termStarted(Term term) {
            onTermStarted(term);
        }

        @Override
        public void termEnded(Term term, String reason) {
            onTermEnded(term, reason);
        }
    };
    private ScheduledFuture<?> schedule; // guarded by this

    /**
     * A job (not started) over {@code agent}, which must be started before {@link #start()} and closed after this
     * job.
     *
     * @param name the job's name; instances with the same name share one election
     * @param period the pause between the end of one run and the start of the next
     * @param job the work, given the term it runs under
     * @throws IllegalArgumentException if the name is not a valid znode name or the period is not positive
     * @throws IllegalStateException if the agent is closed
     */
    public LeaderJob(Agent agent, String name, Duration period, Job job) {
        Objects.requireNonNull(agent, "agent");
        this.name = ClusterPath.checkName("job name", name);
        this.period = Objects.requireNonNull(period, "period");
        this.job = Objects.requireNonNull(job, "job");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, was " + period);
        }
        this.leadership = agent.leadership("job-" + name);
        String threadName = "ringleader-" + agent.memberId() + "-job-" + name;
        this.runner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, threadName);
            thread.setDaemon(true);
            return thread;
        });
        this.logPrefix =
                "[cluster=" + agent.clusterPath().cluster() + " member=" + agent.memberId() + " job=" + name + "] ";
    }

    /**
     * Joins the election; the job runs whenever this instance leads.
     *
     * @throws IllegalStateException if already started or closed
     */
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("leader job already started or closed: " + state.get());
        }
        leadership.listenable().addListener(listener);
        leadership.start();
    }

    /** The job's name. */
    public String name() {
        return name;
    }

    /** The term this instance runs the job under, if it leads now. */
    public Optional<Term> term() {
        return leadership.term();
    }

    /** The election's znode path ({@code <root>/<cluster>/elections/job-<name>}). */
    public String electionPath() {
        return leadership.electionPath();
    }

    /**
     * Stops the schedule, waits (up to 10 s) for a run in progress, then leaves the election, so that the next
     * leader starts after this instance's last run ended. Idempotent.
     */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        synchronized (this) {
            cancelSchedule();
            runner.shutdown();
        }
        try {
            if (!runner.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{}a run still going after {}; interrupting it and leaving anyway", logPrefix, CLOSE_WAIT);
                runner.shutdownNow();
            }
        } catch (InterruptedException e) {
            runner.shutdownNow();
            Thread.currentThread().interrupt();
        }
        leadership.close();
    }

    private synchronized void onTermStarted(Term term) {
        if (state.get() != State.STARTED) {
            return;
        }
        cancelSchedule();
        log.info(
                "{}leading at epoch 0x{}: running every {} ms",
                logPrefix,
                Long.toHexString(term.epoch()),
                period.toMillis());
        schedule = runner.scheduleWithFixedDelay(() -> runOnce(term), 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    private synchronized void onTermEnded(Term term, String reason) {
        if (cancelSchedule()) {
            log.info("{}stopped: term at epoch 0x{} ended ({})", logPrefix, Long.toHexString(term.epoch()), reason);
        }
    }

    /** Cancels the schedule, if any, without interrupting a run in progress: its writes are fenced. */
    private boolean cancelSchedule() {
        if (schedule == null) {
            return false;
        }
        schedule.cancel(false);
        schedule = null;
        return true;
    }

    private void runOnce(Term scheduled) {
        Optional<Term> current = leadership.term();
        if (current.isEmpty() || current.get().epoch() != scheduled.epoch()) {
            // The term ended and its listener is cancelling this schedule; a new term has a schedule of its own.
            return;
        }
        try {
            job.run(scheduled);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("{}run at epoch 0x{} failed: {}", logPrefix, Long.toHexString(scheduled.epoch()), e.toString(), e);
        }
    }
}
