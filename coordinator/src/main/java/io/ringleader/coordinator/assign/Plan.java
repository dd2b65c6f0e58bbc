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
    /** How the new ring spreads each slot's replicas over zones. */
    public enum ZoneSpread {
        /** No placed member has a zone. */
        NONE,
        /** Every slot's replicas are in distinct zones (a member without a zone counts as a zone of its own). */
        FULL,
        /** Some slot lists a zone twice because no full spread exists; {@link #zoneNote()} says why. */
        PARTIAL
    }

    private final List<Move> moves;
    private final Map<String, Integer> gained;
    private final Map<String, Integer> lost;
    private final int primariesMoved;
    private final ZoneSpread zoneSpread;
    private final int slotsWithZoneTwice;
    private final int zoneConflicts;
    private final int zoneRepairs;
    private final String zoneNote;

    Plan(List<Move> moves, ZoneSpread zoneSpread, int slotsWithZoneTwice, int zoneConflicts, String zoneNote) {
        this.moves = List.copyOf(moves);
        this.zoneSpread = zoneSpread;
        this.slotsWithZoneTwice = slotsWithZoneTwice;
        this.zoneConflicts = zoneConflicts;
        this.zoneNote = zoneNote;
        this.zoneRepairs = (int) moves.stream()
                .filter(m -> m.reason() == Move.Reason.ZONE_REPAIR)
                .count();
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

    /** How the new ring spreads each slot's replicas over zones. */
    public ZoneSpread zoneSpread() {
        return zoneSpread;
    }

    /** How many slots of the new ring list a zone twice (0 unless {@link #zoneSpread()} is {@code PARTIAL}). */
    public int slotsWithZoneTwice() {
        return slotsWithZoneTwice;
    }

    /**
     * How many slots would list a zone twice if only entries that must move anyway (a departed member's, a member's
     * over its share) were placed, when a full spread exists: the slots the {@link Move.Reason#ZONE_REPAIR} moves
     * repair. Zone spread comes before the rule that no entry moves between two members that both stay.
     */
    public int zoneConflicts() {
        return zoneConflicts;
    }

    /** How many moves are {@link Move.Reason#ZONE_REPAIR}. */
    public int zoneRepairs() {
        return zoneRepairs;
    }

    /** Why no full zone spread exists, when {@link #zoneSpread()} is {@code PARTIAL}; otherwise null. */
    public String zoneNote() {
        return zoneNote;
    }

    /** One line on zones: the spread, the repairs, or why no full spread exists; empty if no member has a zone. */
    public String describeZones() {
        return switch (zoneSpread) {
            case NONE -> "";
            case FULL -> zoneConflicts == 0
                    ? "zones: every slot's replicas in distinct zones"
                    : "zones: every slot's replicas in distinct zones after " + zoneRepairs + " zone-repair moves for "
                            + zoneConflicts + " slots that listed a zone twice";
            case PARTIAL -> "zones: best effort, " + slotsWithZoneTwice + " slots list a zone twice (" + zoneNote + ")";
        };
    }

    /** A summary line, a line on zones if any, one line per member with its gains and losses, then every move. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(moves.size()).append(" moves, ").append(primariesMoved).append(" primaries moved\n");
        if (zoneSpread != ZoneSpread.NONE) {
            sb.append(describeZones()).append('\n');
        }
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
        return "Plan{moves=" + moves.size() + ", primariesMoved=" + primariesMoved + ", zoneSpread=" + zoneSpread
                + ", zoneRepairs=" + zoneRepairs + "}";
    }
}
