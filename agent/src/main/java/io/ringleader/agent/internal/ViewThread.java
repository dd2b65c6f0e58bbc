package io.ringleader.agent.internal;

import io.ringleader.agent.membership.MemberView;
import java.util.function.Consumer;

/**
 * A membership whose view changes happen on one {@link SerialThread} that a component following the view may share:
 * a follower runs on that thread right after each change of the view, before any membership listener is told, so
 * the change reaches it without a hand-off between threads. The membership starts and stops the thread. Internal
 * to the agent: not part of its API.
 */
public interface ViewThread {

    /** The thread every task of the membership runs on. */
    SerialThread thread();

    /**
     * Gives {@code follower} each new view on {@link #thread()} as it is published, before the listeners are told;
     * followers run in the order they were added.
     */
    void addFollower(Consumer<MemberView> follower);

    /** Stops telling {@code follower}. */
    void removeFollower(Consumer<MemberView> follower);
}
