package io.ringleader.coordinator;

/**
 * A condition logged once, when it first occurs, and not again until it is reset: a write that keeps failing the same
 * way logs one line, not one per attempt. Confined to the thread of its owner, like the rest of its state.
 */
final class LogOnce {
    private boolean logged;

    /** Runs {@code line}, a log statement, unless it ran since the last {@link #reset}. */
    void log(Runnable line) {
        if (!logged) {
            logged = true;
            line.run();
        }
    }

    /** The condition is over: the next {@link #log} logs again. */
    void reset() {
        logged = false;
    }
}
