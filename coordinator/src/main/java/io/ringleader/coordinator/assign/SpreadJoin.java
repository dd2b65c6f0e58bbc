package io.ringleader.coordinator.assign;

import java.util.Arrays;

/**
 * Placement's direct path for one member joining a ring whose replicas are already spread over zones: the joiner
 * takes each of its entries in place of a member that must give one up, in a slot where the joiner's zone is not
 * yet (or where the member it replaces is of its zone). When such a choice exists it is the best ring on every
 * count at once: exactly the joiner's entries move, each slot gains only the joiner, every slot keeps distinct
 * zones without a repair, every member holds {@code floor} or {@code ceil} of its share at every rank, and the
 * primaries that move are exactly the joiner's, its lower bound of them where the ranks allow it.
 *
 * <p>The choice is made in two flows. First, per member and rank, how many entries it keeps: its new per-rank split
 * ({@code floor} or {@code ceil} of its total over {@code R'}) must fit under what it held at that rank, and the
 * ranks' sums must leave the joiner {@code floor} or {@code ceil} of its share at each rank ({@code floor} at rank
 * 0 first). Then, which slots: a bipartite matching of the give-ups (member, rank, count) to slots, at most one per
 * slot, each member taking its slots in its own hashed order of slots (as the general set phase does) and
 * augmenting paths where the greedy pass falls short.
 *
 * <p>When the matching falls short, the give-ups its last augmenting search reached share every slot they may use
 * among themselves. If they need more slots than that even if their members kept all their extra entries there, no
 * choice of splits and slots exists and {@link #place} stops. Otherwise a give-up that is short keeps its member's
 * extra entry at that rank instead and the split is tried again (up to {@value #MAX_RETRIES} times); if no split
 * succeeds so, each split is searched again jointly: at each step one of the give-ups the failed search reached
 * (not only the one that failed) keeps its member's extra, the other extras move between ranks to keep each rank's
 * count, and the matching goes on from where it stood.
 *
 * <p>It applies only when the previous ring lists exactly the placeable members but one (besides members whose
 * share rounds to 0, which hold nothing before and after), all at the same number of ranks, every member has a
 * zone, a full spread exists and the previous ring has it, and no member's total grows; otherwise (or when no
 * matching is found) {@link #place} returns null and the general placement runs.
 */
final class SpreadJoin {
    /** Rank splits tried for the joiner: every choice of its {@code ceil} ranks while {@code R'} is at most this. */
    private static final int MAX_RANKS = 8;

    /** How many times a rank split is tried again with a give-up moved to another rank of its member. */
    private static final int MAX_RETRIES = 8;

    /** Steps of the joint search per rank split (each forces one more extra). */
    private static final int MAX_STEPS = 16;

    /** Give-ups tried per step of the joint search for a forced extra that the ranks' counts allow. */
    private static final int MAX_TRIES = 4;

    /** Larger member tables go to the general placement (the per-rank split is quadratic in the members). */
    private static final int MAX_MEMBERS = 4096;

    private SpreadJoin() {}

