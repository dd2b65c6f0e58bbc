package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.membership.Member;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterState;
import io.ringleader.coordinator.admin.ConfigUpdate;
import io.ringleader.coordinator.assign.Participant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code ringleader admin weight ID W}: override a member's weight, or {@code --reset} the override. */
@Command(
        name = "weight",
        description = {
            "Override a member's weight, or --reset it.",
            "The weight (1-10000) is the member's relative share of slots; the override wins over the weight "
                    + "in its record."
        })
final class WeightCommand extends AdminTask {
    @Parameters(index = "0", paramLabel = "ID", description = "The member id.")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "W", description = "The weight, 1-10000.")
    Integer weight;

    @Option(names = "--reset", description = "Remove the override: the member's record's weight applies again.")
    boolean reset;

    @Override
    void prepare() {
        if (reset == (weight != null)) {
            throw new ParameterException(
                    spec.commandLine(), "give either a weight W (1-" + Participant.MAX_WEIGHT + ") or --reset");
        }
        if (weight != null && (weight < 1 || weight > Participant.MAX_WEIGHT)) {
            throw new ParameterException(
                    spec.commandLine(), "weight must be between 1 and " + Participant.MAX_WEIGHT + ", was " + weight);
        }
    }

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ClusterState state = cluster.read();
        state.requireKnown(id);
        ConfigUpdate update = cluster.updateConfig(c -> c.withWeight(id, weight));
        Integer record = state.member(id).map(Member::weight).orElse(null);
        Integer override = update.after().weights().get(id);
        if (json()) {
            ObjectNode node = object();
            node.put("member", id);
            node.put("weight", override);
            node.put("recordWeight", record);
            node.put("changed", update.changed());
            node.put("configVersion", update.version());
            putOptional(node, "coordinator", state.coordinator());
            print(node);
            return;
        }
        String what = override == null
                ? "no weight override" + (record == null ? "" : ": its record's weight " + record + " applies")
                : "weight " + override + (record == null ? "" : " (its record says " + record + ")");
        if (!update.changed()) {
            out().println(id + " already has " + what + "; nothing written");
            return;
        }
        out().println(id + " has " + what + " (config version " + update.version() + "); "
                + applies(state.coordinator()));
    }
}
