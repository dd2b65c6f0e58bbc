package io.ringleader.coordinator.assign;

import java.util.Arrays;

/**
 * Totals that let every member keep every entry it holds, when balance allows it.
 *
 * <p>{@link Quotas} gives each member the floor or the ceiling of its share, choosing who gets the rounding extras by
 * rule (those that held more than the floor first, then the largest fractional part). When members left, that choice
 * can make a ring that moves only the departed members' entries impossible although another choice within the same
 * bounds allows one: with few slots per member, a survivor given an extra may find too few freed slots it is not
 * already in, so an entry of another survivor must move. This class asks the question exactly: can the open places
 * (entries of members no longer placed, or ranks added) be filled by members not in the slot (of a zone the slot does
 * not list yet, where a full spread exists), each member ending between the floor and the ceiling of its share? That
 * is a bipartite b-matching of open places to members with lower and upper bounds, solved by augmenting paths: first up
 * to every member's floor, then up to the totals {@link Quotas} chose, then up to the ceilings (an augmenting path never
 * lowers a member's count, so the bounds met stay met). If every open place is filled, the totals it gives are used:
 * the same as {@link Quotas}'s whenever those already allow keeping every entry, otherwise the nearest that do.
 *
 * <p>Zones count only where a full spread exists under the totals of {@link Quotas} (whose zone cap keeps one possible
 * wherever the zones' weights allow it): there every newcomer must be of a zone its slot lacks. Where none exists,
 * zones do not bind; totals that would make one possible (a zone over S entries under Quotas' rounding may fit under
 * another) are not used, nor the reverse. {@code KeptTotalsTest} checks the answer
 * against every filling of small random tables.
 *
 * <p>Where a member must give up entries (it holds more than the ceiling of its share: a weight change, a join; or the
 * open places cannot bring every member up to its floor: a weight that grew while nobody left), the
 * question becomes whether every entry can move only from a member going down to one going up: every member that
 * holds more than its floor has its entries opened too, and fills again only places in slots it held (what it does
 * not fill, it gives up), while the others take places in slots they are not in. The same b-matching answers it; the
 * places of a slot stay interchangeable (a member fills at most one of them), so the augmenting paths stay exact.
 * With {@link Quotas}' rounding, a member that must take entries can find that every slot of the members that give
 * some up already lists it (edge seed 11 step 7: S = 32, R = 2, a weight change), while another rounding within the
 * same bounds lets the entries go down to up. Where the members kept in a slot list a zone twice although a full
 * spread exists, the totals of {@link Quotas} stand (a repair changes those sets anyway).
 */
final class KeptTotals {
    /**
     * Open places times members above which the search is not run and the totals of {@link Quotas} stand: 2^17. A
     * leave of one of 1,000 members from 16,384 slots in 3 replicas is about 49,000; a leave of one of 30 members from
     * 65,536 slots in 3 replicas, 190,000, took 2-3 s more with the search. Rings that large hold hundreds of slots per
     * member, where the departed member's slots leave every survivor ample room for its rounding extra. Where a member
     * must give up entries, the entries of every member over its floor count as open places too, so the search runs
     * only on small rings (a weight change among 50 members at S = 4096, R = 3 is past it): those with few slots per
     * member, where one rounding extra decides whether entries can go down to up.
     */
    static final long MAX_CANDIDATES = 1L << 17;

    private final int ranks;
    private final int n;
    private final int[] zone;
    private final boolean zoned;
    private final int[] set;
    private final int[] setLen;
    /** Open place p is in slot placeSlot[p]; the places of slot s are first[s] .. first[s + 1] - 1. */
    private final int[] placeSlot;

    private final int[] first;
    private final int[] member;
    private final int[] load;
    /** The places each member fills, as a list per member: places[m][0 .. load[m] - 1]. */
    private final int[][] places;

    private final int[] seen;
    private int stamp;
    /** Members whose entries are open places: such a member fills a place only in a slot it held. */
    private final boolean[] opened;
    /** The slots' previous members still placed, laid out as {@code set}: what an opened member may fill again. */
    private final int[] heldSet;

    private final int[] heldLen;

