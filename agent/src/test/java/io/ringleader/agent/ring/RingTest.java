package io.ringleader.agent.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RingTest {

    /** 4 slots, R = 2, members a b c: slot 0 [a b], 1 [b c], 2 [c a], 3 [a c]. */
    static Ring small() {
        return Ring.of(5, 4, 2, List.of("a", "b", "c"), new int[] {0, 1, 1, 2, 2, 0, 0, 2});
    }

    @Test
    void accessors_readTheTable() {
        Ring ring = small();
        assertThat(ring.formatVersion()).isEqualTo(1);
        assertThat(ring.epoch()).isEqualTo(5);
        assertThat(ring.slotCount()).isEqualTo(4);
        assertThat(ring.replication()).isEqualTo(2);
        assertThat(ring.members()).containsExactly("a", "b", "c");
        assertThat(ring.replicaIndex(1, 0)).isEqualTo(1);
        assertThat(ring.replicaIndex(1, 1)).isEqualTo(2);
        assertThat(ring.replicas(2)).containsExactly("c", "a");
        assertThat(ring.primaryId(3)).isEqualTo("a");
        assertThat(ring.indexOf("c")).isEqualTo(2);
        assertThat(ring.indexOf("zz")).isEqualTo(Ring.NONE);
        assertThat(ring.slotCounts(0)).containsExactly(Map.entry("a", 2), Map.entry("b", 1), Map.entry("c", 1));
        assertThat(ring.slotCounts(1)).containsExactly(Map.entry("a", 1), Map.entry("b", 1), Map.entry("c", 2));
        assertThat(ring.replicaTable()).containsExactly(0, 1, 1, 2, 2, 0, 0, 2);
    }

    @Test
    void slotOf_usesTheTopBitsOfTheKeyHash() {
        Ring ring = small();
        for (String key : List.of("", "a", "abc", "user:42", "東京")) {
            long h = KeyHash.hash(key);
            assertThat(ring.slotOf(key)).isEqualTo((int) (h >>> 62)).isEqualTo(ring.slotOf(h));
        }
        Ring one = Ring.of(0, 1, 1, List.of("a"), new int[] {0});
        assertThat(one.slotOf(-1L)).isZero();
        assertThat(one.slotOf("x")).isZero();
    }

    @Test
    void replicaTable_isACopy_andMembersAreUnmodifiable() {
        int[] table = {0, 1, 1, 2, 2, 0, 0, 2};
        Ring ring = Ring.of(5, 4, 2, List.of("a", "b", "c"), table);
        table[0] = 2;
        ring.replicaTable()[1] = 2;
        assertThat(ring).isEqualTo(small());
        assertThatThrownBy(() -> ring.members().add("d")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ring.replicas(0).add("d")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void equalsAndHashCode_compareContent() {
        assertThat(small()).isEqualTo(small()).hasSameHashCodeAs(small());
        assertThat(small()).isNotEqualTo(Ring.of(6, 4, 2, List.of("a", "b", "c"), new int[] {0, 1, 1, 2, 2, 0, 0, 2}));
        assertThat(small()).isNotEqualTo(Ring.of(5, 4, 2, List.of("a", "b", "c"), new int[] {0, 1, 1, 2, 2, 0, 2, 0}));
        assertThat(small()).isNotEqualTo(Ring.of(5, 4, 2, List.of("a", "b", "d"), new int[] {0, 1, 1, 2, 2, 0, 0, 2}));
    }

    @Test
    void fewerMembersThanReplication_leavesAnEmptyTail() {
        Ring ring = Ring.of(0, 2, 3, List.of("a", "b"), new int[] {0, 1, -1, 1, 0, -1});
        assertThat(ring.replicas(0)).containsExactly("a", "b");
        assertThat(ring.replicaIndex(0, 2)).isEqualTo(Ring.NONE);
        Ring empty = Ring.of(0, 2, 1, List.of(), new int[] {-1, -1});
        assertThat(empty.primaryId(0)).isNull();
        assertThat(empty.replicas(1)).isEmpty();
    }

    @Test
    void invalidRings_areRefused_namingTheBadValue() {
        List<String> abc = List.of("a", "b", "c");
        assertThatThrownBy(() -> Ring.of(0, 3, 1, abc, new int[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slotCount must be a power of two between 1 and 65536, was 3");
        assertThatThrownBy(() -> Ring.of(0, 131072, 1, abc, new int[131072])).hasMessageContaining("was 131072");
        assertThatThrownBy(() -> Ring.of(0, 0, 1, abc, new int[0])).hasMessageContaining("was 0");
        assertThatThrownBy(() -> Ring.of(0, 2, 8, abc, new int[16]))
                .hasMessage("replication must be between 1 and 7, was 8");
        assertThatThrownBy(() -> Ring.of(0, 2, 0, abc, new int[0])).hasMessageContaining("was 0");
        assertThatThrownBy(() -> Ring.of(-1, 2, 1, abc, new int[2])).hasMessage("epoch must be >= 0, was -1");
        assertThatThrownBy(() -> Ring.of(0, 2, 2, abc, new int[3]))
                .hasMessage("replica table must have slotCount * replication = 4 entries, has 3");
        assertThatThrownBy(() -> Ring.of(0, 2, 2, abc, new int[] {0, 1, 3, 0}))
                .hasMessageContaining("slot 1 rank 0")
                .hasMessageContaining("is 3");
        assertThatThrownBy(() -> Ring.of(0, 2, 2, abc, new int[] {0, 1, -2, 0})).hasMessageContaining("is -2");
        assertThatThrownBy(() -> Ring.of(0, 2, 2, abc, new int[] {0, 1, 2, 2}))
                .hasMessage("slot 1 lists c twice (ranks 0 and 1)");
        assertThatThrownBy(() -> Ring.of(0, 2, 2, abc, new int[] {0, 1, -1, 2}))
                .hasMessage("slot 1 rank 1 lists c after an empty rank");
        assertThatThrownBy(() -> Ring.of(0, 1, 1, List.of("a", "a"), new int[] {0}))
                .hasMessage("member 'a' appears twice in the member table");
        assertThatThrownBy(() -> Ring.of(0, 1, 1, List.of("a", ""), new int[] {0}))
                .hasMessage("member id at position 1 is empty");
        assertThatThrownBy(() -> small().replicaIndex(4, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> small().replicaIndex(0, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
