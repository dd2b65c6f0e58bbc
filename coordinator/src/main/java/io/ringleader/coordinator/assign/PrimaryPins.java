package io.ringleader.coordinator.assign;

import io.ringleader.agent.ring.Ring;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The operator's primary pins ({@code ringleader admin failover}) and the deterministic step that applies them to a
 * placed ring: a pure function, like {@link Placement}.
 *
 * <p>A member pinned in a slot must not lead it while another replica can. Agents take a slot's primary to be the
 * first replica of its list that is present and {@code UP}, so the step changes the order of a list, never its
 * content: in a slot whose first replica is pinned and which lists a replica that is not, the list is turned until
 * the first replica that is not pinned leads it, and the pinned ones go to its tail ({@code [a, b, c]} with {@code a}
 * pinned becomes {@code [b, c, a]}). No member gains or loses an entry, so every member's total and every slot's zone
 * spread stay as placed; only primaries move, to the next replica, which already holds the data. A slot whose first
 * replica is not pinned, or whose replicas are all pinned, is left as placed.
 *
 * <p>The pinned ring is not a placement: its ranks are not balanced, and {@link Placement} would balance them back.
 * So {@link #place} keeps what the step did ({@link Failovers}), undoes it before placing again, and applies the pins
 * afresh: with nothing new, the result is the ring it started from.
 *
 * <p>IMPORTANT: the step does not know who is live. A pinned member whose every other replica is absent or not
 * {@code UP} stays the primary agents derive (the first present {@code UP} replica), so no slot is left without one.
 *
 * @param slots pins of one slot each: slot → the member that must not lead it; slots beyond a ring's are ignored
 * @param members members that must not lead any slot
 */
public record PrimaryPins(SortedMap<Integer, String> slots, SortedSet<String> members) {

    private static final PrimaryPins NONE = new PrimaryPins(new TreeMap<>(), new TreeSet<>());

    /**
     * Copies both.
     *
     * @throws NullPointerException if either, a slot or an id is null
     * @throws IllegalArgumentException if a slot is negative or an id empty
     */
    public PrimaryPins {
        Objects.requireNonNull(slots, "slots");
        Objects.requireNonNull(members, "members");
        slots.forEach((slot, id) -> {
            Objects.requireNonNull(slot, "slot");
            if (slot < 0) {
                throw new IllegalArgumentException("a failed-over slot must not be negative, was " + slot);
            }
            if (Objects.requireNonNull(id, "member id").isEmpty()) {
                throw new IllegalArgumentException("the member failed over from slot " + slot + " is empty");
            }
        });
        members.forEach(id -> {
            if (Objects.requireNonNull(id, "member id").isEmpty()) {
                throw new IllegalArgumentException("a failed-over member id is empty");
            }
        });
        slots = Collections.unmodifiableSortedMap(new TreeMap<>(slots));
        members = Collections.unmodifiableSortedSet(new TreeSet<>(members));
    }

    /** No pin. */
    public static PrimaryPins none() {
        return NONE;
    }

    /** True if nothing is pinned. */
    public boolean isEmpty() {
        return slots.isEmpty() && members.isEmpty();
    }

    /** True if {@code id} must not lead slot {@code slot}. */
    public boolean pins(int slot, String id) {
        return members.contains(id) || id.equals(slots.get(slot));
    }

    /**
     * A ring with the pins applied, and what was turned.
     *
     * @param ring the ring to write
     * @param failovers the slots turned and by how much
     */
    public record Pinned(Ring ring, Failovers failovers) {}

    /** Applies the pins to {@code placed}, as the class says. Same epoch, same member table. */
    public Pinned apply(Ring placed) {
        int slotCount = placed.slotCount();
        int r = placed.replication();
        byte[] turns = new byte[slotCount];
        if (isEmpty() || r < 2) {
            return new Pinned(placed, Failovers.wrap(turns));
        }
        boolean[] pinnedEverywhere = new boolean[placed.members().size()];
        for (String id : members) {
            int index = placed.indexOf(id);
            if (index >= 0) {
                pinnedEverywhere[index] = true;
            }
        }
        Map<Integer, Integer> pinnedHere = new HashMap<>();
        for (Map.Entry<Integer, String> e : slots.entrySet()) {
            int index = placed.indexOf(e.getValue());
            if (e.getKey() < slotCount && index >= 0) {
                pinnedHere.put(e.getKey(), index);
            }
        }
        int[] table = placed.replicaTable();
        int[] list = new int[r];
        boolean any = false;
        for (int s = 0; s < slotCount; s++) {
            Integer here = pinnedHere.get(s);
            int m = Failovers.listed(placed, s);
            int k = 0;
            while (k < m && isPinned(table[s * r + k], here, pinnedEverywhere)) {
                k++;
            }
            if (k == 0 || k == m) {
                continue;
            }
            for (int i = 0; i < m; i++) {
                list[i] = table[s * r + (i + k) % m];
            }
            System.arraycopy(list, 0, table, s * r, m);
            turns[s] = (byte) k;
            any = true;
        }
        if (!any) {
            return new Pinned(placed, Failovers.wrap(turns));
        }
        return new Pinned(Ring.of(placed.epoch(), slotCount, r, placed.members(), table), Failovers.wrap(turns));
    }

    private static boolean isPinned(int index, Integer pinnedHere, boolean[] pinnedEverywhere) {
        return pinnedEverywhere[index] || (pinnedHere != null && pinnedHere == index);
    }

    /**
     * Places the participants ({@link Placement#assign}) from the placement {@code previous} was pinned from, then
     * applies these pins. The plan is from {@code previous} as it stands to the pinned ring: in a slot the placement
     * left as it was, entries that change rank because the slot was turned, or turned back, are {@link
     * Move.Reason#FAILOVER} or {@link Move.Reason#FAILBACK}; a member that leaves a slot keeps its placement reason,
     * and the other changes of rank in a slot the placement changed are {@link Move.Reason#REORDERED}.
     *
     * @param previous the ring in force, or null for a first placement
     * @param applied what the pins did to {@code previous}, as recorded when it was written; {@link Failovers#none}
     *     if unknown, or if they do not {@linkplain Failovers#fits fit} it ({@code previous} is then taken as placed)
     * @param participants as {@link Placement#assign} takes them
     * @param config as {@link Placement#assign} takes it
     * @throws NullPointerException if {@code applied} is null, or as {@link Placement#assign}
     * @throws IllegalArgumentException as {@link Placement#assign}
     */
    public Assignment place(
            Ring previous, Failovers applied, Collection<Participant> participants, PlacementConfig config) {
        Objects.requireNonNull(applied, "applied");
        Failovers before = previous != null && applied.fits(previous) ? applied : null;
        Ring base = before == null ? previous : before.undo(previous);
        Assignment placed = Placement.assign(base, participants, config);
        if (isEmpty() && (before == null || before.isEmpty())) {
            return placed;
        }
        Pinned pinned = apply(placed.ring());
        Plan plan = placed.plan();
        List<Move> moves = diff(previous, before, pinned, plan);
        return new Assignment(
                pinned.ring(),
                new Plan(moves, plan.zoneSpread(), plan.slotsWithZoneTwice(), plan.zoneConflicts(), plan.zoneNote()),
                placed.activatedSpares(),
                pinned.failovers());
    }

    /** The moves from {@code previous} to the pinned ring, labelled from the placement's own moves. */
    private static List<Move> diff(Ring previous, Failovers before, Pinned pinned, Plan placed) {
        // Why a member left a slot, by slot and member: turning never takes a member out of a slot.
        Map<Integer, Map<String, Move.Reason>> left = new HashMap<>();
        Set<Integer> replaced = new HashSet<>();
        for (Move m : placed.moves()) {
            replaced.add(m.slot());
            if (m.from() != null && m.reason() != Move.Reason.REORDERED) {
                left.computeIfAbsent(m.slot(), k -> new HashMap<>()).put(m.from(), m.reason());
            }
        }
        Ring next = pinned.ring();
        int prevRanks = previous == null ? 0 : previous.replication();
        int ranks = Math.max(prevRanks, next.replication());
        List<Move> moves = new ArrayList<>();
        for (int s = 0; s < next.slotCount(); s++) {
            List<String> now = next.replicas(s);
            for (int r = 0; r < ranks; r++) {
                String from = r < prevRanks ? id(previous, s, r) : null;
                String to = r < next.replication() ? id(next, s, r) : null;
                if (Objects.equals(from, to)) {
                    continue;
                }
                Move.Reason reason;
                if (from == null) {
                    reason = Move.Reason.PLACED;
                } else if (!now.contains(from)) {
                    reason = left.getOrDefault(s, Map.of()).getOrDefault(from, Move.Reason.REBALANCED);
                } else if (replaced.contains(s)) {
                    reason = Move.Reason.REORDERED; // the placement changed the slot: its turn follows from that
                } else {
                    int was = before == null ? 0 : before.turns(s);
                    int is = pinned.failovers().turns(s);
                    reason = is > was ? Move.Reason.FAILOVER : is < was ? Move.Reason.FAILBACK : Move.Reason.REORDERED;
                }
                moves.add(new Move(s, r, from, to, reason));
            }
        }
        return moves;
    }

    private static String id(Ring ring, int slot, int rank) {
        int v = ring.replicaIndex(slot, rank);
        return v == Ring.NONE ? null : ring.member(v);
    }
}
