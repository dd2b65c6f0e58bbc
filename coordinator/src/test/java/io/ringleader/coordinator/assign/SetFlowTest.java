package io.ringleader.coordinator.assign;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SetFlowTest {
    private static final int A1 = 0;
    private static final int A2 = 1;
    private static final int B1 = 2;
    private static final int C1 = 3;
    private static final int[] ZONE = {0, 0, 1, 2};
    private static final long[] HASH = {11, 22, 33, 44};
    // before: slot 0 led by a1 (b1 its backup), slot 1 led by c1 (a1 its backup); a1 must give one entry to a2
    private static final int[] START = {A1, B1, C1, A1};
    private static final int[] START_LEN = {2, 2};
    private static final int[] START_RANK = {0, 1, 0, 1};

    /**
     * Two tables keep all but one entry: a1 gives up slot 0, which it led, or slot 1, where it was a backup. a1 may
     * lead one slot (its total is 1 over 2 ranks), so only the second keeps every primary: the flow moves there from
     * the first.
     */
    @Test
    void amongTheFewestNewEntries_keepsAPreviousPrimaryWithinItsShare() {
        int[] set = {A2, B1, C1, A1};
        int[] len = {2, 2};

        boolean[] changed =
                SetFlow.improve(2, 2, 3, ZONE, HASH, START, START_LEN, START_RANK, set, len, null, Long.MAX_VALUE);

        assertThat(changed).containsExactly(true, true);
        assertThat(set).containsExactly(A1, B1, C1, A2);
    }

    /**
     * The same table where a1 may hold one or two entries and a2 none or one (the balance rule's floor and ceil): a1
     * keeps both its slots and a2 takes none, so no entry is new; with the totals fixed (above) one is.
     */
    @Test
    void withTotalsFreeWithinBounds_theTotalsThatKeepEveryEntryAreChosen() {
        int[] set = {A2, B1, C1, A1};
        int[] len = {2, 2};
        int[][] bounds = {{1, 0, 1, 1}, {2, 1, 1, 1}};

        boolean[] changed =
                SetFlow.improve(2, 2, 3, ZONE, HASH, START, START_LEN, START_RANK, set, len, bounds, Long.MAX_VALUE);

        assertThat(changed).containsExactly(true, false);
        assertThat(set).containsExactly(A1, B1, C1, A1);
    }

    /** The table that already keeps every primary within its share is left as it is. */
    @Test
    void aTableKeepingEveryPrimary_isLeftAsItIs() {
        int[] set = {A1, B1, C1, A2};
        int[] len = {2, 2};

        assertThat(SetFlow.improve(2, 2, 3, ZONE, HASH, START, START_LEN, START_RANK, set, len, null, Long.MAX_VALUE))
                .isNull();
        assertThat(set).containsExactly(A1, B1, C1, A2);
    }

    /**
     * a1 led slots 0 and 1 and backed slot 2, and keeps two entries: it may lead one slot (2 over 2 ranks). Giving up
     * slot 0 or slot 2 moves one entry either way and leaves it a slot to lead, so keeping its second led slot is
     * worth nothing, and the repaired table (a1 out of slot 0) stays.
     */
    @Test
    void primariesBeyondAMembersShare_areWorthNothing() {
        int[] start = {A1, B1, A1, C1, C1, A1};
        int[] startRank = {0, 1, 0, 1, 0, 1};
        int[] startLen = {2, 2, 2};
        int[] set = {A2, B1, A1, C1, C1, A1};
        int[] len = {2, 2, 2};

        assertThat(SetFlow.improve(3, 2, 3, ZONE, HASH, start, startLen, startRank, set, len, null, Long.MAX_VALUE))
                .isNull();
        assertThat(set).containsExactly(A2, B1, A1, C1, C1, A1);
    }

    /**
     * The work budget stops the cycle search, not the answer's validity: with no work allowed the first test's table is
     * left as it is (the flow returns no change), and with enough it is improved exactly as there.
     */
    @Test
    void aSpentBudget_leavesTheTableReachedSoFar() {
        int[] set = {A2, B1, C1, A1};
        int[] len = {2, 2};

        assertThat(SetFlow.improve(2, 2, 3, ZONE, HASH, START, START_LEN, START_RANK, set, len, null, 0))
                .isNull();
        assertThat(set).containsExactly(A2, B1, C1, A1);

        assertThat(SetFlow.improve(2, 2, 3, ZONE, HASH, START, START_LEN, START_RANK, set, len, null, 1_000))
                .containsExactly(true, true);
        assertThat(set).containsExactly(A1, B1, C1, A2);
    }
}
