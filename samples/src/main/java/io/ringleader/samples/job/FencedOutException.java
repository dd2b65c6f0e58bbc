package io.ringleader.samples.job;

/** A write refused because the writer's term is over: a later leader holds the job now. */
public final class FencedOutException extends Exception {
    private static final long serialVersionUID = 1L;

    /** A refusal that says why. */
    public FencedOutException(String message) {
        super(message);
    }
}
