package io.ringleader.agent.roles;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The fencing check a member runs on every write and replication message of a slot: the newest epoch seen per
 * slot only grows, and a message carrying an older epoch than that is refused.
 *
 * <p>Safety rests on epochs growing with ZooKeeper's order: a member made primary of a slot because its previous
 * primary left holds an epoch at least the zxid of that departure, which the deposed primary never saw. Once any
 * message of the new primary reached a member, the old one's messages are refused there. See docs/takeover.md.
 */
public final class Fence {
    private final AtomicLongArray newest;

    private Fence(int slotCount) {
        this.newest = new AtomicLongArray(slotCount);
    }

    /**
     * A fence for {@code slotCount} slots, every newest epoch 0.
     *
     * @throws IllegalArgumentException if {@code slotCount < 1}
     */
    public static Fence forSlots(int slotCount) {
        if (slotCount < 1) {
            throw new IllegalArgumentException("slotCount must be >= 1, was " + slotCount);
        }
        return new Fence(slotCount);
    }

    /**
     * Admits a message of {@code slot} carrying {@code epoch} if it is not older than the newest seen, and records
     * it as the newest. Lock-free; safe from any thread.
     *
     * @return true if admitted, false if stale
     * @throws IndexOutOfBoundsException if the slot is out of range
     */
    public boolean admit(int slot, long epoch) {
        while (true) {
            long seen = newest.get(slot);
            if (epoch < seen) {
                return false;
            }
            if (epoch == seen || newest.compareAndSet(slot, seen, epoch)) {
                return true;
            }
        }
    }

    /** The newest epoch admitted for {@code slot} (0 if none). */
    public long newest(int slot) {
        return newest.get(slot);
    }
}
