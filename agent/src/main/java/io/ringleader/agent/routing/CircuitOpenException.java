package io.ringleader.agent.routing;

/**
 * A {@link Caller} did not send an attempt because the circuit of every member it could go to is open: each failed
 * too often in a row and its cool-down has not passed yet (or its one half-open probe is in flight).
 *
 * <p>The message names the member, never the key.
 */
public final class CircuitOpenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String memberId;

    CircuitOpenException(String memberId, String message) {
        super(message);
        this.memberId = memberId;
    }

    /** The member whose circuit is open (for a read, the primary's). */
    public String memberId() {
        return memberId;
    }
}
