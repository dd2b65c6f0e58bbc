package io.ringleader.coordinator.assign;

import io.ringleader.agent.ring.KeyHash;
import io.ringleader.agent.ring.Ring;
import java.util.ArrayList;
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
 *   <li><b>Minimal movement</b>: a previous entry is kept when its member is still placeable and within its quota;
 *       when a slot's primary leaves, its first surviving backup becomes primary (it already holds the data) unless
 *       that would put it over its share; entries move only from members over their share to members under it.
 *   <li><b>Zones</b>: a free entry goes preferably to a member of a zone the slot does not yet have. When every
 *       member has a zone, there are at least {@code R'} zones and no zone's weight is more than {@code 1/R'} of the
 *       total, no zone is given more than {@code S} entries, and entries that move in this placement are swapped
 *       between slots until no slot lists a zone twice, as far as swaps of moving entries allow (always on a first
 *       placement, where every entry moves). A swap never changes a member's totals; if the swapped placement would
 *       move a kept primary or give up exact balance where the unswapped one would not, the unswapped one is used.
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
            for (int s = 0; s < slots; s++) {
                holders.addAll(previous.replicas(s));
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
        java.util.Arrays.fill(table, Ring.NONE);
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
            Rebalance spread = place(slots, ranks, weight, zone, idHash, prev, prevRanks, true);
            int[] filled = spread.order();
            int cost = cost(spread, filled, prev, prevRanks, ranks);
            if (spread.zoneSwaps() > 0 && cost > 0) {
                // Spreading zones may have cost a kept primary or exact balance: keep it only if placing without it
                // costs as much.
                Rebalance plain = place(slots, ranks, weight, zone, idHash, prev, prevRanks, false);
                int[] other = plain.order();
                if (cost(plain, other, prev, prevRanks, ranks) < cost) {
                    filled = other;
                }
            }
            for (int s = 0; s < slots; s++) {
                System.arraycopy(filled, s * ranks, table, s * replication, ranks);
            }
        }
        long epoch = previous == null ? 1 : previous.epoch() + 1;
        Ring ring = Ring.of(epoch, slots, replication, members, table);
        Plan plan = diff(previous, ring, byId, takeover);
        return new Assignment(ring, plan, new ArrayList<>(new TreeSet<>(takeover.values())));
    }

    /**
     * Chooses sets, with one retry if a member could reach its share of primaries only by taking a primary that
     * stayed; returns the attempt whose {@link Rebalance#order()} to use.
     */
    private static Rebalance place(
            int slots, int ranks, int[] weight, int[] zone, long[] idHash, int[] prev, int prevRanks, boolean spread) {
        Rebalance rebalance = new Rebalance(slots, ranks, weight, zone, idHash, prev, prevRanks, null, spread);
        rebalance.order();
        if (rebalance.hasPrimaryShortfall()) {
            // A member could reach its share of primaries only by taking a primary that stayed: choose the
            // newcomers again, offering that member to the slots whose primary left.
            Rebalance again = new Rebalance(
                    slots, ranks, weight, zone, idHash, prev, prevRanks, rebalance.primaryShortfall(), spread);
            again.order();
            if (!again.hasPrimaryShortfall()) {
                return again;
            }
        }
        return rebalance;
    }

    /**
     * What a placement gives up: entries placed without exact balance, plus slots whose previous primary is still
     * in the slot but no longer its primary.
     */
    private static int cost(Rebalance used, int[] filled, int[] prev, int prevRanks, int ranks) {
        int cost = used.unresolved();
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

    private static Plan diff(Ring previous, Ring next, Map<String, Participant> byId, Map<String, String> takeover) {
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
                } else {
                    reason = Move.Reason.REBALANCED;
                }
                moves.add(new Move(s, r, from, to, reason));
            }
        }
        return new Plan(moves);
    }
}
