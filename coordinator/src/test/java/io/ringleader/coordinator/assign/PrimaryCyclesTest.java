package io.ringleader.coordinator.assign;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.agent.ring.Ring;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PrimaryCyclesTest {
    private static final int A = 0;
    private static final int B = 1;
    private static final int C = 2;

    /** Two slots whose leaders swapped: a cycle of two hand-overs gives both back. */
    @Test
    void leadersThatSwappedSlots_getTheirSlotsBack() {
        int[] prev = {A, B, B, A};
        int[] table = {B, A, A, B};

        assertThat(PrimaryCycles.improve(2, 2, 2, table, prev, 2)).isEqualTo(2);

        assertThat(table).containsExactly(A, B, B, A);
    }

    /**
     * B leads slot 0, which A led; A leads slot 1, which C led; C leads nothing. B (1 entry, so 0 or 1 primaries) may
     * lead one fewer and C (1 entry) one more: the path B → A → C hands both slots back, and a lead moves from B to C.
     */
    @Test
    void aMemberThatMayLeadFewer_passesALeadToOneThatMayLeadMore() {
        int[] prev = {A, B, C, A};
        int[] table = {B, A, A, C};

        assertThat(PrimaryCycles.improve(2, 2, 3, table, prev, 2)).isEqualTo(2);

        assertThat(table).containsExactly(A, B, C, A);
    }

    /**
     * A previous primary is never traded for nothing: slot 0's primary C left, A leads it and B sits at rank 1; B leads
     * slot 1, which it led before. Handing slot 0 to B would make A lead slot 1: B's kept primary lost, none gained.
     */
    @Test
    void aHandOverThatKeepsNoMorePrimaries_isNotMade() {
        int[] prev = {C, A, B, A};
        int[] table = {A, B, B, A};

        assertThat(PrimaryCycles.improve(2, 2, 3, table, prev, 2)).isZero();

        assertThat(table).containsExactly(A, B, B, A);
    }

    /**
     * Random balanced tables (a first placement) and random previous leaders: the sets stay, every member's count at
     * every rank stays between the floor and the ceiling of its total over the ranks, no fewer primaries are kept, and
     * with two ranks the primaries kept are the most any choice of leaders within the members' bounds keeps (an exact
     * min-cost flow in the test, {@link RingChecks#fewestPrimaryMoves}); on tables of up to 16 slots, no subset of
     * hand-overs through any one backup rank keeps more (every subset tried).
     */
    @Test
    void keepsTheMostPrimaries_withSetsUnchangedAndRankCountsInBounds() {
        Random random = new Random(20261124);
        int improved = 0;
        for (int trial = 0; trial < 300; trial++) {
            int n = 3 + random.nextInt(6);
            int ranks = 2 + random.nextInt(2);
            int slots = 8 << random.nextInt(4);
            List<Participant> ps = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int m = 0; m < n; m++) {
                ids.add("m" + m);
                ps.add(Participant.active("m" + m, 1 + random.nextInt(4), null));
            }
            Ring placed = Placement.assign(null, ps, new PlacementConfig(slots, ranks))
                    .ring();
            int[] table = new int[slots * ranks];
            int[] prev = new int[slots * ranks];
            for (int s = 0; s < slots; s++) {
                List<Integer> members = new ArrayList<>();
                for (int r = 0; r < ranks; r++) {
                    table[s * ranks + r] = placed.replicaIndex(s, r);
                    members.add(placed.replicaIndex(s, r));
                }
                Collections.shuffle(members, random); // the previous leader: one of the slot's members, or another
                for (int r = 0; r < ranks; r++) {
                    prev[s * ranks + r] = random.nextInt(4) == 0 ? random.nextInt(n) : members.get(r);
                }
                if (new HashSet<>(Arrays.stream(prev, s * ranks, s * ranks + ranks)
                                        .boxed()
                                        .toList())
                                .size()
                        < ranks) {
                    for (int r = 0; r < ranks; r++) {
                        prev[s * ranks + r] = members.get(r);
                    }
                }
            }
            int[] before = table.clone();
            int keptBefore = kept(table, prev, slots, ranks);

            int changed = PrimaryCycles.improve(slots, ranks, n, table, prev, ranks);

            String ctx = "trial " + trial + " n=" + n + " S=" + slots + " R=" + ranks;
            for (int s = 0; s < slots; s++) {
                assertThat(sorted(table, s, ranks)).as(ctx).isEqualTo(sorted(before, s, ranks));
            }
            int[] total = countsAt(table, -1, slots, ranks, n);
            for (int r = 0; r < ranks; r++) {
                int[] count = countsAt(table, r, slots, ranks, n);
                for (int m = 0; m < n; m++) {
                    assertThat(count[m])
                            .as(ctx + " m" + m + " at rank " + r + " of " + total[m])
                            .isBetween(total[m] / ranks, (total[m] + ranks - 1) / ranks);
                }
            }
            int keptAfter = kept(table, prev, slots, ranks);
            assertThat(keptAfter).as(ctx).isGreaterThanOrEqualTo(keptBefore);
            if (slots <= 16) {
                for (int k = 1; k < ranks; k++) {
                    assertThat(mostKeptThroughRank(table, prev, slots, ranks, n, k))
                            .as(ctx + " through rank " + k)
                            .isEqualTo(keptAfter);
                }
            }
            if (ranks == 2) {
                Ring prevRing = Ring.of(1, slots, ranks, ids, prev);
                Ring after = Ring.of(2, slots, ranks, ids, table);
                assertThat(slots - keptAfter).as(ctx).isEqualTo(RingChecks.fewestPrimaryMoves(prevRing, after));
            }
            improved += changed > 0 ? 1 : 0;
        }
        assertThat(improved).as("trials where the leaders changed").isPositive();
    }

    /**
     * The most previous primaries any subset of hand-overs between rank 0 and rank k keeps (every other rank as it
     * is), with every member's count at ranks 0 and k within the floor and the ceiling of its total over the ranks:
     * every subset of the slots tried.
     */
    private static int mostKeptThroughRank(int[] table, int[] prev, int slots, int ranks, int n, int k) {
        int[] total = countsAt(table, -1, slots, ranks, n);
        int best = -1;
        for (int mask = 0; mask < 1 << slots; mask++) {
            int[] lead = new int[n];
            int[] atK = new int[n];
            int kept = 0;
            for (int s = 0; s < slots; s++) {
                boolean swap = (mask >> s & 1) != 0;
                int leader = table[s * ranks + (swap ? k : 0)];
                lead[leader]++;
                atK[table[s * ranks + (swap ? 0 : k)]]++;
                kept += leader == prev[s * ranks] ? 1 : 0;
            }
            boolean balanced = true;
            for (int m = 0; m < n; m++) {
                int low = total[m] / ranks;
                int high = (total[m] + ranks - 1) / ranks;
                balanced &= lead[m] >= low && lead[m] <= high && atK[m] >= low && atK[m] <= high;
            }
            if (balanced) {
                best = Math.max(best, kept);
            }
        }
        return best;
    }

    private static int kept(int[] table, int[] prev, int slots, int ranks) {
        int kept = 0;
        for (int s = 0; s < slots; s++) {
            kept += table[s * ranks] == prev[s * ranks] ? 1 : 0;
        }
        return kept;
    }

    private static int[] sorted(int[] table, int s, int ranks) {
        int[] set = Arrays.copyOfRange(table, s * ranks, s * ranks + ranks);
        Arrays.sort(set);
        return set;
    }

    /** Each member's count at rank r, or over every rank for r = -1. */
    private static int[] countsAt(int[] table, int r, int slots, int ranks, int n) {
        int[] count = new int[n];
        for (int s = 0; s < slots; s++) {
            for (int i = 0; i < ranks; i++) {
                if (r < 0 || i == r) {
                    count[table[s * ranks + i]]++;
                }
            }
        }
        return count;
    }
}
