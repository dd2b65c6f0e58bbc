package io.ringleader.coordinator.assign;

import io.ringleader.agent.ring.Ring;

/**
 * The operator's shape of the ring: slot count {@code S} and replication factor {@code R}.
 *
 * @param slotCount {@code S}, a power of two between 1 and {@value Ring#MAX_SLOTS}
 * @param replication {@code R}, between 1 and {@value Ring#MAX_REPLICATION}
 */
public record PlacementConfig(int slotCount, int replication) {

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException if {@code slotCount} is not a power of two in 1..{@value Ring#MAX_SLOTS} or
     *     {@code replication} is not in 1..{@value Ring#MAX_REPLICATION}; the message names the bad value
     */
    public PlacementConfig {
        if (slotCount < 1 || slotCount > Ring.MAX_SLOTS || Integer.bitCount(slotCount) != 1) {
            throw new IllegalArgumentException(
                    "slotCount must be a power of two between 1 and " + Ring.MAX_SLOTS + ", was " + slotCount);
        }
        if (replication < 1 || replication > Ring.MAX_REPLICATION) {
            throw new IllegalArgumentException(
                    "replication must be between 1 and " + Ring.MAX_REPLICATION + ", was " + replication);
        }
    }

    /** {@value Ring#DEFAULT_SLOTS} slots, replication {@value Ring#DEFAULT_REPLICATION}. */
    public static PlacementConfig defaults() {
        return new PlacementConfig(Ring.DEFAULT_SLOTS, Ring.DEFAULT_REPLICATION);
    }
}
