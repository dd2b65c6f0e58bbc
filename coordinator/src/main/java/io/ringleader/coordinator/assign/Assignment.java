package io.ringleader.coordinator.assign;

import io.ringleader.agent.ring.Ring;
import java.util.List;
import java.util.Objects;

/**
 * The result of {@link Placement#assign}: the new ring, the plan from the previous ring to it, and the spares that
 * took over a departed member's replicas (the caller must offer them as {@link Role#ACTIVE} from now on).
 *
 * @param ring the new ring
 * @param plan the changed entries from the previous ring (every entry, as {@link Move.Reason#PLACED}, if none)
 * @param activatedSpares ids of spares that now hold slots, sorted
 */
public record Assignment(Ring ring, Plan plan, List<String> activatedSpares) {

    /** Copies {@code activatedSpares}. */
    public Assignment {
        Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(plan, "plan");
        activatedSpares = List.copyOf(activatedSpares);
    }
}
