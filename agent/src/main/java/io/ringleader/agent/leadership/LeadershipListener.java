package io.ringleader.agent.leadership;

/**
 * Told when a term of this participant starts and ends, on the leadership's own thread, in order: every
 * {@code termStarted} is followed by exactly one {@code termEnded} before the next {@code termStarted}.
 */
public interface LeadershipListener {

    /** This participant now leads, under {@code term}. */
    void termStarted(Term term);

    /**
     * This participant no longer leads: stop acting at once. {@code reason} says why (connection suspended,
     * session lost, closed, …).
     */
    void termEnded(Term term, String reason);
}
