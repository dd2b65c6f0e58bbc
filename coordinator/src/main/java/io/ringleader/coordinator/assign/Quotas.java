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
 * unchanged), then by largest fractional part, then by id.
 *
 * <p>{@link Rebalance} then splits a member's total {@code T} over the {@code R'} ranks as {@code floor(T/R')} or
 * {@code ceil(T/R')} each. When no share is capped, this keeps every member within one slot of {@code S * w / W} at
 * every rank and within one of {@code S * R' * w / W} in total.
 */
final class Quotas {
    private Quotas() {}

    /** Total entries per member; {@code previous[m]} is what member m held before (0 if new). */
    static int[] totals(int slots, int ranks, int[] weight, int[] previous) {
        int n = weight.length;
        int[] total = new int[n];
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
                    total[m] = slots;
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
        for (int i = 0; i < left; i++) {
            total[fractional.get(i)]++;
        }
        return total;
    }
}
