package io.ringleader.coordinator.assign;

import io.ringleader.agent.ring.Ring;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The slots of a ring whose replica lists {@link PrimaryPins#apply} turned, and by how many ranks each: what it takes
 * to have the placement back exactly ({@link #undo}), so that the next placement starts from it as if no pin existed.
 * Immutable.
 *
 * <p>A slot turned by {@code k} lists its placed replicas from the {@code k}-th on, then its first {@code k}: the
 * placed list {@code [a, b, c]} turned by 1 is {@code [b, c, a]}. An empty entry (fewer members than {@code R}) stays
 * at the tail.
 */
public final class Failovers {
    private final int slotCount;
    private final byte[] turns;
    private final int count;

    private Failovers(int slotCount, byte[] turns) {
        this.slotCount = slotCount;
        this.turns = turns;
        int n = 0;
        for (byte t : turns) {
            n += t == 0 ? 0 : 1;
        }
        this.count = n;
    }

    /**
     * No slot turned, in a ring of {@code slotCount} slots.
     *
     * @throws IllegalArgumentException if {@code slotCount} is not 1..{@value Ring#MAX_SLOTS}
     */
    public static Failovers none(int slotCount) {
        checkSlotCount(slotCount);
        return new Failovers(slotCount, new byte[slotCount]);
    }

    /**
     * The turns of {@code slotCount} slots, by slot; slots not named are not turned.
     *
     * @throws IllegalArgumentException naming the first bad value: a slot count out of 1..{@value Ring#MAX_SLOTS}, a
     *     slot out of {@code [0, slotCount)}, a turn out of 0..{@value Ring#MAX_REPLICATION}{@code - 1}
     */
    public static Failovers of(int slotCount, Map<Integer, Integer> turnsBySlot) {
        checkSlotCount(slotCount);
        byte[] turns = new byte[slotCount];
        for (Map.Entry<Integer, Integer> e : turnsBySlot.entrySet()) {
            int slot = Objects.requireNonNull(e.getKey(), "slot");
            int turn = Objects.requireNonNull(e.getValue(), "turn");
            if (slot < 0 || slot >= slotCount) {
                throw new IllegalArgumentException(
                        "failed-over slot must be between 0 and " + (slotCount - 1) + ", was " + slot);
            }
            if (turn < 0 || turn >= Ring.MAX_REPLICATION) {
                throw new IllegalArgumentException("turn of slot " + slot + " must be between 0 and "
                        + (Ring.MAX_REPLICATION - 1) + ", was " + turn);
            }
            turns[slot] = (byte) turn;
        }
        return new Failovers(slotCount, turns);
    }

    /** Takes ownership of {@code turns}, whose values the caller checked. */
    static Failovers wrap(byte[] turns) {
        return new Failovers(turns.length, turns);
    }

    private static void checkSlotCount(int slotCount) {
        if (slotCount < 1 || slotCount > Ring.MAX_SLOTS) {
            throw new IllegalArgumentException(
                    "slot count must be between 1 and " + Ring.MAX_SLOTS + ", was " + slotCount);
        }
    }

    /** The number of slots of the ring these turns are for. */
    public int slotCount() {
        return slotCount;
    }

    /**
     * How many ranks slot {@code slot} was turned by; 0 if not.
     *
     * @throws IndexOutOfBoundsException if {@code slot} is not in {@code [0, slotCount)}
     */
    public int turns(int slot) {
        Objects.checkIndex(slot, slotCount);
        return turns[slot];
    }

    /** How many slots were turned. */
    public int count() {
        return count;
    }

    /** True if no slot was turned. */
    public boolean isEmpty() {
        return count == 0;
    }

    /** The turned slots and their turns, in slot order; unmodifiable. */
    public SortedMap<Integer, Integer> bySlot() {
        SortedMap<Integer, Integer> out = new TreeMap<>();
        for (int s = 0; s < slotCount; s++) {
            if (turns[s] != 0) {
                out.put(s, (int) turns[s]);
            }
        }
        return Collections.unmodifiableSortedMap(out);
    }

    /**
     * True if these turns can be undone on {@code ring}: the same slot count, and every turned slot lists more
     * replicas than its turn.
     */
    public boolean fits(Ring ring) {
        if (ring.slotCount() != slotCount) {
            return false;
        }
        for (int s = 0; s < slotCount; s++) {
            if (turns[s] != 0 && listed(ring, s) <= turns[s]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The ring as placed before it was turned: each turned slot turned back. Same epoch, same member table.
     *
     * @throws IllegalArgumentException if these turns do not {@linkplain #fits fit} {@code ring}
     */
    public Ring undo(Ring ring) {
        if (!fits(ring)) {
            throw new IllegalArgumentException("the failed-over slots do not fit the ring at epoch " + ring.epoch());
        }
        if (count == 0) {
            return ring;
        }
        int r = ring.replication();
        int[] table = ring.replicaTable();
        int[] list = new int[r];
        for (int s = 0; s < slotCount; s++) {
            int k = turns[s];
            if (k == 0) {
                continue;
            }
            int m = listed(ring, s);
            // turned: placed[k..m) then placed[0..k); back: the last k first
            for (int i = 0; i < m; i++) {
                list[(i + k) % m] = table[s * r + i];
            }
            System.arraycopy(list, 0, table, s * r, m);
        }
        return Ring.of(ring.epoch(), ring.slotCount(), r, ring.members(), table);
    }

    /** The non-empty entries of slot s. */
    static int listed(Ring ring, int slot) {
        int m = 0;
        while (m < ring.replication() && ring.replicaIndex(slot, m) != Ring.NONE) {
            m++;
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Failovers f && f.slotCount == slotCount && Arrays.equals(f.turns, turns);
    }

    @Override
    public int hashCode() {
        return 31 * slotCount + Arrays.hashCode(turns);
    }

    @Override
    public String toString() {
        return "Failovers{slots=" + slotCount + ", turned=" + count + "}";
    }
}
