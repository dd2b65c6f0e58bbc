package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ConfigUpdate;
import io.ringleader.coordinator.cli.DurationConverter;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code ringleader admin rebalance-delay DURATION}: override the coordinator's rebalance delay. */
@Command(
        name = "rebalance-delay",
        description = {
            "Override the rebalance delay, or --reset it.",
            "How long a departed member keeps its slots before they move (0s to 24h), for every coordinator "
                    + "of the cluster."
        })
final class RebalanceDelayCommand extends AdminTask {
    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "250ms, 30s, 5m, 1h or ISO-8601 (PT30S).")
    Duration delay;

    @Option(names = "--reset", description = "Remove the override.")
    boolean reset;

    @Override
    void prepare() {
        if (reset == (delay != null)) {
            throw new ParameterException(spec.commandLine(), "give either a DURATION or --reset");
        }
        if (delay != null && (delay.isNegative() || delay.compareTo(OperatorConfig.MAX_REBALANCE_DELAY) > 0)) {
            throw new ParameterException(
                    spec.commandLine(), "the rebalance delay must be between 0s and 24h, was " + delay);
        }
    }

    @Override
    void run(ClusterAdmin cluster) throws AdminException {
        ConfigUpdate update = cluster.updateConfig(c -> c.withRebalanceDelay(delay));
        Optional<String> coordinator = cluster.activeCoordinator();
        Duration now = update.after().rebalanceDelay();
        if (json()) {
            ObjectNode node = object();
            node.put("rebalanceDelay", now == null ? null : now.toString());
            node.put("changed", update.changed());
            node.put("configVersion", update.version());
            putOptional(node, "coordinator", coordinator);
            print(node);
            return;
        }
        String what = now == null ? "the coordinators' own rebalance delay applies" : "rebalance delay " + now;
        out().println(
                        update.changed()
                                ? what + " (config version " + update.version() + "); " + applies(coordinator)
                                : what + " already; nothing written");
    }
}