    private KeptTotals(
            int slots,
            int ranks,
            int[] zone,
            boolean zoned,
            int[] set,
            int[] setLen,
            int open,
            boolean[] opened,
            int[] heldSet,
            int[] heldLen) {
        this.ranks = ranks;
        this.opened = opened;
        this.heldSet = heldSet;
        this.heldLen = heldLen;
        this.n = zone.length;
        this.zone = zone;
        this.zoned = zoned;
        this.set = set;
        this.setLen = setLen;
        this.placeSlot = new int[open];
        this.first = new int[slots + 1];
        int p = 0;
        for (int s = 0; s < slots; s++) {
            first[s] = p;
            for (int k = setLen[s]; k < ranks; k++) {
                placeSlot[p++] = s;
            }
        }
        first[slots] = p;
        this.member = new int[open];
        Arrays.fill(member, -1);
        this.load = new int[n];
        this.places = new int[n][4];
        this.seen = new int[n];
    }

    /**
     * The totals to place with: {@code total} (from {@link Quotas}) unless it forces a member to give up or move an
     * entry while other totals within every member's floor and ceiling let every member keep what it holds.
     *
     * @param held entries each member keeps in {@code set} (its slots' previous members still placed)
     * @param set members of slot s at {@code set[s * ranks + i]}, {@code i < setLen[s]}
     */
    static int[] choose(
            int slots, int ranks, int[] weight, int[] zone, int[] held, int[] total, int[] set, int[] setLen) {
        int n = weight.length;
        long kept = 0;
        long open = 0;
        for (int s = 0; s < slots; s++) {
            kept += setLen[s];
            open += ranks - setLen[s];
        }
        if (kept == 0) {
            return total; // a first placement: nothing to keep
        }
        long[][] bounds = Quotas.bounds(slots, ranks, weight);
        // Some member must give up entries: it holds more than its ceiling, or the open places cannot bring every
        // member up to its floor (a member whose share grew while nobody left).
        boolean mustGive = false;
        long shortfall = 0;
        for (int m = 0; m < n; m++) {
            mustGive |= held[m] > bounds[1][m];
            shortfall += Math.max(0, bounds[0][m] - held[m]);
        }
        mustGive |= shortfall > open;
        // Then every member that may give some (it holds more than its floor) has its entries opened: it fills only
        // places in slots it held, so what it does not fill is what it gives up; it counts from 0 (base).
        boolean[] opened = new boolean[n];
        int[] base = held.clone();
        int[] keptSet = set;
        int[] keptLen = setLen;
        if (mustGive) {
            for (int m = 0; m < n; m++) {
                opened[m] = held[m] > bounds[0][m];
                base[m] = opened[m] ? 0 : held[m];
            }
            keptSet = new int[slots * ranks];
            keptLen = new int[slots];
            open = 0;
            for (int s = 0; s < slots; s++) {
                for (int i = 0; i < setLen[s]; i++) {
                    int m = set[s * ranks + i];
                    if (!opened[m]) {
                        keptSet[s * ranks + keptLen[s]++] = m;
                    }
                }
                open += ranks - keptLen[s];
            }
        }
        if (open * n > MAX_CANDIDATES) {
            return total; // more pairs than the search is sized for
        }
        int[] low = new int[n];
        int[] cap = new int[n];
        long lows = 0;
        for (int m = 0; m < n; m++) {
            low[m] = (int) Math.max(0, bounds[0][m] - base[m]);
            cap[m] = (int) (opened[m] ? Math.min(bounds[1][m], held[m]) : bounds[1][m] - base[m]);
            lows += low[m];
        }
        if (lows > open) {
            return total;
        }
        boolean zoned = Quotas.spreadPossible(slots, ranks, zone, total);
        if (zoned && !keptZonesDistinct(slots, ranks, zone, set, setLen)) {
            return total; // a repair changes these sets anyway
        }
        KeptTotals k = new KeptTotals(slots, ranks, zone, zoned, keptSet, keptLen, (int) open, opened, set, setLen);
        int[] preferred = new int[n];
        for (int m = 0; m < n; m++) {
            preferred[m] = Math.min(cap[m], Math.max(low[m], total[m] - base[m]));
        }
        for (int[] bound : new int[][] {low, preferred}) {
            long room = 0;
            for (int m = 0; m < n; m++) {
                room += Math.max(0, bound[m] - k.load[m]);
            }
            // each path ends at a member with room and takes one of it: once none is left, every search would fail.
            // The members a failed search expanded have no path to a member with room, and keep none until a path
            // is found: they stay marked (the stamp moves on only after a success), so failures cost one pass in all.
            k.stamp++;
            for (int p = 0; p < open && room > 0; p++) {
                if (k.member[p] < 0 && k.augment(p, bound)) {
                    room--;
                    k.stamp++;
                }
            }
        }
        for (int m = 0; m < n; m++) {
            if (k.load[m] < low[m]) {
                return total;
            }
        }
        for (int p = 0; p < open; p++) {
            // a place with no augmenting path now has none after later ones either: keeping every entry is impossible
            if (k.member[p] < 0) {
                k.stamp++;
                if (!k.augment(p, cap)) {
                    return total;
                }
            }
        }
        int[] chosen = new int[n];
        for (int m = 0; m < n; m++) {
            chosen[m] = base[m] + k.load[m];
        }
        if (Arrays.equals(chosen, total)) {
            return total;
        }
        // zones were counted (or not) by whether Quotas' totals allow a full spread: other totals must agree, or the
        // placement would spread (or not) differently from what the search assumed
        return Quotas.spreadPossible(slots, ranks, zone, chosen) == zoned ? chosen : total;
    }

