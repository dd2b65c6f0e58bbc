package io.ringleader.agent.routing;

import io.micrometer.core.instrument.Counter;
import io.ringleader.agent.membership.Member;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link Caller} over whatever routing table the supplier serves; see {@link Caller} for where attempts go. */
final class RoutedCaller implements Caller {
    private static final Logger LOG = LoggerFactory.getLogger(Caller.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** Where one attempt goes. */
    private record Target(Member member, long epoch, boolean fallback) {}

    private final Supplier<RoutingTable> tables;
    private final CallPolicy policy;
    private final CallClock clock;
    private final RetryBudget budget;
    private final ConcurrentHashMap<String, Circuit> circuits = new ConcurrentHashMap<>();
    private final ExecutorService pool;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Who the caller belongs to in log lines, for example {@code [cluster=orders member=kv-1] }, or empty. */
    private final String logPrefix;

    private final CallMeters meters;
    private final LongAdder calls = new LongAdder();
    private final Tally attempts;
    private final Tally retries;
    private final Tally fallbacks;
    private final Tally timeouts;
    private final Tally budgetRefusals;
    private final Tally circuitOpens;

    /** This caller's count of one thing, and the router's meter of it. */
    private record Tally(LongAdder count, Counter meter) {
        Tally(Counter meter) {
            this(new LongAdder(), meter);
        }

        void increment() {
            count.increment();
            meter.increment();
        }

        long sum() {
            return count.sum();
        }
    }

    RoutedCaller(Supplier<RoutingTable> tables, CallPolicy policy, String logPrefix, CallMeters meters) {
        this.tables = Objects.requireNonNull(tables, "tables");
        this.logPrefix = Objects.requireNonNull(logPrefix, "logPrefix");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.attempts = new Tally(meters.attempts);
        this.retries = new Tally(meters.retries);
        this.fallbacks = new Tally(meters.fallbacks);
        this.timeouts = new Tally(meters.timeouts);
        this.budgetRefusals = new Tally(meters.budgetRefusals);
        this.circuitOpens = new Tally(meters.circuitOpens);
        this.clock = policy.clock();
        this.budget = new RetryBudget(
                policy.budgetRatio(),
                policy.minRetriesPerSecond(),
                policy.budgetWindow().toNanos());
        this.pool = Executors.newCachedThreadPool(task -> {
            Thread t = new Thread(task, "ringleader-call-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public <T> T call(String key, CallKind kind, Call<T> op) throws Exception {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(op, "op");
        if (closed.get()) {
            throw new IllegalStateException("caller is closed");
        }
        calls.increment();
        budget.onCall(clock.nanoTime());
        try {
            T answer = route(key, kind, op);
            meters.succeeded();
            return answer;
        } catch (Exception e) {
            meters.failed(e);
            throw e;
        }
    }

    private <T> T route(String key, CallKind kind, Call<T> op) throws Exception {
        int slot = tables.get().slotOf(key);
        String where = logPrefix + "[call " + kind + " slot=" + slot + "] ";
        Set<String> tried = new HashSet<>();
        List<Exception> failures = new ArrayList<>();
        Target previous = null;
        Target staleRefused = null;
        for (int attempt = 1; ; attempt++) {
            Target target;
            if (attempt == 1) {
                target = first(key, kind, where);
            } else {
                Exception failure = failures.get(failures.size() - 1);
                if (attempt > policy.maxAttempts()
                        || closed.get()
                        || !policy.retryOn().test(failure)) {
                    throw surfaced(failures);
                }
                if (!budget.tryRetry(clock.nanoTime())) {
                    budgetRefusals.increment();
                    LOG.debug(
                            "{}retry budget spent: not retrying after attempt {} to {} failed: {}",
                            where,
                            attempt - 1,
                            previous.member().id(),
                            describe(failure));
                    throw surfaced(failures);
                }
                target = kind == CallKind.READ && policy.readFallback() ? untriedReplica(key, tried, where) : null;
                if (target == null) {
                    Duration delay = backoff(attempt);
                    clock.sleep(delay);
                    try {
                        target = kind == CallKind.WRITE
                                ? writeRetry(key, previous, staleRefused, where)
                                : read(key, where);
                    } catch (NoRouteException | CircuitOpenException e) {
                        failures.forEach(e::addSuppressed);
                        throw e;
                    }
                    if (target == null) {
                        throw surfaced(failures);
                    }
                    LOG.debug(
                            "{}retry {}/{} to {} at epoch 0x{} after {} ms: attempt to {} at epoch 0x{} failed: {}",
                            where,
                            attempt,
                            policy.maxAttempts(),
                            target.member().id(),
                            Long.toHexString(target.epoch()),
                            delay.toMillis(),
                            previous.member().id(),
                            Long.toHexString(previous.epoch()),
                            describe(failure));
                } else {
                    LOG.debug(
                            "{}fallback {}/{} to replica {} at once: attempt to {} failed: {}",
                            where,
                            attempt,
                            policy.maxAttempts(),
                            target.member().id(),
                            previous.member().id(),
                            describe(failure));
                }
                retries.increment();
            }
            if (target.fallback()) {
                fallbacks.increment();
            }
            tried.add(target.member().id());
            previous = target;
            attempts.increment();
            try {
                T answer = attempt(target, op, slot);
                onAnswer(target.member());
                return answer;
            } catch (StaleEpochException e) {
                // The member answered: its fence is ahead of our routing, which says nothing about its health.
                onAnswer(target.member());
                staleRefused = target;
                failures.add(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.forEach(e::addSuppressed);
                throw e;
            } catch (Exception e) {
                onFailure(target.member());
                failures.add(e);
            }
        }
    }

    /** The first attempt's member: a write's primary; a read's primary or, if its circuit is open, the next. */
    private Target first(String key, CallKind kind, String where) {
        if (kind == CallKind.WRITE || !policy.readFallback()) {
            RoutingTable t = tables.get();
            return acquired(new Target(t.route(key), t.epoch(), false), where);
        }
        return read(key, where);
    }

    /**
     * A write's retry: the primary of the current table, unless that is the member that refused the same epoch as
     * stale, or the table is older than one this call already used (then null: stop).
     */
    private Target writeRetry(String key, Target previous, Target staleRefused, String where) {
        RoutingTable t = tables.get();
        Member primary = t.route(key);
        long epoch = t.epoch();
        if (epoch < previous.epoch()) {
            LOG.debug(
                    "{}not retried: routing went back from epoch 0x{} to 0x{}",
                    where,
                    Long.toHexString(previous.epoch()),
                    Long.toHexString(epoch));
            return null;
        }
        if (staleRefused != null && staleRefused.member().id().equals(primary.id()) && staleRefused.epoch() == epoch) {
            LOG.debug(
                    "{}not retried: member {} refused epoch 0x{} as stale and routing has not moved",
                    where,
                    primary.id(),
                    Long.toHexString(epoch));
            return null;
        }
        if (!primary.id().equals(previous.member().id()) || epoch != previous.epoch()) {
            LOG.debug(
                    "{}routing moved: primary {} at epoch 0x{} is now {} at epoch 0x{}; the write goes there only",
                    where,
                    previous.member().id(),
                    Long.toHexString(previous.epoch()),
                    primary.id(),
                    Long.toHexString(epoch));
        }
        return acquired(new Target(primary, epoch, false), where);
    }

    /** A read's member: the first UP replica in ring order whose circuit lets the attempt through. */
    private Target read(String key, String where) {
        RoutingTable t = tables.get();
        Member primary = t.route(key);
        if (!policy.readFallback()) {
            return acquired(new Target(primary, t.epoch(), false), where);
        }
        for (Member m : t.eligibleReplicas(t.slotOf(key))) {
            if (permit(m, where)) {
                return new Target(m, t.epoch(), !m.id().equals(primary.id()));
            }
        }
        throw circuitOpen(primary, where);
    }

    /** The first UP replica in ring order that this call has not tried and whose circuit lets it through, or null. */
    private Target untriedReplica(String key, Set<String> tried, String where) {
        RoutingTable t = tables.get();
        Member primary = t.route(key);
        for (Member m : t.eligibleReplicas(t.slotOf(key))) {
            if (!tried.contains(m.id()) && permit(m, where)) {
                return new Target(m, t.epoch(), !m.id().equals(primary.id()));
            }
        }
        return null;
    }

    private Target acquired(Target target, String where) {
        if (!permit(target.member(), where)) {
            throw circuitOpen(target.member(), where);
        }
        return target;
    }

    private boolean permit(Member member, String where) {
        Circuit.Permit p = circuit(member.id()).tryAcquire(clock.nanoTime());
        if (p == Circuit.Permit.PROBE) {
            LOG.debug("{}circuit of member {} half-open: one probe goes through", where, member.id());
        }
        return p != Circuit.Permit.DENIED;
    }

    private CircuitOpenException circuitOpen(Member member, String where) {
        long remaining = circuit(member.id()).remaining(clock.nanoTime());
        String message = "circuit of member " + member.id() + " is open"
                + (remaining > 0 ? " for another " + Duration.ofNanos(remaining) : " (its probe is in flight)");
        LOG.debug("{}not sent: {}", where, message);
        return new CircuitOpenException(member.id(), message);
    }

    private void onAnswer(Member member) {
        if (circuit(member.id()).onSuccess() != Circuit.State.CLOSED) {
            LOG.debug("{}circuit of member {} closed: it answered", logPrefix, member.id());
        }
    }

    private void onFailure(Member member) {
        Circuit.Change change = circuit(member.id()).onFailure(clock.nanoTime());
        if (change != Circuit.Change.NONE) {
            circuitOpens.increment();
            LOG.debug(
                    "{}circuit of member {} opened {}; half-open in {}",
                    logPrefix,
                    member.id(),
                    change == Circuit.Change.OPENED
                            ? "after " + policy.circuitFailures() + " consecutive failures"
                            : "again: its probe failed",
                    policy.circuitCoolDown());
            try {
                policy.onCircuitOpen().accept(member);
            } catch (RuntimeException e) {
                LOG.warn("{}circuit-open hook failed for {}: {}", logPrefix, member.id(), e.toString());
            }
        }
    }

    private Circuit circuit(String memberId) {
        return circuits.computeIfAbsent(
                memberId,
                id -> new Circuit(
                        policy.circuitFailures(), policy.circuitCoolDown().toNanos()));
    }

    /** Full jitter: uniform in {@code [0, min(max, base × 2^(attempt-2))]}. */
    Duration backoff(int attempt) {
        long base = policy.backoffBase().toNanos();
        long max = policy.backoffMax().toNanos();
        int doublings = attempt - 2;
        long cap = doublings >= 63 || base > (max >> doublings) ? max : Math.min(max, base << doublings);
        if (cap == 0) {
            return Duration.ZERO;
        }
        RandomGenerator random = policy.random() != null ? policy.random() : ThreadLocalRandom.current();
        return Duration.ofNanos(random.nextLong(cap + 1));
    }

    private <T> T attempt(Target target, Call<T> op, int slot) throws Exception {
        Member member = target.member();
        long epoch = target.epoch();
        Future<T> future;
        try {
            future = pool.submit(() -> op.apply(member, epoch));
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("caller is closed", e);
        }
        try {
            return future.get(policy.attemptTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            timeouts.increment();
            throw new TimeoutException("attempt to member " + member.id() + " (slot " + slot + ", epoch 0x"
                    + Long.toHexString(epoch) + ") timed out after " + policy.attemptTimeout());
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InterruptedException) {
                // Only close() interrupts a running attempt whose caller is still waiting; not the caller's interrupt.
                throw new IllegalStateException(
                        "attempt to member " + member.id() + " was interrupted: caller closed", cause);
            }
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** The last failure, with the earlier ones attached. */
    private static Exception surfaced(List<Exception> failures) {
        Exception last = failures.get(failures.size() - 1);
        for (Exception e : failures) {
            if (e != last) {
                last.addSuppressed(e);
            }
        }
        return last;
    }

    private static String describe(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    @Override
    public CallPolicy policy() {
        return policy;
    }

    @Override
    public CallStats stats() {
        return new CallStats(
                calls.sum(),
                attempts.sum(),
                retries.sum(),
                fallbacks.sum(),
                timeouts.sum(),
                budgetRefusals.sum(),
                circuitOpens.sum());
    }

    /** The state of a member's circuit, for tests. */
    Circuit.State circuitState(String memberId) {
        Circuit c = circuits.get(memberId);
        return c == null ? Circuit.State.CLOSED : c.state();
    }

    /** Whether the pool has stopped, for tests. */
    boolean isTerminated() {
        return pool.isTerminated();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            pool.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "Caller{" + policy + ", " + stats() + "}";
    }
}
