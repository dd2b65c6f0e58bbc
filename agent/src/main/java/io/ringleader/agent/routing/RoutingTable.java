package io.ringleader.agent.routing;

import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.membership.MemberView;
import io.ringleader.agent.ring.KeyHash;
import io.ringleader.agent.ring.Ring;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable routing snapshot: one ring combined with one member view, with the primary of every slot computed
 * in advance so that {@link #route(String)} is one hash and two array reads, without allocation or lock.
 *
 * <p>The primary of a slot is the first replica in the slot's ring list whose member is present in the view with
 * state {@link MemberState#UP}, or {@link MemberState#SPARE}: a spare holds no slot until the coordinator activates
 * it in place of a departed member, and then leads that member's slots. JOINING, DRAINING and DOWN members are
 * never primary. Every agent that holds the same ring and the same view computes the same table.
 *
 * <p>IMPORTANT: a table is as fresh as the ring and view it was computed from; {@link #ringEpoch()} and {@link
 * #membersZxid()} say which.
 */
public final class RoutingTable {

    static final RoutingTable EMPTY = new RoutingTable(null, 0, List.of(), 0);

    private final Ring ring;
    private final long ringZxid;
    private final long membersZxid;
    private final List<Member> members;
    private final List<Member> upMembers;
    private final Map<String, Member> presentById;
    /** By ring member index: the member if present, else null. */
    private final Member[] presentByIndex;
    /** By ring member index: the member if present and eligible ({@link #eligible}), else null. */
    private final Member[] eligibleByIndex;
    /** By slot: its primary, or null. Empty when there is no ring. Never written after construction. */
    private final Member[] primaryBySlot;
    /**
     * By ring member index: the slots listing it; built by the first table that recomputes only some slots, and
     * handed on to every later table of the same ring; null until then.
     */
    private final int[][] slotsByIndex;
    /**
     * By slot: its replicas present in the view, in ring order (immutable). Built with the table, so that {@link
     * #replicas(int)} allocates nothing; a table following another of the same ring shares the lists of every slot
     * that lists no member whose present record changed. Empty when there is no ring.
     */
    private final List<Member>[] presentReplicas;

    private final int slotsWithoutPrimary;

    private RoutingTable(Ring ring, long ringZxid, List<Member> present, long membersZxid) {
        this(ring, ringZxid, present, membersZxid, null);
    }

    /**
     * With {@code previous} of the same ring, only the slots listing a member whose eligible record changed get their
     * primary computed again, and only those listing a member whose present record changed get their replica list
     * again: a member's arrival or departure touches about {@code S·R/n} slots instead of {@code S}.
     */
    private RoutingTable(Ring ring, long ringZxid, List<Member> present, long membersZxid, RoutingTable previous) {
        this.ring = ring;
        this.ringZxid = ringZxid;
        this.membersZxid = membersZxid;
        List<Member> sorted = new ArrayList<>(present);
        sorted.sort((x, y) -> x.id().compareTo(y.id()));
        Map<String, Member> byId = new HashMap<>(sorted.size() * 2);
        List<Member> up = new ArrayList<>();
        for (Member m : sorted) {
            if (byId.putIfAbsent(m.id(), m) != null) {
                throw new IllegalArgumentException("member '" + m.id() + "' is present twice");
            }
            if (m.state() == MemberState.UP) {
                up.add(m);
            }
        }
        this.members = Collections.unmodifiableList(sorted);
        this.upMembers = Collections.unmodifiableList(up);
        this.presentById = byId;
        if (ring == null) {
            this.presentByIndex = new Member[0];
            this.eligibleByIndex = presentByIndex;
            this.primaryBySlot = new Member[0];
            this.slotsByIndex = null;
            this.slotsWithoutPrimary = 0;
            this.presentReplicas = newLists(0);
            return;
        }
        int n = ring.members().size();
        this.presentByIndex = new Member[n];
        this.eligibleByIndex = new Member[n];
        for (int i = 0; i < n; i++) {
            Member m = byId.get(ring.member(i));
            presentByIndex[i] = m;
            eligibleByIndex[i] = m != null && eligible(m.state()) ? m : null;
        }
        int slots = ring.slotCount();
        boolean sameRing = previous != null && previous.ring == ring;
        int[] changed = sameRing ? changed(previous.eligibleByIndex, eligibleByIndex) : null;
        int[] changedPresent = sameRing ? changed(previous.presentByIndex, presentByIndex) : null;
        int[][] bySlot = sameRing ? previous.slotsByIndex : null;
        if (bySlot == null
                && ((changed != null && changed.length > 0 && changed.length * 4 <= n)
                        || (changedPresent != null && changedPresent.length > 0 && changedPresent.length * 4 <= n))) {
            bySlot = slotsByIndex(ring);
        }
        this.slotsByIndex = bySlot;
        if (changedPresent != null && changedPresent.length == 0) {
            this.presentReplicas = previous.presentReplicas;
        } else if (changedPresent != null && changedPresent.length * 4 <= n) {
            this.presentReplicas = previous.presentReplicas.clone();
            for (int i : changedPresent) {
                for (int s : bySlot[i]) {
                    presentReplicas[s] = replicasOf(ring, s, presentByIndex);
                }
            }
        } else {
            this.presentReplicas = newLists(slots);
            for (int s = 0; s < slots; s++) {
                presentReplicas[s] = replicasOf(ring, s, presentByIndex);
            }
        }
        if (changed != null && changed.length == 0) {
            this.primaryBySlot = previous.primaryBySlot;
            this.slotsWithoutPrimary = previous.slotsWithoutPrimary;
        } else if (changed != null && changed.length * 4 <= n) {
            this.primaryBySlot = previous.primaryBySlot.clone();
            int without = previous.slotsWithoutPrimary;
            for (int index : changed) {
                for (int s : slotsByIndex[index]) {
                    boolean had = primaryBySlot[s] != null;
                    primaryBySlot[s] = firstEligible(ring, s, eligibleByIndex);
                    without += (had ? 0 : -1) + (primaryBySlot[s] != null ? 0 : 1);
                }
            }
            this.slotsWithoutPrimary = without;
        } else {
            this.primaryBySlot = new Member[slots];
            int without = 0;
            for (int s = 0; s < slots; s++) {
                primaryBySlot[s] = firstEligible(ring, s, eligibleByIndex);
                if (primaryBySlot[s] == null) {
                    without++;
                }
            }
            this.slotsWithoutPrimary = without;
        }
    }

    /**
     * Whether a member the ring lists may lead its slots: UP, or SPARE, since a spare the ring lists is one the
     * coordinator activated in place of a departed member (an idle spare is listed nowhere). Keyless picks still
     * offer UP members only ({@link #upMembers()}).
     */
    public static boolean eligible(MemberState state) {
        return state == MemberState.UP || state == MemberState.SPARE;
    }

    /** The first replica of {@code slot} that is present and eligible (UP, or an activated SPARE), or null. */
    private static Member firstEligible(Ring ring, int slot, Member[] eligibleByIndex) {
        for (int r = 0; r < ring.replication(); r++) {
            int index = ring.replicaIndex(slot, r);
            if (index == Ring.NONE) {
                return null;
            }
            if (eligibleByIndex[index] != null) {
                return eligibleByIndex[index];
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static List<Member>[] newLists(int slots) {
        return (List<Member>[]) new List<?>[slots];
    }

    /** The ring member indexes whose record (present, or present and eligible) is not the same object in both. */
    private static int[] changed(Member[] before, Member[] after) {
        int count = 0;
        for (int i = 0; i < after.length; i++) {
            count += before[i] != after[i] ? 1 : 0;
        }
        int[] out = new int[count];
        for (int i = 0, k = 0; i < after.length; i++) {
            if (before[i] != after[i]) {
                out[k++] = i;
            }
        }
        return out;
    }

    /** By member index, the slots whose replica list holds it. */
    private static int[][] slotsByIndex(Ring ring) {
        int n = ring.members().size();
        int[] count = new int[n];
        for (int s = 0; s < ring.slotCount(); s++) {
            for (int r = 0; r < ring.replication(); r++) {
                int index = ring.replicaIndex(s, r);
                if (index != Ring.NONE) {
                    count[index]++;
                }
            }
        }
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            out[i] = new int[count[i]];
        }
        int[] at = new int[n];
        for (int s = 0; s < ring.slotCount(); s++) {
            for (int r = 0; r < ring.replication(); r++) {
                int index = ring.replicaIndex(s, r);
                if (index != Ring.NONE) {
                    out[index][at[index]++] = s;
                }
            }
        }
        return out;
    }

    /**
     * The table of {@code ring} (null: none yet), read at {@code ringZxid}, and {@code view}; computed from {@code
     * previous} where it has the same ring (the same instance).
     */
    static RoutingTable of(Ring ring, long ringZxid, MemberView view, RoutingTable previous) {
        return new RoutingTable(ring, ringZxid, view.members(), view.zxid(), previous);
    }

    /** As {@link #of(Ring, long, MemberView, RoutingTable)}, for tests of the incremental computation. */
    static RoutingTable of(Ring ring, List<Member> present, long membersZxid, RoutingTable previous) {
        return new RoutingTable(ring, 0, present, membersZxid, previous);
    }

    /**
     * The table of {@code ring} (null: none yet) and the {@code present} members, for tools, simulations and
     * benchmarks that route without ZooKeeper.
     *
     * @param membersZxid the zxid of the member view the members come from (0 if none)
     */
    public static RoutingTable of(Ring ring, List<Member> present, long membersZxid) {
        return new RoutingTable(ring, 0, present, membersZxid);
    }

    /**
     * The table of {@code ring}, whose znode was last written at {@code ringZxid}, and the {@code present} members
     * of a view at {@code membersZxid}.
     */
    public static RoutingTable of(Ring ring, long ringZxid, List<Member> present, long membersZxid) {
        return new RoutingTable(ring, ringZxid, present, membersZxid);
    }

    /** The ring, if one has been read. */
    public Optional<Ring> ring() {
        return Optional.ofNullable(ring);
    }

    /** The ring's epoch, or -1 if no ring has been read. */
    public long ringEpoch() {
        return ring == null ? -1 : ring.epoch();
    }

    /** The zxid of the ring znode's write this table's ring was read from (its {@code mzxid}), 0 if none. */
    public long ringZxid() {
        return ringZxid;
    }

    /**
     * The routing epoch: the zxid of the newest ZooKeeper change this table reflects, {@code max(ringZxid,
     * membersZxid)}. Every change of the ring or of the members carries a new, larger zxid, and a client sees
     * changes in zxid order, so a later table has a larger epoch and two tables with the same epoch on two agents
     * reflect the same changes: the same primaries.
     */
    public long epoch() {
        return Math.max(ringZxid, membersZxid);
    }

    /** The zxid of the member view this table was computed from. */
    public long membersZxid() {
        return membersZxid;
    }

    /** The present members, sorted by id. */
    public List<Member> members() {
        return members;
    }

    /** The present members whose state is UP, sorted by id: the candidates of keyless {@link Picker picks}. */
    public List<Member> upMembers() {
        return upMembers;
    }

    /** How many slots have no primary (0 if there is no ring). */
    public int slotsWithoutPrimary() {
        return slotsWithoutPrimary;
    }

    /**
     * The primary of a key's slot. One hash and two array reads; allocates nothing for an ASCII key.
     *
     * @throws NoRouteException if no ring has been read, or the slot has no replica that is present and eligible; the
     *     message names the slot
     * @throws NullPointerException if {@code key} is null
     */
    public Member route(String key) {
        return primaryOrThrow(KeyHash.hash(key));
    }

    /**
     * The primary of a binary key's slot; allocates nothing.
     *
     * @throws NoRouteException as {@link #route(String)}
     * @throws NullPointerException if {@code key} is null
     */
    public Member route(byte[] key) {
        return primaryOrThrow(KeyHash.hash(key));
    }

    private Member primaryOrThrow(long keyHash) {
        Ring r = ring;
        if (r == null) {
            throw noRing();
        }
        int slot = r.slotOf(keyHash);
        Member m = primaryBySlot[slot];
        if (m == null) {
            throw noPrimary(slot);
        }
        return m;
    }

    /**
     * The slot of a key in the ring.
     *
     * @throws NoRouteException if no ring has been read
     */
    public int slotOf(String key) {
        return requireRing().slotOf(KeyHash.hash(key));
    }

    /**
     * The slot of a binary key in the ring.
     *
     * @throws NoRouteException if no ring has been read
     */
    public int slotOf(byte[] key) {
        return requireRing().slotOf(KeyHash.hash(key));
    }

    /**
     * The primary of {@code slot}, or {@code null} if no replica of it is present and eligible.
     *
     * @throws NoRouteException if no ring has been read
     * @throws IndexOutOfBoundsException if {@code slot} is not in {@code [0, S)}
     */
    public Member primary(int slot) {
        requireRing();
        return primaryBySlot[Objects.checkIndex(slot, primaryBySlot.length)];
    }

    /**
     * The replicas of {@code slot} in ring order that are present in the view, in any state: an immutable list built
     * with the table, so this is one array read and allocates nothing.
     *
     * @throws NoRouteException if no ring has been read
     * @throws IndexOutOfBoundsException if {@code slot} is not in {@code [0, S)}
     */
    public List<Member> replicas(int slot) {
        requireRing();
        return presentReplicas[Objects.checkIndex(slot, presentReplicas.length)];
    }

    /**
     * The replicas of {@code slot} in ring order that are present and eligible: primary first, then the backups.
     * Allocates a list.
     */
    List<Member> eligibleReplicas(int slot) {
        Ring r = requireRing();
        Objects.checkIndex(slot, r.slotCount());
        return replicasOf(r, slot, eligibleByIndex);
    }

    /** The member at {@code rank} of {@code slot} if present and eligible, else null; never allocates. */
    Member eligibleReplica(int slot, int rank) {
        int index = ring.replicaIndex(slot, rank);
        return index == Ring.NONE ? null : eligibleByIndex[index];
    }

    private static List<Member> replicasOf(Ring r, int slot, Member[] byIndex) {
        Member[] out = new Member[r.replication()];
        int count = 0;
        for (int rank = 0; rank < out.length; rank++) {
            int index = r.replicaIndex(slot, rank);
            if (index == Ring.NONE) {
                break;
            }
            if (byIndex[index] != null) {
                out[count++] = byIndex[index];
            }
        }
        return Collections.unmodifiableList(Arrays.asList(count == out.length ? out : Arrays.copyOf(out, count)));
    }

    /** The present member with this id, or null. */
    Member present(String id) {
        return presentById.get(id);
    }

    private Ring requireRing() {
        if (ring == null) {
            throw noRing();
        }
        return ring;
    }

    private NoRouteException noRing() {
        return new NoRouteException(-1, "no route: no ring has been read yet");
    }

    private NoRouteException noPrimary(int slot) {
        return new NoRouteException(
                slot,
                "no route for slot " + slot + " at ring epoch " + ring.epoch() + ": none of its replicas "
                        + ring.replicas(slot) + " is present and UP (or an activated SPARE)");
    }

    /** Whether {@code other} routes exactly as this table: same ring, same present members, same primaries. */
    boolean sameRouting(RoutingTable other) {
        return Objects.equals(ring, other.ring)
                && members.equals(other.members)
                && Arrays.equals(primaryBySlot, other.primaryBySlot);
    }

    @Override
    public String toString() {
        return "RoutingTable{epoch=" + ringEpoch() + ", membersZxid=0x" + Long.toHexString(membersZxid) + ", members="
                + members.size() + ", up=" + upMembers.size() + ", slotsWithoutPrimary=" + slotsWithoutPrimary + "}";
    }
}
