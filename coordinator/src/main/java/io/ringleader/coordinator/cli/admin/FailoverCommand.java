package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterState;
import io.ringleader.coordinator.admin.ConfigUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringleader admin failover --slot N | --member ID}: a manual, passive takeover. The primary of one slot, or
 * of every slot a member leads, goes to the next replica of the slot, which holds the data already; the pin stays in
 * the operator config until {@code failback}.
 */
@Command(
        name = "failover",
        description = {
            "Move a primary to the next replica: of one slot, or of every slot a member leads.",
            "With --slot, the slot's current primary stops leading it; with --member, the member stops leading "
                    + "every slot another replica can lead. The next replica in each slot's list becomes primary. "
                    + "Members keep all their replica entries, and the pin stays in the operator config until "
                    + "failback."
        })
final class FailoverCommand extends PinCommand {
    @Option(names = "--slot", paramLabel = "N", description = "Fail over this slot from its current primary.")
    Integer slot;

    @Option(names = "--member", paramLabel = "ID", description = "Fail over every slot this member leads.")
    String member;

    @Override
    void prepare() {
        checkTarget("--slot N and --member ID", slot, slot != null, member != null);
    }

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ClusterState s = cluster.read();
        if (slot != null) {
            failOverSlot(cluster, s);
        } else {
            failOverMember(cluster, s);
        }
    }

    private void failOverSlot(ClusterAdmin cluster, ClusterState s) throws AdminException {
        Ring ring = s.requireRing();
        int n = slot;
        requireSlotInRange(s, ring, n);
        RoutingTable now = s.table();
        Member primary = now.primary(n);
        if (primary == null) {
            throw AdminException.failed("slot " + n + " has no primary now: none of its replicas " + ring.replicas(n)
                    + " is live and UP; nothing to fail over, nothing was written");
        }
        String from = primary.id();
        String pinned = s.config().failedOverSlots().get(n);
        if (pinned != null && !pinned.equals(from) && ring.replicas(n).contains(pinned)) {
            throw AdminException.failed("slot " + n + " is already failed over from " + pinned + " (" + from
                    + " leads it now); nothing was written: fail it back first with 'ringleader admin failback --slot "
                    + n + "'");
        }
        OperatorConfig next = s.config().withFailedOverSlot(n, from);
        Member successor = after(s, next).primary(n);
        if (!from.equals(pinned) && (successor == null || successor.id().equals(from))) {
            throw AdminException.failed(noSuccessor(s, ring, n, from) + "; nothing was written");
        }
        ConfigUpdate update = cluster.updateConfig(c -> c.withFailedOverSlot(n, from));
        Long epoch = awaitRing(cluster, update, s.coordinator(), "slot " + n + " failed over");
        String to = successor == null ? null : successor.id();
        if (json()) {
            ObjectNode node = object();
            node.put("slot", n);
            node.put("member", from);
            node.put("newPrimary", to);
            ObjectNode takenOver = node.putObject("takenOverBy");
            if (to != null && !to.equals(from)) {
                takenOver.put(to, 1);
            }
            node.put("slotsMoved", to != null && !to.equals(from) ? 1 : 0);
            node.put("slotsKept", to == null || to.equals(from) ? 1 : 0);
            putOutcome(node, update, s.coordinator(), epoch);
            print(node);
            return;
        }
        if (!update.changed()) {
            out().println("slot " + n + " was already failed over from " + from + "; nothing written");
            return;
        }
        out().println("slot " + n + " failed over from " + from + ": " + to + " becomes its primary (config version "
                + update.version() + "); " + outcome(epoch, s.coordinator()));
    }

    /** Why no other replica can take slot n over from its primary {@code from}: one line. */
    private static String noSuccessor(ClusterState s, Ring ring, int n, String from) {
        List<String> replicas = ring.replicas(n);
        if (replicas.size() == 1) {
            return "slot " + n + " has one replica only, " + from + ": no other replica can take over";
        }
        int at = replicas.indexOf(from);
        if (at > 0) {
            return from + " leads slot " + n + " only while " + String.join(", ", replicas.subList(0, at))
                    + ", listed before it, is not live and UP: a failover moves the primary away from a slot's"
                    + " first replica only";
        }
        List<String> others = new ArrayList<>();
        for (String id : replicas) {
            if (!id.equals(from)) {
                others.add(id + " " + s.member(id).map(m -> m.state().name()).orElse("absent"));
            }
        }
        return "no other replica of slot " + n + " is live and UP (" + String.join(", ", others)
                + "): none can take over from " + from;
    }

    private void failOverMember(ClusterAdmin cluster, ClusterState s) throws AdminException {
        Ring ring = s.requireRing();
        String id = member;
        s.requireKnown(id);
        if (ring.indexOf(id) < 0) {
            throw AdminException.failed(id + " holds no slot in the ring (drained, an idle spare, or not placed yet):"
                    + " there is nothing to fail over; nothing was written");
        }
        boolean already = s.config().failedOverMembers().contains(id);
        if (!already && ring.replication() == 1) {
            throw AdminException.failed("the ring has one replica per slot: no other replica can take over from " + id
                    + "; nothing was written");
        }
        OperatorConfig next = s.config().withFailedOverMember(id, true);
        RoutingTable now = s.table();
        RoutingTable after = after(s, next);
        Map<String, Integer> takenOver = new TreeMap<>();
        List<Integer> kept = new ArrayList<>();
        for (int n = 0; n < ring.slotCount(); n++) {
            Member was = now.primary(n);
            if (was == null || !was.id().equals(id)) {
                continue;
            }
            Member is = after.primary(n);
            if (is == null || is.id().equals(id)) {
                kept.add(n);
            } else {
                takenOver.merge(is.id(), 1, Integer::sum);
            }
        }
        int moved = takenOver.values().stream().mapToInt(Integer::intValue).sum();
        if (!already && moved == 0 && !kept.isEmpty()) {
            throw AdminException.failed("no other replica of the " + kept.size() + " slots " + id
                    + " leads is live and UP: none can take over; nothing was written");
        }
        ConfigUpdate update = cluster.updateConfig(c -> c.withFailedOverMember(id, true));
        Long epoch = awaitRing(cluster, update, s.coordinator(), id + " failed over");
        if (json()) {
            ObjectNode node = object();
            node.putNull("slot");
            node.put("member", id);
            node.putNull("newPrimary");
            ObjectNode by = node.putObject("takenOverBy");
            takenOver.forEach(by::put);
            node.put("slotsMoved", moved);
            node.put("slotsKept", kept.size());
            putOutcome(node, update, s.coordinator(), epoch);
            print(node);
            return;
        }
        if (!update.changed()) {
            out().println(id + " was already failed over; nothing written");
            return;
        }
        Optional<Member> live = s.member(id);
        String what = moved == 0
                ? id + " leads no slot now"
                        + (live.isPresent() && live.get().state() == MemberState.UP
                                ? ""
                                : " (" + live.map(m -> m.state().name()).orElse("absent") + ")")
                        + ", and will lead none while"
                        + " another replica can"
                : "its " + moved + " primary slots go to " + counts(takenOver);
        String keeps = kept.isEmpty()
                ? ""
                : "; it stays primary of " + kept.size() + " slots no other live UP replica can lead ("
                        + ranges(ranges(asFlags(kept, ring.slotCount()))) + ")";
        out().println(id + " failed over: " + what + keeps + " (config version " + update.version() + "); "
                + outcome(epoch, s.coordinator()));
    }

    private static boolean[] asFlags(List<Integer> slots, int count) {
        boolean[] flags = new boolean[count];
        slots.forEach(n -> flags[n] = true);
        return flags;
    }
}
