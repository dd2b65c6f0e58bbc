package io.ringleader.agent.routing;

import io.ringleader.agent.membership.Member;

/**
 * One attempt of a call to one member, as the service makes it: send the request to {@code member} carrying
 * {@code epoch}, and return the answer or throw.
 *
 * @param <T> the answer
 */
@FunctionalInterface
public interface Call<T> {

    /**
     * Makes one attempt. Runs on a thread of the {@link Caller}'s pool and is interrupted when the attempt times out
     * or the caller is closed; an attempt that ignores interrupts keeps its thread until it returns.
     *
     * @param member the member to send to: the key's primary, or for a read falling back, the next replica
     * @param epoch the {@link RoutingTable#epoch() epoch} of the routing table {@code member} was chosen from; a
     *     write carries it so that the member's fence can refuse it if it is stale
     * @throws StaleEpochException if the member's fence refused the epoch
     * @throws Exception any other failure of the attempt
     */
    T apply(Member member, long epoch) throws Exception;
}