    /**
     * The new table ({@code slots × ranks} member indexes), or null if this path does not apply or finds no ring.
     *
     * @param prev the previous table mapped to the new member indexes, -1 for an entry whose member is not placeable
     */
    static int[] place(int slots, int ranks, int[] weight, int[] zone, long[] idHash, int[] prev, int prevRanks) {
        int n = weight.length;
        if (prev.length == 0 || prevRanks < ranks || ranks > MAX_RANKS || n < 2 || n > MAX_MEMBERS) {
            return null;
        }
        int zones = 0;
        for (int m = 0; m < n; m++) {
            if (zone[m] < 0) {
                return null;
            }
            zones = Math.max(zones, zone[m] + 1);
        }
        if (zones < ranks) {
            return null;
        }
        int[] held = new int[n];
        int[][] atRank = new int[n][ranks];
        boolean[] seen = new boolean[zones];
        for (int s = 0; s < slots; s++) {
            Arrays.fill(seen, false);
            for (int r = 0; r < prevRanks; r++) {
                int m = prev[s * prevRanks + r];
                if (r >= ranks) {
                    if (m >= 0) {
                        return null; // the ring had more ranks: not only a join
                    }
                    continue;
                }
                if (m < 0 || seen[zone[m]]) {
                    return null; // a departed member, or zones not spread
                }
                seen[zone[m]] = true;
                held[m]++;
                atRank[m][r]++;
            }
        }
        int[] total = Quotas.totals(slots, ranks, weight, zone, held);
        // The joiner: the one member that held nothing, or if several did, the one that gets entries (a member whose
        // share rounds to 0 holds nothing before and after).
        int joiner = -1;
        for (int m = 0; m < n; m++) {
            if (held[m] == 0 && (joiner < 0 || total[m] > 0)) {
                joiner = m;
            }
        }
        if (joiner < 0) {
            return null;
        }
        for (int m = 0; m < n; m++) {
            if (m != joiner && total[m] > held[m]) {
                return null; // a member's total grows (or, of those that held nothing, more than one gets entries)
            }
        }
        if (!Quotas.spreadPossible(slots, ranks, zone, total)) {
            return null;
        }
        Matching match = null; // built once, for the first split that needs it
        // Rank splits with the joiner's ceil ranks away from rank 0 first: it then leads its floor of primaries.
        int[] splits = new int[1 << ranks];
        int count = 0;
        for (int i = 0; i < 1 << ranks; i++) {
            int ceilRanks = i < 1 << (ranks - 1) ? i << 1 : ((i - (1 << (ranks - 1))) << 1) | 1;
            if (Integer.bitCount(ceilRanks) == total[joiner] % ranks) {
                splits[count++] = ceilRanks;
            }
        }
        for (int i = 0; i < count; i++) {
            // A give-up (member, rank) that finds too few slots keeps one more entry at that rank instead (an extra
            // moved there from another of its ranks), and the split is tried again.
            boolean[][] forced = new boolean[n][ranks];
            for (int retry = 0; retry <= MAX_RETRIES; retry++) {
                int[][] keep = keptPerRank(slots, ranks, total, atRank, forced, joiner, splits[i]);
                if (keep == null) {
                    break;
                }
                if (match == null) {
                    int[][] candidates = candidates(slots, ranks, zone, idHash, prev, prevRanks, joiner);
                    match = new Matching(slots, ranks, prev, prevRanks, atRank, joiner, candidates);
                }
                match.clear();
                match.need(keep);
                int failed = match.fill();
                if (failed < 0) {
                    return match.table();
                }
                if (match.hopeless(total)) {
                    return null;
                }
                int m = failed / ranks;
                int r = failed % ranks;
                // only where m may keep its ceil, and no more extras than it has
                if (forced[m][r] || forcedCount(forced[m]) >= total[m] % ranks || atRank[m][r] <= total[m] / ranks) {
                    break;
                }
                forced[m][r] = true;
            }
        }
        if (match == null) {
            return null; // no split leaves every member floor or ceil of its total at every rank
        }
        // None found: search each split again, now moving extras into every give-up that shares the short slots.
        for (int i = 0; i < count; i++) {
            int[] table = search(slots, ranks, total, atRank, joiner, splits[i], match);
            if (table != null) {
                return table;
            }
            if (match.hopeless(total)) {
                return null;
            }
        }
        return null;
    }

    private static int forcedCount(boolean[] forced) {
        int count = 0;
        for (boolean f : forced) {
            count += f ? 1 : 0;
        }
        return count;
    }

    /**
     * The joint search for one rank split: when the give-ups cannot all find slots, the give-ups whose slots are all
     * taken among themselves (those the failed augmenting path reached) are short together; one of them keeps its
     * member's extra entry instead (moved there from another of the member's ranks, other members' extras moving
     * between ranks to keep each rank's count), so the group needs one slot fewer, and the matching is completed
     * from where it stood. Each step adds one such forced extra; it ends with a table, when no forced extra fits, or
     * after {@value #MAX_STEPS} steps (null; {@link Matching#hopeless} then tells whether no split can work).
     */
    private static int[] search(
            int slots, int ranks, int[] total, int[][] atRank, int joiner, int ceilRanks, Matching match) {
        int n = total.length;
        match.clear();
        boolean[][] forced = new boolean[n][ranks];
        int[][] keep = keptPerRank(slots, ranks, total, atRank, forced, joiner, ceilRanks);
        if (keep == null) {
            return null;
        }
        match.need(keep);
        for (int step = 0; ; step++) {
            if (match.fill() < 0) {
                return match.table();
            }
            if (step == MAX_STEPS || match.hopeless(total)) {
                return null;
            }
            int[][] next = null;
            int tried = 0;
            for (int i = 0; i < match.visited && next == null && tried < MAX_TRIES; i++) {
                int g = match.queue[i];
                int m = g / ranks;
                int r = g % ranks;
                int floor = total[m] / ranks;
                if (keep[m][r] > floor || atRank[m][r] <= floor || forcedCount(forced[m]) >= total[m] % ranks) {
                    continue; // its extra is there already, or it has none to put there
                }
                tried++;
                forced[m][r] = true;
                next = keptPerRank(slots, ranks, total, atRank, forced, joiner, ceilRanks);
                if (next == null) {
                    forced[m][r] = false;
                }
            }
            if (next == null) {
                return null;
            }
            keep = next;
            match.need(keep);
        }
    }

