package io.ringleader.coordinator.assign;

import io.ringleader.agent.ring.Ring;
import java.util.List;
import java.util.Objects;

/**
 * The result of {@link Placement#assign} or {@link PrimaryPins#place}: the new ring, the plan from the previous ring
 * to it, the spares that took over a departed member's replicas (the caller must offer them as {@link Role#ACTIVE}
 * from now on), and the slots whose replica lists the operator's primary pins turned.
 *
 * @param ring the new ring
 * @param plan the changed entries from the previous ring (every entry, as {@link Move.Reason#PLACED}, if none)
 * @param activatedSpares ids of spares that now hold slots, sorted
 * @param failovers the slots of {@code ring} turned by primary pins ({@link Failovers#none} from {@link Placement})
 */
public record Assignment(Ring ring, Plan plan, List<String> activatedSpares, Failovers failovers) {

    /** Copies {@code activatedSpares}. */
    public Assignment {
        Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(failovers, "failovers");
        activatedSpares = List.copyOf(activatedSpares);
    }

    /** A placement no pin turned. */
    public Assignment(Ring ring, Plan plan, List<String> activatedSpares) {
        this(ring, plan, activatedSpares, Failovers.none(ring.slotCount()));
    }
}
