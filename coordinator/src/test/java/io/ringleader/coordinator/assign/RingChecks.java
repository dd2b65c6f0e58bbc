package io.ringleader.coordinator.assign;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.agent.ring.Ring;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Exact checks of a ring against the placement rules, computed from the whole table. */
final class RingChecks {
    private RingChecks() {}

    static Map<String, Participant> byId(List<Participant> ps) {
        Map<String, Participant> m = new HashMap<>();
        ps.forEach(p -> m.put(p.id(), p));
        return m;
    }

    /** R' = min(R, members); true if no member's weight is over 1/R' of the total (balance is then exact). */
    static boolean uncapped(Ring ring, Map<String, Participant> ps) {
        int ranks = Math.min(ring.replication(), ring.members().size());
        long w = 0;
        long max = 0;
        for (String id : ring.members()) {
            w += ps.get(id).weight();
            max = Math.max(max, ps.get(id).weight());
        }
        return max * ranks <= w;
    }

    /** Every slot lists min(R, n) distinct members and then nothing. */
    static void distinctAndFull(Ring ring, String ctx) {
        int n = ring.members().size();
        int ranks = Math.min(ring.replication(), n);
        for (int s = 0; s < ring.slotCount(); s++) {
            List<String> list = ring.replicas(s);
            assertThat(list).as("%s: slot %d", ctx, s).hasSize(ranks).doesNotHaveDuplicates();
            if (n <= ring.replication()) {
                assertThat(list)
                        .as("%s: slot %d lists every member", ctx, s)
                        .containsExactlyInAnyOrderElementsOf(ring.members());
            }
        }
    }

    /** Per rank within floor/ceil of S*w/W, total within floor/ceil of S*R'*w/W. */
    static void balanced(Ring ring, Map<String, Participant> ps, String ctx) {
        int n = ring.members().size();
        if (n == 0) {
            return;
        }
        int ranks = Math.min(ring.replication(), n);
        long w = 0;
        for (String id : ring.members()) {
            w += ps.get(id).weight();
        }
        long slots = ring.slotCount();
        Map<String, Integer> total = new HashMap<>();
        for (int r = 0; r < ranks; r++) {
            for (Map.Entry<String, Integer> e : ring.slotCounts(r).entrySet()) {
                long wi = ps.get(e.getKey()).weight();
                long diff = e.getValue() * w - slots * wi;
                assertThat(Math.abs(diff))
                        .as(
                                "%s: %s holds %d slots at rank %d, ideal %.3f",
                                ctx, e.getKey(), e.getValue(), r, (double) slots * wi / w)
                        .isLessThan(w);
                total.merge(e.getKey(), e.getValue(), Integer::sum);
            }
        }
        for (Map.Entry<String, Integer> e : total.entrySet()) {
            long wi = ps.get(e.getKey()).weight();
            long diff = e.getValue() * w - slots * ranks * wi;
            assertThat(Math.abs(diff))
                    .as(
                            "%s: %s holds %d replicas, ideal %.3f",
                            ctx, e.getKey(), e.getValue(), (double) slots * ranks * wi / w)
                    .isLessThan(w);
        }
    }

    /** Null if balanced per rank and in total, else the first problem. */
    static String balanceProblem(Ring ring, Map<String, Participant> ps) {
        try {
            balanced(ring, ps, "");
            return null;
        } catch (AssertionError e) {
            return e.getMessage().lines().findFirst().orElse("unbalanced");
        }
    }

    /** Slots where a zone appears twice while a zone of some placed member is missing. */
    static int zoneViolations(Ring ring, Map<String, Participant> ps) {
        Set<String> allZones = new HashSet<>();
        for (String id : ring.members()) {
            if (ps.get(id).zone() != null) {
                allZones.add(ps.get(id).zone());
            }
        }
        if (allZones.isEmpty()) {
            return 0;
        }
        int violations = 0;
        for (int s = 0; s < ring.slotCount(); s++) {
            Set<String> seen = new HashSet<>();
            boolean twice = false;
            for (String id : ring.replicas(s)) {
                String z = ps.get(id).zone();
                if (z != null && !seen.add(z)) {
                    twice = true;
                }
            }
            if (twice && !seen.containsAll(allZones)) {
                violations++;
            }
        }
        return violations;
    }

    /** Slots whose replicas are not in min(R, n) distinct zones (members without a zone count as zones of one). */
    static int slotsWithoutDistinctZones(Ring ring, Map<String, Participant> ps) {
        int bad = 0;
        for (int s = 0; s < ring.slotCount(); s++) {
            Set<String> zones = new HashSet<>();
            List<String> replicas = ring.replicas(s);
            for (String id : replicas) {
                String z = ps.get(id).zone();
                zones.add(z == null ? "member:" + id : z);
            }
            if (zones.size() < replicas.size()) {
                bad++;
            }
        }
        return bad;
    }

    /**
     * True if a full zone spread exists for the ring's members by weight: every member has a zone, there are at least
     * R' = min(R, n) zones, and no zone's weight is over 1/R' of the total.
     */
    static boolean zoneSpreadFeasible(Ring ring, Map<String, Participant> ps) {
        int ranks = Math.min(ring.replication(), ring.members().size());
        Map<String, Long> zoneWeight = new HashMap<>();
        long total = 0;
        for (String id : ring.members()) {
            Participant p = ps.get(id);
            if (p.zone() == null) {
                return false;
            }
            zoneWeight.merge(p.zone(), (long) p.weight(), Long::sum);
            total += p.weight();
        }
        if (ranks == 0 || zoneWeight.size() < ranks) {
            return false;
        }
        for (long w : zoneWeight.values()) {
            if (w * ranks > total) {
                return false;
            }
        }
        return true;
    }

    /**
     * An upper bound of {@link Plan#zoneConflicts()} recounted from the rings alone: the slots whose replica set
     * differs between the two rings, or whose previous set already listed a zone twice. A slot that listed a zone twice
     * after the set phase kept its previous members and gained newcomers; the repair then changes it, so it is one of
     * these (unless a repair restored exactly its previous set, which the assertion would catch).
     */
    static int zoneConflictCandidates(Ring before, Ring after, Map<String, Participant> ps) {
        int count = 0;
        for (int s = 0; s < after.slotCount(); s++) {
            Set<String> old = set(before, s);
            boolean doubled = false;
            Set<String> zones = new HashSet<>();
            for (String id : old) {
                Participant p = ps.get(id);
                if (p != null && p.zone() != null && !zones.add(p.zone())) {
                    doubled = true;
                }
            }
            if (doubled || !old.equals(set(after, s))) {
                count++;
            }
        }
        return count;
    }

    /** Slots in which the plan lists at least one {@link Move.Reason#ZONE_REPAIR} move. */
    static int slotsWithZoneRepairs(Plan plan) {
        return (int) plan.moves().stream()
                .filter(m -> m.reason() == Move.Reason.ZONE_REPAIR)
                .mapToInt(Move::slot)
                .distinct()
                .count();
    }

    static Set<String> set(Ring ring, int slot) {
        return new HashSet<>(ring.replicas(slot));
    }

    static Map<String, Integer> totals(Ring ring) {
        Map<String, Integer> total = new HashMap<>();
        for (int s = 0; s < ring.slotCount(); s++) {
            for (String id : ring.replicas(s)) {
                total.merge(id, 1, Integer::sum);
            }
        }
        return total;
    }
}
