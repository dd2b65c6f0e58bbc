package io.ringleader.coordinator.assign;

import io.ringleader.agent.ring.KeyHash;
import io.ringleader.agent.ring.Ring;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Places members on the ring: a pure, deterministic function from the previous ring (or none), the participants
 * and the ring's shape to a new ring and the {@link Plan} that leads to it.
 *
 * <p>Rules, in order of precedence:
 *
 * <ol>
 *   <li><b>Distinct</b>: a slot never lists a member twice. With fewer placeable members than {@code R}, every slot
 *       lists all of them and the tail of its list is empty.
 *   <li><b>Balanced</b>: at every rank, each placeable member holds {@code floor} or {@code ceil} of {@code S * w /
 *       W} slots, and in total {@code floor} or {@code ceil} of {@code S * R * w / W} (exact, not sampled). This holds
 *       when no member's weight is more than {@code 1/R} of the total; a heavier member is capped at one replica of
 *       every slot and the rest is shared by weight.
 *   <li><b>Zones</b>: when every member has a zone, there are at least {@code R'} zones and no zone would hold more
 *       than {@code S} entries (which holds when no zone's weight is more than {@code 1/R'} of the total), a full
 *       spread exists, and every slot's replicas are placed in distinct zones: first by choosing free entries and
 *       swapping entries that move anyway, then, for the slots that still list a zone twice, by <i>zone repairs</i>
 *       that move entries between members that both stay ({@link Move.Reason#ZONE_REPAIR}; counted in {@link
 *       Plan#zoneConflicts()} and {@link Plan#zoneRepairs()}). Zone spread is a safety property (a zone outage must
 *       not take two replicas of a slot), so it comes before the movement rule below; the repair keeps every
 *       member's totals, touches only slots on cycles through a doubled slot, and picks the cycle with the fewest
 *       such moves (at most two per repaired slot in the property tests); then the sets with the fewest new entries
 *       ({@link SetFlow}, exact) replace the repair's (fewest replica moves first, then fewest primary moves).
 *       When no full spread exists, a free entry goes preferably to a zone the slot lacks (best effort) and {@link
 *       Plan#zoneSpread()} says why.
 *   <li><b>Minimal movement</b>: a previous entry is kept when its member is still placeable and within its quota;
 *       when a slot's primary leaves, its first surviving backup becomes primary (it already holds the data) unless
 *       that would put it over its share; entries move only from members over their share to members under it,
 *       apart from zone repairs; where the set phase's give-ups collide, the exact flow gives the sets with the fewest
 *       new entries for the same totals.
 * </ol>
 *
 * <p>Roles: {@link Role#ACTIVE} members are placed. {@link Role#DRAINED} members hold nothing, as if departed.
 * {@link Role#SPARE} members hold nothing until a member of the previous ring is absent from the participants: then
 * the spares (in id order) take over the absent members (in id order) one for one, each inheriting exactly the
 * absent member's entries at every rank, and are reported in {@link Assignment#activatedSpares()}. The caller must
 * offer an activated spare as {@link Role#ACTIVE} from then on; a {@code SPARE} that already holds slots in the
 * previous ring is treated as {@code ACTIVE}.
 *
 * <p>IMPORTANT: a member absent from {@code participants} is treated as departed at once. The rebalance delay (do
 * not move a departed member's slots until it has been gone for a while) is the caller's: while the delay runs, the
 * coordinator keeps passing the departed member as a participant.
 *
 * <p>The result depends only on the content of the inputs, not on the order of {@code participants}: the member
 * table of the new ring is sorted by id, ties are broken by id or by a stable hash of (slot, member id). The new
 * ring's epoch is the previous epoch plus one, or 1 for a first placement.
 */
public final class Placement {
    private Placement() {}

    /**
     * Computes the next ring.
     *
     * @param previous the ring in force, or null for a first placement
     * @param participants every member to consider, each id at most once
     * @param config the ring's shape; its slot count must equal the previous ring's (the replication may differ)
     * @throws NullPointerException if {@code participants}, one of them, or {@code config} is null
     * @throws IllegalArgumentException if an id appears twice, if the slot count differs from the previous ring's,
     *     or if more than {@value Ring#MAX_MEMBERS} members would be placed
     */
    public static Assignment assign(Ring previous, Collection<Participant> participants, PlacementConfig config) {
        Objects.requireNonNull(participants, "participants");
        Objects.requireNonNull(config, "config");
        int slots = config.slotCount();
        int replication = config.replication();
        if (previous != null && previous.slotCount() != slots) {
            throw new IllegalArgumentException("slot count cannot change from " + previous.slotCount() + " to " + slots
                    + " by placement (split the ring instead)");
        }
        TreeMap<String, Participant> byId = new TreeMap<>();
        for (Participant p : participants) {
            Objects.requireNonNull(p, "participant");
            if (byId.putIfAbsent(p.id(), p) != null) {
                throw new IllegalArgumentException("participant " + p.id() + " is listed twice");
            }
        }

        Set<String> holders = new TreeSet<>();
        if (previous != null) {
            // by member index first: a large ring lists each member thousands of times
            boolean[] held = new boolean[previous.members().size()];
            for (int s = 0; s < slots; s++) {
                for (int r = 0; r < previous.replication(); r++) {
                    int v = previous.replicaIndex(s, r);
                    if (v == Ring.NONE) {
                        break;
                    }
                    held[v] = true;
                }
            }
            for (int i = 0; i < held.length; i++) {
                if (held[i]) {
                    holders.add(previous.member(i));
                }
            }
        }
        TreeSet<String> placeable = new TreeSet<>();
        List<String> idleSpares = new ArrayList<>();
        for (Participant p : byId.values()) {
            switch (p.role()) {
                case ACTIVE -> placeable.add(p.id());
                case SPARE -> {
                    if (holders.contains(p.id())) {
                        placeable.add(p.id());
                    } else {
                        idleSpares.add(p.id());
                    }
                }
                case DRAINED -> {}
            }
        }
        Map<String, String> takeover = new TreeMap<>();
        int nextSpare = 0;
        for (String id : holders) {
            if (!byId.containsKey(id) && nextSpare < idleSpares.size()) {
                String spare = idleSpares.get(nextSpare++);
                takeover.put(id, spare);
                placeable.add(spare);
            }
        }
        if (placeable.size() > Ring.MAX_MEMBERS) {
            throw new IllegalArgumentException(
                    placeable.size() + " members to place, more than the ring's " + Ring.MAX_MEMBERS);
        }

        List<String> members = new ArrayList<>(placeable);
        int n = members.size();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(members.get(i), i);
        }
        int[] weight = new int[n];
        int[] zone = new int[n];
        long[] idHash = new long[n];
        Map<String, Integer> zones = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            Participant p = byId.get(members.get(i));
            weight[i] = p.weight();
            idHash[i] = KeyHash.hash(p.id());
            if (p.zone() != null) {
                zones.putIfAbsent(p.zone(), zones.size());
            }
        }
        for (int i = 0; i < n; i++) {
            String z = byId.get(members.get(i)).zone();
            zone[i] = z == null ? -1 : zones.get(z);
        }

        int ranks = Math.min(replication, n);
        int[] table = new int[slots * replication];
        Arrays.fill(table, Ring.NONE);
        Rebalance used = null;
        if (ranks > 0) {
            int prevRanks = previous == null ? 0 : previous.replication();
            int[] prev = new int[slots * prevRanks];
            if (previous != null) {
                int[] mapped = new int[previous.members().size()];
                for (int i = 0; i < mapped.length; i++) {
                    String id = previous.member(i);
                    Integer m = index.get(takeover.getOrDefault(id, id));
                    mapped[i] = m == null ? -1 : m;
                }
                for (int s = 0; s < slots; s++) {
                    for (int r = 0; r < prevRanks; r++) {
                        int v = previous.replicaIndex(s, r);
                        prev[s * prevRanks + r] = v < 0 ? -1 : mapped[v];
                    }
                }
            }
            // One member joining a ring spread over zones: placed directly when it can be (the best ring on every
            // count), else by the general placement.
            int[] filled = SpreadJoin.place(slots, ranks, weight, zone, idHash, prev, prevRanks);
            if (filled == null) {
                Rebalance spread = place(slots, ranks, weight, zone, idHash, prev, prevRanks, true);
                used = spread;
                if ((spread.zoneSwaps() > 0 || spread.zoneConflicts() > 0)
                        && (spread.unresolved() > 0 || spread.slotsWithZoneTwice() > 0)) {
                    // Spreading zones gave up exact balance or left a zone twice in some slot: keep it only if placing
                    // without it does no better (balance first, then zones, then kept primaries).
                    Rebalance plain = place(slots, ranks, weight, zone, idHash, prev, prevRanks, false);
                    int[] a = {
                        spread.unresolved(),
                        spread.slotsWithZoneTwice(),
                        primariesDemoted(spread, prev, prevRanks, ranks)
                    };
                    int[] b = {
                        plain.unresolved(), plain.slotsWithZoneTwice(), primariesDemoted(plain, prev, prevRanks, ranks)
                    };
                    if (Arrays.compare(b, a) < 0) {
                        used = plain;
                    }
                }
                filled = used.order().clone();
                // last, the leaders: hand-overs within slots that keep more previous primaries (docs/ring.md step 9)
                PrimaryCycles.improve(slots, ranks, n, filled, prev, prevRanks);
            }
            for (int s = 0; s < slots; s++) {
                System.arraycopy(filled, s * ranks, table, s * replication, ranks);
            }
        }
        long epoch = previous == null ? 1 : previous.epoch() + 1;
        Ring ring = Ring.of(epoch, slots, replication, members, table);
        Plan plan = diff(previous, ring, byId, takeover, used, index);
        return new Assignment(ring, plan, new ArrayList<>(new TreeSet<>(takeover.values())));
    }

    /**
     * Chooses sets, with one retry if a member could reach its share of primaries only by taking a primary that
     * stayed; returns the attempt whose {@link Rebalance#order()} to use. Where {@link SetFlow} found sets with fewer new
     * entries than the set phase (after a zone repair, or where the set phase's give-ups collided), the attempt with the
     * fewest new entries is used, then the one that moves the fewest primaries: a replica that moves copies its data, a
     * primary that moves within its slot only hands over.
     */
    private static Rebalance place(
            int slots, int ranks, int[] weight, int[] zone, long[] idHash, int[] prev, int prevRanks, boolean spread) {
        Rebalance exact = attempt(slots, ranks, weight, zone, idHash, prev, prevRanks, spread, true, null);
        if (exact.primariesMoved() > 0) {
            // a primary that stayed moved: totals with room for a survivor to lead where none had any may keep it
            int[] roomy = exact.leadRoomTotals(Quotas.bounds(slots, ranks, weight));
            if (roomy != null) {
                Rebalance other = attempt(slots, ranks, weight, zone, idHash, prev, prevRanks, spread, true, roomy);
                // not at the price of a member moved between slots although its total does not shrink
                if (!better(exact, other) && other.deadEnds() <= exact.deadEnds()) {
                    exact = other;
                }
            }
        }
        if (!exact.setsImproved() || exact.flowSavedEntries()) {
            return exact; // the greedy sets are the exact ones before the flow: more new entries, or the same sets
        }
        // with the totals the flow ended with (a flow after a zone repair may have chosen them)
        Rebalance greedy = attempt(slots, ranks, weight, zone, idHash, prev, prevRanks, spread, false, exact.totals());
        return better(exact, greedy) ? exact : greedy;
    }

    /** Fewer new entries, then no more primaries moved: {@code a} is the one to keep (ties keep {@code a}). */
    private static boolean better(Rebalance a, Rebalance b) {
        int byEntries = Integer.compare(a.newEntries(), b.newEntries());
        return byEntries < 0 || (byEntries == 0 && a.primariesMoved() <= b.primariesMoved());
    }

    /**
     * One placement attempt, with or without the exact sets after a zone repair, and its one retry; {@code totals}
     * are the members' totals an earlier attempt chose (null: choose them).
     */
    private static Rebalance attempt(
            int slots,
            int ranks,
            int[] weight,
            int[] zone,
            long[] idHash,
            int[] prev,
            int prevRanks,
            boolean spread,
            boolean exactSets,
            int[] totals) {
        Rebalance rebalance =
                new Rebalance(slots, ranks, weight, zone, idHash, prev, prevRanks, null, spread, exactSets, totals);
        rebalance.order();
        if (rebalance.hasPrimaryShortfall()) {
            // A member could reach its share of primaries only by taking a primary that stayed: choose the
            // newcomers again, offering that member to the slots whose primary left.
            Rebalance again = new Rebalance(
                    slots,
                    ranks,
                    weight,
                    zone,
                    idHash,
                    prev,
                    prevRanks,
                    rebalance.primaryShortfall(),
                    spread,
                    exactSets,
                    rebalance.totals());
            again.order();
            if (!again.hasPrimaryShortfall()) {
                return again;
            }
        }
        return rebalance;
    }

    /** Slots whose previous primary is still in the slot but no longer its primary. */
    private static int primariesDemoted(Rebalance used, int[] prev, int prevRanks, int ranks) {
        int[] filled = used.order();
        int cost = 0;
        for (int s = 0; prevRanks > 0 && s < filled.length / ranks; s++) {
            int p = prev[s * prevRanks];
            if (p >= 0 && filled[s * ranks] != p) {
                for (int r = 1; r < ranks; r++) {
                    if (filled[s * ranks + r] == p) {
                        cost++;
                    }
                }
            }
        }
        return cost;
    }

    private static Plan diff(
            Ring previous,
            Ring next,
            Map<String, Participant> byId,
            Map<String, String> takeover,
            Rebalance used,
            Map<String, Integer> index) {
        int slots = next.slotCount();
        int prevRanks = previous == null ? 0 : previous.replication();
        int ranks = Math.max(prevRanks, next.replication());
        List<Move> moves = new ArrayList<>();
        Set<String> now = new HashSet<>();
        for (int s = 0; s < slots; s++) {
            now.clear();
            now.addAll(next.replicas(s));
            for (int r = 0; r < ranks; r++) {
                String from = null;
                if (r < prevRanks) {
                    int v = previous.replicaIndex(s, r);
                    from = v < 0 ? null : previous.member(v);
                }
                String to = null;
                if (r < next.replication()) {
                    int v = next.replicaIndex(s, r);
                    to = v < 0 ? null : next.member(v);
                }
                if (Objects.equals(from, to)) {
                    continue;
                }
                Move.Reason reason;
                if (from == null) {
                    reason = Move.Reason.PLACED;
                } else if (!byId.containsKey(from)) {
                    reason = to != null && to.equals(takeover.get(from))
                            ? Move.Reason.SPARE_TAKEOVER
                            : Move.Reason.DEPARTED;
                } else if (byId.get(from).role() == Role.DRAINED) {
                    reason = Move.Reason.DRAINED;
                } else if (now.contains(from)) {
                    reason = Move.Reason.REORDERED;
                } else if (used != null && used.leftForZones(s, index.get(from))) {
                    reason = Move.Reason.ZONE_REPAIR;
                } else if (used != null && used.leftForDeadEnd(s, index.get(from))) {
                    reason = Move.Reason.DEAD_END;
                } else {
                    reason = Move.Reason.REBALANCED;
                }
                moves.add(new Move(s, r, from, to, reason));
            }
        }
        return zones(moves, next, byId, used == null ? 0 : used.zoneConflicts());
    }

    /** The plan with its zone summary: how the new ring spreads replicas over zones, and why not fully if not. */
    private static Plan zones(List<Move> moves, Ring ring, Map<String, Participant> byId, int conflicts) {
        List<String> members = ring.members();
        Map<String, Integer> zoneIndex = new TreeMap<>();
        int[] zoneOf = new int[members.size()];
        List<String> noZone = new ArrayList<>();
        for (int i = 0; i < zoneOf.length; i++) {
            String z = byId.get(members.get(i)).zone();
            if (z == null) {
                noZone.add(members.get(i));
                zoneOf[i] = -1 - i; // a zone of its own
            } else {
                zoneOf[i] = zoneIndex.computeIfAbsent(z, k -> zoneIndex.size());
            }
        }
        if (zoneIndex.isEmpty()) {
            return new Plan(moves, Plan.ZoneSpread.NONE, 0, 0, null);
        }
        int slots = ring.slotCount();
        int ranks = Math.min(ring.replication(), members.size());
        long[] entries = new long[zoneIndex.size()];
        int twice = 0;
        for (int s = 0; s < slots; s++) {
            boolean doubled = false;
            for (int r = 0; r < ranks; r++) {
                int z = zoneOf[ring.replicaIndex(s, r)];
                if (z >= 0) {
                    entries[z]++;
                }
                for (int q = 0; q < r; q++) {
                    doubled |= zoneOf[ring.replicaIndex(s, q)] == z;
                }
            }
            twice += doubled ? 1 : 0;
        }
        if (twice == 0) {
            return new Plan(moves, Plan.ZoneSpread.FULL, 0, conflicts, null);
        }
        String note;
        if (!noZone.isEmpty()) {
            note = noZone.size() + " members have no zone (first " + noZone.get(0) + ")";
        } else if (zoneIndex.size() < ranks) {
            note = "only " + zoneIndex.size() + " zones for " + ranks + " replicas";
        } else {
            note = "no full spread was found";
            for (Map.Entry<String, Integer> e : zoneIndex.entrySet()) {
                if (entries[e.getValue()] > slots) {
                    note = "zone " + e.getKey() + " holds " + entries[e.getValue()] + " of " + (long) slots * ranks
                            + " replicas, more than one per slot: its weight is over 1/" + ranks + " of the total";
                    break;
                }
            }
        }
        return new Plan(moves, Plan.ZoneSpread.PARTIAL, twice, conflicts, note);
    }
}
