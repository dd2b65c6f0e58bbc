package io.ringleader.agent.vip;

import io.ringleader.agent.membership.Member;

/**
 * What to do when a {@link VirtualEndpoint} gets a new master: move a real IP address, update a DNS record, tell a
 * load balancer. {@link CommandSwitchover} runs an external command.
 *
 * <p>An action runs once per takeover: every change of the endpoint's master to a non-null new master, including
 * the first master the endpoint sees after it starts (then {@code oldMaster} is null). It runs on the endpoint's own
 * thread, after the {@link MasterListener}s were told, never concurrently with itself or another action of the
 * same endpoint. An exception is logged in one line and the action is not retried; the next takeover runs it again.
 *
 * <p>IMPORTANT: every agent that starts an endpoint of the same name runs its actions, and two agents may run them
 * for the same takeover at slightly different moments. Either run the action on one agent only (for example: act
 * only when {@code newMaster.id()} is this agent's member id, as keepalived does), or make the target refuse an
 * {@code epoch} older than the newest it has applied, so that a late run never moves the endpoint back.
 */
@FunctionalInterface
public interface SwitchoverAction {

    /**
     * Switches the endpoint over to {@code newMaster}.
     *
     * @param oldMaster the previous master, or {@code null} if none
     * @param newMaster the new master; never null
     * @param epoch the routing epoch of the change (see {@link MasterListener#masterChanged})
     * @throws InterruptedException if the endpoint closes while the action runs: stop and clean up
     * @throws Exception if the switchover failed; it is logged and not retried
     */
    void run(Member oldMaster, Member newMaster, long epoch) throws Exception;
}
