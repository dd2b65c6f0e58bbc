package io.ringleader.coordinator;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.assign.Participant;
import io.ringleader.coordinator.assign.PrimaryPins;
import io.ringleader.coordinator.assign.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The operator's intent for a cluster, stored in the {@code config} znode ({@link OperatorConfigCodec}) and written
 * by {@code ringleader admin}: weight overrides, drained members, spares, a rebalance delay override, a counter of
 * rebalance requests, and primary pins (failovers). The active coordinator applies it whenever it places the members
 * ({@link #participants}, then {@link #pins()}).
 *
 * <p>Ids need not be live members: an entry for a member that is gone does nothing until it comes back.
 *
 * @param weights weight overrides by member id, each 1..{@value Participant#MAX_WEIGHT}; they win over the weight
 *     of the member's record
 * @param drained ids of drained members: they hold no slots ({@link Role#DRAINED})
 * @param spares ids of N+1 spares: a spare that holds no slots holds none until a member of the ring departs, then
 *     takes over exactly its slots ({@link Role#SPARE}); a spare that holds slots is placed as an active member
 * @param rebalanceDelay how long a departed member keeps its slots, overriding the coordinator's own setting; null
 *     to keep the coordinator's
 * @param rebalanceRequests how many rebalances the operator asked for; each increment tells the active coordinator
 *     to move the slots of departed members now, without waiting for their rebalance delay
 * @param failedOverSlots slot → the member that must not be its primary while another replica can be ({@code
 *     ringleader admin failover --slot}); slots are 0..{@value Ring#MAX_SLOTS}{@code - 1}, and a slot beyond the
 *     ring's does nothing
 * @param failedOverMembers ids of members that must not be primary of any slot while another replica can be ({@code
 *     ringleader admin failover --member})
 */
public record OperatorConfig(
        SortedMap<String, Integer> weights,
        SortedSet<String> drained,
        SortedSet<String> spares,
        Duration rebalanceDelay,
        long rebalanceRequests,
        SortedMap<Integer, String> failedOverSlots,
        SortedSet<String> failedOverMembers) {

    /** The largest rebalance delay, the same as the coordinator's {@code ringleader.rebalance.delay}. */
    public static final Duration MAX_REBALANCE_DELAY = Duration.ofHours(24);

    private static final OperatorConfig EMPTY =
            new OperatorConfig(new TreeMap<>(), new TreeSet<>(), new TreeSet<>(), null, 0);

    /** A config without primary pins. */
    public OperatorConfig(
            SortedMap<String, Integer> weights,
            SortedSet<String> drained,
            SortedSet<String> spares,
            Duration rebalanceDelay,
            long rebalanceRequests) {
        this(weights, drained, spares, rebalanceDelay, rebalanceRequests, new TreeMap<>(), new TreeSet<>());
    }

    /**
     * Validates and copies every field.
     *
     * @throws NullPointerException if a collection is null
     * @throws IllegalArgumentException naming the first bad value: an id that is not a valid member name, a weight
     *     out of 1..{@value Participant#MAX_WEIGHT}, a delay out of 0..24h, a negative request count, a failed-over
     *     slot out of 0..{@value Ring#MAX_SLOTS}{@code - 1}
     */
    public OperatorConfig {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(drained, "drained");
        Objects.requireNonNull(spares, "spares");
        Objects.requireNonNull(failedOverSlots, "failedOverSlots");
        Objects.requireNonNull(failedOverMembers, "failedOverMembers");
        weights.forEach((id, weight) -> {
            ClusterPath.checkName("member id", id);
            checkWeight(id, weight);
        });
        drained.forEach(id -> ClusterPath.checkName("member id", id));
        spares.forEach(id -> ClusterPath.checkName("member id", id));
        failedOverSlots.forEach((slot, id) -> {
            checkSlot(slot);
            ClusterPath.checkName("member id", id);
        });
        failedOverMembers.forEach(id -> ClusterPath.checkName("member id", id));
        if (rebalanceDelay != null
                && (rebalanceDelay.isNegative() || rebalanceDelay.compareTo(MAX_REBALANCE_DELAY) > 0)) {
            throw new IllegalArgumentException(
                    "rebalance delay must be between 0s and " + MAX_REBALANCE_DELAY + ", was " + rebalanceDelay);
        }
        if (rebalanceRequests < 0) {
            throw new IllegalArgumentException("rebalance requests must not be negative, was " + rebalanceRequests);
        }
        weights = Collections.unmodifiableSortedMap(new TreeMap<>(weights));
        drained = Collections.unmodifiableSortedSet(new TreeSet<>(drained));
        spares = Collections.unmodifiableSortedSet(new TreeSet<>(spares));
        failedOverSlots = Collections.unmodifiableSortedMap(new TreeMap<>(failedOverSlots));
        failedOverMembers = Collections.unmodifiableSortedSet(new TreeSet<>(failedOverMembers));
    }

    /** No intent: every member placed as its record says. */
    public static OperatorConfig empty() {
        return EMPTY;
    }

    /**
     * Checks a weight override.
     *
     * @throws IllegalArgumentException if {@code weight} is not 1..{@value Participant#MAX_WEIGHT}, naming the member
     */
    public static int checkWeight(String id, Integer weight) {
        if (weight == null || weight < 1 || weight > Participant.MAX_WEIGHT) {
            throw new IllegalArgumentException(
                    "weight of " + id + " must be between 1 and " + Participant.MAX_WEIGHT + ", was " + weight);
        }
        return weight;
    }

    /**
     * Checks a failed-over slot number.
     *
     * @throws IllegalArgumentException if {@code slot} is not 0..{@value Ring#MAX_SLOTS}{@code - 1}
     */
    public static int checkSlot(Integer slot) {
        if (slot == null || slot < 0 || slot >= Ring.MAX_SLOTS) {
            throw new IllegalArgumentException(
                    "a failed-over slot must be between 0 and " + (Ring.MAX_SLOTS - 1) + ", was " + slot);
        }
        return slot;
    }

    /** True if this config asks for nothing but the rebalances already counted. */
    public boolean isEmpty() {
        return weights.isEmpty() && drained.isEmpty() && spares.isEmpty() && rebalanceDelay == null && !hasFailovers();
    }

    /** True if any primary is pinned. */
    public boolean hasFailovers() {
        return !failedOverSlots.isEmpty() || !failedOverMembers.isEmpty();
    }

    /** The primary pins, as the placement applies them. */
    public PrimaryPins pins() {
        return new PrimaryPins(failedOverSlots, failedOverMembers);
    }

    /** This config with {@code id}'s weight overridden, or its override removed if {@code weight} is null. */
    public OperatorConfig withWeight(String id, Integer weight) {
        SortedMap<String, Integer> next = new TreeMap<>(weights);
        if (weight == null) {
            next.remove(id);
        } else {
            next.put(id, weight);
        }
        return new OperatorConfig(
                next, drained, spares, rebalanceDelay, rebalanceRequests, failedOverSlots, failedOverMembers);
    }

    /** This config with {@code id} drained or not. */
    public OperatorConfig withDrained(String id, boolean isDrained) {
        return new OperatorConfig(
                weights,
                toggle(drained, id, isDrained),
                spares,
                rebalanceDelay,
                rebalanceRequests,
                failedOverSlots,
                failedOverMembers);
    }

    /** This config with {@code id} a spare or not. */
    public OperatorConfig withSpare(String id, boolean isSpare) {
        return new OperatorConfig(
                weights,
                drained,
                toggle(spares, id, isSpare),
                rebalanceDelay,
                rebalanceRequests,
                failedOverSlots,
                failedOverMembers);
    }

    /** This config with another rebalance delay override (null: the coordinator's own). */
    public OperatorConfig withRebalanceDelay(Duration delay) {
        return new OperatorConfig(
                weights, drained, spares, delay, rebalanceRequests, failedOverSlots, failedOverMembers);
    }

    /** This config with one more rebalance request. */
    public OperatorConfig withRebalanceRequested() {
        return new OperatorConfig(
                weights, drained, spares, rebalanceDelay, rebalanceRequests + 1, failedOverSlots, failedOverMembers);
    }

    /** This config with slot {@code slot} pinned away from {@code id}, or its pin removed if {@code id} is null. */
    public OperatorConfig withFailedOverSlot(int slot, String id) {
        SortedMap<Integer, String> next = new TreeMap<>(failedOverSlots);
        if (id == null) {
            next.remove(slot);
        } else {
            next.put(slot, id);
        }
        return new OperatorConfig(weights, drained, spares, rebalanceDelay, rebalanceRequests, next, failedOverMembers);
    }

    /** This config with {@code id} failed over from every slot or not. */
    public OperatorConfig withFailedOverMember(String id, boolean failedOver) {
        return new OperatorConfig(
                weights,
                drained,
                spares,
                rebalanceDelay,
                rebalanceRequests,
                failedOverSlots,
                toggle(failedOverMembers, id, failedOver));
    }

    /** This config without any primary pin. */
    public OperatorConfig withoutFailovers() {
        return new OperatorConfig(
                weights, drained, spares, rebalanceDelay, rebalanceRequests, new TreeMap<>(), new TreeSet<>());
    }

    /** Every id this config names, sorted. */
    public SortedSet<String> ids() {
        SortedSet<String> ids = new TreeSet<>(weights.keySet());
        ids.addAll(drained);
        ids.addAll(spares);
        ids.addAll(failedOverSlots.values());
        ids.addAll(failedOverMembers);
        return ids;
    }

    /**
     * The participants of a placement: the {@code present} members and the {@code keptDeparted} members of the
     * previous ring (whose rebalance delay runs), with this config applied. A drained id is {@link Role#DRAINED};
     * a present member that is a spare (by its record's state or by this config) and holds no slot of {@code
     * previous} is {@link Role#SPARE}; every other is {@link Role#ACTIVE}. A weight override wins over the weight
     * given.
     *
     * @param present the live members to place
     * @param previous the ring in force, or null
     * @param keptDeparted members absent from {@code present} that keep their slots for now, as the caller knows them
     */
    public List<Participant> participants(
            Collection<Member> present, Ring previous, Collection<Participant> keptDeparted) {
        List<Participant> out = new ArrayList<>(present.size() + keptDeparted.size());
        for (Member m : present) {
            boolean holdsSlots = previous != null && previous.indexOf(m.id()) >= 0;
            boolean spare = m.state() == MemberState.SPARE || spares.contains(m.id());
            Role role = drained.contains(m.id()) ? Role.DRAINED : spare && !holdsSlots ? Role.SPARE : Role.ACTIVE;
            out.add(new Participant(m.id(), weights.getOrDefault(m.id(), m.weight()), m.zone(), role));
        }
        for (Participant p : keptDeparted) {
            Role role = drained.contains(p.id()) ? Role.DRAINED : p.role();
            out.add(new Participant(p.id(), weights.getOrDefault(p.id(), p.weight()), p.zone(), role));
        }
        return out;
    }

    /** The weight this config gives {@code id}, or {@code recordWeight} if it does not override it. */
    public int weightOf(String id, int recordWeight) {
        return weights.getOrDefault(id, recordWeight);
    }

    private static SortedSet<String> toggle(Set<String> ids, String id, boolean present) {
        SortedSet<String> next = new TreeSet<>(ids);
        if (present) {
            next.add(id);
        } else {
            next.remove(id);
        }
        return next;
    }

    /**
     * A one-line summary, e.g. {@code 1 drained [kv-3], no spares, 1 weight override [kv-1=2]}, then the failovers if
     * any: {@code , failed over: kv-4 from every slot, slot 17 from kv-2}.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(drained.isEmpty() ? "none drained" : drained.size() + " drained " + drained);
        sb.append(", ").append(spares.isEmpty() ? "no spares" : count(spares.size(), "spare") + " " + spares);
        sb.append(", ");
        if (weights.isEmpty()) {
            sb.append("no weight overrides");
        } else {
            StringBuilder w = new StringBuilder();
            for (Map.Entry<String, Integer> e : weights.entrySet()) {
                w.append(w.length() == 0 ? "" : ", ")
                        .append(e.getKey())
                        .append('=')
                        .append(e.getValue());
            }
            sb.append(count(weights.size(), "weight override"))
                    .append(" [")
                    .append(w)
                    .append(']');
        }
        if (rebalanceDelay != null) {
            sb.append(", rebalance delay ").append(rebalanceDelay);
        }
        if (hasFailovers()) {
            sb.append(", failed over: ").append(describeFailovers());
        }
        return sb.toString();
    }

    /**
     * The primary pins in a few words, e.g. {@code kv-4 from every slot, slot 17 from kv-2}; at most ten slots are
     * named, then how many more; {@code none} if there is none.
     */
    public String describeFailovers() {
        if (!hasFailovers()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (String id : failedOverMembers) {
            sb.append(sb.length() == 0 ? "" : ", ").append(id);
        }
        if (!failedOverMembers.isEmpty()) {
            sb.append(" from every slot");
        }
        int named = 0;
        for (Map.Entry<Integer, String> e : failedOverSlots.entrySet()) {
            if (named++ == 10) {
                sb.append(" and ").append(failedOverSlots.size() - 10).append(" more slots");
                break;
            }
            sb.append(sb.length() == 0 ? "" : ", ")
                    .append("slot ")
                    .append(e.getKey())
                    .append(" from ")
                    .append(e.getValue());
        }
        return sb.toString();
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
