package io.ringleader.coordinator.assign;

import java.util.Arrays;

/**
 * Trades newcomer entries between slots so that the slots whose primary is open can be led without moving a primary
 * that stayed (step 7 of the placement, after a zone spread).
 *
 * <p>The zone spread and repair move newcomer entries between slots to spread zones. A member that needs primaries
 * can then find its newcomer entries in slots whose primary stayed, and the ranks could balance only by moving a
 * kept primary. Here the primaries are treated as a matching: every slot whose primary stayed keeps it (unless its
 * member holds more than its share of primaries, then all its slots are open), every open slot is matched to a member
 * of its set, each member to between {@code floor} and {@code ceil} of its total over R' primaries in all. Where the
 * matching is short, a newcomer entry of a member with room in a slot whose primary stayed trades places with a
 * newcomer entry of a member that cannot take more, in an open slot the search reached; or a member below its lower
 * bound trades its newcomer entry into an open slot whose leader can spare it. Only new entries trade, both slots
 * keep every zone once and every member its totals, so the movement rules, balance and the spread stand.
 *
 * <p>The search works on the arrays of {@link Rebalance} in place: {@code set}, {@code setLen}, {@code setPrevRank}
 * (previous rank of each entry, {@code NEW} for a newcomer).
 */
final class PrimaryTrades {
    private static final int NEW = Rebalance.NEW;
    private static final int FREE = -1;
    /** The reached slots tried per unmatched slot, nearest first: bounds the work when no trade helps. */
    private static final int REACHED_TRIED = 64;

    private final int slots;
    private final int ranks;
    private final int n;
    private final int[] set;
    private final int[] setLen;
    private final int[] setPrevRank;
    private final int[] zone;
    private final int[] order;

    /** Per slot, the member that led it before and still leads it, or FREE if the slot is open. */
    private final int[] fixed;
    /** Per open slot, the member the matching gives it, or FREE. */
    private final int[] leader;
    /** Per member: open slots it leads, and the bounds on that count. */
    private final int[] load;

    private final int[] low;
    private final int[] cap;
    private final int[] lowerBound;
    private final int[] upperBound;
    private final int[] seen;
    private final int[] parent;
    private final int[] queue;
    /** Per member, the {@link #stamp} of the last search that scanned it. */
    private final int[] scanned;
    /** Per search: the members scanned, in order, and the slot each was scanned at (see {@link #augment}). */
    private final int[] rowMember;

    private final int[] rowParent;
    private int stamp;
    /** After a failed {@link #augment}: how many slots it reached, in {@link #queue} nearest first. */
    private int reached;
    /** Open slots holding each member, in slot order; rebuilt by {@link #solve}. */
    private int[][] openSlotsOf;
    /** Slots whose primary stayed where each member is a newcomer, in slot order; rebuilt by {@link #solve}. */
    private int[][] tradableOf;

    /** Whether member m may take a newcomer place in slot s; see the constructor. */
    interface Entry {
        boolean test(int s, int m);
    }

    private final Entry mayEnter;

    /**
     * @param mayEnter whether a member may take a newcomer place in a slot: the caller's movement rules (a member
     *     that did not hold the slot before, and whose total grows or the slot is one the zone repair changed)
     */
    PrimaryTrades(
            int slots,
            int ranks,
            int[] set,
            int[] setLen,
            int[] setPrevRank,
            int[] zone,
            int[] total,
            int[] order,
            Entry mayEnter) {
        this.mayEnter = mayEnter;
        this.slots = slots;
        this.ranks = ranks;
        this.n = total.length;
        this.set = set;
        this.setLen = setLen;
        this.setPrevRank = setPrevRank;
        this.zone = zone;
        this.order = order;
        this.fixed = new int[slots];
        this.leader = new int[slots];
        this.load = new int[n];
        this.low = new int[n];
        this.cap = new int[n];
        this.lowerBound = new int[n];
        this.upperBound = new int[n];
        for (int m = 0; m < n; m++) {
            lowerBound[m] = total[m] / ranks;
            upperBound[m] = lowerBound[m] + (total[m] % ranks > 0 ? 1 : 0);
        }
        this.seen = new int[slots];
        this.parent = new int[slots];
        this.queue = new int[slots];
        this.scanned = new int[n];
        this.rowMember = new int[n];
        this.rowParent = new int[n];
    }

