package io.ringleader.samples.kv.check;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What the {@link LinearizabilityChecker} found in a history: counts and latencies, then the anomalies, lost
 * acknowledged writes first.
 *
 * @param operations how many operations the history holds
 * @param keys how many distinct keys they touched
 * @param processes how many distinct processes issued them
 * @param originNanos the earliest invocation, which the summary's times are relative to
 * @param span from the earliest invocation to the latest completion
 * @param types per operation type: outcomes and the latency of the OK ones, in {@link OpType} order
 * @param errors the most common errors of FAIL and UNKNOWN operations, most common first, at most {@value
 *     #MAX_ERRORS}
 * @param keysReadBack keys with an acknowledged write whose final state was read: a successful read invoked after
 *     every write of the key had completed
 * @param lostWrites keys where that final read contradicts an acknowledged write
 * @param violations keys whose history is not linearizable, each with the operations that show it
 * @param undecidedKeys keys whose search exceeded its budget of states, so neither verdict is known
 * @param unverifiedKeys keys with an acknowledged write whose final reads were attempted but none succeeded
 */
public record Verdict(
        int operations,
        int keys,
        int processes,
        long originNanos,
        Duration span,
        List<TypeStats> types,
        List<ErrorCount> errors,
        int keysReadBack,
        List<LostWrite> lostWrites,
        List<Violation> violations,
        List<String> undecidedKeys,
        List<String> unverifiedKeys) {

    /** How many distinct errors a verdict keeps. */
    public static final int MAX_ERRORS = 10;

    private static final int MAX_LISTED = 20;

    /** Copies the lists, so the verdict is immutable. */
    public Verdict {
        Objects.requireNonNull(span, "span");
        types = List.copyOf(types);
        errors = List.copyOf(errors);
        lostWrites = List.copyOf(lostWrites);
        violations = List.copyOf(violations);
        undecidedKeys = List.copyOf(undecidedKeys);
        unverifiedKeys = List.copyOf(unverifiedKeys);
    }

    /**
     * Whether the history passed: no lost acknowledged write, every key linearizable, no key undecided, and every
     * attempted final read done.
     */
    public boolean ok() {
        return lostWrites.isEmpty() && violations.isEmpty() && undecidedKeys.isEmpty() && unverifiedKeys.isEmpty();
    }

    /** The report for a person: counts, latencies, errors, anomalies with their evidence, and the verdict line last. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "%d operations on %d keys by %d processes over %.1f s%n",
                operations,
                keys,
                processes,
                span.toNanos() / 1e9));
        for (TypeStats t : types) {
            Latency l = t.latency();
            out.append(String.format(
                    Locale.ROOT, "  %-6s  ok %d  fail %d  unknown %d", t.type(), t.ok(), t.fail(), t.unknown()));
            if (l.count() > 0) {
                out.append(String.format(
                        Locale.ROOT,
                        "  latency p50 %s  p99 %s  max %s",
                        millis(l.p50()),
                        millis(l.p99()),
                        millis(l.max())));
            }
            out.append(System.lineSeparator());
        }
        int errorCount = types.stream().mapToInt(t -> t.fail() + t.unknown()).sum();
        out.append("  errors: ").append(errorCount);
        if (!errors.isEmpty()) {
            out.append(errors.size() < MAX_ERRORS ? ", by message:" : ", most common:");
        }
        out.append(System.lineSeparator());
        for (ErrorCount e : errors) {
            out.append("    ").append(e.count()).append(" x ").append(e.error()).append(System.lineSeparator());
        }
        out.append("  final reads: ")
                .append(keysReadBack)
                .append(keysReadBack == 1 ? " key" : " keys")
                .append(" read back")
                .append(System.lineSeparator());

        if (!lostWrites.isEmpty()) {
            out.append("LOST ACKNOWLEDGED WRITES on ")
                    .append(count(lostWrites.size(), "key"))
                    .append(':')
                    .append(System.lineSeparator());
            lostWrites.stream().limit(MAX_LISTED).forEach(lost -> out.append("  ")
                    .append(lost.describe(originNanos))
                    .append(System.lineSeparator()));
            more(out, lostWrites.size());
        }
        if (!violations.isEmpty()) {
            out.append("NOT LINEARIZABLE: ")
                    .append(count(violations.size(), "key"))
                    .append(System.lineSeparator());
            violations.stream().limit(MAX_LISTED).forEach(v -> {
                out.append("  ")
                        .append(v.key())
                        .append(": ")
                        .append(v.explanation())
                        .append(System.lineSeparator());
                v.window().forEach(op -> out.append("      ")
                        .append(describe(op, originNanos))
                        .append(System.lineSeparator()));
            });
            more(out, violations.size());
        }
        if (!undecidedKeys.isEmpty()) {
            out.append("UNDECIDED (the search exceeded its budget of states) on ")
                    .append(count(undecidedKeys.size(), "key"))
                    .append(": ")
                    .append(listed(undecidedKeys))
                    .append(System.lineSeparator());
        }
        if (!unverifiedKeys.isEmpty()) {
            out.append("UNVERIFIED (no final read succeeded) on ")
                    .append(count(unverifiedKeys.size(), "key"))
                    .append(": ")
                    .append(listed(unverifiedKeys))
                    .append(System.lineSeparator());
        }
        out.append("verdict: ").append(verdictLine());
        return out.toString();
    }

    private String verdictLine() {
        if (ok()) {
            return "OK: every key linearizable, every acknowledged write read back where a final read was made";
        }
        StringBuilder line = new StringBuilder("NOT OK: ");
        String sep = "";
        if (!lostWrites.isEmpty()) {
            line.append(count(lostWrites.size(), "key")).append(" with lost acknowledged writes");
            sep = ", ";
        }
        if (!violations.isEmpty()) {
            line.append(sep).append(count(violations.size(), "key")).append(" not linearizable");
            sep = ", ";
        }
        if (!undecidedKeys.isEmpty()) {
            line.append(sep).append(count(undecidedKeys.size(), "key")).append(" undecided");
            sep = ", ";
        }
        if (!unverifiedKeys.isEmpty()) {
            line.append(sep).append(count(unverifiedKeys.size(), "key")).append(" unverified");
        }
        return line.toString();
    }

    private static void more(StringBuilder out, int size) {
        if (size > MAX_LISTED) {
            out.append("  ... and ").append(size - MAX_LISTED).append(" more").append(System.lineSeparator());
        }
    }

    private static String listed(List<String> keys) {
        String shown = String.join(", ", keys.subList(0, Math.min(keys.size(), MAX_LISTED)));
        return keys.size() > MAX_LISTED ? shown + ", ... (" + keys.size() + " in all)" : shown;
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String millis(Duration d) {
        return String.format(Locale.ROOT, "%.3f ms", d.toNanos() / 1e6);
    }

    /** One operation on one line, times in seconds since {@code originNanos}. */
    static String describe(Op op, long originNanos) {
        StringBuilder s = new StringBuilder()
                .append('p')
                .append(op.process())
                .append(' ')
                .append(op.type())
                .append(' ')
                .append(op.key());
        switch (op.type()) {
            case PUT -> s.append(" = ").append(op.value());
            case GET -> {
                if (op.outcome() == Outcome.OK) {
                    s.append(" -> ").append(op.value() == null ? "(absent)" : op.value());
                }
            }
            case DELETE -> {}
        }
        s.append("  ").append(op.outcome());
        if (op.error() != null) {
            s.append(" (").append(op.error()).append(')');
        }
        s.append(String.format(
                Locale.ROOT,
                "  [%s, %s%s]",
                seconds(op.invokeNanos(), originNanos),
                op.outcome() == Outcome.UNKNOWN ? "gave up " : "",
                seconds(op.completeNanos(), originNanos)));
        return s.toString();
    }

    private static String seconds(long nanos, long originNanos) {
        return String.format(Locale.ROOT, "%.6f s", (nanos - originNanos) / 1e9);
    }

    /**
     * The outcomes of one operation type and the latency of its OK operations.
     *
     * @param type the operation type
     * @param ok how many succeeded
     * @param fail how many were refused
     * @param unknown how many have an unknown outcome
     * @param latency of the OK ones
     */
    public record TypeStats(OpType type, int ok, int fail, int unknown, Latency latency) {}

    /**
     * Latency percentiles (nearest rank).
     *
     * @param count how many operations were measured; 0 makes every figure zero
     * @param p50 the median
     * @param p99 the 99th percentile
     * @param max the slowest
     */
    public record Latency(int count, Duration p50, Duration p99, Duration max) {
        static Latency of(long[] nanos) {
            if (nanos.length == 0) {
                return new Latency(0, Duration.ZERO, Duration.ZERO, Duration.ZERO);
            }
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            return new Latency(
                    sorted.length,
                    Duration.ofNanos(rank(sorted, 0.50)),
                    Duration.ofNanos(rank(sorted, 0.99)),
                    Duration.ofNanos(sorted[sorted.length - 1]));
        }

        private static long rank(long[] sorted, double p) {
            int index = (int) Math.ceil(p * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
        }
    }

    /**
     * How often one error message occurred.
     *
     * @param error the message
     * @param count how many FAIL or UNKNOWN operations carried it
     */
    public record ErrorCount(String error, int count) {}

    /**
     * A key whose final read contradicts acknowledged writes: nothing that could have followed them wrote the value
     * read.
     *
     * @param key the key
     * @param write the latest of the lost writes
     * @param finalRead the read that shows it
     * @param lost how many acknowledged writes of the key are lost, {@code write} included
     */
    public record LostWrite(String key, Op write, Op finalRead, int lost) {
        String describe(long originNanos) {
            String read = finalRead.value() == null ? "found it absent" : "returned " + finalRead.value();
            String written = write.type() == OpType.PUT ? "PUT of " + write.value() : "DELETE";
            return key + ": the final read (" + seconds(finalRead.invokeNanos(), originNanos) + ") " + read
                    + ", but the acknowledged " + written + " by p" + write.process() + " (completed at "
                    + seconds(write.completeNanos(), originNanos) + ") is gone"
                    + (lost > 1 ? " (with " + (lost - 1) + " earlier acknowledged writes)" : "");
        }
    }

    /**
     * A key whose history has no linearization.
     *
     * @param key the key
     * @param explanation one sentence on what is impossible
     * @param window the operations that show it, by invocation time: the first operation no linearization gets past,
     *     the writes it depends on and the operations concurrent with it
     */
    public record Violation(String key, String explanation, List<Op> window) {
        /** Copies the window. */
        public Violation {
            window = List.copyOf(window);
        }
    }
}