    private static boolean keptZonesDistinct(int slots, int ranks, int[] zone, int[] set, int[] setLen) {
        for (int s = 0; s < slots; s++) {
            for (int i = 0; i < setLen[s]; i++) {
                for (int j = i + 1; j < setLen[s]; j++) {
                    if (zone[set[s * ranks + i]] == zone[set[s * ranks + j]]) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** True if member m may fill place p: not in its slot already, nor (where zones count) of a zone listed there. */
    private boolean fits(int m, int p) {
        int s = placeSlot[p];
        if (opened[m] && !held(m, s)) {
            return false;
        }
        for (int i = 0; i < setLen[s]; i++) {
            int o = set[s * ranks + i];
            if (o == m || (zoned && zone[o] == zone[m])) {
                return false;
            }
        }
        for (int q = first[s]; q < first[s + 1]; q++) {
            int o = member[q];
            if (q != p && o >= 0 && (o == m || (zoned && zone[o] == zone[m]))) {
                return false;
            }
        }
        return true;
    }

    private boolean held(int m, int s) {
        for (int i = 0; i < heldLen[s]; i++) {
            if (heldSet[s * ranks + i] == m) {
                return true;
            }
        }
        return false;
    }

    /**
     * An augmenting path from open place p: a member under its bound takes it, or a member that fits takes it while one
     * of the places it fills looks for another member.
     */
    private boolean augment(int p, int[] bound) {
        for (int m = 0; m < n; m++) {
            if (seen[m] != stamp && load[m] < bound[m] && fits(m, p)) {
                assign(p, m);
                return true;
            }
        }
        for (int m = 0; m < n; m++) {
            if (seen[m] == stamp || !fits(m, p)) {
                continue;
            }
            seen[m] = stamp;
            // m claims p while its places look for another member, so that none of them takes a member of m's zone
            // (or m itself) into p's slot meanwhile
            member[p] = m;
            for (int i = 0; i < load[m]; i++) {
                int q = places[m][i];
                member[q] = -1; // q is open while it looks for another member
                removeAt(m, i);
                if (augment(q, bound)) {
                    member[p] = -1;
                    assign(p, m);
                    return true;
                }
                member[q] = m;
                insertAt(m, i, q);
            }
            member[p] = -1;
        }
        return false;
    }

    private void assign(int p, int m) {
        member[p] = m;
        if (load[m] == places[m].length) {
            places[m] = Arrays.copyOf(places[m], places[m].length * 2);
        }
        places[m][load[m]++] = p;
    }

    private void removeAt(int m, int i) {
        System.arraycopy(places[m], i + 1, places[m], i, load[m] - i - 1);
        load[m]--;
    }

    private void insertAt(int m, int i, int q) {
        if (load[m] == places[m].length) {
            places[m] = Arrays.copyOf(places[m], places[m].length * 2);
        }
        System.arraycopy(places[m], i, places[m], i + 1, load[m] - i);
        places[m][i] = q;
        load[m]++;
    }
}
