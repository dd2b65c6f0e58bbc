package io.ringleader.coordinator.assign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringleader.agent.ring.Ring;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The primary pins as a pure step ({@link PrimaryPins#apply}) and with placement ({@link PrimaryPins#place}). */
class FailoverPinsTest {
    private static final PlacementConfig SHAPE = new PlacementConfig(256, 3);

    private static List<Participant> members(String... ids) {
        List<Participant> ps = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            ps.add(Participant.active(ids[i], 1, "z" + (i % 3)));
        }
        return ps;
    }

    private static PrimaryPins slotPin(int slot, String id) {
        return new PrimaryPins(new TreeMap<>(Map.of(slot, id)), new TreeSet<>());
    }

    private static PrimaryPins memberPin(String... ids) {
        return new PrimaryPins(new TreeMap<>(), new TreeSet<>(List.of(ids)));
    }

    /** Replica entries per member, at every rank. */
    private static Map<String, Integer> totals(Ring ring) {
        Map<String, Integer> totals = new HashMap<>();
        for (int s = 0; s < ring.slotCount(); s++) {
            ring.replicas(s).forEach(id -> totals.merge(id, 1, Integer::sum));
        }
        return totals;
    }

    private static boolean sameSets(Ring a, Ring b) {
        for (int s = 0; s < a.slotCount(); s++) {
            if (!new HashSet<>(a.replicas(s)).equals(new HashSet<>(b.replicas(s)))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void aPinnedSlotsPrimary_becomesItsNextReplica_andThePinnedMemberGoesLast() {
        Ring placed = Placement.assign(null, members("a", "b", "c", "d"), SHAPE).ring();
        List<String> before = placed.replicas(17);

        PrimaryPins.Pinned pinned = slotPin(17, before.get(0)).apply(placed);

        assertThat(pinned.ring().replicas(17)).containsExactly(before.get(1), before.get(2), before.get(0));
        assertThat(pinned.failovers().turns(17)).isEqualTo(1);
        assertThat(pinned.failovers().count()).isEqualTo(1);
        for (int s = 0; s < placed.slotCount(); s++) {
            if (s != 17) {
                assertThat(pinned.ring().replicas(s)).as("slot %d", s).isEqualTo(placed.replicas(s));
            }
        }
        assertThat(pinned.ring().epoch()).isEqualTo(placed.epoch());
        assertThat(pinned.failovers().undo(pinned.ring())).isEqualTo(placed);
    }

    @Test
    void aPinnedMember_leadsNoSlot_whileEveryMemberKeepsItsEntriesAndEverySlotItsReplicas() {
        Ring placed =
                Placement.assign(null, members("a", "b", "c", "d", "e"), SHAPE).ring();

        PrimaryPins.Pinned pinned = memberPin("a").apply(placed);

        assertThat(pinned.ring().slotCounts(0).get("a")).isZero();
        assertThat(pinned.failovers().count()).isEqualTo(placed.slotCounts(0).get("a"));
        assertThat(totals(pinned.ring())).isEqualTo(totals(placed));
        assertThat(sameSets(pinned.ring(), placed))
                .as("every slot lists the same members, so the same zones")
                .isTrue();
        for (int s = 0; s < placed.slotCount(); s++) {
            if ("a".equals(placed.primaryId(s))) {
                assertThat(pinned.ring().primaryId(s))
                        .isEqualTo(placed.replicas(s).get(1));
            }
        }
        assertThat(pinned.failovers().undo(pinned.ring())).isEqualTo(placed);
    }

    @Test
    void theStep_isANoOp_whereThePinnedMemberIsNotFirst_orIsAlone() {
        Ring placed = Placement.assign(null, members("a", "b", "c"), SHAPE).ring();
        int slot = 0;
        while ("a".equals(placed.primaryId(slot))) {
            slot++;
        }
        assertThat(slotPin(slot, "a").apply(placed).ring()).isEqualTo(placed);
        assertThat(slotPin(slot, "a").apply(placed).failovers().isEmpty()).isTrue();

        Ring alone =
                Placement.assign(null, members("a"), new PlacementConfig(16, 2)).ring();
        assertThat(alone.replicas(3)).containsExactly("a");
        assertThat(memberPin("a").apply(alone).ring()).isEqualTo(alone);

        Ring single = Placement.assign(null, members("a", "b"), new PlacementConfig(16, 1))
                .ring();
        assertThat(memberPin("a").apply(single).ring()).isEqualTo(single);

        assertThat(memberPin("a", "b", "c").apply(placed).ring())
                .as("every replica pinned: left as placed")
                .isEqualTo(placed);
        assertThat(slotPin(9999, "a").apply(placed).ring())
                .as("a slot beyond the ring")
                .isEqualTo(placed);
    }

    @Test
    void severalPinnedReplicasAtTheHead_turnTheListToTheFirstOneNotPinned() {
        Ring placed = Placement.assign(null, members("a", "b", "c", "d"), SHAPE).ring();
        int slot = 0;
        while (!(placed.replicas(slot).get(0).equals("a")
                && placed.replicas(slot).get(1).equals("b"))) {
            slot++;
        }
        List<String> before = placed.replicas(slot);
        PrimaryPins pins = new PrimaryPins(new TreeMap<>(Map.of(slot, "b")), new TreeSet<>(List.of("a")));

        PrimaryPins.Pinned pinned = pins.apply(placed);

        assertThat(pinned.ring().replicas(slot)).containsExactly(before.get(2), "a", "b");
        assertThat(pinned.failovers().turns(slot)).isEqualTo(2);
        assertThat(pinned.failovers().undo(pinned.ring())).isEqualTo(placed);
    }

    @Test
    void place_isDeterministic_andWithNothingNew_givesBackTheRingItStartedFrom() {
        for (int replication : new int[] {2, 3}) {
            PlacementConfig shape = new PlacementConfig(256, replication);
            List<Participant> ps = members("a", "b", "c", "d");
            Ring placed = Placement.assign(null, ps, shape).ring();
            for (PrimaryPins pins : List.of(memberPin("a"), slotPin(5, placed.primaryId(5)), memberPin("a", "c"))) {
                String ctx = "R=" + replication + " " + pins;
                Assignment first = pins.place(placed, Failovers.none(256), ps, shape);
                Assignment again = pins.place(placed, Failovers.none(256), ps, shape);
                assertThat(again.ring()).as(ctx).isEqualTo(first.ring());
                assertThat(again.plan().moves()).as(ctx).isEqualTo(first.plan().moves());
                assertThat(first.plan().moves()).as(ctx).isNotEmpty().allMatch(m -> m.reason() == Move.Reason.FAILOVER);
                assertThat(first.plan().primariesMoved())
                        .isEqualTo(first.failovers().count());

                Assignment steady = pins.place(first.ring(), first.failovers(), ps, shape);

                assertThat(steady.plan().isEmpty()).as(ctx).isTrue();
                assertThat(steady.ring().replicaTable()).isEqualTo(first.ring().replicaTable());
                assertThat(steady.failovers()).isEqualTo(first.failovers());
            }
        }
    }

    @Test
    void failback_givesTheSamePrimariesBackAsPlaced_labelledFailback() {
        List<Participant> ps = members("a", "b", "c");
        Ring placed = Placement.assign(null, ps, SHAPE).ring();
        Assignment over = memberPin("a").place(placed, Failovers.none(256), ps, SHAPE);

        Assignment back = PrimaryPins.none().place(over.ring(), over.failovers(), ps, SHAPE);

        assertThat(back.ring().replicaTable()).isEqualTo(placed.replicaTable());
        assertThat(back.failovers().isEmpty()).isTrue();
        assertThat(back.plan().moves()).isNotEmpty().allMatch(m -> m.reason() == Move.Reason.FAILBACK);
        assertThat(back.plan().moves().get(0).describe()).contains("failed back by the operator");
        assertThat(over.plan().moves().stream().filter(m -> m.rank() == 0))
                .allMatch(m -> m.describe().endsWith("(a failed over by the operator)"));
    }

    @Test
    void aJoinWhileFailedOver_placesAsWithoutThePin_andThePinnedMemberStillLeadsNothing() {
        List<Participant> ps = members("a", "b", "c");
        PrimaryPins pins = memberPin("a");
        Assignment over = pins.place(null, Failovers.none(256), ps, SHAPE);
        assertThat(over.ring().slotCounts(0).get("a")).isZero();

        List<Participant> joined = members("a", "b", "c", "d");
        Assignment next = pins.place(over.ring(), over.failovers(), joined, SHAPE);
        Ring unpinned = Placement.assign(over.failovers().undo(over.ring()), joined, SHAPE)
                .ring();

        assertThat(next.ring().slotCounts(0).get("a")).isZero();
        assertThat(next.failovers().undo(next.ring()).replicaTable()).isEqualTo(unpinned.replicaTable());
        assertThat(totals(next.ring())).isEqualTo(totals(unpinned));
        for (Move m : next.plan().moves()) {
            boolean left = !next.ring().replicas(m.slot()).contains(m.from());
            assertThat(m.reason())
                    .as("%s", m)
                    .isIn(
                            left
                                    ? List.of(Move.Reason.REBALANCED)
                                    : List.of(Move.Reason.REORDERED, Move.Reason.FAILOVER));
        }
        assertThat(next.plan().gainedBy().get("d")).isEqualTo(totals(unpinned).get("d"));
    }

    @Test
    void failoversThatDoNotFitTheRing_areIgnored_andBadValuesAreRefused() {
        List<Participant> ps = members("a", "b");
        Ring placed = Placement.assign(null, ps, new PlacementConfig(16, 2)).ring();
        Failovers tooDeep = Failovers.of(16, Map.of(3, 2));
        assertThat(tooDeep.fits(placed)).isFalse();
        assertThat(PrimaryPins.none()
                        .place(placed, tooDeep, ps, new PlacementConfig(16, 2))
                        .ring()
                        .replicaTable())
                .isEqualTo(placed.replicaTable());
        assertThat(Failovers.none(32).fits(placed)).isFalse();

        assertThatThrownBy(() -> Failovers.of(16, Map.of(16, 1))).hasMessageContaining("between 0 and 15, was 16");
        assertThatThrownBy(() -> Failovers.of(16, Map.of(1, 7))).hasMessageContaining("turn of slot 1");
        assertThatThrownBy(() -> slotPin(-1, "a")).hasMessageContaining("must not be negative, was -1");
    }
}
