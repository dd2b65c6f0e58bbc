package io.ringleader.coordinator.assign;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeptTotalsTest {
    private static final int A = 0;
    private static final int B = 1;
    private static final int C = 2;
    private static final int OPEN = -1;
    private static final int[] NO_ZONES = {-1, -1, -1};

    /**
     * S = 4, R = 2 after a member left slots 2 and 3: shares A 3.3, B 1.2, C 3.5, so the rounding extra goes to C (the
     * largest fractional part), but C is already in slot 3 and can take only slot 2. A taking slot 3 keeps everyone.
     */
    @Test
    void aRoundingThatForcesAMove_givesWayToOneThatKeepsEveryEntry() {
        int[] weight = {33, 12, 35};
        int[] set = {A, B, A, C, A, OPEN, C, OPEN};
        int[] setLen = {2, 2, 1, 1};
        int[] held = {3, 1, 2};
        int[] quotas = Quotas.totals(4, 2, weight, NO_ZONES, held);
        assertThat(quotas).containsExactly(3, 1, 4);

        int[] chosen = KeptTotals.choose(4, 2, weight, NO_ZONES, held, quotas, set, setLen);

        assertThat(chosen).containsExactly(4, 1, 3);
    }

    @Test
    void totalsThatAlreadyKeepEveryEntry_stand() {
        int[] weight = {35, 12, 33}; // now A gets the extra: it can take slot 3
        int[] set = {A, B, A, C, A, OPEN, C, OPEN};
        int[] setLen = {2, 2, 1, 1};
        int[] held = {3, 1, 2};
        int[] quotas = Quotas.totals(4, 2, weight, NO_ZONES, held);
        assertThat(quotas).containsExactly(4, 1, 3);

        assertThat(KeptTotals.choose(4, 2, weight, NO_ZONES, held, quotas, set, setLen))
                .isSameAs(quotas);
    }

    @Test
    void aMemberOverItsCeiling_mustGiveUp_soTheTotalsStand() {
        int[] weight = {10, 45, 25}; // shares A 1, B 4.5, C 2.5: A holds 3
        int[] set = {A, B, A, C, A, OPEN, C, OPEN};
        int[] setLen = {2, 2, 1, 1};
        int[] held = {3, 1, 2};
        int[] quotas = Quotas.totals(4, 2, weight, NO_ZONES, held);

        assertThat(KeptTotals.choose(4, 2, weight, NO_ZONES, held, quotas, set, setLen))
                .isSameAs(quotas);
    }

    /**
     * Small random leaves (one or two members leave, so a slot may have two open places; zones or none) checked
     * against every way of filling their open places: whenever some filling keeps every
     * entry with each member between its floor and ceiling (newcomers of a zone the slot lacks, where a full spread
     * exists), the totals chosen admit such a
     * filling exactly; when none does, the totals of {@link Quotas} stand.
     */
    @Test
    void choosesTotalsThatKeepEveryEntry_exactlyWhenAnyFillingDoes() {
        java.util.Random random = new java.util.Random(20261123);
        int kept = 0;
        int changed = 0;
        for (int trial = 0; trial < 4000; trial++) {
            int slots = 2 + random.nextInt(5);
            int ranks = 2 + random.nextInt(2);
            int n = ranks + 2 + random.nextInt(3); // members before
            int zones = random.nextInt(5); // 0: no zones
            int[] table = new int[slots * ranks];
            for (int s = 0; s < slots; s++) {
                List<Integer> ms = new java.util.ArrayList<>();
                for (int m = 0; m < n; m++) {
                    ms.add(m);
                }
                java.util.Collections.shuffle(ms, random);
                for (int r = 0; r < ranks; r++) {
                    table[s * ranks + r] = ms.get(r);
                }
            }
            int placed = n - 1 - random.nextInt(2); // one or two members leave: a slot may have two open places
            if (placed < ranks) {
                continue;
            }
            int[] weight = new int[placed];
            int[] zone = new int[placed];
            for (int m = 0; m < placed; m++) {
                weight[m] = 1 + random.nextInt(10);
                zone[m] = zones == 0 ? -1 : random.nextInt(zones + 1);
            }
            int[] set = new int[slots * ranks];
            int[] setLen = new int[slots];
            int[] held = new int[placed];
            for (int s = 0; s < slots; s++) {
                for (int r = 0; r < ranks; r++) {
                    int m = table[s * ranks + r];
                    if (m < placed) {
                        set[s * ranks + setLen[s]++] = m;
                        held[m]++;
                    }
                }
            }
            int[] quotas = Quotas.totals(slots, ranks, weight, zone, held);
            int[] chosen = KeptTotals.choose(slots, ranks, weight, zone, held, quotas, set, setLen);
            long[][] bounds = Quotas.bounds(slots, ranks, weight);
            boolean zoned = Quotas.spreadPossible(slots, ranks, zone, quotas);
            Fillings f = new Fillings(slots, ranks, zone, zoned, set, setLen, held, bounds);
            String ctx =
                    "trial " + trial + " S=" + slots + " R=" + ranks + " w=" + java.util.Arrays.toString(weight) + " z="
                            + java.util.Arrays.toString(zone) + " held=" + java.util.Arrays.toString(held) + " quotas="
                            + java.util.Arrays.toString(quotas) + " chosen=" + java.util.Arrays.toString(chosen)
                            + " zoned=" + zoned
                            + " valid="
                            + f.valid.stream().map(java.util.Arrays::toString).toList() + " set="
                            + java.util.Arrays.toString(set)
                            + " len=" + java.util.Arrays.toString(setLen);
            if (f.any()) {
                assertThat(f.exactly(chosen))
                        .as(ctx + ": a filling gives the chosen totals")
                        .isTrue();
                kept++;
                changed += chosen == quotas ? 0 : 1;
            } else {
                assertThat(chosen)
                        .as(ctx + ": nothing keeps every entry, so Quotas' totals stand")
                        .isSameAs(quotas);
            }
        }
        assertThat(kept).as("trials where every entry can be kept").isGreaterThan(100);
        assertThat(changed).as("trials where Quotas' rounding had to give way").isPositive();
    }

    /** Every filling of the open places of a small table, by exhaustive search. */
    private static final class Fillings {
        final int slots;
        final int ranks;
        final int[] zone;
        final boolean zoned;
        final int[] set;
        final int[] setLen;
        final int[] held;
        final long[][] bounds;
        final List<int[]> valid = new java.util.ArrayList<>();

        Fillings(
                int slots, int ranks, int[] zone, boolean zoned, int[] set, int[] setLen, int[] held, long[][] bounds) {
            this.slots = slots;
            this.ranks = ranks;
            this.zone = zone;
            this.zoned = zoned;
            this.set = set.clone();
            this.setLen = setLen.clone();
            this.held = held;
            this.bounds = bounds;

            if (!zoned || keptDistinct()) {
                fill(0, held.clone());
            }
        }

        boolean any() {
            return !valid.isEmpty();
        }

        boolean exactly(int[] totals) {
            return valid.stream().anyMatch(t -> java.util.Arrays.equals(t, totals));
        }

        private boolean keptDistinct() {
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

        private void fill(int s, int[] totals) {
            if (s == slots) {
                for (int m = 0; m < totals.length; m++) {
                    if (totals[m] < bounds[0][m] || totals[m] > bounds[1][m]) {
                        return;
                    }
                }
                valid.add(totals.clone());
                return;
            }
            if (setLen[s] == ranks) {
                fill(s + 1, totals);
                return;
            }
            for (int m = 0; m < totals.length; m++) {
                if (fits(s, m)) {
                    set[s * ranks + setLen[s]++] = m;
                    totals[m]++;
                    fill(s, totals);
                    totals[m]--;
                    setLen[s]--;
                }
            }
        }

        private boolean fits(int s, int m) {
            for (int i = 0; i < setLen[s]; i++) {
                int o = set[s * ranks + i];
                if (o == m || (zoned && zone[o] == zone[m])) {
                    return false;
                }
            }
            return true;
        }
    }
}
