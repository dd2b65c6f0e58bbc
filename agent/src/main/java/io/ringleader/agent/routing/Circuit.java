package io.ringleader.agent.routing;

/**
 * One member's circuit breaker: CLOSED counts consecutive failures and opens at the threshold; OPEN refuses until
 * the cool-down has passed, then lets one probe through (HALF_OPEN); the probe's success closes it, its failure
 * opens it again. Thread-safe (one short lock per decision).
 */
final class Circuit {
    enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    /** What {@link #tryAcquire} decided. */
    enum Permit {
        DENIED,
        GRANTED,
        /** Granted as the one probe of a half-open circuit. */
        PROBE
    }

    /** What {@link #onFailure} did. */
    enum Change {
        NONE,
        /** Opened from CLOSED at the threshold. */
        OPENED,
        /** Opened again from HALF_OPEN: the probe failed. */
        REOPENED
    }

    private final int threshold;
    private final long coolDownNanos;
    private State state = State.CLOSED;
    private int failures;
    private long openedAt;
    private boolean probing;

    Circuit(int threshold, long coolDownNanos) {
        this.threshold = threshold;
        this.coolDownNanos = coolDownNanos;
    }

    /**
     * Whether an attempt may go now; moves OPEN to HALF_OPEN once the cool-down has passed, and then lets exactly
     * one attempt (the probe) through until it ends.
     */
    synchronized Permit tryAcquire(long now) {
        switch (state) {
            case CLOSED -> {
                return Permit.GRANTED;
            }
            case OPEN -> {
                if (now - openedAt < coolDownNanos) {
                    return Permit.DENIED;
                }
                state = State.HALF_OPEN;
                probing = true;
                return Permit.PROBE;
            }
            case HALF_OPEN -> {
                if (probing) {
                    return Permit.DENIED;
                }
                probing = true;
                return Permit.PROBE;
            }
            default -> throw new AssertionError(state);
        }
    }

    /** The member answered: closes the circuit. Returns the state it left. */
    synchronized State onSuccess() {
        State was = state;
        state = State.CLOSED;
        failures = 0;
        probing = false;
        return was;
    }

    /** An attempt failed: counts it, and opens the circuit at the threshold or after a failed probe. */
    synchronized Change onFailure(long now) {
        switch (state) {
            case CLOSED -> {
                if (++failures < threshold) {
                    return Change.NONE;
                }
            }
            case HALF_OPEN -> {
                probing = false;
                state = State.OPEN;
                openedAt = now;
                return Change.REOPENED;
            }
            case OPEN -> {
                // An attempt let through before the circuit opened ended late: it is open already.
                return Change.NONE;
            }
            default -> throw new AssertionError(state);
        }
        state = State.OPEN;
        openedAt = now;
        return Change.OPENED;
    }

    /** Nanoseconds until the cool-down ends (0 if it has, or if not open). */
    synchronized long remaining(long now) {
        return state == State.OPEN ? Math.max(0, coolDownNanos - (now - openedAt)) : 0;
    }

    synchronized State state() {
        return state;
    }
}
