package io.ringleader.coordinator.assign;

import java.util.Objects;

/**
 * A member offered to {@link Placement#assign}: its id, weight, zone and role.
 *
 * @param id the member id, non-empty
 * @param weight the relative share of slots, 1..{@value #MAX_WEIGHT}
 * @param zone the failure domain, or null if none; replicas of a slot are spread over zones
 * @param role whether the member gets slots now, is a spare, or is drained
 */
public record Participant(String id, int weight, String zone, Role role) {

    /** The largest weight. */
    public static final int MAX_WEIGHT = 10_000;

    /**
     * Validates the fields.
     *
     * @throws NullPointerException if {@code id} or {@code role} is null
     * @throws IllegalArgumentException if {@code id} or a non-null {@code zone} is empty, or {@code weight} is not
     *     1..{@value #MAX_WEIGHT}
     */
    public Participant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(role, "role");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("participant id must not be empty");
        }
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException(
                    "weight of " + id + " must be between 1 and " + MAX_WEIGHT + ", was " + weight);
        }
        if (zone != null && zone.isEmpty()) {
            throw new IllegalArgumentException("zone of " + id + " must be null or non-empty, was empty");
        }
    }

    /** An {@link Role#ACTIVE} participant. */
    public static Participant active(String id, int weight, String zone) {
        return new Participant(id, weight, zone, Role.ACTIVE);
    }
}
