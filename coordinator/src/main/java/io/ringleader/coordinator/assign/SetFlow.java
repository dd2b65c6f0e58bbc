package io.ringleader.coordinator.assign;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The fewest new entries for a table whose slots list distinct zones: improves the sets a zone repair left, exactly,
 * and the sets of a set phase whose give-ups collided (there, in a ring without zones or without a full spread, each
 * member is passed as a zone of its own, so "distinct zones" is "distinct members").
 *
 * <p>The sets of a table with every member zoned are a flow: member {@code m} sends its total {@code T(m)} to cells
 * (slot, zone), each cell sends at most one unit to its slot, and slot {@code s} takes exactly as many as it lists.
 * Where the caller gives bounds, a bank node is joined to each member by an edge that can take back what the member
 * holds over its lowest total and give it up to its highest, so that a cycle through the bank moves one entry's worth
 * of total from one member to another: the totals are then chosen too (after a zone repair, the balance rule's {@code
 * floor} and {@code ceil}, widened to include the totals given). A member reaches the cell (s, its zone) without a
 * new entry if it held {@code s} before (it keeps the entry), and through its zone's pool at the cost of a new entry
 * otherwise (which member of the zone takes which new cell is free, so the pool stands for all of them). New entries
 * weigh more than everything else together (below), and every flow of a table with distinct zones and the members'
 * totals (or totals within the bounds) is one. A flow has the least cost exactly when its residual graph has no cycle
 * of negative cost, so starting from the repaired table, negative cycles are found ({@link NegativeCycles}) and
 * cancelled until none is left: each one keeps one more entry or, with as many entries, does better on the lower
 * tiers. The result is the repaired table with the
 * fewest moves its totals (or any totals within the bounds) and distinct zones allow; each zone's new cells go first
 * to the member that the repair put there, then by a stable hash of (slot, member).
 *
 * <p>Among the tables with the fewest new entries, the flow prefers those in which the most previous primaries keep
 * their slot, counting for each member at most the primaries it may lead ({@code ceil} of its total over the ranks):
 * a member's entries in the slots it led pass through a node of its own, whose edge from the member is worth a
 * reward per unit up to that share and nothing beyond (a convex cost, so still a min-cost flow). Every other previous
 * primary must move whatever the ranks do, so this is the fewest primary moves these sets allow when the members
 * short of primaries find them in the slots left open; that last part is the ranks' (the flow does not see who is
 * short). That share is taken from the totals given: where the bounds let the flow change a member's total, the
 * tier counts the share of the old total, so the flow runs again with the totals it chose (as many new entries; the
 * tier then exact for those totals, not over every choice of totals). Then the fewest changes to the repaired
 * table.
 *
 * <p>Size: one node per (slot, zone) pair; tables with more pairs than {@link #MAX_CELLS} are left as they are.
 */
final class SetFlow {
    /** The most (slot, zone) pairs the flow is built for (a table of 65,536 slots in 16 zones). */
    static final int MAX_CELLS = 1 << 20;

    private final int slots;
    private final int ranks;
    private final int n;
    private final int zones;
    private final int[] zone;
    private final int lead0;
    private final int pool0;
    private final int cell0;
    private final int slot0;
    private final int bank;
    private final int nodes;
    private final long budget;
    /** The residual graph: edges e and e ^ 1 are a pair. */
    private NegativeCycles graph;
    /** The graph's residual capacities. */
    private int[] cap;

    private SetFlow(int slots, int ranks, int n, int zones, int[] zone, long budget) {
        this.slots = slots;
        this.budget = budget;
        this.ranks = ranks;
        this.n = n;
        this.zones = zones;
        this.zone = zone;
        this.lead0 = n;
        this.pool0 = 2 * n;
        this.cell0 = 2 * n + zones;
        this.slot0 = cell0 + slots * zones;
        this.bank = slot0 + slots;
        this.nodes = bank + 1;
    }

    /**
     * Improves {@code set} (laid out as in {@link Rebalance}: slot {@code s} lists {@code set[s * ranks + i]}, {@code i
     * < setLen[s]}) in place to the fewest entries not in {@code startSet}, keeping every member's total (or within
     * {@code bounds}), every slot's length and distinct zones in every slot. Returns the slots it changed, or null if
     * none changed or the table is too large. Every member must be zoned and every slot must already list distinct
     * zones (the caller's repair).
     *
     * @param zones the number of zones (zone indexes are 0..zones-1)
     * @param idHash per member, the hash of its id (ties between members of a zone)
     * @param bounds null to keep every member's total; else each member's lowest ({@code bounds[0]}) and highest
     *     ({@code bounds[1]}) total, and the flow may choose any totals within them (the members' totals in {@code set}
     *     must be within them)
     * @param budget the most work (edges scanned and nodes checked by the cycle searches) to spend: once it is spent,
     *     the table reached so far is returned (every cancelled cycle leaves a valid table with fewer new entries or a
     *     better lower tier), so the result is the same on any machine; {@link Long#MAX_VALUE} for the exact optimum
     */
    static boolean[] improve(
            int slots,
            int ranks,
            int zones,
            int[] zone,
            long[] idHash,
            int[] startSet,
            int[] startLen,
            int[] startRank,
            int[] set,
            int[] setLen,
            int[][] bounds,
            long budget) {
        if ((long) slots * zones > MAX_CELLS) {
            return null;
        }
        int n = zone.length;
        int[] given = bounds == null ? null : Rebalance.counts(n, ranks, set, setLen);
        boolean[] changed = new SetFlow(slots, ranks, n, zones, zone, budget)
                .run(idHash, startSet, startLen, startRank, set, setLen, bounds);
        if (changed == null || bounds == null || Arrays.equals(given, Rebalance.counts(n, ranks, set, setLen))) {
            return changed;
        }
        // The primary tier counted each member's share from the total it was given; with the totals now chosen,
        // again: as many new entries, and the most previous primaries each member may keep under its new total.
        boolean[] again = new SetFlow(slots, ranks, n, zones, zone, budget)
                .run(idHash, startSet, startLen, startRank, set, setLen, null);
        for (int s = 0; again != null && s < slots; s++) {
            changed[s] |= again[s];
        }
        return changed;
    }

    private boolean[] run(
            long[] idHash, int[] startSet, int[] startLen, int[] startRank, int[] set, int[] setLen, int[][] bounds) {
        int startEntries = 0;
        for (int s = 0; s < slots; s++) {
            startEntries += startLen[s];
        }
        int edgeCount = 2 * (4 * n + 2 * slots * zones + startEntries);
        graph = new NegativeCycles(nodes, edgeCount, budget);
        cap = graph.cap;
        int[] total = Rebalance.counts(n, ranks, set, setLen);
        // Lexicographic costs: the fewest new entries first; then the most slots whose previous primary keeps its
        // entry, counting for each member no more than it may lead (ceil of its total over the ranks): every other
        // previous primary must move, so this is the fewest primary moves the sets allow if the members short of
        // primaries find them in the open slots; then the fewest changes to the repaired table.
        long change = 1;
        long lead = 2L * slots * ranks + 1;
        long newEntry = lead * (slots + 1);
        // member -> its zone's pool: edge 2m
        int[] high = bounds == null ? total : bounds[1];
        for (int m = 0; m < n; m++) {
            graph.addPair(m, pool0 + zone[m], high[m], newEntry);
        }
        // member -> its led slots (lead0 + m): its share of primaries is worth lead each (edge shareEdge[m]), the
        // rest nothing (shareEdge[m] + 2)
        int[] shareEdge = new int[n];
        for (int m = 0; m < n; m++) {
            shareEdge[m] = graph.addPair(m, lead0 + m, Rebalance.mayLead(total[m], ranks), -lead);
            graph.addPair(m, lead0 + m, high[m], 0);
        }
        // the bank -> member, carrying what the member holds over its lowest total: a cycle through the bank moves an
        // entry's worth of total from one member to another, within their bounds
        for (int m = 0; bounds != null && m < n; m++) {
            int e = graph.addPair(bank, m, 0, 0);
            cap[e] = high[m] - total[m];
            cap[e + 1] = total[m] - bounds[0][m];
        }
        // pool(z) -> cell(s, z): edge cellEdges + 4 (s zones + z); cell(s, z) -> slot s: that + 2
        boolean[] newThere = new boolean[slots * zones];
        for (int s = 0; s < slots; s++) {
            for (int i = 0; i < setLen[s]; i++) {
                int m = set[s * ranks + i];
                newThere[s * zones + zone[m]] = Rebalance.position(startSet, startLen, ranks, s, m) < 0;
            }
        }
        int cellEdges = graph.edges();
        for (int s = 0; s < slots; s++) {
            for (int z = 0; z < zones; z++) {
                graph.addPair(pool0 + z, cell(s, z), 1, newThere[s * zones + z] ? 0 : change);
                graph.addPair(cell(s, z), slot0 + s, 1, 0);
            }
        }
        // member (or its led slots, for the slot it led) -> cell(s, its zone) where it held s: keeps the entry
        int[] keepEdge = new int[startSet.length];
        for (int s = 0; s < slots; s++) {
            for (int i = 0; i < startLen[s]; i++) {
                int m = startSet[s * ranks + i];
                keepEdge[s * ranks + i] = graph.edges();
                boolean kept = Rebalance.position(set, setLen, ranks, s, m) >= 0;
                graph.addPair(startRank[s * ranks + i] == 0 ? lead0 + m : m, cell(s, zone[m]), 1, kept ? 0 : change);
            }
        }
        // the repaired table as a flow
        for (int s = 0; s < slots; s++) {
            for (int i = 0; i < setLen[s]; i++) {
                int m = set[s * ranks + i];
                int z = zone[m];
                int pc = cellEdges + 4 * (s * zones + z);
                push(pc + 2);
                int j = Rebalance.position(startSet, startLen, ranks, s, m);
                if (j >= 0) {
                    push(keepEdge[s * ranks + j]);
                    if (startRank[s * ranks + j] == 0) {
                        // through its share first, then the rest
                        push(cap[shareEdge[m]] > 0 ? shareEdge[m] : shareEdge[m] + 2);
                    }
                } else {
                    push(pc);
                    push(2 * m);
                }
            }
        }
        boolean cancelled = false;
        while (cancelNegativeCycle()) {
            cancelled = true;
        }
        if (!cancelled) {
            return null;
        }
        return rebuild(idHash, startSet, startLen, set, setLen, keepEdge, cellEdges);
    }

    private int cell(int s, int z) {
        return cell0 + s * zones + z;
    }

    /** Pushes one unit along residual edge e. */
    private void push(int e) {
        cap[e]--;
        cap[e ^ 1]++;
    }

    /**
     * Finds one cycle of negative cost in the residual graph (see {@link NegativeCycles}) and pushes one unit around it
     * (every residual capacity on it is at least 1); false if there is none or the budget is spent.
     */
    private boolean cancelNegativeCycle() {
        int[] cycle = graph.negativeCycle();
        if (cycle == null) {
            return false;
        }
        for (int e : cycle) {
            push(e);
        }
        return true;
    }

    /** Writes the flow back into {@code set}; returns the slots whose set changed. */
    private boolean[] rebuild(
            long[] idHash, int[] startSet, int[] startLen, int[] set, int[] setLen, int[] keepEdge, int cellEdges) {
        int[] newLeft = new int[n];
        for (int m = 0; m < n; m++) {
            newLeft[m] = cap[2 * m + 1];
        }
        // per slot, the members it keeps, and which zones get a new member
        int[] members = new int[slots * ranks];
        int[] len = new int[slots];
        boolean[] newCell = new boolean[slots * zones];
        for (int s = 0; s < slots; s++) {
            for (int j = 0; j < startLen[s]; j++) {
                if (cap[keepEdge[s * ranks + j]] == 0) {
                    members[s * ranks + len[s]++] = startSet[s * ranks + j];
                }
            }
            for (int z = 0; z < zones; z++) {
                newCell[s * zones + z] = cap[cellEdges + 4 * (s * zones + z)] == 0;
            }
        }
        // new cells: first to the member the repaired table had there
        for (int s = 0; s < slots; s++) {
            for (int i = 0; i < setLen[s]; i++) {
                int m = set[s * ranks + i];
                int c = s * zones + zone[m];
                if (newCell[c] && newLeft[m] > 0 && Rebalance.position(startSet, startLen, ranks, s, m) < 0) {
                    newCell[c] = false;
                    newLeft[m]--;
                    members[s * ranks + len[s]++] = m;
                }
            }
        }
        // then by a stable hash of (slot, member) among the members of the zone with new entries left
        int[][] ofZone = new int[zones][];
        for (int z = 0; z < zones; z++) {
            int zz = z;
            ofZone[z] = IntStream.range(0, n).filter(m -> zone[m] == zz).toArray();
        }
        for (int s = 0; s < slots; s++) {
            for (int z = 0; z < zones; z++) {
                if (!newCell[s * zones + z]) {
                    continue;
                }
                int best = -1;
                long bestKey = 0;
                for (int m : ofZone[z]) {
                    if (newLeft[m] > 0) {
                        long key = Rebalance.memberSlotHash(idHash[m], s);
                        if (best < 0 || key < bestKey) {
                            best = m;
                            bestKey = key;
                        }
                    }
                }
                newLeft[best]--;
                members[s * ranks + len[s]++] = best;
            }
        }
        // a slot keeps its length (the flow into it is fixed): members that stay keep their place, and the places of
        // those that leave go to the members that come, in order
        boolean[] changed = new boolean[slots];
        for (int s = 0; s < slots; s++) {
            int base = s * ranks;
            int k = 0;
            for (int i = 0; i < setLen[s]; i++) {
                if (Rebalance.position(members, len, ranks, s, set[base + i]) < 0) {
                    while (Rebalance.position(set, setLen, ranks, s, members[base + k]) >= 0) {
                        k++;
                    }
                    set[base + i] = members[base + k++];
                    changed[s] = true;
                }
            }
        }
        return changed;
    }
}
