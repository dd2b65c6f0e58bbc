package io.ringleader.samples.kv.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Wing–Gong search, with Lowe's memoization, for one register (one key's history).
 *
 * <p>Operations become call and return entries in one list ordered by time; on equal times calls come first, so two
 * operations that touch at an instant count as concurrent. The search walks the list: at a call it tries to
 * linearize that operation now (a write always applies; a read only if the register holds what it returned) and
 * lifts both its entries out of the list; at a return it backtracks, because that operation had to be linearized
 * before anything later. The history is linearizable when the list empties. A state, the set of linearized
 * operations with the register's value, is explored once.
 *
 * <p>Optional operations (writes of unknown outcome) have their return at infinity: they can be linearized at any
 * point after their call, and linearizing one last, after every read, is the same as its never having happened.
 */
final class RegisterSearch {
    /** The register's value before any write, and the value a DELETE leaves. */
    private static final int ABSENT = 0;

    private static final int NONE = -1;

    enum Kind {
        LINEARIZABLE,
        VIOLATION,
        UNDECIDED
    }

    /**
     * What the search found.
     *
     * @param kind the verdict
     * @param culprit for a violation or an undecided search, the operation whose return the search got stuck at
     *     furthest in time: no linearization it found gets past it; {@code null} otherwise
     * @param states how many states were explored
     */
    record Result(Kind kind, Op culprit, long states) {}

    private final List<Op> ops;
    private final int[] value;
    private final int n;
    private final int head;
    private final int[] next;
    private final int[] prev;
    private final int[] opAt;
    private final boolean[] isCall;
    private final int[] callOf;
    private final int[] returnOf;

    /**
     * Prepares the search.
     *
     * @param required operations that took effect between their invocation and their completion
     * @param optional writes that may have taken effect at any time after their invocation, or never
     */
    RegisterSearch(List<Op> required, List<Op> optional) {
        List<Op> all = new ArrayList<>(required.size() + optional.size());
        all.addAll(required);
        all.addAll(optional);
        Set<Op> optionalSet = Collections.newSetFromMap(new IdentityHashMap<>());
        optionalSet.addAll(optional);
        all.sort(Comparator.comparingLong(Op::invokeNanos));
        this.ops = all;
        this.n = all.size();
        this.value = new int[n];
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Op op = all.get(i);
            value[i] = op.value() == null ? ABSENT : ids.computeIfAbsent(op.value(), v -> ids.size() + 1);
        }

        long[] time = new long[2 * n];
        for (int i = 0; i < n; i++) {
            Op op = all.get(i);
            time[2 * i] = op.invokeNanos();
            time[2 * i + 1] = optionalSet.contains(op) ? Long.MAX_VALUE : op.completeNanos();
        }
        Integer[] order = new Integer[2 * n];
        for (int e = 0; e < 2 * n; e++) {
            order[e] = e;
        }
        // By time; calls before returns at one instant; then by operation, so the order is deterministic.
        Arrays.sort(
                order,
                Comparator.<Integer>comparingLong(e -> time[e])
                        .thenComparingInt(e -> e & 1)
                        .thenComparingInt(e -> e >> 1));

        this.head = 2 * n;
        this.next = new int[2 * n + 1];
        this.prev = new int[2 * n + 1];
        this.opAt = new int[2 * n];
        this.isCall = new boolean[2 * n];
        this.callOf = new int[n];
        this.returnOf = new int[n];
        for (int pos = 0; pos < 2 * n; pos++) {
            int e = order[pos];
            int op = e >> 1;
            opAt[pos] = op;
            isCall[pos] = (e & 1) == 0;
            if (isCall[pos]) {
                callOf[op] = pos;
            } else {
                returnOf[op] = pos;
            }
        }
        int last = head;
        for (int pos = 0; pos < 2 * n; pos++) {
            next[last] = pos;
            prev[pos] = last;
            last = pos;
        }
        next[last] = head;
        prev[head] = last;
    }

    /**
     * Runs the search.
     *
     * @param maxStates the budget: past this many explored states the search gives up as {@link Kind#UNDECIDED}
     */
    Result run(long maxStates) {
        BitSet linearized = new BitSet(n);
        Set<StateKey> seen = new HashSet<>();
        int[] stackOp = new int[n];
        int[] stackState = new int[n];
        int depth = 0;
        int state = ABSENT;
        int furthest = NONE;
        int entry = next[head];
        while (next[head] != head) {
            if (entry == head) {
                throw new IllegalStateException("the entry list ended before a return");
            }
            int op = opAt[entry];
            if (isCall[entry]) {
                int after = apply(op, state);
                if (after != NONE) {
                    linearized.set(op);
                    if (seen.add(StateKey.of(linearized, after))) {
                        if (seen.size() > maxStates) {
                            return new Result(Kind.UNDECIDED, culprit(furthest), seen.size());
                        }
                        stackOp[depth] = op;
                        stackState[depth] = state;
                        depth++;
                        state = after;
                        lift(op);
                        entry = next[head];
                        continue;
                    }
                    linearized.clear(op);
                }
                entry = next[entry];
            } else {
                furthest = Math.max(furthest, entry);
                if (depth == 0) {
                    return new Result(Kind.VIOLATION, culprit(furthest), seen.size());
                }
                depth--;
                int undone = stackOp[depth];
                state = stackState[depth];
                unlift(undone);
                linearized.clear(undone);
                entry = next[callOf[undone]];
            }
        }
        return new Result(Kind.LINEARIZABLE, null, seen.size());
    }

    private Op culprit(int position) {
        return position == NONE ? null : ops.get(opAt[position]);
    }

    /** The register's value after {@code op}, or {@link #NONE} if {@code op} cannot happen now. */
    private int apply(int op, int state) {
        return switch (ops.get(op).type()) {
            case PUT, DELETE -> value[op];
            case GET -> value[op] == state ? state : NONE;
        };
    }

    private void lift(int op) {
        unlink(callOf[op]);
        unlink(returnOf[op]);
    }

    private void unlift(int op) {
        relink(returnOf[op]);
        relink(callOf[op]);
    }

    private void unlink(int pos) {
        next[prev[pos]] = next[pos];
        prev[next[pos]] = prev[pos];
    }

    private void relink(int pos) {
        next[prev[pos]] = pos;
        prev[next[pos]] = pos;
    }

    /**
     * A set of linearized operations with the register's value. The set is kept as its highest member and the
     * operations below it not yet linearized: that list is as long as the concurrency of the history, not its length.
     */
    private static final class StateKey {
        private final int value;
        private final int end;
        private final int[] holes;
        private final int hash;

        private StateKey(int value, int end, int[] holes) {
            this.value = value;
            this.end = end;
            this.holes = holes;
            this.hash = 31 * (31 * value + end) + Arrays.hashCode(holes);
        }

        static StateKey of(BitSet linearized, int value) {
            int end = linearized.length();
            int count = end - linearized.cardinality();
            int[] holes = new int[count];
            int i = 0;
            for (int hole = linearized.nextClearBit(0); hole < end; hole = linearized.nextClearBit(hole + 1)) {
                holes[i++] = hole;
            }
            return new StateKey(value, end, holes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof StateKey k && k.value == value && k.end == end && Arrays.equals(k.holes, holes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
