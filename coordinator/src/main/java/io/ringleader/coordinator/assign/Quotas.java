package io.ringleader.coordinator.assign;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Exact per-member replica quotas. Members are indexes in id order, so ties broken "by index" are broken by id.
 *
 * <p>Totals: each member's share of the {@code S * R'} replica entries is {@code S * R' * w / W}, except that no
 * member can hold a slot twice: a share above {@code S} is capped at {@code S} and the rest redistributed over the
 * others by weight (water-filling). Each member gets the floor of its share; the remaining entries go one each to
 * members with a fractional part, first to those that held more than the floor before (so an unchanged ring stays
 * unchanged), then by largest fractional part, then by id; a member is skipped while its zone already holds {@code S}
 * entries if the zone's share (the sum of its uncapped members' shares) is at most {@code S}, so a zone of at most
 * {@code 1/R'} of the weight never needs a slot twice.
 *
 * <p>{@link Rebalance} then splits a member's total {@code T} over the {@code R'} ranks as {@code floor(T/R')} or
 * {@code ceil(T/R')} each. When no share is capped, this keeps every member within one slot of {@code S * w / W} at
 * every rank and within one of {@code S * R' * w / W} in total.
 */
final class Quotas {
    private Quotas() {}

    /**
     * True if every member has a zone, there are at least {@code ranks} zones and no zone holds more than {@code slots}
     * of the {@code total} entries: then a table with {@code ranks} distinct zones in every slot exists.
     */
    static boolean spreadPossible(int slots, int ranks, int[] zone, int[] total) {
        int zones = 0;
        for (int z : zone) {
            if (z < 0) {
                return false;
            }
            zones = Math.max(zones, z + 1);
        }
        if (zones < ranks) {
            return false;
        }
        long[] zoneTotal = new long[zones];
        for (int m = 0; m < zone.length; m++) {
            zoneTotal[zone[m]] += total[m];
        }
        for (long t : zoneTotal) {
            if (t > slots) {
                return false;
            }
        }
        return true;
    }

    /**
     * Which members are capped at {@code S} entries (one per slot): water-filling, each member whose share of what the
     * uncapped members share is over {@code S} is capped, until none is.
     */
    private static boolean[] capped(int slots, int ranks, int[] weight) {
        int n = weight.length;
        boolean[] capped = new boolean[n];
        long budget = (long) slots * ranks;
        boolean changed = true;
        while (changed) {
            changed = false;
            long w = 0;
            for (int m = 0; m < n; m++) {
                if (!capped[m]) {
                    w += weight[m];
                }
            }
            for (int m = 0; m < n; m++) {
                if (!capped[m] && budget * weight[m] > (long) slots * w) {
                    capped[m] = true;
                    changed = true;
                }
            }
            if (changed) {
                budget = (long) slots * ranks;
                for (int m = 0; m < n; m++) {
                    if (capped[m]) {
                        budget -= slots;
                    }
                }
            }
        }
        return capped;
    }

    /** Floor ({@code [0]}) and ceiling ({@code [1]}) of each member's share of the entries, capped as in {@link #totals}. */
    static long[][] bounds(int slots, int ranks, int[] weight) {
        int n = weight.length;
        boolean[] capped = capped(slots, ranks, weight);
        long budget = (long) slots * ranks;
        long w = 0;
        for (int m = 0; m < n; m++) {
            if (capped[m]) {
                budget -= slots;
            } else {
                w += weight[m];
            }
        }
        long[][] bounds = new long[2][n];
        for (int m = 0; m < n; m++) {
            if (capped[m]) {
                bounds[0][m] = slots;
                bounds[1][m] = slots;
            } else {
                long share = budget * weight[m];
                bounds[0][m] = share / w;
                bounds[1][m] = (share + w - 1) / w;
            }
        }
        return bounds;
    }

    /**
     * Total entries per member; {@code previous[m]} is what member m held before (0 if new), {@code zone[m]} its zone
     * index or -1.
     */
    static int[] totals(int slots, int ranks, int[] weight, int[] zone, int[] previous) {
        int n = weight.length;
        int[] total = new int[n];
        boolean[] capped = capped(slots, ranks, weight);
        long budget = (long) slots * ranks;
        for (int m = 0; m < n; m++) {
            if (capped[m]) {
                total[m] = slots;
                budget -= slots;
            }
        }
        long w = 0;
        for (int m = 0; m < n; m++) {
            if (!capped[m]) {
                w += weight[m];
            }
        }
        long left = budget;
        long[] rem = new long[n];
        List<Integer> fractional = new ArrayList<>();
        for (int m = 0; m < n; m++) {
            if (capped[m]) {
                continue;
            }
            long share = budget * weight[m];
            total[m] = (int) (share / w);
            rem[m] = share % w;
            left -= total[m];
            if (rem[m] > 0) {
                fractional.add(m);
            }
        }
        fractional.sort(Comparator.<Integer>comparingInt(m -> previous[m] > total[m] ? 0 : 1)
                .thenComparing(m -> -rem[m])
                .thenComparingInt(m -> m));
        // A zone whose share (the sum of its members' shares) is at most S gets at most S entries in all, so one
        // replica per slot in that zone stays possible; the cap binds only when the rounding would pass S. Each zone
        // has at least ceil(share) - floors members with a fractional part, so the extras always fit.
        int zones = 0;
        for (int m = 0; m < n; m++) {
            zones = Math.max(zones, zone[m] + 1);
        }
        long[] zoneShare = new long[zones];
        long[] zoneFloor = new long[zones];
        for (int m = 0; m < n; m++) {
            if (!capped[m] && zone[m] >= 0) {
                zoneShare[zone[m]] += budget * weight[m];
                zoneFloor[zone[m]] += total[m];
            }
        }
        long[] room = new long[zones];
        for (int z = 0; z < zones; z++) {
            long ceil = (zoneShare[z] + w - 1) / w;
            room[z] = (ceil <= slots ? slots : ceil) - zoneFloor[z];
        }
        boolean[] extra = new boolean[n];
        for (int i = 0; i < fractional.size() && left > 0; i++) {
            int m = fractional.get(i);
            if (zone[m] < 0 || room[zone[m]] > 0) {
                if (zone[m] >= 0) {
                    room[zone[m]]--;
                }
                extra[m] = true;
                total[m]++;
                left--;
            }
        }
        for (int i = 0; i < fractional.size() && left > 0; i++) {
            int m = fractional.get(i);
            if (!extra[m]) {
                total[m]++;
                left--;
            }
        }
        return total;
    }
}
