package io.ringleader.samples.kv.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random histories: those of a correct store always pass, corrupting one read makes them fail, and on small
 * histories the search agrees with trying every order.
 */
class LinearizabilityPropertyTest {
    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    @Test
    void historiesOfACorrectStore_alwaysPass() {
        for (int seed = 0; seed < 200; seed++) {
            List<Op> ops = new RegisterSimulation(seed, 5, 3, 0.05, 0.05).run(300);

            Verdict verdict = checker.check(History.of(ops));

            assertThat(verdict.ok()).as("seed %d%n%s", seed, verdict.summary()).isTrue();
            assertThat(verdict.keysReadBack()).as("seed %d", seed).isPositive();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void aHotKeyWithThousandsOfOperations_ofACorrectStore_passes(long seed) {
        List<Op> ops = new RegisterSimulation(seed, 8, 1, 0.02, 0.02).run(3_000);

        Verdict verdict = checker.check(History.of(ops));

        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
        assertThat(verdict.undecidedKeys()).isEmpty();
    }

    @Test
    void aHotKeyWithThousandsOfOperations_andOneStaleRead_isDecided() {
        List<Op> ops = new ArrayList<>(new RegisterSimulation(5, 8, 1, 0.02, 0.05).run(3_000));
        Random random = new Random(5);
        int index = randomSuccessfulRead(ops, random);
        Op read = ops.get(index);
        String older = ops.subList(0, index - 50).stream()
                .filter(op -> op.type() == OpType.PUT && op.outcome() == Outcome.OK)
                .reduce((first, second) -> second)
                .orElseThrow()
                .value();
        ops.set(index, withValue(read, older));

        Verdict verdict = checker.check(History.of(ops));

        assertThat(verdict.undecidedKeys()).isEmpty();
        assertThat(verdict.violations()).singleElement().satisfies(v -> assertThat(v.explanation())
                .startsWith("GET returned " + older + ", though")
                .endsWith("(stale read)"));
    }

    /**
     * Seeds whose corrupted read is detected. A corruption can go unnoticed (a read concurrent with a write may return
     * either value), so these are the seeds below 24 where it is not: 21 of 24.
     */
    static Stream<Long> detectedSeeds() {
        return Stream.of(
                0L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 13L, 14L, 15L, 16L, 17L, 18L, 20L, 21L, 22L, 23L);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("detectedSeeds")
    void oneCorruptedRead_fails_namingItsKey(long seed) {
        Corrupted corrupted = Corrupted.simulate(seed);

        Verdict verdict = checker.check(History.of(corrupted.ops()));

        assertThat(verdict.ok()).as("corrupted %s", corrupted.read()).isFalse();
        List<String> keys = Stream.concat(
                        verdict.violations().stream().map(Verdict.Violation::key),
                        verdict.lostWrites().stream().map(Verdict.LostWrite::key))
                .toList();
        assertThat(keys).containsOnly(corrupted.read().key());
    }

    @Test
    void mostCorruptedReads_areDetected() {
        long detected = LongStream.range(0, 200)
                .filter(seed -> !checker.check(
                                History.of(Corrupted.simulate(seed).ops()))
                        .ok())
                .count();

        assertThat(detected).as("corruptions detected of 200").isGreaterThanOrEqualTo(150);
    }

    @Test
    void onSmallHistories_theSearchAgreesWithTryingEveryOrder() {
        int violations = 0;
        for (int seed = 0; seed < 3_000; seed++) {
            List<Op> ops = smallRandomHistory(new Random(seed));

            Verdict verdict = checker.check(History.of(ops));

            boolean expected = BruteForceRegister.linearizable(ops);
            assertThat(verdict.violations().isEmpty())
                    .as("seed %d: %s%n%s", seed, ops, verdict.summary())
                    .isEqualTo(expected);
            violations += expected ? 0 : 1;
        }
        assertThat(violations).as("histories that are not linearizable").isBetween(300, 2_700);
    }

    /** Two to seven operations on one key by three processes, each sequential, with random values and outcomes. */
    private static List<Op> smallRandomHistory(Random random) {
        List<Op> ops = new ArrayList<>();
        int count = 2 + random.nextInt(6);
        long[] busyUntil = new long[3];
        for (int i = 0; i < count; i++) {
            int p = random.nextInt(3);
            long invoke = busyUntil[p] + 1 + random.nextInt(10);
            long complete = invoke + random.nextInt(10);
            busyUntil[p] = complete;
            int kind = random.nextInt(5);
            OpType type = kind < 2 ? OpType.GET : kind < 4 ? OpType.PUT : OpType.DELETE;
            // Mostly unique values, as the load generator writes; some repeated, which the search must get right too.
            String value = type == OpType.PUT
                    ? "v" + (random.nextInt(4) > 0 ? i : random.nextInt(count))
                    : type == OpType.GET && random.nextInt(4) > 0 ? "v" + random.nextInt(count) : null;
            int roll = random.nextInt(10);
            Outcome outcome = roll < 7 ? Outcome.OK : roll < 8 ? Outcome.FAIL : Outcome.UNKNOWN;
            ops.add(new Op(p, type, "k", value, invoke, complete, outcome, outcome == Outcome.OK ? null : "e"));
        }
        return ops;
    }

    /** A history of a correct store with one successful read changed to return something else. */
    private record Corrupted(List<Op> ops, Op read) {
        static Corrupted simulate(long seed) {
            List<Op> ops = new ArrayList<>(new RegisterSimulation(seed, 5, 3, 0.05, 0.05).run(300));
            Random random = new Random(seed);
            int index = randomSuccessfulRead(ops, random);
            Op read = corrupt(ops.get(index), ops, random);
            ops.set(index, read);
            return new Corrupted(ops, read);
        }
    }

    private static int randomSuccessfulRead(List<Op> ops, Random random) {
        List<Integer> reads = IntStream.range(0, ops.size())
                .filter(i -> ops.get(i).type() == OpType.GET && ops.get(i).outcome() == Outcome.OK)
                .boxed()
                .toList();
        return reads.get(random.nextInt(reads.size()));
    }

    /** The read returning another value written to its key, or absent instead of a value. */
    private static Op corrupt(Op read, List<Op> ops, Random random) {
        List<String> others = ops.stream()
                .filter(op -> op.key().equals(read.key()) && op.type() == OpType.PUT)
                .map(Op::value)
                .filter(v -> !v.equals(read.value()))
                .toList();
        String other = others.get(random.nextInt(others.size()));
        String value = read.value() == null || random.nextBoolean() ? other : null;
        return withValue(read, value);
    }

    private static Op withValue(Op read, String value) {
        return new Op(
                read.process(),
                read.type(),
                read.key(),
                value,
                read.invokeNanos(),
                read.completeNanos(),
                read.outcome(),
                read.error());
    }
}
