package io.ringleader.agent.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringleader.agent.membership.Endpoint;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

public class RoutingTableTest {

    static Member member(String id, MemberState state, int weight) {
        return new Member(
                id,
                new Endpoint("127.0.0.1", 7000 + id.hashCode() % 100 + 100),
                weight,
                null,
                state,
                Instant.EPOCH,
                Map.of());
    }

    static Member up(String id) {
        return member(id, MemberState.UP, 1);
    }

    /** Slot s lists members s, s+1, s+2 (mod n) of {@code ids}. */
    public static Ring rotatingRing(long epoch, int slots, List<String> ids) {
        int r = Math.min(3, ids.size());
        int[] table = new int[slots * r];
        for (int s = 0; s < slots; s++) {
            for (int k = 0; k < r; k++) {
                table[s * r + k] = (s + k) % ids.size();
            }
        }
        return Ring.of(epoch, slots, r, ids, table);
    }

    /**
     * A table computed from the previous one (only the slots listing a member whose UP record changed) equals the one
     * computed from scratch, over random sequences of arrivals, departures, state and record changes, large and
     * small, and ring changes.
     */
    @Test
    void aTableFollowingThePreviousOne_equalsOneComputedFromScratch() {
        Random random = new Random(7);
        int n = 24;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("m" + i);
        }
        MemberState[] states = MemberState.values();
        Member[] record = new Member[n];
        boolean[] present = new boolean[n];
        for (int i = 0; i < n; i++) {
            record[i] = up(ids.get(i));
            present[i] = true;
        }
        Ring ring = randomRing(random, 1, 1024, 3, ids);
        RoutingTable previous = RoutingTable.EMPTY;
        int followed = 0; // steps whose table could follow the previous one's (the same ring instance)
        for (int step = 0; step < 600; step++) {
            if (step % 100 == 99) {
                ring = random.nextBoolean()
                        ? randomRing(random, step, 1024, 3, ids)
                        : Ring.of(ring.epoch(), 1024, 3, ids, ring.replicaTable()); // equal content, another instance
            }
            int changes = random.nextInt(10) == 0 ? n / 2 + random.nextInt(n / 2) : 1 + random.nextInt(3);
            for (int c = 0; c < changes; c++) {
                int i = random.nextInt(n);
                switch (random.nextInt(3)) {
                    case 0 -> present[i] = !present[i];
                    case 1 -> record[i] = member(ids.get(i), states[random.nextInt(states.length)], 1);
                    default -> record[i] = member(ids.get(i), record[i].state(), 1 + random.nextInt(5));
                }
            }
            List<Member> view = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (present[i]) {
                    view.add(record[i]);
                }
            }
            RoutingTable next = RoutingTable.of(ring, view, step, previous);
            RoutingTable full = RoutingTable.of(ring, view, step);
            for (int s = 0; s < 1024; s++) {
                assertThat(next.primary(s)).as("step %d slot %d", step, s).isSameAs(full.primary(s));
                List<Member> replicas = next.replicas(s);
                List<Member> expected = full.replicas(s);
                assertThat(replicas).as("step %d slot %d replicas", step, s).hasSameSizeAs(expected);
                for (int i = 0; i < expected.size(); i++) {
                    // the same records, not equal ones: a shared list must not keep a replaced record
                    assertThat(replicas.get(i))
                            .as("step %d slot %d rank %d", step, s, i)
                            .isSameAs(expected.get(i));
                }
            }
            assertThat(next.slotsWithoutPrimary()).as("step %d", step).isEqualTo(full.slotsWithoutPrimary());
            assertThat(next.sameRouting(full)).isTrue();
            followed += previous.ring().orElse(null) == ring ? 1 : 0;
            previous = next;
        }
        assertThat(followed).isGreaterThan(500);
    }

    /** A ring whose slots list R distinct random members, some slots fewer (an empty tail). */
    private static Ring randomRing(Random random, long epoch, int slots, int r, List<String> ids) {
        int[] table = new int[slots * r];
        for (int s = 0; s < slots; s++) {
            int listed = random.nextInt(8) == 0 ? 1 + random.nextInt(r) : r;
            List<Integer> pick = new ArrayList<>();
            while (pick.size() < listed) {
                int m = random.nextInt(ids.size());
                if (!pick.contains(m)) {
                    pick.add(m);
                }
            }
            for (int k = 0; k < r; k++) {
                table[s * r + k] = k < listed ? pick.get(k) : Ring.NONE;
            }
        }
        return Ring.of(epoch, slots, r, ids, table);
    }

    @Test
    void primary_isTheFirstReplicaThatIsPresentAndUp_orAnActivatedSpare() {
        Ring ring = rotatingRing(1, 8, List.of("a", "b", "c"));
        RoutingTable all = RoutingTable.of(ring, List.of(up("a"), up("b"), up("c")), 1);
        for (int s = 0; s < 8; s++) {
            assertThat(all.primary(s).id()).isEqualTo(ring.primaryId(s));
        }

        // a absent; b present but not UP in any of the three other states.
        for (MemberState notUp : List.of(MemberState.JOINING, MemberState.DRAINING, MemberState.DOWN)) {
            RoutingTable t = RoutingTable.of(ring, List.of(member("b", notUp, 1), up("c")), 2);
            for (int s = 0; s < 8; s++) {
                assertThat(t.primary(s).id()).as("slot %d with b %s", s, notUp).isEqualTo("c");
                assertThat(t.replicas(s))
                        .extracting(Member::id)
                        .containsExactlyElementsOf(ring.replicas(s).stream()
                                .filter(id -> !id.equals("a"))
                                .toList());
            }
            assertThat(t.upMembers()).extracting(Member::id).containsExactly("c");
        }

        // A SPARE the ring lists was activated by the coordinator: it leads like an UP member, but is not offered to
        // keyless picks.
        RoutingTable spare = RoutingTable.of(ring, List.of(member("b", MemberState.SPARE, 1), up("c")), 3);
        for (int s = 0; s < 8; s++) {
            String expected = ring.replicas(s).stream()
                    .filter(id -> !id.equals("a"))
                    .findFirst()
                    .orElseThrow();
            assertThat(spare.primary(s).id()).as("slot %d with b SPARE", s).isEqualTo(expected);
        }
        assertThat(spare.upMembers()).extracting(Member::id).containsExactly("c");
    }

    @Test
    void routeOfAKey_isThePrimaryOfItsSlot() {
        Ring ring = rotatingRing(3, 16, List.of("a", "b", "c", "d"));
        RoutingTable t = RoutingTable.of(ring, List.of(up("a"), up("b"), up("c"), up("d")), 1);
        for (int i = 0; i < 200; i++) {
            String key = "key-" + i;
            int slot = ring.slotOf(key);
            assertThat(t.slotOf(key)).isEqualTo(slot);
            assertThat(t.route(key).id()).isEqualTo(ring.primaryId(slot));
            byte[] bytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(t.route(bytes)).isSameAs(t.route(key));
        }
    }

    @Test
    void noPrimary_throwsNamingTheSlot() {
        Ring ring = rotatingRing(7, 4, List.of("a", "b"));
        RoutingTable t = RoutingTable.of(ring, List.of(member("a", MemberState.DRAINING, 1)), 1);
        assertThat(t.slotsWithoutPrimary()).isEqualTo(4);
        assertThat(t.primary(0)).isNull();
        int slot = t.slotOf("k");
        assertThatThrownBy(() -> t.route("k"))
                .isInstanceOf(NoRouteException.class)
                .hasMessageContaining("no route for slot " + slot + " at ring epoch 7")
                .hasMessageContaining("is present and UP")
                .satisfies(e -> assertThat(((NoRouteException) e).slot()).isEqualTo(slot));
    }

    @Test
    void withoutARing_everyLookupThrowsNoRoute() {
        RoutingTable t = RoutingTable.of(null, List.of(up("a")), 1);
        assertThat(t.ringEpoch()).isEqualTo(-1);
        assertThat(t.upMembers()).extracting(Member::id).containsExactly("a");
        assertThatThrownBy(() -> t.route("k"))
                .isInstanceOf(NoRouteException.class)
                .hasMessageContaining("no ring");
        assertThatThrownBy(() -> t.slotOf("k")).isInstanceOf(NoRouteException.class);
        assertThatThrownBy(() -> t.replicas(0)).isInstanceOf(NoRouteException.class);
    }

    @Test
    void sameRouting_ignoresANewTableWithTheSameContent() {
        Ring ring = rotatingRing(1, 8, List.of("a", "b"));
        RoutingTable t1 = RoutingTable.of(ring, List.of(up("a"), up("b")), 1);
        RoutingTable t2 = RoutingTable.of(ring, List.of(up("b"), up("a")), 2);
        RoutingTable t3 = RoutingTable.of(ring, List.of(up("b")), 3);
        assertThat(t1.sameRouting(t2)).isTrue();
        assertThat(t1.sameRouting(t3)).isFalse();
    }

    @Test
    void route_allocatesNothing() {
        assertAllocatesNothing("routes", (t, key) -> t.route(key).weight());
    }

    @Test
    void replicas_allocateNothing() {
        assertAllocatesNothing(
                "replica lookups", (t, key) -> t.replicas(t.slotOf(key)).size());
    }

    /** A million lookups on one table: anything allocated per call would be megabytes. */
    private static void assertAllocatesNothing(
            String what, java.util.function.ToLongBiFunction<RoutingTable, String> lookup) {
        var bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        var threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        Ring ring = rotatingRing(1, 16384, List.of("a", "b", "c"));
        RoutingTable t = RoutingTable.of(ring, List.of(up("a"), up("b"), up("c")), 1);
        String[] keys = new String[64];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "customer-" + (10_000_000 + i);
        }
        long sink = 0;
        for (int i = 0; i < 200_000; i++) {
            sink += lookup.applyAsLong(t, keys[i & 63]);
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1_000_000; i++) {
            sink += lookup.applyAsLong(t, keys[i & 63]);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(sink).isPositive();
        // The margin covers the measurement itself.
        assertThat(allocated).as("bytes allocated by 1,000,000 %s", what).isLessThan(4096);
    }
}
