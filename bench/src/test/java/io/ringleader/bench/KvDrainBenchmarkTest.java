package io.ringleader.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.agent.ring.KeyHash;
import io.ringleader.samples.kv.check.Op;
import io.ringleader.samples.kv.check.OpType;
import io.ringleader.samples.kv.check.Outcome;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which requests KvDrainBenchmark counts to a handoff; the cluster runs themselves are not part of the build. */
class KvDrainBenchmarkTest {
    private static final long MS = 1_000_000;
    private static final int SLOTS = 1024;

    private static Op op(String key, long invokeMs, long completeMs, Outcome outcome) {
        return new Op(
                0, OpType.PUT, key, "v", invokeMs * MS, completeMs * MS, outcome, outcome == Outcome.OK ? null : "e");
    }

    private static int slot(String key) {
        return KeyHash.slot(KeyHash.hash(key), SLOTS);
    }

    @Test
    void aHandoffCounts_theRequestsThatOverlapIt_orBeginWithinHalfASecondAfter_onItsSlotsAndOnAny() {
        String mine = "k0";
        String other = "k1";
        for (int i = 2; slot(other) == slot(mine); i++) {
            other = "k" + i;
        }
        List<Op> ops = List.of(
                op(mine, 0, 99, Outcome.OK), // done before the handoff began at 100 ms
                op(mine, 90, 110, Outcome.OK), // in flight when it began
                op(mine, 150, 160, Outcome.FAIL), // during it
                op(other, 150, 170, Outcome.FAIL), // during it, another slot
                op(mine, 190, 900, Outcome.UNKNOWN), // began during it, ended long after
                op(other, 650, 700, Outcome.OK), // began 450 ms after it ended at 200 ms
                op(mine, 701, 720, Outcome.FAIL)); // began 501 ms after: not counted

        KvDrainBenchmark.Handoff h = KvDrainBenchmark.count(
                ops, new KvDrainBenchmark.Window("kv-1", Set.of(slot(mine)), 100 * MS, 200 * MS), SLOTS);

        assertThat(h.requests()).isEqualTo(3);
        assertThat(h.failed()).isEqualTo(1);
        assertThat(h.unknown()).isEqualTo(1);
        assertThat(h.allRequests()).isEqualTo(5);
        assertThat(h.allFailed()).isEqualTo(2);
        assertThat(h.allUnknown()).isEqualTo(1);
        assertThat(h.tookNanos()).isEqualTo(100 * MS);
        assertThat(h.slots()).isEqualTo(1);
    }
}
