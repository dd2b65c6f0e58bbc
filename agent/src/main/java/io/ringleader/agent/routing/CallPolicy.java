package io.ringleader.agent.routing;

import io.ringleader.agent.membership.Member;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * How a {@link Caller} times out, retries and gives up. Immutable; build one with {@link #builder()}, whose
 * {@link Builder#build()} checks every value and names the bad one.
 *
 * <ul>
 *   <li><b>Timeout</b>: each attempt runs on the caller's pool and is interrupted after {@link #attemptTimeout()}.
 *   <li><b>Attempts</b>: at most {@link #maxAttempts()} per call, the first included.
 *   <li><b>Backoff</b>: before a retry (but not before a read's fallback to a replica not tried yet), the caller
 *       waits a uniformly random time in {@code [0, min(backoffMax, backoffBase × 2^(n-2))]} before attempt n ("full
 *       jitter").
 *   <li><b>Retry budget</b>: a retry is made only while the retries of the last {@link #budgetWindow()} stay at
 *       most {@code budgetRatio × calls in that window + minRetriesPerSecond × window in seconds}, so that a failing
 *       dependency sees at most about {@code (1 + budgetRatio)} times its normal load (as Finagle's and gRPC's retry
 *       throttling).
 *   <li><b>Read fallback</b>: a failed read goes next to the next present and UP replica in ring order.
 *   <li><b>Circuits</b>: a member's circuit opens after {@link #circuitFailures()} consecutive failed attempts; while
 *       open, no attempt goes to it; after {@link #circuitCoolDown()} it lets one probe through (half-open), and
 *       closes on a success or opens again on a failure.
 * </ul>
 */
public final class CallPolicy {
    /** The default per-attempt timeout: 1 s. */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
    /** The default attempts per call: 3. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** The default backoff base: 20 ms. */
    public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofMillis(20);
    /** The default backoff cap: 1 s. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(1);
    /** The default budget ratio: retries may add 20% to the calls. */
    public static final double DEFAULT_BUDGET_RATIO = 0.2;
    /** The default retries always allowed per second: 10. */
    public static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;
    /** The default budget window: 10 s. */
    public static final Duration DEFAULT_BUDGET_WINDOW = Duration.ofSeconds(10);
    /** The default consecutive failures that open a circuit: 5. */
    public static final int DEFAULT_CIRCUIT_FAILURES = 5;
    /** The default circuit cool-down: 5 s. */
    public static final Duration DEFAULT_CIRCUIT_COOL_DOWN = Duration.ofSeconds(5);
    /** The most attempts a call may make. */
    public static final int MAX_ATTEMPTS = 100;
    /** The largest budget ratio: retries may add ten times the calls. */
    public static final double MAX_BUDGET_RATIO = 10;

    private final Duration attemptTimeout;
    private final int maxAttempts;
    private final Duration backoffBase;
    private final Duration backoffMax;
    private final double budgetRatio;
    private final int minRetriesPerSecond;
    private final Duration budgetWindow;
    private final boolean readFallback;
    private final int circuitFailures;
    private final Duration circuitCoolDown;
    private final Predicate<? super Exception> retryOn;
    private final CallClock clock;
    private final RandomGenerator random;
    private final Consumer<Member> onCircuitOpen;

    private CallPolicy(Builder b) {
        this.attemptTimeout = b.attemptTimeout;
        this.maxAttempts = b.maxAttempts;
        this.backoffBase = b.backoffBase;
        this.backoffMax = b.backoffMax;
        this.budgetRatio = b.budgetRatio;
        this.minRetriesPerSecond = b.minRetriesPerSecond;
        this.budgetWindow = b.budgetWindow;
        this.readFallback = b.readFallback;
        this.circuitFailures = b.circuitFailures;
        this.circuitCoolDown = b.circuitCoolDown;
        this.retryOn = b.retryOn;
        this.clock = b.clock;
        this.random = b.random;
        this.onCircuitOpen = b.onCircuitOpen;
    }

    private CallPolicy(CallPolicy p, Consumer<Member> onCircuitOpen) {
        this.attemptTimeout = p.attemptTimeout;
        this.maxAttempts = p.maxAttempts;
        this.backoffBase = p.backoffBase;
        this.backoffMax = p.backoffMax;
        this.budgetRatio = p.budgetRatio;
        this.minRetriesPerSecond = p.minRetriesPerSecond;
        this.budgetWindow = p.budgetWindow;
        this.readFallback = p.readFallback;
        this.circuitFailures = p.circuitFailures;
        this.circuitCoolDown = p.circuitCoolDown;
        this.retryOn = p.retryOn;
        this.clock = p.clock;
        this.random = p.random;
        this.onCircuitOpen = onCircuitOpen;
    }

    /** What is told when a member's circuit opens (after the policy's own hook, if any). */
    public Consumer<Member> onCircuitOpen() {
        return onCircuitOpen;
    }

    /** This policy, also telling {@code hook} when a member's circuit opens. */
    public CallPolicy alsoOnCircuitOpen(Consumer<Member> hook) {
        Objects.requireNonNull(hook, "hook");
        Consumer<Member> first = onCircuitOpen;
        return new CallPolicy(this, member -> {
            first.accept(member);
            hook.accept(member);
        });
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The policy with every default. */
    public static CallPolicy defaults() {
        return builder().build();
    }

    /** How long one attempt may run before it is interrupted and counted as failed. */
    public Duration attemptTimeout() {
        return attemptTimeout;
    }

    /** The most attempts per call, the first included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The backoff cap before the first retry; it doubles with each further attempt. */
    public Duration backoffBase() {
        return backoffBase;
    }

    /** The largest backoff cap. */
    public Duration backoffMax() {
        return backoffMax;
    }

    /** The retries the budget allows per call in its window. */
    public double budgetRatio() {
        return budgetRatio;
    }

    /** The retries per second the budget allows whatever the number of calls. */
    public int minRetriesPerSecond() {
        return minRetriesPerSecond;
    }

    /** How far back the budget counts calls and retries. */
    public Duration budgetWindow() {
        return budgetWindow;
    }

    /** Whether a failed read goes next to the key's next replica. */
    public boolean readFallback() {
        return readFallback;
    }

    /** The consecutive failed attempts that open a member's circuit. */
    public int circuitFailures() {
        return circuitFailures;
    }

    /** How long a circuit stays open before it lets one probe through. */
    public Duration circuitCoolDown() {
        return circuitCoolDown;
    }

    /** Whether a failure may be retried at all. */
    public Predicate<? super Exception> retryOn() {
        return retryOn;
    }

    /** The clock. */
    public CallClock clock() {
        return clock;
    }

    /** The random numbers of the jitter, or {@code null} for {@link java.util.concurrent.ThreadLocalRandom}. */
    RandomGenerator random() {
        return random;
    }

    @Override
    public String toString() {
        return "CallPolicy{attemptTimeout=" + attemptTimeout + ", maxAttempts=" + maxAttempts + ", backoff="
                + backoffBase + ".." + backoffMax + ", budget=" + budgetRatio + "×calls+" + minRetriesPerSecond
                + "/s over " + budgetWindow + ", readFallback=" + readFallback + ", circuit=" + circuitFailures
                + " failures, cool-down " + circuitCoolDown + "}";
    }

    /** Builds a {@link CallPolicy}; every value is checked by {@link #build()}. */
    public static final class Builder {
        private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration backoffBase = DEFAULT_BACKOFF_BASE;
        private Duration backoffMax = DEFAULT_BACKOFF_MAX;
        private double budgetRatio = DEFAULT_BUDGET_RATIO;
        private int minRetriesPerSecond = DEFAULT_MIN_RETRIES_PER_SECOND;
        private Duration budgetWindow = DEFAULT_BUDGET_WINDOW;
        private boolean readFallback = true;
        private int circuitFailures = DEFAULT_CIRCUIT_FAILURES;
        private Duration circuitCoolDown = DEFAULT_CIRCUIT_COOL_DOWN;
        private Predicate<? super Exception> retryOn = e -> true;
        private Consumer<Member> onCircuitOpen = member -> {};
        private CallClock clock = CallClock.system();
        private RandomGenerator random;

        private Builder() {}

        /** How long one attempt may run (default {@link CallPolicy#DEFAULT_ATTEMPT_TIMEOUT}); must be positive. */
        public Builder attemptTimeout(Duration timeout) {
            this.attemptTimeout = Objects.requireNonNull(timeout, "attemptTimeout");
            return this;
        }

        /**
         * The most attempts per call, the first included (default {@value CallPolicy#DEFAULT_MAX_ATTEMPTS}); 1 to
         * {@value CallPolicy#MAX_ATTEMPTS}. 1 turns retries and fallback off.
         */
        public Builder maxAttempts(int attempts) {
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * The backoff cap before the first retry and the largest one (defaults {@link CallPolicy#DEFAULT_BACKOFF_BASE} and
         * {@link CallPolicy#DEFAULT_BACKOFF_MAX}); {@code base >= 0} and {@code max >= base}.
         */
        public Builder backoff(Duration base, Duration max) {
            this.backoffBase = Objects.requireNonNull(base, "backoffBase");
            this.backoffMax = Objects.requireNonNull(max, "backoffMax");
            return this;
        }

        /**
         * The retry budget (defaults {@value CallPolicy#DEFAULT_BUDGET_RATIO}, {@value CallPolicy#DEFAULT_MIN_RETRIES_PER_SECOND} per
         * second, {@link CallPolicy#DEFAULT_BUDGET_WINDOW}): {@code ratio} in {@code [0, }{@value CallPolicy#MAX_BUDGET_RATIO}{@code ]},
         * {@code minPerSecond >= 0}, {@code window} between 1 s and 60 s.
         */
        public Builder retryBudget(double ratio, int minPerSecond, Duration window) {
            this.budgetRatio = ratio;
            this.minRetriesPerSecond = minPerSecond;
            this.budgetWindow = Objects.requireNonNull(window, "budgetWindow");
            return this;
        }

        /** Whether a failed read goes to the key's next replica (default true). */
        public Builder readFallback(boolean fallback) {
            this.readFallback = fallback;
            return this;
        }

        /**
         * Circuits (defaults {@value CallPolicy#DEFAULT_CIRCUIT_FAILURES} failures, {@link CallPolicy#DEFAULT_CIRCUIT_COOL_DOWN}):
         * {@code failures >= 1}, {@code coolDown} positive.
         */
        public Builder circuit(int failures, Duration coolDown) {
            this.circuitFailures = failures;
            this.circuitCoolDown = Objects.requireNonNull(coolDown, "circuitCoolDown");
            return this;
        }

        /**
         * Which failures may be retried (default: all). A {@link StaleEpochException}, a timeout and a refusal by an
         * open circuit are offered to it like any other failure.
         */
        public Builder retryOn(Predicate<? super Exception> retryable) {
            this.retryOn = Objects.requireNonNull(retryable, "retryOn");
            return this;
        }

        /** The clock (default {@link CallClock#system()}). */
        public Builder clock(CallClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Tells {@code hook} whenever a member's circuit opens: the caller's judgement that the member fails. The
         * agent's {@code caller(policy)} uses it to report a peer suspicion.
         */
        public Builder onCircuitOpen(Consumer<Member> hook) {
            this.onCircuitOpen = Objects.requireNonNull(hook, "onCircuitOpen");
            return this;
        }

        /**
         * The random numbers of the jitter, for reproducible tests (default {@link
         * java.util.concurrent.ThreadLocalRandom}); it must be thread-safe if the caller is shared between threads.
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Builds it.
         *
         * @throws IllegalArgumentException naming the first value out of range, for example {@code maxAttempts must
         *     be between 1 and 100, was 0}
         */
        public CallPolicy build() {
            if (attemptTimeout.isNegative() || attemptTimeout.isZero()) {
                throw new IllegalArgumentException("attemptTimeout must be positive, was " + attemptTimeout);
            }
            if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
                throw new IllegalArgumentException(
                        "maxAttempts must be between 1 and " + MAX_ATTEMPTS + ", was " + maxAttempts);
            }
            if (backoffBase.isNegative()) {
                throw new IllegalArgumentException("backoffBase must be >= 0, was " + backoffBase);
            }
            if (backoffMax.compareTo(backoffBase) < 0) {
                throw new IllegalArgumentException(
                        "backoffMax must be >= backoffBase (" + backoffBase + "), was " + backoffMax);
            }
            if (!(budgetRatio >= 0 && budgetRatio <= MAX_BUDGET_RATIO)) {
                throw new IllegalArgumentException(
                        "budgetRatio must be between 0 and " + MAX_BUDGET_RATIO + ", was " + budgetRatio);
            }
            if (minRetriesPerSecond < 0) {
                throw new IllegalArgumentException("minRetriesPerSecond must be >= 0, was " + minRetriesPerSecond);
            }
            if (budgetWindow.compareTo(Duration.ofSeconds(1)) < 0
                    || budgetWindow.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("budgetWindow must be between 1 s and 60 s, was " + budgetWindow);
            }
            if (circuitFailures < 1) {
                throw new IllegalArgumentException("circuitFailures must be >= 1, was " + circuitFailures);
            }
            if (circuitCoolDown.isNegative() || circuitCoolDown.isZero()) {
                throw new IllegalArgumentException("circuitCoolDown must be positive, was " + circuitCoolDown);
            }
            return new CallPolicy(this);
        }
    }
}
