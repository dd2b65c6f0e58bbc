package io.ringleader.agent.routing;

import static io.ringleader.agent.routing.RoutingTableTest.member;
import static io.ringleader.agent.routing.RoutingTableTest.rotatingRing;
import static io.ringleader.agent.routing.RoutingTableTest.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class PickerTest {
    private final AtomicReference<RoutingTable> table = new AtomicReference<>();

    private Picker picker(PickStrategy strategy) {
        return new StrategyPicker(table::get, strategy, Picker.Builder.DEFAULT_LOAD_EPSILON, null);
    }

    private void serve(Ring ring, Member... present) {
        table.set(RoutingTable.of(ring, List.of(present), 1));
    }

    private static List<String> ids(Picker picker, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(picker.pick().id());
        }
        return out;
    }

    @Test
    void weighted_isNginxSmoothWeightedRoundRobin() {
        serve(null, member("a", MemberState.UP, 5), member("b", MemberState.UP, 1), member("c", MemberState.UP, 1));
        Picker picker = picker(PickStrategy.WEIGHTED);
        assertThat(ids(picker, 14))
                .containsExactly("a", "a", "b", "a", "c", "a", "a", "a", "a", "b", "a", "c", "a", "a");
    }

    @Test
    void weighted_givesEachMemberItsWeightInEveryWindow() {
        serve(
                null,
                member("a", MemberState.UP, 3),
                member("b", MemberState.UP, 2),
                member("c", MemberState.UP, 4),
                member("d", MemberState.DRAINING, 9));
        Picker picker = picker(PickStrategy.WEIGHTED);
        for (int window = 0; window < 5; window++) {
            Map<String, Integer> counts = new HashMap<>();
            ids(picker, 9).forEach(id -> counts.merge(id, 1, Integer::sum));
            assertThat(counts).isEqualTo(Map.of("a", 3, "b", 2, "c", 4));
        }
    }

    @Test
    void roundRobin_visitsEveryUpMemberOncePerCycle() {
        serve(null, up("a"), up("b"), member("x", MemberState.JOINING, 1), up("c"), up("d"));
        Picker picker = picker(PickStrategy.ROUND_ROBIN);
        for (int cycle = 0; cycle < 3; cycle++) {
            assertThat(ids(picker, 4)).containsExactlyInAnyOrder("a", "b", "c", "d");
        }
        // A member going down leaves the cycle at once.
        serve(null, up("a"), up("c"));
        assertThat(ids(picker, 4)).containsOnly("a", "c").hasSize(4);
    }

    @Test
    void random_picksOnlyUpMembers_andReachesEach() {
        serve(null, up("a"), up("b"), member("s", MemberState.SPARE, 1), up("c"));
        RandomGenerator seeded = new SplittableRandom(42);
        Picker picker = new StrategyPicker(table::get, PickStrategy.RANDOM, 0, seeded);
        Map<String, Integer> counts = new HashMap<>();
        ids(picker, 3000).forEach(id -> counts.merge(id, 1, Integer::sum));
        assertThat(counts.keySet()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(800, 1200));
    }

    @Test
    void leastOutstanding_prefersTheIdleMember_andRotatesTies() {
        serve(null, up("a"), up("b"), up("c"));
        Picker picker = picker(PickStrategy.LEAST_OUTSTANDING);
        Picker.Lease a = picker.start(table.get().upMembers().get(0));
        Picker.Lease b1 = picker.start(table.get().upMembers().get(1));
        picker.start(table.get().upMembers().get(1));
        for (int i = 0; i < 5; i++) {
            assertThat(picker.pick().id()).isEqualTo("c");
        }
        try (Picker.Lease c = picker.lease()) {
            assertThat(c.member().id()).isEqualTo("c");
            // a: 1, b: 2, c: 1 -> a or c, never b
            assertThat(ids(picker, 6)).containsOnly("a", "c").contains("a", "c");
        }
        a.close();
        a.close(); // idempotent
        b1.close();
        assertThat(picker.outstanding("a")).isZero();
        assertThat(picker.outstanding("b")).isEqualTo(1);
        assertThat(picker.outstanding("c")).isZero();
        assertThat(ids(picker, 4)).containsOnly("a", "c");
    }

    @Test
    void consistentHash_isTheRoute() {
        Ring ring = rotatingRing(1, 64, List.of("a", "b", "c"));
        serve(ring, up("a"), up("b"), up("c"));
        Picker picker = picker(PickStrategy.CONSISTENT_HASH);
        for (int i = 0; i < 100; i++) {
            assertThat(picker.pick("k" + i)).isSameAs(table.get().route("k" + i));
        }
    }

    @Test
    void boundedLoad_staysOnThePrimaryWithinTheBound_andSpillsToTheNextReplicaOver() {
        // One slot: every key has replicas a, b, c in that order.
        Ring ring = Ring.of(1, 1, 3, List.of("a", "b", "c"), new int[] {0, 1, 2});
        serve(ring, up("a"), up("b"), up("c"));
        Member a = table.get().upMembers().get(0);
        Member b = table.get().upMembers().get(1);
        Picker picker = picker(PickStrategy.BOUNDED_LOAD);
        assertThat(picker.pick("k").id()).isEqualTo("a");

        picker.onStart(a);
        // total 1, mean 1/3, bound ceil(1.25/3) = 1: a (1) is within.
        assertThat(picker.pick("k").id()).isEqualTo("a");
        picker.onStart(a);
        picker.onStart(a);
        // total 3, mean 1, bound ceil(1.25) = 2: a (3) is over, b (0) takes it.
        assertThat(picker.pick("k").id()).isEqualTo("b");
        picker.onStart(b);
        picker.onStart(b);
        picker.onStart(b);
        // total 6, mean 2, bound ceil(2.5) = 3: a (3) is within again.
        assertThat(picker.pick("k").id()).isEqualTo("a");
        picker.onFinish(b);
        picker.onFinish(b);
        picker.onFinish(b);
        // total 3 again, and a's spill target b not UP: it goes to c.
        serve(ring, up("a"), member("b", MemberState.DRAINING, 1), up("c"));
        assertThat(picker.pick("k").id()).isEqualTo("c");
    }

    @Test
    void boundedLoad_fallsBackToThePrimaryWhenEveryReplicaIsOver() {
        Ring ring = Ring.of(1, 1, 2, List.of("a", "b", "c"), new int[] {0, 1});
        serve(ring, up("a"), up("b"), up("c"));
        Picker picker = new StrategyPicker(table::get, PickStrategy.BOUNDED_LOAD, 0, null);
        for (Member m : table.get().upMembers().subList(0, 2)) {
            for (int i = 0; i < 3; i++) {
                picker.onStart(m);
            }
        }
        // total 6, mean 2, bound 2: a and b (3 each) are over, c is not a replica.
        assertThat(picker.pick("k").id()).isEqualTo("a");
    }

    @Test
    void misuse_failsWithAPreciseMessage() {
        serve(null);
        assertThatThrownBy(() -> picker(PickStrategy.ROUND_ROBIN).pick())
                .isInstanceOf(NoRouteException.class)
                .hasMessageContaining("no member is present and UP");
        assertThatThrownBy(() -> picker(PickStrategy.ROUND_ROBIN).pick("k"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("ROUND_ROBIN picks without a key: call pick()");
        assertThatThrownBy(() -> picker(PickStrategy.BOUNDED_LOAD).pick())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("BOUNDED_LOAD picks by key: call pick(key)");
        assertThatThrownBy(() -> picker(PickStrategy.CONSISTENT_HASH).pick("k")).isInstanceOf(NoRouteException.class);
        Picker picker = picker(PickStrategy.LEAST_OUTSTANDING);
        assertThatThrownBy(() -> picker.onFinish(up("a")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no call to member 'a' is in flight");
    }
}
