package io.ringleader.agent.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of the hash ring: {@code S} equal slots, each with an ordered list of {@code R} replicas
 * (rank 0 is the slot's designated primary, the rest its backups), drawn from a member table.
 *
 * <p>A key's slot is {@link KeyHash#slot(long, int) the top log2(S) bits} of its {@link KeyHash key hash}; finding
 * a slot's replica is one array read ({@link #replicaIndex(int, int)}), without allocation. Replica lists refer to
 * members by their index in {@link #members()}; an index of {@value #NONE} means "no replica" and may appear only
 * at the tail of a list (when there are fewer members than {@code R}).
 *
 * <p>Instances are validated on construction and never change; {@link #equals(Object)} compares content.
 */
public final class Ring {

    /** The version of the ring format this class describes. */
    public static final int FORMAT_VERSION = 1;
    /** The largest slot count. */
    public static final int MAX_SLOTS = 65536;
    /** The default slot count. */
    public static final int DEFAULT_SLOTS = 16384;
    /** The largest replication factor. */
    public static final int MAX_REPLICATION = 7;
    /** The default replication factor. */
    public static final int DEFAULT_REPLICATION = 3;
    /** The largest member table. */
    public static final int MAX_MEMBERS = Short.MAX_VALUE;
    /** The replica index meaning "no replica". */
    public static final int NONE = -1;

    private final long epoch;
    private final int slotCount;
    private final int slotBits;
    private final int replication;
    private final List<String> members;
    private final Map<String, Integer> indexById;
    private final short[] table;
    private int hash;

    /**
     * A ring with the given content. The table is copied.
     *
     * @param epoch the ring epoch, {@code >= 0}; it grows with every write of the ring
     * @param slotCount {@code S}, a power of two between 1 and {@value #MAX_SLOTS}
     * @param replication {@code R}, between 1 and {@value #MAX_REPLICATION}
     * @param members the member table, at most {@value #MAX_MEMBERS} distinct non-empty ids; index = position
     * @param replicaTable {@code S * R} member indexes; slot {@code s}'s list is {@code [s*R, s*R+R)}
     * @throws IllegalArgumentException if any of the above does not hold, if an index is neither {@value #NONE} nor
     *     a position in {@code members}, if a member appears twice in one slot's list, or if {@value #NONE} is
     *     followed by a member in a list; the message names the bad value
     * @throws NullPointerException if {@code members}, an id, or {@code replicaTable} is null
     */
    public static Ring of(long epoch, int slotCount, int replication, List<String> members, int[] replicaTable) {
        checkShape(slotCount, replication);
        if (replicaTable.length != slotCount * replication) {
            throw new IllegalArgumentException("replica table must have slotCount * replication = "
                    + slotCount * replication + " entries, has " + replicaTable.length);
        }
        short[] table = new short[replicaTable.length];
        for (int i = 0; i < table.length; i++) {
            int v = replicaTable[i];
            if (v < NONE || v >= members.size()) {
                throw new IllegalArgumentException("replica table entry " + i + " (slot " + i / replication + " rank "
                        + i % replication + ") is " + v + ", not -1 or a member index below " + members.size());
            }
            table[i] = (short) v;
        }
        return new Ring(epoch, slotCount, replication, members, table);
    }

    /** Takes ownership of {@code table}. */
    Ring(long epoch, int slotCount, int replication, List<String> members, short[] table) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, was " + epoch);
        }
        checkShape(slotCount, replication);
        if (members.size() > MAX_MEMBERS) {
            throw new IllegalArgumentException(
                    "member table must have at most " + MAX_MEMBERS + " members, has " + members.size());
        }
        Map<String, Integer> index = new HashMap<>(members.size() * 2);
        List<String> ids = new ArrayList<>(members.size());
        for (String id : members) {
            Objects.requireNonNull(id, "member id");
            if (id.isEmpty()) {
                throw new IllegalArgumentException("member id at position " + ids.size() + " is empty");
            }
            if (index.putIfAbsent(id, ids.size()) != null) {
                throw new IllegalArgumentException("member '" + id + "' appears twice in the member table");
            }
            ids.add(id);
        }
        if (table.length != slotCount * replication) {
            throw new IllegalArgumentException("replica table must have slotCount * replication = "
                    + slotCount * replication + " entries, has " + table.length);
        }
        int n = ids.size();
        for (int s = 0; s < slotCount; s++) {
            int base = s * replication;
            boolean ended = false;
            for (int r = 0; r < replication; r++) {
                int v = table[base + r];
                if (v < NONE || v >= n) {
                    throw new IllegalArgumentException("slot " + s + " rank " + r + " has member index " + v
                            + ", not -1 or a member index below " + n);
                }
                if (v == NONE) {
                    ended = true;
                    continue;
                }
                if (ended) {
                    throw new IllegalArgumentException(
                            "slot " + s + " rank " + r + " lists " + ids.get(v) + " after an empty rank");
                }
                for (int q = 0; q < r; q++) {
                    if (table[base + q] == v) {
                        throw new IllegalArgumentException(
                                "slot " + s + " lists " + ids.get(v) + " twice (ranks " + q + " and " + r + ")");
                    }
                }
            }
        }
        this.epoch = epoch;
        this.slotCount = slotCount;
        this.slotBits = Integer.numberOfTrailingZeros(slotCount);
        this.replication = replication;
        this.members = Collections.unmodifiableList(ids);
        this.indexById = index;
        this.table = table;
    }

    private static void checkShape(int slotCount, int replication) {
        if (slotCount < 1 || slotCount > MAX_SLOTS || Integer.bitCount(slotCount) != 1) {
            throw new IllegalArgumentException(
                    "slotCount must be a power of two between 1 and " + MAX_SLOTS + ", was " + slotCount);
        }
        if (replication < 1 || replication > MAX_REPLICATION) {
            throw new IllegalArgumentException(
                    "replication must be between 1 and " + MAX_REPLICATION + ", was " + replication);
        }
    }

    /** The format version, {@value #FORMAT_VERSION}. */
    public int formatVersion() {
        return FORMAT_VERSION;
    }

    /** The ring epoch: it grows with every write of the ring. */
    public long epoch() {
        return epoch;
    }

    /** The slot count {@code S}, a power of two. */
    public int slotCount() {
        return slotCount;
    }

    /** The replication factor {@code R}: the length of every slot's replica list. */
    public int replication() {
        return replication;
    }

    /** The member table, unmodifiable: a replica index is a position in this list. */
    public List<String> members() {
        return members;
    }

    /** The member id at {@code index} in the member table. */
    public String member(int index) {
        return members.get(index);
    }

    /** The position of {@code memberId} in the member table, or {@value #NONE} if it is not there. */
    public int indexOf(String memberId) {
        Integer i = indexById.get(memberId);
        return i == null ? NONE : i;
    }

    /** The slot of a key: {@code slotOf(KeyHash.hash(key))}. Does not allocate for ASCII keys. */
    public int slotOf(String key) {
        return slotOf(KeyHash.hash(key));
    }

    /** The slot of a key hash: its top log2(S) bits. */
    public int slotOf(long keyHash) {
        return KeyHash.topBits(keyHash, slotBits);
    }

    /**
     * The member index at {@code rank} of slot {@code slot}'s replica list, or {@value #NONE}.
     *
     * @throws IndexOutOfBoundsException if {@code slot} is not in {@code [0, S)} or {@code rank} not in {@code [0,
     *     R)}
     */
    public int replicaIndex(int slot, int rank) {
        Objects.checkIndex(slot, slotCount);
        Objects.checkIndex(rank, replication);
        return table[slot * replication + rank];
    }

    /**
     * The member ids of slot {@code slot}'s replica list in rank order, without the empty tail.
     *
     * @throws IndexOutOfBoundsException if {@code slot} is not in {@code [0, S)}
     */
    public List<String> replicas(int slot) {
        Objects.checkIndex(slot, slotCount);
        List<String> out = new ArrayList<>(replication);
        for (int r = 0; r < replication; r++) {
            int v = table[slot * replication + r];
            if (v == NONE) {
                break;
            }
            out.add(members.get(v));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The member at rank 0 of slot {@code slot}, or null if the slot has no replica.
     *
     * @throws IndexOutOfBoundsException if {@code slot} is not in {@code [0, S)}
     */
    public String primaryId(int slot) {
        int v = replicaIndex(slot, 0);
        return v == NONE ? null : members.get(v);
    }

    /**
     * How many slots each member holds at {@code rank}, in member-table order (members holding none included).
     *
     * @throws IndexOutOfBoundsException if {@code rank} is not in {@code [0, R)}
     */
    public Map<String, Integer> slotCounts(int rank) {
        Objects.checkIndex(rank, replication);
        int[] counts = new int[members.size()];
        for (int s = 0; s < slotCount; s++) {
            int v = table[s * replication + rank];
            if (v != NONE) {
                counts[v]++;
            }
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < counts.length; i++) {
            out.put(members.get(i), counts[i]);
        }
        return Collections.unmodifiableMap(out);
    }

    /** A copy of the replica table: {@code S * R} member indexes, slot-major. */
    public int[] replicaTable() {
        int[] out = new int[table.length];
        for (int i = 0; i < table.length; i++) {
            out[i] = table[i];
        }
        return out;
    }

    /** The raw table, for this package's codec only: never hand it out. */
    short[] table() {
        return table;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Ring other)) {
            return false;
        }
        return epoch == other.epoch
                && slotCount == other.slotCount
                && replication == other.replication
                && members.equals(other.members)
                && Arrays.equals(table, other.table);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Objects.hash(epoch, slotCount, replication, members);
            h = 31 * h + Arrays.hashCode(table);
            hash = h;
        }
        return h;
    }

    @Override
    public String toString() {
        return "Ring{format=" + FORMAT_VERSION + ", epoch=" + epoch + ", slots=" + slotCount + ", replication="
                + replication + ", members=" + members.size() + "}";
    }
}
