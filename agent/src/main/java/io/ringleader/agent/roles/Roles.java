package io.ringleader.agent.roles;

import io.micrometer.core.instrument.Timer;
import io.ringleader.agent.events.EventLog;
import io.ringleader.agent.membership.Membership;
import io.ringleader.agent.routing.Router;
import java.io.Closeable;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.listen.Listenable;

/**
 * This member's roles, derived the same way on every agent from the ring and the member view: it is primary of a
 * slot when it is the first replica of the slot's list that is present and UP (or an activated SPARE), and a backup
 * of the slots whose list holds it otherwise. No ZooKeeper write is on the path from a member's departure to its
 * successor's promotion.
 *
 * <p>Connection states: SUSPENDED, LOST and READ_ONLY end every primary role at once (the listener is told, and
 * {@link RoleSnapshot#active()} turns false before that). After RECONNECTED roles are derived again only once the
 * members and the ring were read again, never from memory.
 */
public interface Roles extends Closeable {

    /**
     * Roles of {@code memberId} (null for an observer, which never has any) over a membership and a router of the
     * same client; started with {@link #start()}.
     */
    static Roles create(
            CuratorFramework client, String memberId, Membership membership, Router router, String threadName) {
        return new DerivedRoles(client, memberId, membership, router, threadName, null, null);
    }

    /**
     * As {@link #create(CuratorFramework, String, Membership, Router, String)}, and when this member becomes primary
     * of slots whose primary departed, drained or went DOWN, it records the takeover with its timeline in {@code
     * takeoverLog} (see {@link io.ringleader.agent.events.TakeoverTimeline}), on a thread of its own, after the role
     * listeners were told.
     *
     * @param takeoverLog where to record takeovers; null records none
     * @param takeoverDuration where to time each takeover, from the member view holding the change to the role
     *     listeners told; null times none
     */
    static Roles create(
            CuratorFramework client,
            String memberId,
            Membership membership,
            Router router,
            String threadName,
            EventLog takeoverLog,
            Timer takeoverDuration) {
        return new DerivedRoles(client, memberId, membership, router, threadName, takeoverLog, takeoverDuration);
    }

    /**
     * Starts deriving roles.
     *
     * @throws IllegalStateException if already started or closed
     */
    void start();

    /** Stops deriving roles. Idempotent. */
    @Override
    void close();

    /** The current roles; never null. */
    RoleSnapshot current();

    /** Where to add role listeners. */
    Listenable<RoleListener> listenable();

    /**
     * Brings this agent's view up to at least {@code epoch}: asks its ZooKeeper server to catch up with the leader
     * ({@code sync}) and waits until the roles were derived at an epoch at least that large. A member that receives
     * a message carrying a newer epoch than its own calls this before deciding on it.
     *
     * @return whether the roles reached {@code epoch} within {@code timeout}
     */
    boolean catchUp(long epoch, Duration timeout) throws InterruptedException;
}
