package io.ringleader.coordinator.assign;

import java.util.Arrays;

/**
 * The last step of a placement: with every slot's set and every member's total fixed, which member of a slot leads
 * it. The ranks choose leaders by augmenting paths that keep balance, and can leave a slot led by another member while
 * the member that led it before sits at a backup rank, where another choice would keep that primary within the same
 * bounds. Such choices are found exactly, as a min-cost circulation on the members, one backup rank {@code k} at a
 * time: handing the lead of slot {@code s} from its leader {@code q} to the member {@code p} at rank {@code k} (the
 * two swap places) is an edge {@code q → p} that costs 1 if {@code q} led {@code s} before and saves 1 if {@code p}
 * did. Around a cycle every member leads and holds rank {@code k} as often as before; on a path from a member that can
 * lead one slot fewer (and hold one more at rank {@code k}) to one that can lead one more, the two ends change by one
 * within their bounds ({@code floor} and {@code ceil} of the total over R'). A cycle or path of negative cost keeps at
 * least one more previous primary; cancelling them until none is left keeps the most previous primaries any exchange
 * through one rank allows (with two ranks, the most any choice of leaders within the bounds allows; with more, a
 * rotation through several ranks can keep more).
 *
 * <p>Work is counted (edges scanned and nodes checked by the cycle searches of {@link NegativeCycles}, slots visited
 * per rebuild) and capped at {@link #WORK}: what was reached by then is kept, the same on every machine.
 */
final class PrimaryCycles {
    /** The most work spent per placement; what was reached by then is kept (same on every machine). */
    static final long WORK = 1L << 24;

    private final int slots;
    private final int ranks;
    private final int n;
    private final int[] table;
    /** Per slot, the member that led it before, -1 if it is not placed (or the slot had no primary). */
    private final int[] led;

    private final int[] lead;
    private final int[] atRank;
    private final int[] low;
    private final int[] high;

    /** The source and the sink: the graph's nodes are the members, then these two. */
    private final int src;

    private final int sink;
    /** The graph of one rank; every edge has capacity 1, as nothing is pushed: it is built again after each cycle. */
    private final NegativeCycles graph;
    /** The slot whose lead edge e hands over, or -1 for an edge of the source or the sink. */
    private final int[] slotOf;

    private PrimaryCycles(int slots, int ranks, int n, int[] table, int[] led) {
        this.slots = slots;
        this.ranks = ranks;
        this.n = n;
        this.table = table;
        this.led = led;
        this.lead = new int[n];
        this.atRank = new int[n];
        this.low = new int[n];
        this.high = new int[n];
        int[] total = new int[n];
        for (int i = 0; i < slots * ranks; i++) {
            if (table[i] >= 0) {
                total[table[i]]++;
            }
        }
        for (int m = 0; m < n; m++) {
            low[m] = total[m] / ranks;
            high[m] = Rebalance.mayLead(total[m], ranks);
        }
        this.src = n;
        this.sink = n + 1;
        int capacity = slots + 2 * n + 1;
        this.graph = new NegativeCycles(n + 2, capacity, WORK);
        this.slotOf = new int[capacity];
    }

    /**
     * Improves the leaders of {@code table} ({@code slots × ranks} member indexes, in rank order) in place.
     *
     * @param prev the previous table mapped to the new member indexes ({@code slots × prevRanks}), -1 for an entry
     *     whose member is not placed
     * @return how many hand-overs were made (a slot handed over in two cycles counts twice)
     */
    static int improve(int slots, int ranks, int n, int[] table, int[] prev, int prevRanks) {
        if (ranks < 2 || prevRanks == 0 || n < 2) {
            return 0;
        }
        int[] led = new int[slots];
        for (int s = 0; s < slots; s++) {
            led[s] = prev[s * prevRanks];
        }
        return new PrimaryCycles(slots, ranks, n, table, led).run();
    }

    private int run() {
        int changed = 0;
        boolean found = true;
        while (found) {
            found = false;
            for (int k = 1; k < ranks; k++) {
                while (true) {
                    build(k);
                    int[] cycle = graph.negativeCycle();
                    if (cycle == null) {
                        break;
                    }
                    changed += swapAround(cycle, k);
                    found = true;
                }
                if (graph.spent()) {
                    return changed;
                }
            }
        }
        return changed;
    }

    /** What letting {@code m} lead slot {@code s} costs: -1 if it led it before, 0 otherwise. */
    private int costOf(int m, int s) {
        return m == led[s] ? -1 : 0;
    }

    /** The graph of rank k: a lead edge per slot, the source's and the sink's edges, the sink back to the source. */
    private void build(int k) {
        graph.clear();
        Arrays.fill(lead, 0);
        Arrays.fill(atRank, 0);
        graph.spend(slots);
        for (int s = 0; s < slots; s++) {
            int q = table[s * ranks];
            int p = table[s * ranks + k];
            if (q >= 0) {
                lead[q]++;
            }
            if (p >= 0) {
                atRank[p]++;
            }
            if (q >= 0 && p >= 0) {
                add(q, p, costOf(p, s) - costOf(q, s), s);
            }
        }
        for (int m = 0; m < n; m++) {
            if (lead[m] > low[m] && atRank[m] < high[m]) {
                add(src, m, 0, -1); // m can lead one slot fewer and hold one more at rank k
            }
            if (lead[m] < high[m] && atRank[m] > low[m]) {
                add(m, sink, 0, -1); // m can lead one more and hold one fewer at rank k
            }
        }
        add(sink, src, 0, -1);
    }

    private void add(int u, int v, int c, int s) {
        slotOf[graph.add(u, v, 1, c)] = s;
    }

    /**
     * Swaps ranks 0 and k in each slot whose lead edge is on {@code cycle} (a cycle of negative cost found by {@link
     * NegativeCycles}); returns the number of slots swapped.
     */
    private int swapAround(int[] cycle, int k) {
        int swapped = 0;
        for (int e : cycle) {
            int s = slotOf[e];
            if (s >= 0) {
                int q = table[s * ranks];
                table[s * ranks] = table[s * ranks + k];
                table[s * ranks + k] = q;
                swapped++;
            }
        }
        return swapped;
    }
}
