package io.ringleader.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.agent.ring.KeyHash;
import io.ringleader.samples.kv.check.Op;
import io.ringleader.samples.kv.check.OpType;
import io.ringleader.samples.kv.check.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The figures KvBenchmark computes from a history; the cluster runs themselves are not part of the build. */
class KvBenchmarkTest {
    private static final long MS = 1_000_000;
    private static final int SLOTS = 1024;

    private static Op op(OpType type, String key, long invokeMs, long completeMs, Outcome outcome) {
        return new Op(
                0,
                type,
                key,
                type == OpType.PUT ? "v" : null,
                invokeMs * MS,
                completeMs * MS,
                outcome,
                outcome == Outcome.OK ? null : "error");
    }

    /** Two keys in different slots, found by search so that the test does not depend on the hash. */
    private static String[] keysInTwoSlots() {
        String a = "k0";
        for (int i = 1; ; i++) {
            String b = "k" + i;
            if (slot(b) != slot(a)) {
                return new String[] {a, b};
            }
        }
    }

    private static int slot(String key) {
        return KeyHash.slot(KeyHash.hash(key), SLOTS);
    }

    @Test
    void windowStats_countTheOperationsCompletedInTheWindow_perType_withNearestRankLatencies() {
        List<Op> ops = List.of(
                op(OpType.PUT, "a", 0, 5, Outcome.OK), // completed before the window
                op(OpType.PUT, "a", 8, 12, Outcome.OK), // 4 ms
                op(OpType.PUT, "a", 10, 20, Outcome.OK), // 10 ms
                op(OpType.PUT, "b", 11, 13, Outcome.UNKNOWN),
                op(OpType.GET, "a", 14, 15, Outcome.OK), // 1 ms
                op(OpType.GET, "b", 14, 16, Outcome.FAIL),
                op(OpType.PUT, "a", 90, 100, Outcome.OK)); // completed at the window's end: outside

        List<KvBenchmark.TypeStats> stats = KvBenchmark.windowStats(ops, 10 * MS, 100 * MS);

        assertThat(stats).extracting(KvBenchmark.TypeStats::type).containsExactly(OpType.PUT, OpType.GET);
        KvBenchmark.TypeStats put = stats.get(0);
        assertThat(put.ok()).isEqualTo(2);
        assertThat(put.unknown()).isEqualTo(1);
        assertThat(put.fail()).isZero();
        assertThat(put.percentileMs(50)).isEqualTo(4.0);
        assertThat(put.percentileMs(99)).isEqualTo(10.0);
        assertThat(put.percentileMs(100)).isEqualTo(10.0);
        KvBenchmark.TypeStats get = stats.get(1);
        assertThat(get.ok()).isEqualTo(1);
        assertThat(get.fail()).isEqualTo(1);
        assertThat(get.percentileMs(50)).isEqualTo(1.0);
    }

    @Test
    void clientGaps_runFromTheLastSuccessBeforeToTheFirstSuccessInvokedAfter_perSlot() {
        String[] keys = keysInTwoSlots();
        String a = keys[0];
        String b = keys[1];
        List<Op> ops = List.of(
                op(OpType.PUT, a, 0, 10, Outcome.OK),
                op(OpType.GET, a, 20, 30, Outcome.OK), // a's last success before 100
                op(OpType.PUT, a, 90, 400, Outcome.OK), // in flight at 100: on neither side
                op(OpType.PUT, a, 150, 250, Outcome.UNKNOWN), // not a success
                op(OpType.GET, a, 300, 700, Outcome.OK), // a's first success invoked after 100
                op(OpType.PUT, a, 310, 650, Outcome.OK), // completed earlier: this one counts → gap 620
                op(OpType.PUT, b, 50, 95, Outcome.OK), // b's last success before
                op(OpType.PUT, b, 120, 200, Outcome.OK), // gap 105
                op(OpType.PUT, b, 900, 1200, Outcome.OK)); // after the window's end: ignored

        KvBenchmark.SlotGaps gaps = KvBenchmark.clientGaps(ops, SLOTS, 100 * MS, 1000 * MS, Set.of(slot(a)));

        assertThat(gaps.slotsBefore()).isEqualTo(2);
        assertThat(gaps.slotsBoth()).isEqualTo(2);
        assertThat(gaps.maxNanos()).isEqualTo(620 * MS);
        assertThat(gaps.maxSlot()).isEqualTo(slot(a));
        assertThat(gaps.maxVictimNanos()).isEqualTo(620 * MS);
        assertThat(gaps.maxOtherNanos()).isEqualTo(105 * MS);
        assertThat(gaps.medianNanos()).as("nearest rank of {105, 620}").isEqualTo(105 * MS);
    }

