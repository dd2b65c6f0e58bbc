package io.ringleader.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.samples.kv.check.Op;
import io.ringleader.samples.kv.check.OpType;
import io.ringleader.samples.kv.check.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which requests KvDrainBenchmark counts to a handoff; the cluster runs themselves are not part of the build. */
class KvDrainBenchmarkTest {
    private static final long MS = 1_000_000;

    private static Op op(long invokeMs, long completeMs, Outcome outcome) {
        return new Op(
                0, OpType.PUT, "k", "v", invokeMs * MS, completeMs * MS, outcome, outcome == Outcome.OK ? null : "e");
    }

    @Test
    void aHandoffCounts_theRequestsThatOverlapIt_orBeginWithinHalfASecondAfter() {
        List<Op> ops = List.of(
                op(0, 99, Outcome.OK), // done before the handoff began at 100 ms
                op(90, 110, Outcome.OK), // in flight when it began
                op(150, 160, Outcome.FAIL), // during it
                op(190, 900, Outcome.UNKNOWN), // began during it, ended long after
                op(650, 700, Outcome.OK), // began 450 ms after it ended at 200 ms
                op(701, 720, Outcome.FAIL)); // began 501 ms after: not counted

        KvDrainBenchmark.Handoff h = KvDrainBenchmark.count(ops, "kv-1", 7, 100 * MS, 200 * MS);

        assertThat(h.requests()).isEqualTo(4);
        assertThat(h.failed()).isEqualTo(1);
        assertThat(h.unknown()).isEqualTo(1);
        assertThat(h.tookNanos()).isEqualTo(100 * MS);
        assertThat(h.slots()).isEqualTo(7);
    }
}
