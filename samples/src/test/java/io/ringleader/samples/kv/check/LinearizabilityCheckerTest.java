package io.ringleader.samples.kv.check;

import static io.ringleader.samples.kv.check.Ops.delete;
import static io.ringleader.samples.kv.check.Ops.deleteUnknown;
import static io.ringleader.samples.kv.check.Ops.get;
import static io.ringleader.samples.kv.check.Ops.getFailed;
import static io.ringleader.samples.kv.check.Ops.history;
import static io.ringleader.samples.kv.check.Ops.put;
import static io.ringleader.samples.kv.check.Ops.putFailed;
import static io.ringleader.samples.kv.check.Ops.putUnknown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {
    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    private Verdict check(Op... ops) {
        return checker.check(history(ops));
    }

    @Test
    void emptyHistory_passes() {
        Verdict verdict = check();

        assertThat(verdict.ok()).isTrue();
        assertThat(verdict.operations()).isZero();
        assertThat(verdict.summary())
                .contains("0 operations")
                .endsWith("verdict: OK: every key linearizable,"
                        + " every acknowledged write read back where a final read was made");
    }

    @Test
    void sequentialWritesAndReads_pass() {
        Verdict verdict = check(
                get(1, "k", null, 0, 1),
                put(1, "k", "a", 2, 3),
                get(2, "k", "a", 4, 5),
                delete(2, "k", 6, 7),
                get(1, "k", null, 8, 9),
                put(1, "k", "b", 10, 11),
                get(2, "k", "b", 12, 13));

        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
        assertThat(verdict.keysReadBack()).isEqualTo(1);
    }

    @Test
    void concurrentWrites_mayTakeEffectInEitherOrder() {
        Verdict verdict = check(
                put(1, "k", "a", 0, 10),
                put(2, "k", "b", 1, 9),
                get(3, "k", "a", 11, 12),
                put(1, "k", "c", 20, 30),
                put(2, "k", "d", 21, 29),
                get(3, "k", "d", 31, 32));

        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
    }

    @Test
    void readsOverlappingAWrite_mayReturnTheOldOrTheNewValue() {
        Verdict verdict = check(
                put(1, "k", "a", 0, 1),
                put(1, "k", "b", 10, 20),
                get(2, "k", "b", 11, 12),
                get(3, "k", "b", 12, 13),
                get(2, "k", "b", 14, 15),
                get(3, "k", "a", 5, 11),
                get(2, "k", "b", 21, 22));

        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
    }

    @Test
    void readsOverlappingAWrite_cannotGoBackToTheOldValueOnceTheNewWasSeen() {
        Verdict verdict = check(
                put(1, "k", "a", 0, 1), put(1, "k", "b", 10, 20), get(2, "k", "b", 11, 12), get(3, "k", "a", 13, 14));

        assertThat(verdict.ok()).isFalse();
        assertThat(verdict.violations()).singleElement().satisfies(v -> assertThat(v.key())
                .isEqualTo("k"));
        assertThat(verdict.lostWrites()).isEmpty();
    }

    @Test
    void anUnknownWriteThatHappened_passes() {
        Verdict verdict = check(
                put(1, "k", "a", 0, 1),
                putUnknown(2, "k", "b", 2, 3),
                get(1, "k", "a", 4, 5),
                get(1, "k", "b", 50, 51),
                get(3, "k", "b", 60, 61));

        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
        assertThat(verdict.keysReadBack()).isEqualTo(1);
    }

    @Test
    void anUnknownWriteThatDidNotHappen_passes() {
        Verdict verdict = check(
                put(1, "k", "a", 0, 1),
                putUnknown(2, "k", "b", 2, 3),
                deleteUnknown(2, "k", 4, 5),
                get(1, "k", "a", 6, 7),
                get(3, "k", "a", 60, 61));

        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
    }

    @Test
    void anUnknownWriteThatHappenedLate_explainsAFinalRead() {
        // b was given up on at 3, but applied after a was acknowledged: b can follow a.
        Verdict verdict = check(putUnknown(2, "k", "b", 0, 3), put(1, "k", "a", 10, 11), get(3, "k", "b", 60, 61));

        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
    }

    @Test
    void failedOperations_neverHappened_andFailedReadsConstrainNothing() {
        Verdict verdict = check(
                put(1, "k", "a", 0, 1), putFailed(2, "k", "b", 2, 3), getFailed(3, "k", 2, 3), get(1, "k", "a", 4, 5));

        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
        assertThat(verdict.types())
                .filteredOn(t -> t.type() == OpType.PUT)
                .singleElement()
                .satisfies(t -> {
                    assertThat(t.ok()).isEqualTo(1);
                    assertThat(t.fail()).isEqualTo(1);
                });
    }

    @Test
    void keysAreCheckedApart() {
        Verdict verdict = check(
                put(1, "x", "a", 0, 10),
                put(2, "y", "b", 0, 10),
                get(3, "x", "a", 11, 12),
                get(3, "y", "b", 11, 12),
                get(1, "y", "b", 13, 14),
                get(2, "x", "a", 13, 14));

        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
        assertThat(verdict.keys()).isEqualTo(2);
        assertThat(verdict.processes()).isEqualTo(3);
    }

    @Test
    void staleReadAfterAnAcknowledgedOverwrite_fails_namingTheKey() {
        Verdict verdict = check(
                put(1, "good", "g1", 0, 1),
                get(2, "good", "g1", 2, 3),
                put(1, "k", "a", 0, 1),
                put(1, "k", "b", 2, 3),
                get(2, "k", "a", 4, 5),
                put(1, "k", "c", 6, 7));

        assertThat(verdict.ok()).isFalse();
        assertThat(verdict.violations()).singleElement().satisfies(v -> {
            assertThat(v.key()).isEqualTo("k");
            assertThat(v.explanation())
                    .isEqualTo("GET returned a, though the PUT of b by p1 was acknowledged after a was written and"
                            + " before the read began (stale read)");
            assertThat(v.window()).extracting(Op::value).contains("a", "b");
        });
        assertThat(verdict.summary())
                .contains("NOT LINEARIZABLE: 1 key")
                .contains("k: GET returned a, though")
                .contains("p2 GET k -> a  OK  [0.000004 s, 0.000005 s]")
                .endsWith("verdict: NOT OK: 1 key not linearizable");
    }

    @Test
    void readOfAValueNeverWritten_fails() {
        Verdict verdict = check(put(1, "k", "a", 0, 1), get(2, "k", "zzz", 2, 3));

        assertThat(verdict.violations()).singleElement().satisfies(v -> {
            assertThat(v.key()).isEqualTo("k");
            assertThat(v.explanation()).isEqualTo("GET returned zzz, which no operation wrote");
        });
    }

    @Test
    void readOfAFailedWritesValue_fails() {
        Verdict verdict = check(put(1, "k", "a", 0, 1), putFailed(1, "k", "b", 2, 3), get(2, "k", "b", 4, 5));

        assertThat(verdict.violations()).singleElement().satisfies(v -> {
            assertThat(v.key()).isEqualTo("k");
            assertThat(v.explanation())
                    .isEqualTo("GET returned b, which only a PUT that failed (definitely not applied) wrote");
            assertThat(v.window()).extracting(Op::outcome).contains(Outcome.FAIL);
        });
    }

    @Test
    void readBeforeItsWriteBegan_fails() {
        Verdict verdict = check(get(2, "k", "a", 0, 1), put(1, "k", "a", 2, 3));

        assertThat(verdict.violations()).singleElement().satisfies(v -> assertThat(v.explanation())
                .isEqualTo("GET returned a before the PUT that wrote it began"));
    }

    @Test
    void readOfAbsentAfterAnAcknowledgedPut_fails() {
        Verdict verdict = check(put(1, "k", "a", 0, 1), get(2, "k", null, 2, 3), put(1, "k", "b", 4, 5));

        assertThat(verdict.violations()).singleElement().satisfies(v -> assertThat(v.explanation())
                .isEqualTo("GET found the key absent, though the PUT of a by p1 was acknowledged before the read"
                        + " began (stale read)"));
    }

    @Test
    void lostAcknowledgedWriteAtTheFinalRead_isTheHeadline() {
        Verdict verdict = check(
                put(1, "k", "a", 0, 1),
                put(2, "k", "b", 2, 3),
                put(1, "k", "c", 4, 5),
                get(3, "k", "b", 10, 11),
                put(1, "fine", "f", 0, 1),
                get(3, "fine", "f", 10, 11));

        assertThat(verdict.ok()).isFalse();
        assertThat(verdict.lostWrites()).singleElement().satisfies(lost -> {
            assertThat(lost.key()).isEqualTo("k");
            assertThat(lost.write().value()).isEqualTo("c");
            assertThat(lost.finalRead().value()).isEqualTo("b");
            assertThat(lost.lost()).isEqualTo(1);
        });
        assertThat(verdict.violations()).extracting(Verdict.Violation::key).containsExactly("k");
        assertThat(verdict.keysReadBack()).isEqualTo(2);
        String summary = verdict.summary();
        assertThat(summary)
                .contains("LOST ACKNOWLEDGED WRITES on 1 key:")
                .contains("k: the final read (0.000010 s) returned b, but the acknowledged PUT of c by p1"
                        + " (completed at 0.000005 s) is gone")
                .endsWith("verdict: NOT OK: 1 key with lost acknowledged writes, 1 key not linearizable");
        assertThat(summary.indexOf("LOST")).isLessThan(summary.indexOf("NOT LINEARIZABLE"));
    }

    @Test
    void finalReadOfAbsent_losesEveryUndeletedPut() {
        Verdict verdict = check(put(1, "k", "a", 0, 1), put(1, "k", "b", 2, 3), get(2, "k", null, 10, 11));

        assertThat(verdict.lostWrites()).singleElement().satisfies(lost -> {
            assertThat(lost.write().value()).isEqualTo("b");
            assertThat(lost.lost()).isEqualTo(2);
        });
        assertThat(verdict.summary()).contains("found it absent").contains("(with 1 earlier acknowledged writes)");
    }

    @Test
    void finalReadThatAConcurrentOrUnknownWriteExplains_losesNothing() {
        Verdict concurrent = check(put(1, "k", "a", 0, 10), put(2, "k", "b", 5, 6), get(3, "k", "a", 20, 21));
        Verdict unknownDelete = check(put(1, "k", "a", 5, 6), deleteUnknown(2, "k", 0, 1), get(3, "k", null, 20, 21));

        assertThat(concurrent.ok()).as(concurrent.summary()).isTrue();
        assertThat(unknownDelete.ok()).as(unknownDelete.summary()).isTrue();
    }

    @Test
    void finalReadsThatAllFailed_leaveTheKeyUnverified() {
        Verdict verdict = check(put(1, "k", "a", 0, 1), getFailed(2, "k", 10, 11), getFailed(2, "k", 12, 13));

        assertThat(verdict.ok()).isFalse();
        assertThat(verdict.unverifiedKeys()).containsExactly("k");
        assertThat(verdict.summary())
                .contains("UNVERIFIED (no final read succeeded) on 1 key: k")
                .endsWith("verdict: NOT OK: 1 key unverified");
    }

    @Test
    void latencies_andErrors_areReported() {
        Verdict verdict = check(
                put(1, "k", "a", 0, 1_000),
                put(1, "k", "b", 2_000, 5_000),
                putFailed(1, "k", "c", 6_000, 7_000),
                putUnknown(2, "k", "d", 6_000, 9_000),
                putFailed(1, "k", "e", 10_000, 11_000));

        assertThat(verdict.types())
                .filteredOn(t -> t.type() == OpType.PUT)
                .singleElement()
                .satisfies(t -> {
                    assertThat(t.latency().count()).isEqualTo(2);
                    assertThat(t.latency().p50().toNanos()).isEqualTo(1_000_000);
                    assertThat(t.latency().max().toNanos()).isEqualTo(3_000_000);
                    assertThat(t.unknown()).isEqualTo(1);
                });
        assertThat(verdict.errors())
                .containsExactly(new Verdict.ErrorCount("no primary", 2), new Verdict.ErrorCount("timeout", 1));
        assertThat(verdict.summary())
                .contains("PUT     ok 2  fail 2  unknown 1  latency p50 1.000 ms  p99 3.000 ms  max 3.000 ms")
                .contains("errors: 3, by message:")
                .contains("2 x no primary");
    }

    @Test
    void aHotKeyWithAThousandConcurrentOps_isDecided() {
        // Eight processes in lockstep: each round all eight write concurrently, then all read the winner.
        List<Op> ops = new ArrayList<>();
        long t = 0;
        for (int round = 0; round < 60; round++) {
            String winner = "w" + (round % 8) + "-" + round;
            for (int p = 0; p < 8; p++) {
                ops.add(put(p, "hot", "w" + p + "-" + round, t + p, t + 100));
            }
            for (int p = 0; p < 8; p++) {
                ops.add(get(p, "hot", winner, t + 101 + p, t + 120));
            }
            t += 200;
        }

        Verdict verdict = checker.check(History.of(ops));

        assertThat(verdict.operations()).isEqualTo(960);
        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
    }

    @Test
    void aSearchOverItsBudget_isUndecided_notHung() {
        List<Op> ops = new ArrayList<>();
        for (int p = 0; p < 12; p++) {
            ops.add(put(p, "hot", "v" + p, 0, 100));
        }
        ops.add(get(20, "hot", "nope-but-written-later", 101, 102));
        ops.add(put(21, "hot", "nope-but-written-later", 50, 200));
        ops.add(get(20, "hot", "v3", 103, 104));

        Verdict verdict = new LinearizabilityChecker(50).check(History.of(ops));

        assertThat(verdict.ok()).isFalse();
        assertThat(verdict.undecidedKeys()).containsExactly("hot");
        assertThat(verdict.summary()).contains("UNDECIDED").endsWith("verdict: NOT OK: 1 key undecided");
    }

    @Test
    void budgetBelowOne_isRejected() {
        assertThatThrownBy(() -> new LinearizabilityChecker(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxStatesPerKey must be at least 1, was 0");
    }
}
