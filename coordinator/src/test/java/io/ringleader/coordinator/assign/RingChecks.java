package io.ringleader.coordinator.assign;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.agent.ring.Ring;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.jgrapht.alg.flow.mincost.CapacityScalingMinimumCostFlow;
import org.jgrapht.alg.flow.mincost.MinimumCostFlowProblem;
import org.jgrapht.alg.interfaces.MinimumCostFlowAlgorithm.MinimumCostFlow;
import org.jgrapht.graph.DefaultDirectedWeightedGraph;
import org.jgrapht.graph.DefaultWeightedEdge;

/** Exact checks of a ring against the placement rules, computed from the whole table. */
final class RingChecks {
    private RingChecks() {}

    static Map<String, Participant> byId(List<Participant> ps) {
        Map<String, Participant> m = new HashMap<>();
        ps.forEach(p -> m.put(p.id(), p));
        return m;
    }

    /** R' = min(R, members): fewer members than R leave every slot with as many replicas as there are members. */
    static int ranks(Ring ring) {
        return Math.min(ring.replication(), ring.members().size());
    }

    /** True if no member's weight is over 1/R' of the total (balance is then exact). */
    static boolean uncapped(Ring ring, Map<String, Participant> ps) {
        int ranks = ranks(ring);
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
        int ranks = ranks(ring);
        for (int s = 0; s < ring.slotCount(); s++) {
            List<String> list = ring.replicas(s);
            assertThat(list).as("%s: slot %d", ctx, s).hasSize(ranks).doesNotHaveDuplicates();
            if (ring.members().size() <= ring.replication()) {
                assertThat(list)
                        .as("%s: slot %d lists every member", ctx, s)
                        .containsExactlyInAnyOrderElementsOf(ring.members());
            }
        }
    }

    /**
     * Per rank within floor/ceil of a member's share over R', total within floor/ceil of its share (see {@link
     * #entryShares}; without a capped member, S*w/W and S*R'*w/W).
     */
    static void balanced(Ring ring, Map<String, Participant> ps, String ctx) {
        List<String> members = ring.members();
        int n = members.size();
        if (n == 0) {
            return;
        }
        int ranks = ranks(ring);
        long[][] share = entryShares(members, ps, ring.slotCount(), ranks);
        Map<String, Integer> total = new HashMap<>();
        for (int r = 0; r < ranks; r++) {
            for (Map.Entry<String, Integer> e : ring.slotCounts(r).entrySet()) {
                long[] sh = share[members.indexOf(e.getKey())];
                // |count - share/R'| < 1
                assertThat(Math.abs(e.getValue() * sh[1] * ranks - sh[0]))
                        .as(
                                "%s: %s holds %d slots at rank %d, ideal %.3f",
                                ctx, e.getKey(), e.getValue(), r, (double) sh[0] / sh[1] / ranks)
                        .isLessThan(sh[1] * ranks);
                total.merge(e.getKey(), e.getValue(), Integer::sum);
            }
        }
        for (Map.Entry<String, Integer> e : total.entrySet()) {
            long[] sh = share[members.indexOf(e.getKey())];
            assertThat(Math.abs(e.getValue() * sh[1] - sh[0]))
                    .as("%s: %s holds %d replicas, ideal %.3f", ctx, e.getKey(), e.getValue(), (double) sh[0] / sh[1])
                    .isLessThan(sh[1]);
        }
    }

