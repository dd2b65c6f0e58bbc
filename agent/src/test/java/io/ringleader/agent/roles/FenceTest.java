package io.ringleader.agent.roles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FenceTest {

    @Test
    void anOlderEpoch_isRefused_andTheNewestOnlyGrows() {
        Fence fence = Fence.forSlots(4);
        assertThat(fence.admit(1, 10)).isTrue();
        assertThat(fence.admit(1, 10)).as("same epoch").isTrue();
        assertThat(fence.admit(1, 9)).as("older epoch").isFalse();
        assertThat(fence.admit(1, 12)).isTrue();
        assertThat(fence.admit(1, 10)).isFalse();
        assertThat(fence.newest(1)).isEqualTo(12);
        assertThat(fence.admit(2, 1)).as("slots are independent").isTrue();
        assertThatThrownBy(() -> fence.admit(4, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Fence.forSlots(0)).hasMessage("slotCount must be >= 1, was 0");
    }

    @Test
    void concurrentAdmissions_neverLowerTheNewest_andNeverAdmitBelowIt() throws Exception {
        Fence fence = Fence.forSlots(1);
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int offset = t;
            writers.add(CompletableFuture.runAsync(() -> {
                for (long e = offset; e < 20_000; e += 4) {
                    long before = fence.newest(0);
                    boolean admitted = fence.admit(0, e);
                    if (admitted) {
                        assertThat(e).isGreaterThanOrEqualTo(before);
                    }
                    assertThat(fence.newest(0)).isGreaterThanOrEqualTo(Math.max(before, admitted ? e : before));
                }
            }));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get();
        assertThat(fence.newest(0)).isEqualTo(19_999);
    }

    @Test
    void slotSets_doSetArithmetic() {
        SlotSet a = SlotSet.of(0, 1, 2, 64, 200);
        SlotSet b = SlotSet.of(1, 64);
        assertThat(a.minus(b)).isEqualTo(SlotSet.of(0, 2, 200));
        assertThat(b.union(SlotSet.of(3))).isEqualTo(SlotSet.of(1, 3, 64));
        assertThat(a.size()).isEqualTo(5);
        assertThat(a.contains(200)).isTrue();
        assertThat(a.contains(199)).isFalse();
        assertThat(a.contains(100_000)).isFalse();
        assertThat(a.toString()).isEqualTo("[0-2, 64, 200] (5 slots)");
        assertThat(SlotSet.of(5).minus(SlotSet.of(5))).isEqualTo(SlotSet.empty());
    }
}