    /**
     * Trades until the matching is complete or no trade applies. Each trade shortens the deficit by at least one (see
     * the trade methods), so this ends.
     */
    void run() {
        int deficit = solve();
        while (deficit > 0 && (tradeForOpenSlot() || tradeForLowMember())) {
            int next = solve();
            if (next >= deficit) {
                return; // not expected (see above); never loop on it
            }
            deficit = next;
        }
    }

    /**
     * Matches open slots to members: first up to each member's lower bound, then up to its upper bound (a search from
     * a slot never lowers a member's count, so the lower bounds reached stay reached). Returns the unmatched open
     * slots plus the primaries members lack for their lower bounds.
     */
    int solve() {
        int[] kept = new int[n];
        for (int s = 0; s < slots; s++) {
            fixed[s] = FREE;
            for (int i = 0; i < setLen[s]; i++) {
                if (setPrevRank[s * ranks + i] == 0) {
                    fixed[s] = set[s * ranks + i];
                    kept[fixed[s]]++;
                }
            }
        }
        for (int s = 0; s < slots; s++) {
            if (fixed[s] >= 0 && kept[fixed[s]] > upperBound[fixed[s]]) {
                fixed[s] = FREE; // its member must give up primaries anyway: all its slots are open
            }
        }
        Arrays.fill(kept, 0);
        for (int s = 0; s < slots; s++) {
            if (fixed[s] >= 0) {
                kept[fixed[s]]++;
            }
        }
        openSlotsOf = index(true);
        tradableOf = index(false);
        for (int m = 0; m < n; m++) {
            low[m] = Math.max(0, lowerBound[m] - kept[m]);
            cap[m] = Math.max(0, upperBound[m] - kept[m]);
        }
        Arrays.fill(leader, FREE);
        Arrays.fill(load, 0);
        int unmatched = 0;
        for (int stage = 0; stage < 2; stage++) {
            int[] bound = stage == 0 ? low : cap;
            unmatched = 0;
            // A search ends at a member below its bound; loads only grow, so once no member is, none can succeed.
            boolean room = true;
            for (int s : order) {
                if (fixed[s] == FREE && leader[s] == FREE && (!room || !augment(s, bound))) {
                    unmatched++;
                    room = room && belowBound(bound);
                }
            }
        }
        int lacking = 0;
        for (int m = 0; m < n; m++) {
            lacking += Math.max(0, low[m] - load[m]);
        }
        return unmatched + lacking;
    }

    /** True if some member's load is below {@code bound}. */
    private boolean belowBound(int[] bound) {
        for (int m = 0; m < n; m++) {
            if (load[m] < bound[m]) {
                return true;
            }
        }
        return false;
    }

    /** Per member, in slot order: the open slots it is in, or the slots whose primary stayed where it is new. */
    private int[][] index(boolean open) {
        int[] count = new int[n];
        int[][] index = new int[n][];
        for (int pass = 0; pass < 2; pass++) {
            for (int s : order) {
                if ((fixed[s] == FREE) != open) {
                    continue;
                }
                for (int i = 0; i < setLen[s]; i++) {
                    int m = set[s * ranks + i];
                    if (open || setPrevRank[s * ranks + i] == NEW) {
                        if (pass == 0) {
                            count[m]++;
                        } else {
                            index[m][count[m]++] = s;
                        }
                    }
                }
            }
            if (pass == 0) {
                for (int m = 0; m < n; m++) {
                    index[m] = new int[count[m]];
                    count[m] = 0;
                }
            }
        }
        return index;
    }

