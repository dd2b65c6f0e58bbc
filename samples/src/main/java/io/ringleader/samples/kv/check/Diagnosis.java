package io.ringleader.samples.kv.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Explains a non-linearizable key for a person: one sentence on what is impossible, and the few operations that
 * show it, around the operation the search could not get past.
 */
final class Diagnosis {
    private static final int MAX_CONCURRENT = 6;
    private static final int MAX_WINDOW = 12;

    private Diagnosis() {}

    /**
     * Explains why {@code key} has no linearization.
     *
     * @param ops every operation of the key, failed and unknown ones included, by invocation time
     * @param culprit the operation no linearization gets past, or null if unknown
     */
    static Verdict.Violation explain(String key, List<Op> ops, Op culprit) {
        if (culprit == null) {
            return new Verdict.Violation(key, "no order of the operations explains every value read", List.of());
        }
        Set<Op> window = new LinkedHashSet<>();
        window.add(culprit);
        String explanation = null;
        for (Op read : readsToExplain(ops, culprit)) {
            explanation = explainRead(ops, read, window);
            if (explanation != null) {
                window.add(read);
                break;
            }
        }
        if (explanation == null) {
            explanation = "no order of the operations up to " + culprit.type() + " by p" + culprit.process()
                    + " explains every value read";
        }
        ops.stream()
                .filter(op -> op != culprit && constrains(op) && overlaps(op, culprit))
                .sorted(Comparator.comparingLong(op -> Math.abs(op.invokeNanos() - culprit.invokeNanos())))
                .limit(MAX_CONCURRENT)
                .forEach(window::add);
        ops.stream()
                .filter(op -> op.isWrite() && op.outcome() == Outcome.OK && op.completeNanos() < culprit.invokeNanos())
                .max(Comparator.comparingLong(Op::completeNanos))
                .ifPresent(window::add);
        List<Op> shown = new ArrayList<>(window).subList(0, Math.min(window.size(), MAX_WINDOW));
        List<Op> sorted = new ArrayList<>(shown);
        sorted.sort(Comparator.comparingLong(Op::invokeNanos).thenComparingLong(Op::completeNanos));
        return new Verdict.Violation(key, explanation, sorted);
    }

    /** The culprit if it is a successful read, then the successful reads concurrent with it, nearest first. */
    private static List<Op> readsToExplain(List<Op> ops, Op culprit) {
        List<Op> reads = new ArrayList<>();
        if (isSuccessfulRead(culprit)) {
            reads.add(culprit);
        }
        ops.stream()
                .filter(op -> op != culprit && isSuccessfulRead(op) && overlaps(op, culprit))
                .sorted(Comparator.comparingLong(op -> Math.abs(op.completeNanos() - culprit.completeNanos())))
                .forEach(reads::add);
        return reads;
    }

    /**
     * Says what is impossible about {@code read}, adding the writes that show it to {@code window}; null if nothing
     * about this read alone is impossible.
     */
    private static String explainRead(List<Op> ops, Op read, Set<Op> window) {
        String value = read.value();
        String returned = value == null ? "GET found the key absent" : "GET returned " + value;
        List<Op> writers = ops.stream()
                .filter(op -> op.isWrite() && op.outcome() != Outcome.FAIL && Objects.equals(op.value(), value))
                .toList();
        List<Op> possible = writers.stream()
                .filter(op -> op.invokeNanos() <= read.completeNanos())
                .toList();
        if (value != null && writers.isEmpty()) {
            List<Op> failed = ops.stream()
                    .filter(op -> op.type() == OpType.PUT && value.equals(op.value()))
                    .toList();
            failed.stream().limit(2).forEach(window::add);
            return failed.isEmpty()
                    ? returned + ", which no operation wrote"
                    : returned + ", which only a PUT that failed (definitely not applied) wrote";
        }
        if (value != null && possible.isEmpty()) {
            writers.stream().limit(2).forEach(window::add);
            return returned + " before the PUT that wrote it began";
        }
        // The latest instant a write of the value read may have taken effect; for absent, the initial state counts.
        long writtenBy = Long.MIN_VALUE;
        for (Op w : possible) {
            writtenBy = Math.max(writtenBy, w.outcome() == Outcome.UNKNOWN ? Long.MAX_VALUE : w.completeNanos());
        }
        long after = writtenBy;
        Op overwrite = ops.stream()
                .filter(op -> op.isWrite()
                        && op.outcome() == Outcome.OK
                        && !Objects.equals(op.value(), value)
                        && op.invokeNanos() > after
                        && op.completeNanos() < read.invokeNanos())
                .max(Comparator.comparingLong(Op::completeNanos))
                .orElse(null);
        if (overwrite == null) {
            return null;
        }
        window.add(overwrite);
        possible.stream().max(Comparator.comparingLong(Op::invokeNanos)).ifPresent(window::add);
        String what = overwrite.type() == OpType.PUT ? "the PUT of " + overwrite.value() : "a DELETE";
        String since = value != null
                ? " after " + value + " was written and"
                : possible.isEmpty() ? "" : " after every DELETE had completed and";
        return returned + ", though " + what + " by p" + overwrite.process() + " was acknowledged" + since
                + " before the read began (stale read)";
    }

    /** Whether the operation may have mattered: it succeeded, or it is a write of unknown outcome. */
    private static boolean constrains(Op op) {
        return op.outcome() == Outcome.OK || op.outcome() == Outcome.UNKNOWN && op.isWrite();
    }

    private static boolean isSuccessfulRead(Op op) {
        return op.type() == OpType.GET && op.outcome() == Outcome.OK;
    }

    /** Whether the two may have been concurrent; an operation of unknown outcome lasts forever. */
    private static boolean overlaps(Op a, Op b) {
        long aEnd = a.outcome() == Outcome.UNKNOWN ? Long.MAX_VALUE : a.completeNanos();
        long bEnd = b.outcome() == Outcome.UNKNOWN ? Long.MAX_VALUE : b.completeNanos();
        return a.invokeNanos() <= bEnd && b.invokeNanos() <= aEnd;
    }
}
