package io.ringleader.samples.kv.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Wing–Gong search, with Lowe's memoization, for one register (one key's history).
 *
 * <p>Operations become call and return entries in one list ordered by time; on equal times calls come first, so two
 * operations that touch at an instant count as concurrent. The search walks the list: at a call it tries to
 * linearize that operation now (a write always applies; a read only if the register holds what it returned) and
 * lifts both its entries out of the list; at a return it backtracks, because that operation had to be linearized
 * before anything later. The history is linearizable when every required operation is linearized. A state, the set
 * of linearized operations with the register's value, is explored once.
 *
 * <p>OK operations are required. A FAIL operation never happened and a read that did not succeed says nothing: both
 * are left out. A write of unknown outcome is optional: it may take effect at any time after its call, or never. If
 * it takes effect, only a read that returns its value can tell, and nothing else can come between the two (a write
 * would hide it, a read would see it too); so an optional write is only ever linearized together with, and just
 * before, a read of its value that the register does not hold. It has a call entry and no return. Optional writes of
 * one value whose calls are all past are interchangeable, so the search takes the first: unknown outcomes add no
 * branching. Optional writes that no read may observe are left out.
 *
 * <p>Two reductions keep a hot key's search small. A read of the value the register holds is taken at once, without
 * trying the orders that postpone it: if any order works, one that takes it first does. And every value that no
 * successful read returned is one value to the search, since no read can tell them apart.
 */
final class RegisterSearch {
    /** The register's value before any write, and the value a DELETE leaves. */
    private static final int ABSENT = 0;

    /** Any value no successful read returned: which one the register holds cannot matter. */
    private static final int UNREAD = 1;

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
     * @param culprit for a violation or an undecided search, the OK operation whose return the search got stuck at
     *     furthest in time: no linearization it found gets past it; {@code null} otherwise
     * @param states how many states were explored
     */
    record Result(Kind kind, Op culprit, long states) {}

    private final List<Op> ops;
    private final int n;
    private final int[] value;
    private final boolean[] optional;
    private final int required;
    /** Per value, the optional writes of it, by call. */
    private final Map<Integer, int[]> optionalByValue = new HashMap<>();

    private final int head;
    private final int[] next;
    private final int[] prev;
    private final int[] opAt;
    private final boolean[] isCall;
    private final int[] callOf;
    private final int[] returnOf;

    /**
     * Prepares the search over one key's operations.
     *
     * @param keyOps every operation of one key, in any order
     */
    RegisterSearch(List<Op> keyOps) {
        Map<String, Long> lastReadOf = new HashMap<>();
        long lastAbsentRead = Long.MIN_VALUE;
        for (Op op : keyOps) {
            if (op.type() == OpType.GET && op.outcome() == Outcome.OK) {
                if (op.value() == null) {
                    lastAbsentRead = Math.max(lastAbsentRead, op.completeNanos());
                } else {
                    lastReadOf.merge(op.value(), op.completeNanos(), Math::max);
                }
            }
        }
        List<Op> included = new ArrayList<>();
        for (Op op : keyOps) {
            if (op.outcome() == Outcome.OK) {
                included.add(op);
            } else if (op.outcome() == Outcome.UNKNOWN && op.isWrite()) {
                long lastRead =
                        op.value() == null ? lastAbsentRead : lastReadOf.getOrDefault(op.value(), Long.MIN_VALUE);
                if (lastRead >= op.invokeNanos()) {
                    included.add(op);
                }
            }
        }
        included.sort(Comparator.comparingLong(Op::invokeNanos));
        this.ops = included;
        this.n = included.size();
        this.value = new int[n];
        this.optional = new boolean[n];
        Map<String, Integer> ids = new HashMap<>();
        List<long[]> entries = new ArrayList<>(2 * n);
        int requiredCount = 0;
        for (int i = 0; i < n; i++) {
            Op op = included.get(i);
            if (op.value() == null) {
                value[i] = ABSENT;
            } else if (op.type() == OpType.PUT && !lastReadOf.containsKey(op.value())) {
                value[i] = UNREAD;
            } else {
                value[i] = ids.computeIfAbsent(op.value(), v -> ids.size() + 2);
            }
            optional[i] = op.outcome() != Outcome.OK;
            // {time, 0 for a call or 1 for a return, operation}
            entries.add(new long[] {op.invokeNanos(), 0, i});
            if (!optional[i]) {
                entries.add(new long[] {op.completeNanos(), 1, i});
                requiredCount++;
            }
        }
        this.required = requiredCount;
        // By time; calls before returns at one instant; then by operation, so the order is deterministic.
        entries.sort(Comparator.<long[]>comparingLong(e -> e[0])
                .thenComparingLong(e -> e[1])
                .thenComparingLong(e -> e[2]));

        int size = entries.size();
        this.head = size;
        this.next = new int[size + 1];
        this.prev = new int[size + 1];
        this.opAt = new int[size];
        this.isCall = new boolean[size];
        this.callOf = new int[n];
        this.returnOf = new int[n];
        Arrays.fill(returnOf, NONE);
        int last = head;
        for (int pos = 0; pos < size; pos++) {
            long[] e = entries.get(pos);
            int op = (int) e[2];
            opAt[pos] = op;
            isCall[pos] = e[1] == 0;
            if (isCall[pos]) {
                callOf[op] = pos;
            } else {
                returnOf[op] = pos;
            }
            next[last] = pos;
            prev[pos] = last;
            last = pos;
        }
        next[last] = head;
        prev[head] = last;

        Map<Integer, List<Integer>> byValue = new HashMap<>();
        for (int i = 0; i < n; i++) {
            if (optional[i]) {
                byValue.computeIfAbsent(value[i], v -> new ArrayList<>()).add(i);
            }
        }
        // Operations are indexed by call time, so each list is by call already.
        byValue.forEach((v, list) ->
                optionalByValue.put(v, list.stream().mapToInt(Integer::intValue).toArray()));
    }

