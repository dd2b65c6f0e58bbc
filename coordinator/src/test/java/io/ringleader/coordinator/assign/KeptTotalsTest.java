package io.ringleader.coordinator.assign;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void whereZonesCount_aNewcomerMustBeOfAZoneTheSlotLacks() {
        // zones: A z0, B z1, C z1; four slots, R = 2, so a full spread needs z0 and z1 in every slot
        int[] zone = {0, 1, 1};
        int[] weight = {40, 20, 20}; // shares A 4 (capped), B 2, C 2
        int[] set = {A, B, A, C, B, OPEN, C, OPEN};
        int[] setLen = {2, 2, 1, 1};
        int[] held = {2, 2, 2};
        int[] quotas = Quotas.totals(4, 2, weight, zone, held);
        assertThat(quotas).containsExactly(4, 2, 2);

        // slots 2 and 3 lack z0: only A fits, and A must take both
        assertThat(KeptTotals.choose(4, 2, weight, zone, held, quotas, set, setLen))
                .containsExactly(4, 2, 2);
    }
}
