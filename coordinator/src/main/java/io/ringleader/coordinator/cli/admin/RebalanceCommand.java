package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterState;
import io.ringleader.coordinator.admin.ConfigUpdate;
import io.ringleader.coordinator.assign.Assignment;
import io.ringleader.coordinator.assign.Move;
import io.ringleader.coordinator.assign.Plan;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringleader admin rebalance [--dry-run]}: the plan the active coordinator would apply now, and without
 * {@code --dry-run} a request that it apply it.
 */
@Command(
        name = "rebalance",
        description = {
            "Show a rebalance plan (--dry-run), or ask for it.",
            "The ring placed afresh from the live members and the config, with the slots of departed members "
                    + "moved at once instead of after their rebalance delay. Without --dry-run, the active coordinator "
                    + "is asked to apply it at once."
        })
final class RebalanceCommand extends AdminTask {
    @Override
    boolean writes() {
        return !dryRun;
    }

    @Option(names = "--dry-run", description = "Only show the plan; write nothing.")
    boolean dryRun;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "20",
            description = "List at most N moves, 0 for all (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    void prepare() {
        checkLimit(limit);
    }

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ClusterState state = cluster.read();
        Assignment assignment = state.rebalance();
        Plan plan = assignment.plan();
        ConfigUpdate request = null;
        if (!dryRun && !plan.isEmpty()) {
            if (state.coordinator().isEmpty()) {
                throw AdminException.failed("no coordinator is active in cluster '"
                        + state.path().cluster()
                        + "', so nothing would apply a rebalance; nothing was written: start one"
                        + " (ringleader coordinator --cluster " + state.path().cluster() + ")");
            }
            request = cluster.updateConfig(c -> c.withRebalanceRequested());
        }
        List<Move> shown = limit == 0
                ? plan.moves()
                : plan.moves().subList(0, Math.min(limit, plan.moves().size()));
        if (json()) {
            ObjectNode node = object();
            node.put("dryRun", dryRun);
            node.put("ringEpoch", state.ring().epoch());
            node.put("moveCount", plan.moves().size());
            node.put("primariesMoved", plan.primariesMoved());
            ObjectNode gained = node.putObject("gained");
            plan.gainedBy().forEach(gained::put);
            ObjectNode lost = node.putObject("lost");
            plan.lostBy().forEach(lost::put);
            node.put("zoneSpread", plan.zoneSpread().name());
            array(node, "activatedSpares", assignment.activatedSpares());
            ArrayNode moves = node.putArray("moves");
            for (Move m : shown) {
                ObjectNode e = moves.addObject();
                e.put("slot", m.slot());
                e.put("rank", m.rank());
                e.put("from", m.from());
                e.put("to", m.to());
                e.put("reason", m.reason().name());
            }
            if (request == null) {
                node.putNull("request");
            } else {
                node.put("request", request.after().rebalanceRequests());
            }
            putOptional(node, "coordinator", state.coordinator());
            print(node);
            return;
        }
        if (plan.isEmpty()) {
            out().println("the ring at epoch " + hex(state.ring().epoch())
                    + " already places the live members as the config says: nothing would move");
        } else {
            out().println("plan from ring epoch " + hex(state.ring().epoch()) + ":");
            String described = plan.describe();
            // the summary, zones and per-member lines; the moves are listed below, up to --limit
            int moveLines = plan.moves().size();
            String[] lines = described.split("\n");
            for (int i = 0; i < lines.length - moveLines; i++) {
                out().println(lines[i]);
            }
            shown.forEach(m -> out().println(m.describe()));
            if (shown.size() < plan.moves().size()) {
                out().println("… " + (plan.moves().size() - shown.size()) + " more moves (--limit 0 lists them all)");
            }
        }
        if (dryRun) {
            out().println("dry run: nothing written");
        } else if (request == null) {
            out().println("nothing written");
        } else {
            out().println("rebalance requested (request " + request.after().rebalanceRequests() + "); "
                    + applies(state.coordinator()));
        }
    }
}