    /**
     * Breadth-first search for an alternating path from open slot s0 to a member below {@code bound}; applies it.
     * When it fails, {@link #queue} holds the slots it reached, nearest first, and {@link #reached} their number.
     *
     * <p>A member scanned at slot x queues the open slots it leads, in slot order, behind x. They are read from its
     * {@link #openSlotsOf} row only when the search gets to them: no leader changes during a search, so the slots
     * come out in the same order as if they were queued at once, and a search that ends early (most do) does not
     * read the rows of every member it scanned to the end.
     */
    private boolean augment(int s0, int[] bound) {
        int st = ++stamp;
        int tail = 0;
        seen[s0] = st;
        parent[s0] = -1;
        queue[tail++] = s0;
        int rows = 0;
        int row = 0;
        int cursor = 0;
        int x = s0;
        while (true) {
            for (int i = 0; i < setLen[x]; i++) {
                int m = set[x * ranks + i];
                if (m == leader[x] || scanned[m] == st) {
                    continue;
                }
                if (load[m] < bound[m]) {
                    load[m]++;
                    int cur = x;
                    int give = m;
                    while (cur >= 0) {
                        int old = leader[cur];
                        leader[cur] = give;
                        give = old;
                        cur = parent[cur];
                    }
                    return true;
                }
                scanned[m] = st;
                rowMember[rows] = m;
                rowParent[rows++] = x;
            }
            x = -1;
            while (x < 0 && row < rows) {
                int m = rowMember[row];
                int[] open = openSlotsOf[m];
                while (cursor < open.length) {
                    int y = open[cursor++];
                    if (seen[y] != st && leader[y] == m) {
                        seen[y] = st;
                        parent[y] = rowParent[row];
                        queue[tail++] = y;
                        x = y;
                        break;
                    }
                }
                if (x < 0) {
                    row++;
                    cursor = 0;
                }
            }
            if (x < 0) {
                reached = tail;
                return false;
            }
        }
    }

    /**
     * For an open slot left unmatched: among the slots its search reached (all their members are at their upper
     * bound), trades one's newcomer entry with a newcomer entry, in a slot whose primary stayed, of a member with
     * room. The slot reached then takes that member and the path gives the unmatched slot a leader.
     */
    private boolean tradeForOpenSlot() {
        for (int s : order) {
            if (fixed[s] != FREE || leader[s] != FREE) {
                continue;
            }
            augment(s, cap); // fails again; leaves the reached slots in the queue
            int tried = Math.min(reached, REACHED_TRIED);
            for (int r = 0; r < tried; r++) {
                int x = queue[r];
                for (int a = 0; a < setLen[x]; a++) {
                    if (setPrevRank[x * ranks + a] != NEW) {
                        continue;
                    }
                    for (int u = 0; u < n; u++) {
                        if (load[u] < cap[u] && trade(x, a, u)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    /**
     * For a member below its lower bound: trades its newcomer entry from a slot whose primary stayed into an open
     * slot whose leader stays at or above its own lower bound without it (the newcomer it replaces, or another).
     */
    private boolean tradeForLowMember() {
        for (int u = 0; u < n; u++) {
            if (load[u] >= low[u]) {
                continue;
            }
            for (int x : order) {
                int l = leader[x];
                if (fixed[x] != FREE || l == FREE || position(x, u) >= 0 || load[l] <= low[l]) {
                    continue;
                }
                for (int a = 0; a < setLen[x]; a++) {
                    if (setPrevRank[x * ranks + a] == NEW && trade(x, a, u)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Puts member u in slot x in place of the newcomer at position a, and that newcomer in place of a newcomer entry
     * of u in a slot whose primary stayed, if neither slot then lists a member or a zone twice and the caller lets
     * each member enter its new slot.
     */
    private boolean trade(int x, int a, int u) {
        int v = set[x * ranks + a];
        if (v == u || position(x, u) >= 0 || zoneTaken(x, zone[u], v) || !mayEnter.test(x, u)) {
            return false;
        }
        for (int t : tradableOf[u]) {
            int pu = position(t, u);
            if (pu < 0
                    || setPrevRank[t * ranks + pu] != NEW
                    || position(t, v) >= 0
                    || zoneTaken(t, zone[v], u)
                    || !mayEnter.test(t, v)) {
                continue;
            }
            set[x * ranks + a] = u;
            set[t * ranks + pu] = v;
            return true;
        }
        return false;
    }

    /** True if slot s lists zone z on a member other than {@code except}. */
    private boolean zoneTaken(int s, int z, int except) {
        for (int i = 0; i < setLen[s]; i++) {
            int m = set[s * ranks + i];
            if (m != except && zone[m] == z) {
                return true;
            }
        }
        return false;
    }

    private int position(int s, int m) {
        return Rebalance.position(set, setLen, ranks, s, m);
    }
}
