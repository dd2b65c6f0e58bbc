package io.ringleader.coordinator.admin;

import io.ringleader.agent.ring.Ring;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ring as {@code ringleader admin ring} and the coordinator's {@code /api/ring} show it: each member's slot
 * counts and the ring's balance.
 *
 * @param ring the ring
 * @param slotsWithoutPrimary slots no live {@code UP} replica serves
 * @param members one per member of the ring's table, in table order
 * @param primaryBalance the largest ratio of a member's rank-0 count to its exact weighted share, rounded to 3
 *     decimals; null if nothing is placed
 * @param replicaBalance the same for replica entries at any rank
 */
public record RingSummary(
        Ring ring, int slotsWithoutPrimary, List<Entry> members, Double primaryBalance, Double replicaBalance) {

    /**
     * One member of the ring's table.
     *
     * @param id the member
     * @param live whether it is a live member
     * @param weight the weight placement gives it ({@link ClusterState#effectiveWeight})
     * @param primary slots it holds at rank 0, whether it is live or not
     * @param replicas replica entries it holds at any rank
     */
    public record Entry(String id, boolean live, int weight, int primary, int replicas) {}

    /** Copies the list. */
    public RingSummary {
        members = List.copyOf(members);
    }

    /**
     * Summarizes the ring of {@code s}.
     *
     * @throws AdminException if it has no ring, saying why
     */
    public static RingSummary of(ClusterState s) throws AdminException {
        Ring ring = s.requireRing();
        Map<String, Integer> primaries = ring.slotCounts(0);
        Map<String, Integer> replicas = new LinkedHashMap<>();
        ring.members().forEach(id -> replicas.put(id, 0));
        for (int rank = 0; rank < ring.replication(); rank++) {
            ring.slotCounts(rank).forEach((id, n) -> replicas.merge(id, n, Integer::sum));
        }
        Map<String, Double> share = shares(s, ring, replicas);
        long allEntries =
                replicas.values().stream().mapToLong(Integer::longValue).sum();
        long rankZero =
                primaries.values().stream().mapToLong(Integer::longValue).sum();
        List<Entry> members = new ArrayList<>();
        for (String id : ring.members()) {
            members.add(new Entry(
                    id,
                    s.member(id).isPresent(),
                    s.effectiveWeight(id),
                    primaries.getOrDefault(id, 0),
                    replicas.get(id)));
        }
        return new RingSummary(
                ring,
                s.table().slotsWithoutPrimary(),
                members,
                balance(primaries, share, allEntries == 0 ? 0 : (double) rankZero / allEntries),
                balance(replicas, share, 1));
    }

    /**
     * Each member's exact share of the replica entries placed: proportional to its weight, but never more than one
     * entry per slot, the excess shared out over the others by weight (as placement does).
     */
    private static Map<String, Double> shares(ClusterState s, Ring ring, Map<String, Integer> entries) {
        double budget = entries.values().stream().mapToLong(Integer::longValue).sum();
        Map<String, Double> share = new LinkedHashMap<>();
        Map<String, Integer> open = new LinkedHashMap<>();
        entries.keySet().forEach(id -> open.put(id, s.effectiveWeight(id)));
        boolean capped = true;
        while (capped && !open.isEmpty()) {
            capped = false;
            double weights =
                    open.values().stream().mapToLong(Integer::longValue).sum();
            for (Map.Entry<String, Integer> e : List.copyOf(open.entrySet())) {
                if (budget * e.getValue() / weights > ring.slotCount()) {
                    share.put(e.getKey(), (double) ring.slotCount());
                    open.remove(e.getKey());
                    budget -= ring.slotCount();
                    capped = true;
                }
            }
        }
        double weights = open.values().stream().mapToLong(Integer::longValue).sum();
        for (Map.Entry<String, Integer> e : open.entrySet()) {
            share.put(e.getKey(), budget * e.getValue() / weights);
        }
        return share;
    }

    /**
     * The largest ratio of a member's count to its exact share ({@code fraction} of its share of all entries): 1.0
     * when every member holds exactly its share, and so the max over the mean when all weights are equal. Null when
     * nothing is placed.
     */
    private static Double balance(Map<String, Integer> counts, Map<String, Double> share, double fraction) {
        double max = 0;
        boolean any = false;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            double expected = share.getOrDefault(e.getKey(), 0.0) * fraction;
            if (expected > 0) {
                any = true;
                max = Math.max(max, e.getValue() / expected);
            }
        }
        return any ? Math.round(max * 1000) / 1000.0 : null;
    }
}
