package io.ringleader.samples.kv.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A slow, obviously right reference for small one-key histories: tries every order of the operations that may have
 * happened. OK operations must appear, writes of unknown outcome may, everything else is left out.
 */
final class BruteForceRegister {
    private BruteForceRegister() {}

    static boolean linearizable(List<Op> ops) {
        List<Op> required = new ArrayList<>();
        List<Op> optional = new ArrayList<>();
        for (Op op : ops) {
            if (op.outcome() == Outcome.OK) {
                required.add(op);
            } else if (op.outcome() == Outcome.UNKNOWN && op.isWrite()) {
                optional.add(op);
            }
        }
        for (int mask = 0; mask < 1 << optional.size(); mask++) {
            List<Op> chosen = new ArrayList<>(required);
            for (int i = 0; i < optional.size(); i++) {
                if ((mask & 1 << i) != 0) {
                    chosen.add(optional.get(i));
                }
            }
            if (someOrder(chosen, new ArrayList<>(), new boolean[chosen.size()], null)) {
                return true;
            }
        }
        return false;
    }

    private static boolean someOrder(List<Op> ops, List<Op> order, boolean[] used, String state) {
        if (order.size() == ops.size()) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (used[i] || !mayGoNext(ops, used, i)) {
                continue;
            }
            Op op = ops.get(i);
            if (op.type() == OpType.GET && !Objects.equals(op.value(), state)) {
                continue;
            }
            String after = op.isWrite() ? op.value() : state;
            used[i] = true;
            order.add(op);
            boolean found = someOrder(ops, order, used, after);
            order.remove(order.size() - 1);
            used[i] = false;
            if (found) {
                return true;
            }
        }
        return false;
    }

    /** Whether no other unplaced operation had to come before op i: it completed before op i was invoked. */
    private static boolean mayGoNext(List<Op> ops, boolean[] used, int i) {
        for (int j = 0; j < ops.size(); j++) {
            Op other = ops.get(j);
            boolean completed = other.outcome() == Outcome.OK;
            if (!used[j]
                    && j != i
                    && completed
                    && other.completeNanos() < ops.get(i).invokeNanos()) {
                return false;
            }
        }
        return true;
    }
}
