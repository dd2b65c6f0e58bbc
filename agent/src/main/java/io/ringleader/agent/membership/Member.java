package io.ringleader.agent.membership;

import io.ringleader.agent.layout.ClusterPath;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A member's record: what an agent publishes about itself in its ephemeral znode.
 *
 * @param id the member id, also the znode name (see {@link ClusterPath#checkName})
 * @param endpoint where it serves
 * @param weight its relative share of slots, 1 to {@value #MAX_WEIGHT}
 * @param zone its failure domain, or {@code null}
 * @param state its declared state
 * @param startedAt when the agent started
 * @param attributes free-form service attributes (sorted, immutable)
 */
public record Member(
        String id,
        Endpoint endpoint,
        int weight,
        String zone,
        MemberState state,
        Instant startedAt,
        Map<String, String> attributes) {

    /** The largest weight a member may have. */
    public static final int MAX_WEIGHT = 10_000;

    /** The longest attribute key. */
    public static final int MAX_ATTRIBUTE_KEY = 128;

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException if the id or zone is not a valid name, the weight is out of range, or an
     *     attribute key is blank or longer than {@value #MAX_ATTRIBUTE_KEY}
     * @throws NullPointerException if the endpoint, state, start time or attributes are null
     */
    public Member {
        ClusterPath.checkName("memberId", id);
        Objects.requireNonNull(endpoint, "endpoint");
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be between 1 and " + MAX_WEIGHT + ", was " + weight);
        }
        if (zone != null) {
            ClusterPath.checkName("zone", zone);
        }
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(attributes, "attributes");
        TreeMap<String, String> copy = new TreeMap<>();
        attributes.forEach((k, v) -> {
            if (k == null || k.isBlank() || k.length() > MAX_ATTRIBUTE_KEY) {
                throw new IllegalArgumentException(
                        "attribute keys must be 1-" + MAX_ATTRIBUTE_KEY + " non-blank characters, was '" + k + "'");
            }
            copy.put(k, Objects.requireNonNull(v, () -> "attribute '" + k + "' has a null value"));
        });
        attributes = java.util.Collections.unmodifiableMap(copy);
    }

    /** This record with another state. */
    public Member withState(MemberState newState) {
        return new Member(id, endpoint, weight, zone, newState, startedAt, attributes);
    }

    /** This record with other attributes. */
    public Member withAttributes(Map<String, String> newAttributes) {
        return new Member(id, endpoint, weight, zone, state, startedAt, newAttributes);
    }

    /** This record with another weight. */
    public Member withWeight(int newWeight) {
        return new Member(id, endpoint, newWeight, zone, state, startedAt, attributes);
    }
}
