package io.ringleader.samples.kv.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlotStatesTest {
    private final SlotStates slots = new SlotStates(128);

    @Test
    void aCatchUp_marksItsSlotsSynced() {
        long round = slots.generation();

        assertThat(slots.markSynced(5, round)).isTrue();
        assertThat(slots.markSynced(100, round)).isTrue();

        assertThat(slots.isSynced(5)).isTrue();
        assertThat(slots.isSynced(100)).isTrue();
        assertThat(slots.isSynced(6)).isFalse();
        assertThat(slots.syncedCount()).isEqualTo(2);
    }

    /**
     * The race a KV benchmark run hit: a catch-up round copied a node's slots, its session was lost meanwhile (writes
     * were then acknowledged without it), and the round marked the slots synced after the loss had forgotten them.
     * The node turned UP without copying them again and served a stale read as their primary.
     */
    @Test
    void aCatchUpBegunBeforeTheSessionWasLost_cannotMarkItsSlotsSyncedAfterwards() {
        long round = slots.generation();
        assertThat(slots.markSynced(1, round)).isTrue();

        slots.unsyncAll();

        assertThat(slots.markSynced(2, round)).isFalse();
        assertThat(slots.isSynced(1)).isFalse();
        assertThat(slots.isSynced(2)).isFalse();
        assertThat(slots.markSynced(2, slots.generation())).as("the next round").isTrue();
        assertThat(slots.isSynced(2)).isTrue();
    }

    @Test
    void aCatchUpBegunBeforeASlotLeftTheNode_cannotMarkItSyncedAfterwards() {
        long round = slots.generation();
        assertThat(slots.markSynced(64, round)).isTrue();

        slots.markUnsynced(64);

        assertThat(slots.isSynced(64)).isFalse();
        assertThat(slots.markSynced(64, round)).isFalse();
        assertThat(slots.isSynced(64)).isFalse();
    }
}