    /**
     * How many entries each member keeps at each rank when the joiner holds the {@code ceil} of its per-rank share at
     * the ranks of {@code ceilRanks} and the {@code floor} elsewhere: {@code floor} or {@code ceil} of the member's
     * new total over the ranks, at most what it held there; null if no such split exists.
     */
    private static int[][] keptPerRank(
            int slots, int ranks, int[] total, int[][] atRank, boolean[][] forced, int joiner, int ceilRanks) {
        int n = total.length;
        long base = 0;
        int extras = 0;
        for (int m = 0; m < n; m++) {
            if (m == joiner) {
                continue;
            }
            int floor = total[m] / ranks;
            for (int r = 0; r < ranks; r++) {
                if (atRank[m][r] < floor) {
                    return null;
                }
            }
            base += floor;
            extras += total[m] % ranks;
        }
        // At each rank the others hold slots - base - (the joiner's count there) entries above their floors.
        int[] room = new int[ranks];
        long sum = 0;
        for (int r = 0; r < ranks; r++) {
            long left = slots - base - total[joiner] / ranks - ((ceilRanks >>> r) & 1);
            if (left < 0 || left > n) {
                return null;
            }
            room[r] = (int) left;
            sum += left;
        }
        if (sum != extras) {
            return null;
        }
        int[][] extraAt = extrasPerRank(ranks, total, atRank, forced, joiner, room);
        if (extraAt == null) {
            return null;
        }
        int[][] keep = new int[n][];
        for (int m = 0; m < n; m++) {
            if (m != joiner) {
                keep[m] = new int[ranks];
                for (int r = 0; r < ranks; r++) {
                    keep[m][r] = total[m] / ranks + extraAt[m][r];
                }
            }
        }
        return keep;
    }

    /**
     * Which ranks get each member's {@code total % ranks} extra entries: a rank only where the member held more than
     * its new floor, each rank r exactly {@code room[r]} extras (a small bipartite flow by augmenting paths).
     */
    private static int[][] extrasPerRank(
            int ranks, int[] total, int[][] atRank, boolean[][] forced, int joiner, int[] room) {
        int n = total.length;
        int[][] extraAt = new int[n][ranks];
        int[] left = room.clone();
        for (int m = 0; m < n; m++) {
            for (int r = 0; r < ranks; r++) {
                if (forced[m][r]) {
                    // the forced extras first: at their rank, another member's extra moved away if need be
                    boolean[] visited = new boolean[ranks];
                    visited[r] = true;
                    if (!putExtra(m, r, total, atRank, forced, extraAt, left, visited)) {
                        return null;
                    }
                }
            }
        }
        for (int m = 0; m < n; m++) {
            if (m == joiner) {
                continue;
            }
            int placed = 0;
            for (int r = 0; r < ranks; r++) {
                placed += extraAt[m][r];
            }
            for (int unit = placed; unit < total[m] % ranks; unit++) {
                boolean[] visited = new boolean[ranks];
                if (!augmentExtra(m, total, atRank, forced, extraAt, left, visited, ranks)) {
                    return null;
                }
            }
        }
        return extraAt;
    }

