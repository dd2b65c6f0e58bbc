package io.ringleader.coordinator.assign;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replica entries that change from one ring to the next, in slot then rank order, with summary counts. Printed
 * by {@code rebalance --dry-run}.
 */
public final class Plan {
    private final List<Move> moves;
    private final Map<String, Integer> gained;
    private final Map<String, Integer> lost;
    private final int primariesMoved;

    Plan(List<Move> moves) {
        this.moves = List.copyOf(moves);
        Map<String, Integer> g = new TreeMap<>();
        Map<String, Integer> l = new TreeMap<>();
        int primaries = 0;
        for (Move m : moves) {
            if (m.to() != null) {
                g.merge(m.to(), 1, Integer::sum);
            }
            if (m.from() != null) {
                l.merge(m.from(), 1, Integer::sum);
                if (m.rank() == 0) {
                    primaries++;
                }
            }
        }
        this.gained = Collections.unmodifiableMap(g);
        this.lost = Collections.unmodifiableMap(l);
        this.primariesMoved = primaries;
    }

    /** The changed entries, in slot then rank order; unmodifiable. */
    public List<Move> moves() {
        return moves;
    }

    /** True if the new ring places every replica where the previous one did. */
    public boolean isEmpty() {
        return moves.isEmpty();
    }

    /** How many entries each member receives, by member id; unmodifiable. */
    public Map<String, Integer> gainedBy() {
        return gained;
    }

    /** How many entries each member gives up, by member id; unmodifiable. */
    public Map<String, Integer> lostBy() {
        return lost;
    }

    /** How many slots get a different primary (rank 0) than a previous, non-empty one. */
    public int primariesMoved() {
        return primariesMoved;
    }

    /** A summary line, one line per member with its gains and losses, then every move. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(moves.size()).append(" moves, ").append(primariesMoved).append(" primaries moved\n");
        TreeMap<String, int[]> perMember = new TreeMap<>();
        gained.forEach((id, n) -> perMember.computeIfAbsent(id, k -> new int[2])[0] = n);
        lost.forEach((id, n) -> perMember.computeIfAbsent(id, k -> new int[2])[1] = n);
        perMember.forEach((id, c) -> sb.append("  ")
                .append(id)
                .append(": +")
                .append(c[0])
                .append(" -")
                .append(c[1])
                .append('\n'));
        for (Move m : moves) {
            sb.append(m.describe()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Plan{moves=" + moves.size() + ", primariesMoved=" + primariesMoved + "}";
    }
}
