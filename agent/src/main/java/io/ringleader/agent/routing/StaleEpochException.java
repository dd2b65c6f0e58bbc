package io.ringleader.agent.routing;

/**
 * A member refused a message because it carried an epoch older than the newest it has seen for the slot (its
 * {@link io.ringleader.agent.roles.Fence} refused it). A service throws it from its {@link Call} when the member's
 * answer says so.
 *
 * <p>The sender's routing is behind the member's: a {@link Caller} never sends the same write to the same member
 * at the same epoch again; it retries only once its routing table has moved to a newer epoch.
 */
public final class StaleEpochException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int slot;
    private final long epoch;
    private final long newest;

    /**
     * A refusal of {@code epoch} for {@code slot} by a member whose newest epoch for it is {@code newest}.
     *
     * @throws IllegalArgumentException if {@code epoch >= newest} (that epoch would have been admitted)
     */
    public StaleEpochException(int slot, long epoch, long newest) {
        super("slot " + slot + " refused epoch 0x" + Long.toHexString(epoch) + ": the member has seen epoch 0x"
                + Long.toHexString(newest));
        if (epoch >= newest) {
            throw new IllegalArgumentException("a stale epoch is older than the newest, was epoch 0x"
                    + Long.toHexString(epoch) + " and newest 0x" + Long.toHexString(newest));
        }
        this.slot = slot;
        this.epoch = epoch;
        this.newest = newest;
    }

    /** The slot of the refused message. */
    public int slot() {
        return slot;
    }

    /** The epoch the refused message carried. */
    public long epoch() {
        return epoch;
    }

    /** The newest epoch the refusing member has seen for the slot. */
    public long newest() {
        return newest;
    }
}
