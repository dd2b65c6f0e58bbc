package io.ringleader.agent.vip;

import io.ringleader.agent.membership.Member;

/**
 * Told when a {@link VirtualEndpoint}'s master changes: once per change of the member it resolves to, not once per
 * routing table.
 *
 * <p>Listeners run on the endpoint's own thread, one call at a time and in order, never on a ZooKeeper event thread
 * or the router's thread. A slow listener delays the endpoint's next change and its switchover actions.
 */
@FunctionalInterface
public interface MasterListener {

    /**
     * The endpoint now resolves to {@code newMaster}.
     *
     * @param oldMaster the master this endpoint last told of, or {@code null} if it had none (the first master
     *     after {@link VirtualEndpoint#start()}, or a slot left without a present UP replica)
     * @param newMaster the master now, or {@code null} if no replica of the slot is present and UP
     * @param epoch the routing epoch of the table in which this endpoint saw the change; larger for every later
     *     change
     */
    void masterChanged(Member oldMaster, Member newMaster, long epoch);
}
