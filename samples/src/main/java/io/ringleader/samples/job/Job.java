package io.ringleader.samples.job;

import io.ringleader.agent.leadership.Term;

/** The work a {@link LeaderJob} runs, on the job's own thread, while this instance leads. */
@FunctionalInterface
public interface Job {

    /**
     * Runs once under {@code term}.
     *
     * <p>IMPORTANT: the term may end while this runs (a pause can outlast the session). Pass the term to every
     * write, so that the store refuses the write once the term is over, as {@link RunLog#append(Term)} does.
     *
     * @param term the term this run belongs to; {@link Term#epoch()} is its fencing epoch
     * @throws Exception logged by the {@link LeaderJob}; the schedule goes on
     */
    void run(Term term) throws Exception;
}
