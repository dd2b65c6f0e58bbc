package io.ringleader.samples.kv.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

/**
 * Random histories of a correct store: every operation takes effect atomically at one instant inside a random
 * interval around it. Some operations fail (no effect), some have unknown outcome (applied at once, later, or
 * never); the history ends with a final read of every key written.
 */
final class RegisterSimulation {
    private final Random random;
    private final int processes;
    private final int keys;
    private final double failRate;
    private final double unknownRate;

    private final Map<String, String> store = new HashMap<>();
    private final PriorityQueue<LateWrite> late = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    private final List<Op> ops = new ArrayList<>();
    private final Set<String> written = new LinkedHashSet<>();
    private int writes;

    private record LateWrite(long at, String key, String value) {}

    RegisterSimulation(long seed, int processes, int keys, double failRate, double unknownRate) {
        this.random = new Random(seed);
        this.processes = processes;
        this.keys = keys;
        this.failRate = failRate;
        this.unknownRate = unknownRate;
    }

    /** Simulates {@code count} operations, then the final reads, and returns the history. */
    List<Op> run(int count) {
        long[] busyUntil = new long[processes];
        long now = 0;
        while (ops.size() < count) {
            now += 1 + random.nextInt(20);
            applyLateWrites(now);
            int p = random.nextInt(processes);
            if (busyUntil[p] >= now) {
                continue;
            }
            long invoke = busyUntil[p] + 1 + (long) random.nextInt((int) Math.min(now - busyUntil[p], 100));
            long complete = now + random.nextInt(100);
            busyUntil[p] = complete;
            step(p, "k" + random.nextInt(keys), invoke, now, complete);
        }
        long end = 0;
        for (long b : busyUntil) {
            end = Math.max(end, b);
        }
        applyLateWrites(Long.MAX_VALUE);
        for (String key : written) {
            end += 10;
            ops.add(new Op(
                    processes, OpType.GET, key, store.get(key), end * 1_000, (end + 5) * 1_000, Outcome.OK, null));
        }
        return ops;
    }

    private void step(int p, String key, long invoke, long at, long complete) {
        int kind = random.nextInt(10);
        OpType type = kind < 5 ? OpType.GET : kind < 9 ? OpType.PUT : OpType.DELETE;
        String value = type == OpType.PUT ? "w" + p + "-" + writes++ : null;
        double roll = random.nextDouble();
        Outcome outcome = roll < failRate ? Outcome.FAIL : roll < failRate + unknownRate ? Outcome.UNKNOWN : Outcome.OK;
        if (type.isWrite()) {
            written.add(key);
            if (outcome == Outcome.OK) {
                apply(key, value);
            } else if (outcome == Outcome.UNKNOWN) {
                switch (random.nextInt(3)) {
                    case 0 -> apply(key, value);
                    case 1 -> late.add(new LateWrite(complete + random.nextInt(300), key, value));
                    default -> {}
                }
            }
        } else {
            value = outcome == Outcome.OK ? store.get(key) : null;
        }
        String error = outcome == Outcome.OK ? null : outcome == Outcome.FAIL ? "rejected" : "timeout";
        ops.add(new Op(p, type, key, value, invoke * 1_000, complete * 1_000, outcome, error));
    }

    private void applyLateWrites(long now) {
        while (!late.isEmpty() && late.peek().at <= now) {
            LateWrite w = late.poll();
            apply(w.key, w.value);
        }
    }

    private void apply(String key, String value) {
        if (value == null) {
            store.remove(key);
        } else {
            store.put(key, value);
        }
    }
}