    /** Puts an extra of member m at rank r (marked visited), moving another member's unforced extra from r away. */
    private static boolean putExtra(
            int m,
            int r,
            int[] total,
            int[][] atRank,
            boolean[][] forced,
            int[][] extraAt,
            int[] left,
            boolean[] visited) {
        if (left[r] > 0) {
            left[r]--;
            extraAt[m][r] = 1;
            return true;
        }
        for (int o = 0; o < extraAt.length; o++) {
            if (o != m && extraAt[o][r] > 0 && !forced[o][r]) {
                extraAt[o][r] = 0;
                if (augmentExtra(o, total, atRank, forced, extraAt, left, visited, extraAt[o].length)) {
                    extraAt[m][r] = 1;
                    return true;
                }
                extraAt[o][r] = 1;
            }
        }
        return false;
    }

    /** Places one more extra of member m, moving other members' extras between ranks if need be. */
    private static boolean augmentExtra(
            int m,
            int[] total,
            int[][] atRank,
            boolean[][] forced,
            int[][] extraAt,
            int[] left,
            boolean[] visited,
            int ranks) {
        for (int r = 0; r < ranks; r++) {
            if (visited[r] || extraAt[m][r] > 0 || atRank[m][r] <= total[m] / ranks) {
                continue;
            }
            visited[r] = true;
            if (putExtra(m, r, total, atRank, forced, extraAt, left, visited)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Per give-up group (member, rank; id {@code member * ranks + rank}), the slots where the joiner may take that
     * entry, in the member's own hashed order of slots (as in the general set phase): {@code [0]} the groups' start
     * offsets ({@code groups + 1}), {@code [1]} the slots.
     */
    private static int[][] candidates(
            int slots, int ranks, int[] zone, long[] idHash, int[] prev, int prevRanks, int joiner) {
        int groups = zone.length * ranks;
        int[] start = new int[groups + 1];
        for (int s = 0; s < slots; s++) {
            for (int r = 0; r < ranks; r++) {
                if (eligible(s, r, prev, prevRanks, ranks, zone, zone[joiner])) {
                    start[prev[s * prevRanks + r] * ranks + r + 1]++;
                }
            }
        }
        for (int g = 0; g < groups; g++) {
            start[g + 1] += start[g];
        }
        long[] keys = new long[start[groups]];
        int[] fill = Arrays.copyOf(start, groups);
        for (int s = 0; s < slots; s++) {
            for (int r = 0; r < ranks; r++) {
                int m = prev[s * prevRanks + r];
                if (eligible(s, r, prev, prevRanks, ranks, zone, zone[joiner])) {
                    keys[fill[m * ranks + r]++] = ((Rebalance.memberSlotHash(idHash[m], s) >>> 40) << 24) | s;
                }
            }
        }
        int[] slotOrder = new int[keys.length];
        for (int g = 0; g < groups; g++) {
            Arrays.sort(keys, start[g], start[g + 1]);
            for (int i = start[g]; i < start[g + 1]; i++) {
                slotOrder[i] = (int) (keys[i] & 0xFFFFFF);
            }
        }
        return new int[][] {start, slotOrder};
    }

    /** True if the joiner may take the entry at rank r of slot s: its zone is not in the slot, or only there. */
    private static boolean eligible(int s, int r, int[] prev, int prevRanks, int ranks, int[] zone, int joinerZone) {
        for (int q = 0; q < ranks; q++) {
            if (q != r && zone[prev[s * prevRanks + q]] == joinerZone) {
                return false;
            }
        }
        return true;
    }

    /**
     * The give-ups (groups {@code member * ranks + rank}) matched to slots, at most one per slot, each group in its
     * member's hashed order of slots; kept between the steps of a search, so a step completes it from where it stood.
     */
    private static final class Matching {
        private final int slots;
        private final int ranks;
        private final int[] prev;
        private final int prevRanks;
        private final int[][] atRank;
        private final int joiner;
        private final int[] start;
        private final int[] candidates;
        private final int[] need;
        private final int[] got;
        /** The group giving up its entry in each slot, or -1. */
        private final int[] taker;

        private final int[] parentGroup;
        private final int[] parentSlot;
        /** After a failed {@link #fill}: the groups the last augmenting search reached, {@code queue[0..visited)}. */
        final int[] queue;

        int visited;

        Matching(int slots, int ranks, int[] prev, int prevRanks, int[][] atRank, int joiner, int[][] candidateLists) {
            this.slots = slots;
            this.ranks = ranks;
            this.prev = prev;
            this.prevRanks = prevRanks;
            this.atRank = atRank;
            this.joiner = joiner;
            this.start = candidateLists[0];
            this.candidates = candidateLists[1];
            int groups = atRank.length * ranks;
            need = new int[groups];
            got = new int[groups];
            taker = new int[slots];
            parentGroup = new int[groups];
            parentSlot = new int[groups];
            queue = new int[groups];
            clear();
        }

        void clear() {
            Arrays.fill(taker, -1);
            Arrays.fill(got, 0);
            visited = 0;
        }

        /** Sets each group's count from what its member keeps; a group that needs fewer frees its last slots. */
        void need(int[][] keep) {
            for (int m = 0; m < atRank.length; m++) {
                for (int r = 0; r < ranks; r++) {
                    int g = m * ranks + r;
                    need[g] = m == joiner ? 0 : atRank[m][r] - keep[m][r];
                    for (int i = start[g + 1] - 1; i >= start[g] && got[g] > need[g]; i--) {
                        if (taker[candidates[i]] == g) {
                            taker[candidates[i]] = -1;
                            got[g]--;
                        }
                    }
                }
            }
        }

        /**
         * Gives each group its count: greedily in its member's hashed order of slots, then along augmenting paths.
         * Returns -1, or the first group that finds too few slots.
         */
        int fill() {
            visited = 0;
            int groups = need.length;
            for (int g = 0; g < groups; g++) {
                for (int i = start[g]; i < start[g + 1] && got[g] < need[g]; i++) {
                    int s = candidates[i];
                    if (taker[s] < 0) {
                        taker[s] = g;
                        got[g]++;
                    }
                }
            }
            for (int g = 0; g < groups; g++) {
                while (got[g] < need[g]) {
                    if (!augment(g)) {
                        return g;
                    }
                    got[g]++;
                }
            }
            return -1;
        }

        /**
         * True if the groups the last failed search reached (every slot they may use is taken among them) need more
         * slots than they can reach even if each of their members kept its extras in them: no choice of extras and
         * no rank split gives every group its slots.
         */
        boolean hopeless(int[] total) {
            if (visited == 0) {
                return false;
            }
            long reach = 0;
            long fewest = 0;
            int[] open = new int[atRank.length];
            for (int i = 0; i < visited; i++) {
                int g = queue[i];
                int m = g / ranks;
                int spare = atRank[m][g % ranks] - total[m] / ranks;
                reach += got[g];
                fewest += spare;
                open[m] += spare > 0 ? 1 : 0;
            }
            for (int m = 0; m < open.length; m++) {
                fewest -= Math.min(open[m], total[m] % ranks);
            }
            return fewest > reach;
        }

        int[] table() {
            int[] table = new int[slots * ranks];
            for (int s = 0; s < slots; s++) {
                for (int r = 0; r < ranks; r++) {
                    table[s * ranks + r] = prev[s * prevRanks + r];
                }
                if (taker[s] >= 0) {
                    table[s * ranks + taker[s] % ranks] = joiner;
                }
            }
            return table;
        }

        /**
         * One more slot for group g0: a breadth-first search over groups, where a group may take a slot another group
         * gives up in and that group then looks for another, until a free slot.
         */
        private boolean augment(int g0) {
            Arrays.fill(parentGroup, -2);
            parentGroup[g0] = -1;
            int head = 0;
            int tail = 0;
            queue[tail++] = g0;
            while (head < tail) {
                int g = queue[head++];
                for (int i = start[g]; i < start[g + 1]; i++) {
                    int s = candidates[i];
                    int h = taker[s];
                    if (h == g) {
                        continue;
                    }
                    if (h < 0) {
                        // g takes s; then every group on the path takes the slot it found from the next one
                        taker[s] = g;
                        while (parentGroup[g] >= 0) {
                            int s2 = parentSlot[g];
                            g = parentGroup[g];
                            taker[s2] = g;
                        }
                        visited = 0;
                        return true;
                    }
                    if (parentGroup[h] == -2) {
                        parentGroup[h] = g;
                        parentSlot[h] = s;
                        queue[tail++] = h;
                    }
                }
            }
            visited = tail;
            return false;
        }
    }
}
