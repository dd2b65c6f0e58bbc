package io.ringleader.coordinator.assign;

/** What a member is offered for in a placement. */
public enum Role {
    /** Eligible: holds its weighted share of slots at every rank. */
    ACTIVE,
    /**
     * An N+1 spare: holds nothing until a member of the previous ring is absent, then takes over exactly that
     * member's replicas and counts as {@link #ACTIVE} from then on.
     */
    SPARE,
    /** Drained by the operator: holds no slots; placed like a departed member, but never replaced by a spare. */
    DRAINED
}