    /**
     * Runs the search; call it once.
     *
     * @param maxStates the budget: past this many explored states the search gives up as {@link Kind#UNDECIDED}
     */
    Result run(long maxStates) {
        BitSet linearized = new BitSet(n);
        Set<StateKey> seen = new HashSet<>();
        int[] stackOp = new int[n];
        int[] stackEnabler = new int[n];
        int[] stackState = new int[n];
        boolean[] stackForced = new boolean[n];
        int depth = 0;
        int done = 0;
        int state = ABSENT;
        int furthest = NONE;
        int entry = next[head];
        while (done < required) {
            int op = opAt[entry];
            boolean blocked = !isCall[entry];
            if (blocked) {
                furthest = Math.max(furthest, entry);
            } else if (optional[op]) {
                entry = next[entry];
                continue;
            } else {
                int after = value[op];
                int enabler = NONE;
                boolean read = ops.get(op).type() == OpType.GET;
                if (read && after != state) {
                    enabler = enabler(after, entry, linearized);
                    after = enabler == NONE ? NONE : after;
                }
                // A read of what the register holds can go first of all that may go now: if any order works,
                // one that takes it now does. Its alternatives need no search.
                boolean forced = read && enabler == NONE && after != NONE;
                if (after != NONE) {
                    linearized.set(op);
                    if (enabler != NONE) {
                        linearized.set(enabler);
                    }
                    if (seen.add(StateKey.of(linearized, after))) {
                        if (seen.size() > maxStates) {
                            return new Result(Kind.UNDECIDED, culprit(furthest), seen.size());
                        }
                        stackOp[depth] = op;
                        stackEnabler[depth] = enabler;
                        stackState[depth] = state;
                        stackForced[depth] = forced;
                        depth++;
                        done++;
                        state = after;
                        lift(op);
                        if (enabler != NONE) {
                            unlink(callOf[enabler]);
                        }
                        entry = next[head];
                        continue;
                    }
                    linearized.clear(op);
                    if (enabler != NONE) {
                        linearized.clear(enabler);
                    }
                }
                blocked = forced;
                if (!blocked) {
                    entry = next[entry];
                    continue;
                }
            }
            // Nothing more to try from here: undo the last choice that had alternatives.
            int undone;
            do {
                if (depth == 0) {
                    return new Result(Kind.VIOLATION, culprit(furthest), seen.size());
                }
                depth--;
                done--;
                undone = stackOp[depth];
                int enabler = stackEnabler[depth];
                state = stackState[depth];
                if (enabler != NONE) {
                    relink(callOf[enabler]);
                    linearized.clear(enabler);
                }
                unlift(undone);
                linearized.clear(undone);
            } while (stackForced[depth]);
            entry = next[callOf[undone]];
        }
        return new Result(Kind.LINEARIZABLE, null, seen.size());
    }

    /**
     * The first optional write of {@code value} that may be linearized now, just before a read at {@code entry}: not
     * yet linearized, and called before the first return still in the list. {@link #NONE} if there is none.
     */
    private int enabler(int value, int entry, BitSet linearized) {
        int[] candidates = optionalByValue.get(value);
        if (candidates == null) {
            return NONE;
        }
        int firstReturn = entry;
        while (firstReturn != head && isCall[firstReturn]) {
            firstReturn = next[firstReturn];
        }
        for (int candidate : candidates) {
            if (callOf[candidate] >= firstReturn) {
                return NONE;
            }
            if (!linearized.get(candidate)) {
                return candidate;
            }
        }
        return NONE;
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
     * operations below it not yet linearized: that list is about as long as the concurrency of the history (plus the
     * pending optional writes), not its length.
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
            this.hash = Objects.hash(value, end, Arrays.hashCode(holes));
        }

        static StateKey of(BitSet linearized, int value) {
            int end = linearized.length();
            int[] holes = new int[end - linearized.cardinality()];
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
