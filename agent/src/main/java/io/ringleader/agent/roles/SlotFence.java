package io.ringleader.agent.roles;

import io.ringleader.agent.membership.Member;
import io.ringleader.agent.routing.NoRouteException;
import io.ringleader.agent.routing.Router;
import io.ringleader.agent.routing.RoutingTable;
import java.time.Duration;
import java.util.Objects;

/**
 * The check a replica runs on every write and replication message of a slot (the write protocol of
 * docs/takeover.md). A message carrying epoch {@code e} from member {@code sender} is admitted only if, in order:
 *
 * <ol>
 *   <li>this member's view has reached {@code e}: if its roles are older, it first catches up ({@link
 *       Roles#catchUp}: {@code sync} with the leader, then waits for the roles derived from the fresh read), so a
 *       lagging member never judges a newer primary by an older view ({@link Verdict#BEHIND} if it cannot);
 *   <li>{@code sender} is the slot's primary in this member's view, which is now at least as new as {@code e}
 *       ({@link Verdict#NOT_PRIMARY} otherwise: a deposed primary whose successor this member already knows);
 *   <li>{@code e} is not older than the newest epoch admitted for the slot ({@link Verdict#STALE_EPOCH} otherwise:
 *       a deposed primary that this member has not seen deposed yet, but whose successor already reached it).
 * </ol>
 *
 * <p>A member that gains a slot's primary role admits its own epoch with {@link #admitOwn} before it serves the
 * slot, so that from then on it refuses its predecessor's messages for the slot.
 *
 * <p>IMPORTANT: the fence decides; the caller applies. Hold one lock per slot across {@link #admit} and applying
 * the message, and across admitting a new primary's gather and copying the slot for it: otherwise a gather can
 * admit its epoch and copy the slot between another message's admission and its apply, and miss a write that is
 * then acknowledged.
 *
 * <p>IMPORTANT: {@link #admit} may block for up to the catch-up wait (a ZooKeeper round trip, then the roles thread);
 * do not call it on a thread that must not block. The newest epochs are kept in memory: a member that restarts
 * starts from nothing and relies on its view, which then names the current primary.
 */
public final class SlotFence {
    /** What {@link #admit} decided. */
    public enum Verdict {
        /** The message may be applied. */
        ADMITTED,
        /** This member could not bring its view up to the message's epoch in time; the sender may retry. */
        BEHIND,
        /** The sender is not the slot's primary in this member's view (which is at least as new as the message). */
        NOT_PRIMARY,
        /** The message's epoch is older than one this member admitted for the slot. */
        STALE_EPOCH
    }

    private final Roles roles;
    private final Router router;
    private final Fence fence;
    private final Duration catchUpWait;

    private SlotFence(Roles roles, Router router, int slotCount, Duration catchUpWait) {
        this.roles = roles;
        this.router = router;
        this.fence = Fence.forSlots(slotCount);
        this.catchUpWait = catchUpWait;
    }

    /**
     * A fence over {@code slotCount} slots that judges senders by this agent's {@code roles} and {@code router},
     * waiting at most {@code catchUpWait} for a view to catch up.
     *
     * @throws IllegalArgumentException if {@code slotCount < 1} or {@code catchUpWait} is negative
     */
    public static SlotFence of(Roles roles, Router router, int slotCount, Duration catchUpWait) {
        Objects.requireNonNull(roles, "roles");
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(catchUpWait, "catchUpWait");
        if (catchUpWait.isNegative()) {
            throw new IllegalArgumentException("catchUpWait must not be negative, was " + catchUpWait);
        }
        return new SlotFence(roles, router, slotCount, catchUpWait);
    }

    /**
     * Decides on a message of {@code slot} carrying {@code epoch} from {@code sender}; when admitted, {@code epoch}
     * is the slot's newest from then on.
     *
     * @throws IndexOutOfBoundsException if the slot is out of range
     * @throws InterruptedException if interrupted while catching up
     */
    public Verdict admit(int slot, long epoch, String sender) throws InterruptedException {
        Objects.requireNonNull(sender, "sender");
        if (epoch > roles.current().epoch() && !roles.catchUp(epoch, catchUpWait)) {
            return Verdict.BEHIND;
        }
        RoutingTable table = router.table();
        Member primary;
        try {
            primary = table.primary(slot);
        } catch (NoRouteException e) {
            return Verdict.BEHIND;
        }
        if (primary == null || !primary.id().equals(sender)) {
            return Verdict.NOT_PRIMARY;
        }
        return fence.admit(slot, epoch) ? Verdict.ADMITTED : Verdict.STALE_EPOCH;
    }

    /**
     * Admits this member's own {@code epoch} for {@code slot}, as it gains the slot's primary role and before it
     * serves it.
     *
     * @return false if a newer epoch was admitted for the slot already (this member's role is stale)
     * @throws IndexOutOfBoundsException if the slot is out of range
     */
    public boolean admitOwn(int slot, long epoch) {
        return fence.admit(slot, epoch);
    }

    /** The newest epoch admitted for {@code slot} (0 if none). */
    public long newest(int slot) {
        return fence.newest(slot);
    }
}
