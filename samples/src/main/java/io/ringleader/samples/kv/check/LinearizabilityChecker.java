package io.ringleader.samples.kv.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a {@link History} of a key-value store: that each key behaves as one atomic register, and that the final
 * reads still show every acknowledged write.
 *
 * <p>Each key is a register, initially absent: a PUT sets it, a DELETE makes it absent, a GET returns it. An {@link
 * Outcome#OK} operation must take effect at one instant between its invocation and its completion; a {@link
 * Outcome#FAIL} operation never took effect; a write of {@link Outcome#UNKNOWN} outcome may have taken effect at any
 * time after its invocation, or never; a GET that did not succeed constrains nothing. Keys are independent, so each
 * is searched alone (P-compositionality) with {@link RegisterSearch}, the Wing–Gong search with Lowe's memoization.
 * A search that explores more states than its budget stops and leaves the key undecided, rather than run for hours.
 *
 * <p>A key's <em>final read</em> is its last successful GET invoked after every write of the key that did not fail
 * had completed (or been given up on). An acknowledged write is <em>lost</em> if the final read returned a value that
 * neither it nor any write that may have followed it wrote.
 *
 * <p>Values need not be unique for the check to be right, but unique values per write (as the {@link LoadGenerator}
 * writes) make it sharp and fast.
 */
public final class LinearizabilityChecker {

    /** The default budget of states explored per key, some hundred megabytes of memory at the most. */
    public static final long DEFAULT_MAX_STATES_PER_KEY = 1_000_000;

    private final long maxStatesPerKey;

    /** A checker with the {@linkplain #DEFAULT_MAX_STATES_PER_KEY default budget}. */
    public LinearizabilityChecker() {
        this(DEFAULT_MAX_STATES_PER_KEY);
    }

    /**
     * A checker that gives up on a key, as undecided, after exploring {@code maxStatesPerKey} states of its search.
     *
     * @throws IllegalArgumentException if {@code maxStatesPerKey < 1}
     */
    public LinearizabilityChecker(long maxStatesPerKey) {
        if (maxStatesPerKey < 1) {
            throw new IllegalArgumentException("maxStatesPerKey must be at least 1, was " + maxStatesPerKey);
        }
        this.maxStatesPerKey = maxStatesPerKey;
    }

    /** Checks {@code history}; an empty history passes. */
    public Verdict check(History history) {
        List<Op> ops = history.ops();
        Map<String, List<Op>> byKey = new TreeMap<>();
        Set<Integer> processes = new HashSet<>();
        long origin = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        for (Op op : ops) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
            processes.add(op.process());
            origin = Math.min(origin, op.invokeNanos());
            end = Math.max(end, op.completeNanos());
        }
        if (ops.isEmpty()) {
            origin = 0;
            end = 0;
        }

        int readBack = 0;
        List<Verdict.LostWrite> lost = new ArrayList<>();
        List<Verdict.Violation> violations = new ArrayList<>();
        List<String> undecided = new ArrayList<>();
        List<String> unverified = new ArrayList<>();
        for (Map.Entry<String, List<Op>> entry : byKey.entrySet()) {
            String key = entry.getKey();
            List<Op> keyOps = entry.getValue();
            keyOps.sort(Comparator.comparingLong(Op::invokeNanos).thenComparingLong(Op::completeNanos));

            FinalRead finalRead = finalRead(keyOps);
            switch (finalRead.status()) {
                case READ -> {
                    readBack++;
                    lostWrites(key, keyOps, finalRead.read()).ifPresent(lost::add);
                }
                case FAILED -> unverified.add(key);
                case NOT_APPLICABLE -> {}
            }

            Op impossible = firstImpossibleRead(keyOps);
            if (impossible != null) {
                violations.add(Diagnosis.explain(key, keyOps, impossible));
                continue;
            }
            RegisterSearch.Result result = new RegisterSearch(keyOps).run(maxStatesPerKey);
            switch (result.kind()) {
                case LINEARIZABLE -> {}
                case VIOLATION -> violations.add(Diagnosis.explain(key, keyOps, result.culprit()));
                case UNDECIDED -> undecided.add(key);
            }
        }
        return new Verdict(
                ops.size(),
                byKey.size(),
                processes.size(),
                origin,
                Duration.ofNanos(end - origin),
                typeStats(ops),
                errors(ops),
                readBack,
                lost,
                violations,
                undecided,
                unverified);
    }

    /**
     * The earliest-completing successful read of a value that no write which may have happened wrote before the read
     * completed, or null. Such a read makes the key non-linearizable without a search.
     */
    private static Op firstImpossibleRead(List<Op> keyOps) {
        Map<String, Long> firstWriteInvoke = new HashMap<>();
        for (Op op : keyOps) {
            if (op.type() == OpType.PUT && op.outcome() != Outcome.FAIL) {
                firstWriteInvoke.merge(op.value(), op.invokeNanos(), Math::min);
            }
        }
        Op first = null;
        for (Op op : keyOps) {
            if (op.type() == OpType.GET && op.outcome() == Outcome.OK && op.value() != null) {
                Long written = firstWriteInvoke.get(op.value());
                boolean impossible = written == null || written > op.completeNanos();
                if (impossible && (first == null || op.completeNanos() < first.completeNanos())) {
                    first = op;
                }
            }
        }
        return first;
    }

    private enum FinalReadStatus {
        /** A final read succeeded. */
        READ,
        /** Final reads were attempted after an acknowledged write, and none succeeded. */
        FAILED,
        /** No acknowledged write, or no read after the writes. */
        NOT_APPLICABLE
    }

    private record FinalRead(FinalReadStatus status, Op read) {}

    private static FinalRead finalRead(List<Op> keyOps) {
        long writesDone = Long.MIN_VALUE;
        boolean acknowledged = false;
        for (Op op : keyOps) {
            if (op.isWrite() && op.outcome() != Outcome.FAIL) {
                writesDone = Math.max(writesDone, op.completeNanos());
                acknowledged |= op.outcome() == Outcome.OK;
            }
        }
        if (!acknowledged) {
            return new FinalRead(FinalReadStatus.NOT_APPLICABLE, null);
        }
        Op read = null;
        boolean attempted = false;
        for (Op op : keyOps) {
            if (op.type() == OpType.GET && op.invokeNanos() > writesDone) {
                attempted = true;
                if (op.outcome() == Outcome.OK && (read == null || op.invokeNanos() >= read.invokeNanos())) {
                    read = op;
                }
            }
        }
        if (read != null) {
            return new FinalRead(FinalReadStatus.READ, read);
        }
        return new FinalRead(attempted ? FinalReadStatus.FAILED : FinalReadStatus.NOT_APPLICABLE, null);
    }

    /**
     * The acknowledged writes the final read contradicts: those that did not write the value read, and that no write
     * which wrote it may have followed. A write may follow another if it had not completed (or was of unknown
     * outcome) when the other was invoked.
     */
    private static Optional<Verdict.LostWrite> lostWrites(String key, List<Op> keyOps, Op finalRead) {
        String read = finalRead.value();
        long latestWriterEnd = Long.MIN_VALUE;
        for (Op op : keyOps) {
            if (op.isWrite() && op.outcome() != Outcome.FAIL && Objects.equals(op.value(), read)) {
                long end = op.outcome() == Outcome.UNKNOWN ? Long.MAX_VALUE : op.completeNanos();
                latestWriterEnd = Math.max(latestWriterEnd, end);
            }
        }
        Op latestLost = null;
        int lost = 0;
        for (Op op : keyOps) {
            if (op.isWrite()
                    && op.outcome() == Outcome.OK
                    && !Objects.equals(op.value(), read)
                    && latestWriterEnd < op.invokeNanos()) {
                lost++;
                if (latestLost == null || op.completeNanos() > latestLost.completeNanos()) {
                    latestLost = op;
                }
            }
        }
        return lost == 0 ? Optional.empty() : Optional.of(new Verdict.LostWrite(key, latestLost, finalRead, lost));
    }

    private static List<Verdict.TypeStats> typeStats(List<Op> ops) {
        Map<OpType, List<Op>> byType = new EnumMap<>(OpType.class);
        for (OpType type : OpType.values()) {
            byType.put(type, new ArrayList<>());
        }
        ops.forEach(op -> byType.get(op.type()).add(op));
        List<Verdict.TypeStats> stats = new ArrayList<>();
        byType.forEach((type, list) -> {
            int[] counts = new int[Outcome.values().length];
            list.forEach(op -> counts[op.outcome().ordinal()]++);
            long[] latencies = list.stream()
                    .filter(op -> op.outcome() == Outcome.OK)
                    .mapToLong(Op::latencyNanos)
                    .toArray();
            stats.add(new Verdict.TypeStats(
                    type,
                    counts[Outcome.OK.ordinal()],
                    counts[Outcome.FAIL.ordinal()],
                    counts[Outcome.UNKNOWN.ordinal()],
                    Verdict.Latency.of(latencies)));
        });
        return stats;
    }

    private static List<Verdict.ErrorCount> errors(List<Op> ops) {
        Map<String, Integer> counts = new HashMap<>();
        for (Op op : ops) {
            if (op.outcome() != Outcome.OK) {
                counts.merge(op.error() == null ? op.outcome().name() : op.error(), 1, Integer::sum);
            }
        }
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue()
                        .reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(Verdict.MAX_ERRORS)
                .map(e -> new Verdict.ErrorCount(e.getKey(), e.getValue()))
                .toList();
    }
}
