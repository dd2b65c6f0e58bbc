package io.ringleader.agent.membership;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable snapshot of the members of a cluster as one agent sees them.
 *
 * <p>IMPORTANT: a view is as fresh as the ZooKeeper server the agent is connected to. {@link #zxid()} names the
 * newest ZooKeeper change it reflects; two views of the same cluster with the same zxid hold the same members.
 * {@link #isCurrent()} is {@code false} while the agent's connection is suspended or its session lost: the members
 * are then the last ones seen, and may have changed since.
 */
public final class MemberView {

    /**
     * One live member with the ZooKeeper facts about its znode.
     *
     * @param member the record
     * @param sessionId the ZooKeeper session that owns the ephemeral znode
     * @param createdZxid the zxid that created the znode (a new registration has a new one)
     * @param modifiedZxid the zxid of the last change to the record
     */
    public record Entry(Member member, long sessionId, long createdZxid, long modifiedZxid) {
        public Entry {
            Objects.requireNonNull(member, "member");
        }
    }

    private static final MemberView EMPTY = new MemberView(new TreeMap<>(), 0, false);

    private final SortedMap<String, Entry> entries;
    private final List<Member> members;
    private final long zxid;
    private final boolean current;

    MemberView(SortedMap<String, Entry> entries, long zxid, boolean current) {
        this.entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
        List<Member> list = new ArrayList<>(entries.size());
        this.entries.values().forEach(e -> list.add(e.member()));
        this.members = Collections.unmodifiableList(list);
        this.zxid = zxid;
        this.current = current;
    }

    /** The view before anything was read: no members, zxid 0, not current. */
    public static MemberView empty() {
        return EMPTY;
    }

    /** The members, sorted by id. */
    public List<Member> members() {
        return members;
    }

    /** The members with their znode facts, by id. */
    public SortedMap<String, Entry> entries() {
        return entries;
    }

    /** The member with this id, if it is live. */
    public Optional<Member> member(String id) {
        Entry e = entries.get(id);
        return e == null ? Optional.empty() : Optional.of(e.member());
    }

    /** The entry of the member with this id, if it is live. */
    public Optional<Entry> entry(String id) {
        return Optional.ofNullable(entries.get(id));
    }

    /** Whether a member with this id is live in this view. */
    public boolean contains(String id) {
        return entries.containsKey(id);
    }

    /** How many members are live. */
    public int size() {
        return entries.size();
    }

    /** The zxid of the newest ZooKeeper change this view reflects; 0 before the first read. */
    public long zxid() {
        return zxid;
    }

    /** Whether the agent was connected when this view was published (see the class comment). */
    public boolean isCurrent() {
        return current;
    }

    MemberView withCurrent(boolean newCurrent) {
        return newCurrent == current ? this : new MemberView(entries, zxid, newCurrent);
    }

    boolean sameContent(MemberView other) {
        return current == other.current && entries.equals(other.entries);
    }

    /** Counts of members per state, for logs and status lines. */
    public Map<MemberState, Long> countByState() {
        Map<MemberState, Long> counts = new java.util.EnumMap<>(MemberState.class);
        members.forEach(m -> counts.merge(m.state(), 1L, Long::sum));
        return counts;
    }

    @Override
    public String toString() {
        return "MemberView{zxid=0x" + Long.toHexString(zxid) + ", current=" + current + ", members=" + entries.keySet()
                + "}";
    }
}
