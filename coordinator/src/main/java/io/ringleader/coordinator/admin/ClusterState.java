package io.ringleader.coordinator.admin;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.assign.Assignment;
import io.ringleader.coordinator.assign.Failovers;
import io.ringleader.coordinator.assign.PlacementConfig;
import io.ringleader.coordinator.assign.PrimaryPins;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What {@link ClusterAdmin#read()} saw of a cluster: its live members, its ring, its operator config and its active
 * coordinator. Immutable.
 *
 * <p>IMPORTANT: the reads are not one atomic snapshot, and the cluster may change right after them.
 *
 * @param path the cluster's paths
 * @param members the live members whose records could be read, sorted by id
 * @param malformedMembers member records that could not be read, by id, with the problem
 * @param membersZxid the {@code pzxid} of the {@code members} znode as read
 * @param ring the ring, or null if there is none or it cannot be parsed
 * @param ringVersion the ring znode's version, or -1 if there is none
 * @param ringProblem why the ring cannot be parsed, or null
 * @param config the operator config; empty if there is none or it cannot be parsed
 * @param configVersion the config znode's version, or -1 if there is none
 * @param configProblem why the config cannot be parsed, or null
 * @param coordinator the id of the active coordinator, if one runs
 * @param failovers the slots of {@code ring} that the primary pins turned, as the coordinator recorded them with it
 *     (none if it recorded nothing for this ring); null without a ring
 */
public record ClusterState(
        ClusterPath path,
        List<Member> members,
        SortedMap<String, String> malformedMembers,
        long membersZxid,
        Ring ring,
        int ringVersion,
        String ringProblem,
        OperatorConfig config,
        int configVersion,
        String configProblem,
        Optional<String> coordinator,
        Failovers failovers) {

    /** Copies the collections. */
    public ClusterState {
        members = List.copyOf(members);
        malformedMembers = Collections.unmodifiableSortedMap(new TreeMap<>(malformedMembers));
    }

    /** The routing table of the ring and the live members: who is primary of each slot now. */
    public RoutingTable table() {
        return RoutingTable.of(ring, members, membersZxid);
    }

    /** The live member with this id. */
    public Optional<Member> member(String id) {
        return members.stream().filter(m -> m.id().equals(id)).findFirst();
    }

    /** Members of the ring that are not live (departed, their rebalance delay running), sorted. */
    public SortedSet<String> absentFromRing() {
        SortedSet<String> out = new TreeSet<>();
        if (ring != null) {
            out.addAll(ring.members());
            members.forEach(m -> out.remove(m.id()));
        }
        return out;
    }

    /** Every id the cluster knows: live members, members of the ring, ids named by the config. Sorted. */
    public SortedSet<String> knownIds() {
        SortedSet<String> out = new TreeSet<>(absentFromRing());
        members.forEach(m -> out.add(m.id()));
        out.addAll(config.ids());
        return out;
    }

    /**
     * Checks that the cluster knows {@code id} ({@link #knownIds()}).
     *
     * @throws AdminException naming the id and listing the members
     */
    public void requireKnown(String id) throws AdminException {
        if (!knownIds().contains(id)) {
            throw unknownMember(id, knownIds());
        }
    }

    /**
     * Checks that {@code id} is a live member.
     *
     * @throws AdminException naming the id and listing the live members
     */
    public Member requireLive(String id) throws AdminException {
        Optional<Member> m = member(id);
        if (m.isEmpty()) {
            SortedSet<String> live = new TreeSet<>();
            members.forEach(x -> live.add(x.id()));
            throw unknownMember(id, live);
        }
        return m.get();
    }

    private AdminException unknownMember(String id, SortedSet<String> ids) {
        List<String> shown = new ArrayList<>(ids);
        String list = ids.isEmpty()
                ? "it has no members"
                : "its members: " + String.join(", ", shown.subList(0, Math.min(10, shown.size())))
                        + (shown.size() > 10 ? " and " + (shown.size() - 10) + " more" : "");
        return AdminException.failed("no member '" + id + "' in cluster '" + path.cluster() + "' (" + list
                + "); list them with 'ringleader admin members'");
    }

    /** The weight placement gives {@code id}: the config's override, else its record's, else 1. */
    public int effectiveWeight(String id) {
        return config.weightOf(id, member(id).map(Member::weight).orElse(1));
    }

    /**
     * The placement the active coordinator would apply now if asked to rebalance: the ring, the live members and the
     * config, with no departed member kept (a rebalance ends their delays), then the config's primary pins. Peer
     * suspicion, which only the coordinator knows, is not taken into account.
     *
     * @throws AdminException if there is no ring to rebalance
     */
    public Assignment rebalance() throws AdminException {
        if (ring == null) {
            throw AdminException.failed(noRing());
        }
        return config.pins()
                .place(
                        ring,
                        failovers,
                        config.participants(members, ring, List.of()),
                        new PlacementConfig(ring.slotCount(), ring.replication()));
    }

    /**
     * The ring as placed, before the primary pins turned it.
     *
     * @throws AdminException if there is no ring, saying why
     */
    public Ring placedRing() throws AdminException {
        return failovers.undo(requireRing());
    }

    /**
     * The ring that the coordinator writes once it applies {@code pins} to the placement in force: the ring as
     * placed, turned by {@code pins}. Equal to the ring (its epoch too) once the coordinator has applied them.
     *
     * @throws AdminException if there is no ring, saying why
     */
    public Ring pinnedRing(PrimaryPins pins) throws AdminException {
        return pins.apply(placedRing()).ring();
    }

    /**
     * The ring.
     *
     * @throws AdminException saying why there is none
     */
    public Ring requireRing() throws AdminException {
        if (ring == null) {
            throw AdminException.failed(noRing());
        }
        return ring;
    }

    private String noRing() {
        return ringProblem != null
                ? "the ring of cluster '" + path.cluster() + "' cannot be parsed (" + ringProblem
                        + "); the active coordinator rebuilds it, or restore it with 'ringleader admin import'"
                : "cluster '" + path.cluster() + "' has no ring yet; start a coordinator"
                        + " (ringleader coordinator --zk ... --cluster " + path.cluster()
                        + ", with ringleader.auth.* or --insecure)";
    }
}