    /**
     * Each member's share of the {@code S·R'} entries as {@code [numerator, denominator]}: {@code S·R'·w/W}, except
     * that no member can hold a slot twice, so a share over {@code S} is {@code S} and the rest is shared by the others
     * by weight, again capped (water-filling). Written apart from {@code Quotas}, from the rule alone.
     */
    static long[][] entryShares(List<String> members, Map<String, Participant> ps, int slots, int ranks) {
        int n = members.size();
        boolean[] capped = new boolean[n];
        long budget = (long) slots * ranks;
        long w = 0;
        for (String id : members) {
            w += ps.get(id).weight();
        }
        boolean more = true;
        while (more) {
            more = false;
            for (int i = 0; i < n; i++) {
                long wi = ps.get(members.get(i)).weight();
                if (!capped[i] && budget * wi > (long) slots * w) {
                    capped[i] = true;
                    budget -= slots;
                    w -= wi;
                    more = true;
                }
            }
        }
        long[][] share = new long[n][];
        for (int i = 0; i < n; i++) {
            share[i] = capped[i]
                    ? new long[] {slots, 1}
                    : new long[] {budget * ps.get(members.get(i)).weight(), w};
        }
        return share;
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
            boolean twice = zoneTwice(ring.replicas(s), id -> ps.get(id).zone(), seen);
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
            if (zoneTwice(ring.replicas(s), id -> zoneOf(ps, id), new HashSet<>())) {
                bad++;
            }
        }
        return bad;
    }

    /**
     * Adds the zone of each of {@code ids} to {@code zones} ({@code zone} gives an id's zone, or null where it has none,
     * which is never a repeat); true if one of them was there already.
     */
    private static boolean zoneTwice(Iterable<String> ids, Function<String, String> zone, Set<String> zones) {
        boolean twice = false;
        for (String id : ids) {
            String z = zone.apply(id);
            twice |= z != null && !zones.add(z);
        }
        return twice;
    }

    /**
     * True if a full zone spread exists for the ring's members by weight: every member has a zone, there are at least
     * R' = min(R, n) zones, and no zone's weight is over 1/R' of the total.
     */
    static boolean zoneSpreadFeasible(Ring ring, Map<String, Participant> ps) {
        int ranks = ranks(ring);
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
            // a departed member has no participant, and so no zone
            boolean doubled =
                    zoneTwice(old, id -> ps.get(id) == null ? null : ps.get(id).zone(), new HashSet<>());
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

    /**
     * Floor ({@code [0]}) and ceil ({@code [1]}) of each member's share (see {@link #entryShares}) of the entries
     * ({@code perRank} false) or of one rank's slots (true).
     */
    static int[][] shareBounds(Ring ring, Map<String, Participant> ps, boolean perRank) {
        List<String> members = ring.members();
        int ranks = ranks(ring);
        long[][] share = entryShares(members, ps, ring.slotCount(), ranks);
        int[][] bounds = new int[2][members.size()];
        for (int i = 0; i < members.size(); i++) {
            long den = share[i][1] * (perRank ? ranks : 1);
            bounds[0][i] = (int) (share[i][0] / den);
            bounds[1][i] = (int) ((share[i][0] + den - 1) / den);
        }
        return bounds;
    }

    /**
     * True if no ring after a leave can keep every surviving primary in place, keep every surviving member in the
     * slots it held, list distinct zones in every slot (where a full spread is feasible) and give every member floor or
     * ceil of its share of primaries (see {@link #shareBounds}): a certificate that the rules conflict in this step, so
     * one of them must give.
     *
     * <p>A relaxation, so "true" is a proof: a slot whose primary stayed keeps it; a slot whose primary left may be led
     * by one of its surviving members or by any member of a zone none of them is in (ignoring that a member has only
     * so many new entries); members need between their bounds less the primaries they keep. If even that matching
     * cannot lead every open slot within the bounds, no ring can.
     */
    static boolean keptPrimariesInfeasible(Ring before, Ring after, Map<String, Participant> ps) {
        List<String> members = after.members();
        Map<String, String> zone = zoneKeys(after, ps);
        int slots = after.slotCount();
        int[][] bounds = shareBounds(after, ps, true);
        int[] low = bounds[0];
        int[] cap = bounds[1];
        List<int[]> candidates = new ArrayList<>();
        for (int s = 0; s < slots; s++) {
            String primary = before.primaryId(s);
            int p = primary == null ? -1 : after.indexOf(primary);
            if (p >= 0) {
                low[p]--;
                cap[p]--;
                continue;
            }
            Survivors kept = Survivors.of(before, s, after, zone);
            List<Integer> c = new ArrayList<>(kept.indexes());
            c.addAll(kept.newcomers(members, zone));
            candidates.add(c.stream().mapToInt(Integer::intValue).toArray());
        }
        // false also where a member keeps more primaries than its share
        return !matchWithin(candidates, low, cap);
    }

    /**
     * True if no ring after a leave can keep every surviving member in the slots it held, list distinct zones in every
     * slot (where a full spread is feasible) and give every member floor or ceil of its share of the entries (see
     * {@link #shareBounds}): a certificate that "only the departed member's entries move" conflicts with zone spread
     * and balance in this step, so the sets must change.
     *
     * <p>A relaxation, so "true" is a proof. A slot whose survivors share a zone (where zones count) must change anyway
     * and is left free: its survivors may or may not keep it. In every other slot the sets are kept: a survivor can give
     * nothing up, and each entry a slot lost must go to a newcomer: a member not in the slot, of a
     * zone none of its survivors is in (a slot missing several entries is relaxed to as many copies, which may take the
     * same member); every member takes between its floor and its ceiling less what it kept. That is a bipartite
     * b-matching; when the largest one cannot fill every missing entry within the bounds, Hall's condition fails (for
     * instance, the members of one zone need more new entries than the departed member leaves in slots without that
     * zone), and no ring keeps the sets.
     */
    static boolean keptSlotsInfeasible(Ring before, Ring after, Map<String, Participant> ps) {
        List<String> members = after.members();
        Map<String, String> zone = zoneKeys(after, ps);
        int slots = after.slotCount();
        int ranks = ranks(after);
        int[][] bounds = shareBounds(after, ps, false);
        int[] low = bounds[0];
        int[] cap = bounds[1];
        List<int[]> candidates = new ArrayList<>();
        for (int s = 0; s < slots; s++) {
            Survivors kept = Survivors.of(before, s, after, zone);
            if (kept.doubled()) {
                // two survivors of one zone: this slot must change (a labelled zone repair), so it is left free; each
                // of its survivors may or may not keep it (its lower bound drops by one, its cap stays)
                kept.indexes().forEach(i -> low[i]--);
                continue;
            }
            kept.indexes().forEach(i -> {
                low[i]--;
                cap[i]--;
            });
            int size = kept.indexes().size();
            if (size > ranks) {
                return true;
            }
            if (size == ranks) {
                continue;
            }
            int[] open = kept.newcomers(members, zone).stream()
                    .mapToInt(Integer::intValue)
                    .toArray();
            for (int k = size; k < ranks; k++) {
                candidates.add(open);
            }
        }
        // false also where a survivor keeps more entries than its share
        return !matchWithin(candidates, low, cap);
    }

    /**
     * True if no ring after a join of {@code joiner} can let every slot gain only the joiner, list distinct zones in
     * every slot (where a full spread is feasible) and give every member floor or ceil of its share of the entries (see
     * {@link #shareBounds}): a certificate that "slots gain only the joiner" conflicts with balance (and zone spread)
     * in this step.
     *
     * <p>Exact for that question, so "true" is a proof: with R' unchanged, each slot either keeps its set or has one
     * member replaced by the joiner (replacing two would leave a place only another member could fill), so the rings
     * that keep the rule are the circulations of a flow: each other member gives up between its share's bounds less
     * what it held, one entry per slot it held, to the joiner, who takes at most one per slot and between its own
     * bounds in all; where zones count, a slot may take the joiner in place of a member only if that leaves its zones
     * distinct, and must if its zones are not. With R' growing (fewer members than R before), every slot must gain the
     * joiner and keep its members. JGraphT's capacity-scaling min-cost flow finds a feasible circulation or reports
     * that none exists.
     */
    static boolean joinSetsInfeasible(Ring before, Ring after, Map<String, Participant> ps, String joiner) {
        List<String> members = after.members();
        int n = members.size();
        int slots = after.slotCount();
        Map<String, String> zone = zoneKeys(after, ps);
        int[][] bounds = shareBounds(after, ps, false);
        int[] held = held(before, members);
        int j = members.indexOf(joiner);
        for (int i = 0; i < n; i++) {
            if (i != j && held[i] < bounds[0][i]) {
                return true; // a member other than the joiner must gain entries
            }
        }
        if (ranks(after) != ranks(before)) {
            // every slot gains the joiner and keeps its members
            for (int i = 0; i < n; i++) {
                int h = i == j ? slots : held[i];
                if (h < bounds[0][i] || h > bounds[1][i]) {
                    return true;
                }
            }
            for (int s = 0; s < slots; s++) {
                Set<String> zones = new HashSet<>();
                zones.add(zone.get(joiner));
                if (zoneTwice(before.replicas(s), zone::get, zones)) {
                    return true;
                }
            }
            return false;
        }
        // vertices: the source, the joiner, each member giving up entries (by index in after), each slot
        int src = 0;
        int join = 1;
        int give = 2;
        int slot = give + n;
        FlowNetwork c = new FlowNetwork(slot + slots);
        for (int i = 0; i < n; i++) {
            if (i != j) {
                c.edge(src, give + i, Math.max(0, held[i] - bounds[1][i]), held[i] - bounds[0][i], 0);
            }
        }
        for (int s = 0; s < slots; s++) {
            List<String> set = before.replicas(s);
            boolean distinct = !zoneTwice(set, zone::get, new HashSet<>());
            c.edge(slot + s, join, distinct ? 0 : 1, 1, 0);
            for (String id : set) {
                List<String> others = new ArrayList<>(set);
                others.remove(id);
                Set<String> rest = new HashSet<>();
                if (!zoneTwice(others, zone::get, rest) && !rest.contains(zone.get(joiner))) {
                    // a join keeps every member of before, so id has an index in after
                    c.edge(give + after.indexOf(id), slot + s, 0, 1, 0);
                }
            }
        }
        c.edge(join, src, bounds[0][j], bounds[1][j], 0);
        return !c.feasible();
    }

    /**
     * True if no ring after a weight change can move entries only from members whose total goes down to members whose
     * total goes up, with every member between floor and ceil of its share of the entries (see {@link #shareBounds}):
     * a certificate that "moves only down to up" conflicts with balance in this step.
     *
     * <p>A relaxation, so "true" is a proof: zones are ignored, and a member whose held entries are within its bounds
     * may both give up entries (down to its floor) and take others (up to its ceiling) instead of only one of the two.
     * A member over its ceiling may only give up, one under its floor only take. Entries flow from a giver in a slot it
     * held to a taker not in that slot, at most one per slot and taker, each slot taking as many as it gives up; when no
     * circulation of that flow exists, no ring keeps the rule.
     */
    static boolean downToUpInfeasible(Ring before, Ring after, Map<String, Participant> ps) {
        List<String> members = after.members();
        if (!before.members().equals(members) || ranks(before) != ranks(after)) {
            return false; // not a weight change of the same members and ranks
        }
        int n = members.size();
        int slots = after.slotCount();
        int[][] bounds = shareBounds(after, ps, false);
        int[] held = held(before, members);
        // vertices: the source, the sink, each member giving up and taking entries (by index), each slot
        int src = 0;
        int sink = 1;
        int give = 2;
        int take = give + n;
        int slot = take + n;
        FlowNetwork c = new FlowNetwork(slot + slots);
        for (int i = 0; i < n; i++) {
            int h = held[i];
            c.edge(src, give + i, Math.max(0, h - bounds[1][i]), Math.max(0, h - bounds[0][i]), 0);
            c.edge(take + i, sink, Math.max(0, bounds[0][i] - h), Math.max(0, bounds[1][i] - h), 0);
        }
        for (int s = 0; s < slots; s++) {
            Set<String> set = set(before, s);
            for (int i = 0; i < n; i++) {
                if (set.contains(members.get(i))) {
                    c.edge(give + i, slot + s, 0, 1, 0);
                } else {
                    c.edge(slot + s, take + i, 0, 1, 0);
                }
            }
        }
        c.edge(sink, src, 0, slots * n, 0);
        return !c.feasible();
    }

    /** How many entries each of {@code members} holds in {@code ring}, by index in {@code members}. */
    private static int[] held(Ring ring, List<String> members) {
        Map<String, Integer> totals = totals(ring);
        int[] held = new int[members.size()];
        for (int i = 0; i < held.length; i++) {
            held[i] = totals.getOrDefault(members.get(i), 0);
        }
        return held;
    }

    /**
     * A flow network on the vertices {@code 0..n-1}, each with a supply (0 unless set; negative is a demand), its edges
     * with a cost and lower and upper bounds. JGraphT's capacity-scaling min-cost flow solves it exactly.
     */
    private static final class FlowNetwork {
        private final DefaultDirectedWeightedGraph<Integer, DefaultWeightedEdge> g =
                new DefaultDirectedWeightedGraph<>(DefaultWeightedEdge.class);
        private final int[] supply;
        private final Map<DefaultWeightedEdge, Integer> upper = new HashMap<>();
        private final Map<DefaultWeightedEdge, Integer> lower = new HashMap<>();

        FlowNetwork(int vertices) {
            supply = new int[vertices];
            for (int v = 0; v < vertices; v++) {
                g.addVertex(v);
            }
        }

        void supply(int v, int amount) {
            supply[v] = amount;
        }

        void edge(int u, int v, int lo, int hi, int cost) {
            DefaultWeightedEdge e = g.addEdge(u, v);
            g.setEdgeWeight(e, cost);
            lower.put(e, lo);
            upper.put(e, hi);
        }

        /**
         * The least cost of a flow that meets every supply within the bounds.
         *
         * @throws IllegalArgumentException if no such flow exists
         */
        int minCost() {
            MinimumCostFlowProblem<Integer, DefaultWeightedEdge> problem =
                    new MinimumCostFlowProblem.MinimumCostFlowProblemImpl<>(g, v -> supply[v], upper::get, lower::get);
            MinimumCostFlow<DefaultWeightedEdge> flow =
                    new CapacityScalingMinimumCostFlow<Integer, DefaultWeightedEdge>().getMinimumCostFlow(problem);
            return (int) Math.round(flow.getCost());
        }

        /** True if a flow meets every supply within the bounds (with no supplies: a feasible circulation exists). */
        boolean feasible() {
            try {
                minCost();
                return true;
            } catch (IllegalArgumentException e) {
                if (String.valueOf(e.getMessage()).contains("no feasible solution")) {
                    return false;
                }
                throw e;
            }
        }
    }

    /**
     * The members of a slot of {@code before} that stay in {@code after}: their indexes in {@code after}, their zones
     * (keys of {@link #zoneKeys}), and whether two of them share a zone.
     */
    private record Survivors(Set<Integer> indexes, Set<String> zones, boolean doubled) {
        static Survivors of(Ring before, int slot, Ring after, Map<String, String> zone) {
            Set<Integer> indexes = new HashSet<>();
            List<String> stayed = new ArrayList<>();
            for (String id : before.replicas(slot)) {
                int i = after.indexOf(id);
                if (i >= 0) {
                    indexes.add(i);
                    stayed.add(id);
                }
            }
            Set<String> zones = new HashSet<>();
            boolean doubled = zoneTwice(stayed, zone::get, zones);
            return new Survivors(indexes, zones, doubled);
        }

        /** The member indexes that may join the slot: not among its survivors, of a zone none of them is in. */
        List<Integer> newcomers(List<String> members, Map<String, String> zone) {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < members.size(); i++) {
                if (!indexes.contains(i) && !zones.contains(zone.get(members.get(i)))) {
                    out.add(i);
                }
            }
            return out;
        }
    }

    /**
     * Each member's zone where a full spread is feasible (see {@link #zoneSpreadFeasible}), else a zone of its own:
     * distinct zones are a rule only where a spread exists.
     */
    private static Map<String, String> zoneKeys(Ring ring, Map<String, Participant> ps) {
        boolean spread = zoneSpreadFeasible(ring, ps);
        Map<String, String> zone = new HashMap<>();
        for (String id : ring.members()) {
            zone.put(id, spread ? zoneOf(ps, id) : "member:" + id);
        }
        return zone;
    }

    /**
     * True if every open place can be given one of its candidates, each member taking between {@code low} and {@code
     * cap} places: a maximum b-matching by augmenting paths, first within the lower bounds, then within the caps (a
     * member's load never falls on an augmenting path, so the lower bounds met in the first pass stay met). Exact for
     * this matching problem. False at once where a cap is negative (a member already holds more than its share); a
     * negative lower bound counts as 0. Clamps {@code low} in place.
     */
    private static boolean matchWithin(List<int[]> candidates, int[] low, int[] cap) {
        for (int i = 0; i < low.length; i++) {
            if (cap[i] < 0) {
                return false;
            }
            low[i] = Math.max(0, low[i]);
        }
        int[] leader = new int[candidates.size()];
        Arrays.fill(leader, -1);
        int[] load = new int[low.length];
        int matched = 0;
        for (int[] bound : new int[][] {low, cap}) {
            for (int s = 0; s < leader.length; s++) {
                if (leader[s] < 0 && augment(s, candidates, leader, load, bound, new boolean[leader.length])) {
                    matched++;
                }
            }
        }
        for (int i = 0; i < low.length; i++) {
            if (load[i] < low[i]) {
                return false;
            }
        }
        return matched == leader.length;
    }

    /** A member's zone, or its own id when it has none (a zone of one). */
    private static String zoneOf(Map<String, Participant> ps, String id) {
        String z = ps.get(id).zone();
        return z == null ? "member:" + id : z;
    }

    /** Kuhn's augmenting path from open slot s: a candidate under its bound, or one whose slot can move on. */
    private static boolean augment(
            int s, List<int[]> candidates, int[] leader, int[] load, int[] bound, boolean[] visited) {
        visited[s] = true;
        for (int m : candidates.get(s)) {
            if (load[m] < bound[m]) {
                load[m]++;
                leader[s] = m;
                return true;
            }
        }
        for (int m : candidates.get(s)) {
            for (int t = 0; t < leader.length; t++) {
                if (!visited[t] && leader[t] == m && augment(t, candidates, leader, load, bound, visited)) {
                    leader[s] = m;
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The fewest slots whose primary differs from {@code before}'s over every choice of primaries among
     * {@code after}'s replica sets in which every member leads between {@code floor} and {@code ceil} of its total
     * over R slots (the placement's bounds): an exact min-cost flow (slots to members to a sink). Tells whether
     * primaries moved beyond that came from the ranking or were fixed by the sets.
     */
    static int fewestPrimaryMoves(Ring before, Ring after) {
        int slots = after.slotCount();
        int ranks = ranks(after);
        // vertices: each member (by index in after), each slot, the sink
        int slot = after.members().size();
        int sink = slot + slots;
        FlowNetwork f = new FlowNetwork(sink + 1);
        f.supply(sink, -slots);
        totals(after).forEach((m, t) -> f.edge(after.indexOf(m), sink, t / ranks, (t + ranks - 1) / ranks, 0));
        for (int s = 0; s < slots; s++) {
            f.supply(slot + s, 1);
            String led = before.primaryId(s);
            for (String m : after.replicas(s)) {
                f.edge(slot + s, after.indexOf(m), 0, 1, m.equals(led) ? 0 : 1);
            }
        }
        return f.minCost();
    }

    /**
     * The fewest entries new in their slot (held by a member that did not hold that slot in {@code before}) over
     * every ring with {@code after}'s members, each holding {@code floor} or {@code ceil} of its share of entries (any
     * totals the balance rule allows, not only {@code after}'s), its number of replicas per slot and distinct zones in
     * every slot: an exact min-cost flow (a source to members within their bounds, members to (slot, zone) pairs to
     * slots; a member keeps a slot it held at cost 0, and takes any slot its zone is missing from at cost 1). Every
     * member must be zoned. Tells whether a step moved more entries than zone spread and balance force. (Ranks need
     * no more: a bipartite multigraph has an equitable edge colouring, de Werra, so any sets within those totals can
     * be ranked with every member's count at each rank within its bounds.)
     */
    static int fewestNewEntries(Ring before, Ring after, Map<String, Participant> ps, Map<String, String> heirs) {
        int slots = after.slotCount();
        Map<String, Integer> totals = totals(after);
        int[][] bounds = shareBounds(after, ps, false);
        List<String> zones = new ArrayList<>(new TreeSet<>(
                after.members().stream().map(m -> ps.get(m).zone()).toList()));
        int z = zones.size();
        // vertices: each member (by index in after), each zone's pool, each slot, each (slot, zone) pair, the source
        int pool = after.members().size();
        int slot = pool + z;
        int pair = slot + slots;
        int source = pair + slots * z;
        FlowNetwork f = new FlowNetwork(source + 1);
        int entries = 0;
        for (int i = 0; i < pool; i++) {
            String m = after.member(i);
            f.edge(i, pool + zones.indexOf(ps.get(m).zone()), 0, bounds[1][i], 1);
            f.edge(source, i, bounds[0][i], bounds[1][i], 0);
            entries += totals.getOrDefault(m, 0);
        }
        f.supply(source, entries);
        for (int s = 0; s < slots; s++) {
            for (int k = 0; k < z; k++) {
                f.edge(pool + k, pair + s * z + k, 0, 1, 0);
                f.edge(pair + s * z + k, slot + s, 0, 1, 0);
            }
            f.supply(slot + s, -after.replicas(s).size());
            for (String m : heirsOf(before, s, heirs)) {
                if (after.indexOf(m) >= 0) {
                    int k = zones.indexOf(ps.get(m).zone());
                    f.edge(after.indexOf(m), pair + s * z + k, 0, 1, 0);
                }
            }
        }
        return f.minCost();
    }

    /** The members of {@code before}'s slot, each departed member replaced by its heir (an activated spare). */
    private static List<String> heirsOf(Ring before, int slot, Map<String, String> heirs) {
        return before.replicas(slot).stream().map(m -> heirs.getOrDefault(m, m)).toList();
    }

    /** Entries of {@code after} held by a member that did not hold that slot in {@code before}. */
    static int newEntries(Ring before, Ring after, Map<String, String> heirs) {
        int count = 0;
        for (int s = 0; s < after.slotCount(); s++) {
            List<String> was = heirsOf(before, s, heirs);
            for (String m : after.replicas(s)) {
                if (!was.contains(m)) {
                    count++;
                }
            }
        }
        return count;
    }
}
