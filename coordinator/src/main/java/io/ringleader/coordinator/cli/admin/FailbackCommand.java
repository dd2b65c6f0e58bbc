package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.OperatorConfigCodec;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterState;
import io.ringleader.coordinator.admin.ConfigUpdate;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ringleader admin failback --slot N | --member ID | --all}: removes primary pins that failover set. */
@Command(
        name = "failback",
        description = {
            "Undo a failover: of one slot, of a member, or --all.",
            "The pin is removed from the operator config, and the coordinator gives the slot or the member its "
                    + "primaries back as placed."
        })
final class FailbackCommand extends PinCommand {
    @Option(names = "--slot", paramLabel = "N", description = "Fail back this slot.")
    Integer slot;

    @Option(names = "--member", paramLabel = "ID", description = "Fail back this member.")
    String member;

    @Option(names = "--all", description = "Fail back every slot and every member.")
    boolean all;

    @Override
    void prepare() {
        checkTarget("--slot N, --member ID and --all", slot, slot != null, member != null, all);
    }

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ClusterState s = cluster.read();
        OperatorConfig config = s.config();
        String what;
        UnaryOperator<OperatorConfig> change;
        if (slot != null) {
            int n = slot;
            if (!config.failedOverSlots().containsKey(n) && s.ring() != null) {
                requireSlotInRange(s, s.ring(), n);
            }
            what = "slot " + n;
            change = c -> c.withFailedOverSlot(n, null);
        } else if (member != null) {
            if (!config.failedOverMembers().contains(member)) {
                s.requireKnown(member);
            }
            what = member;
            change = c -> c.withFailedOverMember(member, false);
        } else {
            what = "every failover";
            change = OperatorConfig::withoutFailovers;
        }
        OperatorConfig next = change.apply(config);
        Map<String, Integer> regained = s.ring() == null
                ? Map.of()
                : movedTo(s.table(), after(s, next), s.ring().slotCount());
        ConfigUpdate update = cluster.updateConfig(change);
        Long epoch = awaitRing(cluster, update, s.coordinator(), what + " failed back");
        TreeSet<String> members = new TreeSet<>(update.before().failedOverMembers());
        members.removeAll(update.after().failedOverMembers());
        TreeMap<Integer, String> slots = new TreeMap<>(update.before().failedOverSlots());
        slots.keySet().removeAll(update.after().failedOverSlots().keySet());
        // what was removed, as a config of its own, to describe it and print its fields as the config has them
        OperatorConfig removed = OperatorConfig.empty().withoutFailovers();
        for (Map.Entry<Integer, String> e : slots.entrySet()) {
            removed = removed.withFailedOverSlot(e.getKey(), e.getValue());
        }
        for (String id : members) {
            removed = removed.withFailedOverMember(id, true);
        }
        if (json()) {
            ObjectNode node = object();
            node.put("slot", slot);
            node.put("member", member);
            node.put("all", all);
            ObjectNode failedBack = node.putObject("failedBack");
            ObjectNode tree = OperatorConfigCodec.toTree(removed);
            failedBack.set("failedOverSlots", tree.get("failedOverSlots"));
            failedBack.set("failedOverMembers", tree.get("failedOverMembers"));
            ObjectNode by = node.putObject("takenOverBy");
            regained.forEach(by::put);
            node.put(
                    "slotsMoved",
                    regained.values().stream().mapToInt(Integer::intValue).sum());
            putOutcome(node, update, s.coordinator(), epoch);
            print(node);
            return;
        }
        if (!update.changed()) {
            out().println((all ? "nothing is" : what + " is not") + " failed over; nothing written");
            return;
        }
        String moves = regained.isEmpty() ? "no primary moves" : "primaries move to " + counts(regained);
        out().println("failed back " + removed.describeFailovers() + ": " + moves + " (config version "
                + update.version() + "); " + outcome(epoch, s.coordinator()));
    }
}