    @Test
    void longestStall_isTheLongestTimeWithoutASuccessOnAnyKey_theWindowsEndsIncluded() {
        List<Op> ops = List.of(
                op(OpType.PUT, "a", 0, 110, Outcome.OK),
                op(OpType.PUT, "b", 100, 130, Outcome.OK),
                op(OpType.PUT, "c", 120, 900, Outcome.UNKNOWN), // not a success
                op(OpType.GET, "a", 140, 600, Outcome.OK), // the stall: 130 → 600
                op(OpType.GET, "b", 601, 650, Outcome.OK));

        assertThat(KvBenchmark.longestStall(ops, 100 * MS, 700 * MS))
                .isEqualTo(new KvBenchmark.Stall(470 * MS, 130 * MS));
        assertThat(KvBenchmark.longestStall(ops, 100 * MS, 2000 * MS))
                .as("cut by the window's end")
                .isEqualTo(new KvBenchmark.Stall(1350 * MS, 650 * MS));
        assertThat(KvBenchmark.longestStall(List.of(), 0, 10 * MS)).isEqualTo(new KvBenchmark.Stall(10 * MS, 0));
    }

    @Test
    void clientGaps_leaveOutSlotsWithoutASuccessOnBothSides_butCountThem() {
        String[] keys = keysInTwoSlots();
        List<Op> ops = List.of(
                op(OpType.PUT, keys[0], 0, 10, Outcome.OK),
                op(OpType.PUT, keys[0], 200, 300, Outcome.FAIL),
                op(OpType.PUT, keys[1], 200, 300, Outcome.OK));

        KvBenchmark.SlotGaps gaps = KvBenchmark.clientGaps(ops, SLOTS, 100 * MS, 1000 * MS, Set.of());

        assertThat(gaps.slotsBefore()).isEqualTo(1);
        assertThat(gaps.slotsBoth()).isZero();
        assertThat(gaps.maxNanos()).isEqualTo(-1);
        assertThat(gaps.maxSlot()).isEqualTo(-1);
    }

    @Test
    void errorShapes_groupTheSameCause() {
        assertThat(KvBenchmark.shape("java.io.IOException: kv-3 answered 503: lost_primary kv-3 lost slot 692"))
                .isEqualTo(KvBenchmark.shape("java.io.IOException: kv-3 answered 503: lost_primary kv-3 lost slot 7"))
                .isEqualTo("java.io.IOException: kv-3 answered N: lost_primary kv-3 lost slot N");
        assertThat(KvBenchmark.shape("at epoch 0x6d (primary: kv-2)")).isEqualTo("at epoch 0xN (primary: kv-2)");
        assertThat(KvBenchmark.shape(null)).isEqualTo("(no message)");
    }

    @Test
    void sessionsLost_countTheNodesLogLines(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("kv-2.log"),
                """
                17:35:01.208 WARN  [c] KvNode - [member=kv-2] session lost: every slot is caught up again
                17:35:02.000 INFO  [c] KvNode - [member=kv-2] caught up 683 slots (1024 synced)
                17:35:09.208 WARN  [c] KvNode - [member=kv-2] session lost: every slot is caught up again
                """);

        assertThat(KvBenchmark.sessionsLost(dir))
                .containsExactly(
                        java.util.Map.entry("kv-1", 0), java.util.Map.entry("kv-2", 2), java.util.Map.entry("kv-3", 0));
    }
}
