package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterState;
import io.ringleader.coordinator.admin.ConfigUpdate;
import io.ringleader.coordinator.cli.DurationConverter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * A command that changes the primary pins of the operator config ({@code failover}, {@code failback}): it predicts
 * the primaries the coordinator's next ring gives, and with {@code --wait} waits until the ring shows the change.
 */
abstract class PinCommand extends AdminTask {
    /** The longest {@code --wait}. */
    static final Duration MAX_WAIT = Duration.ofHours(1);

    @Option(
            names = "--wait",
            arity = "0..1",
            fallbackValue = "30s",
            paramLabel = "TIMEOUT",
            converter = DurationConverter.class,
            description = "Wait until the ring shows the change, at most TIMEOUT (30s if not given), 1s to 1h.")
    Duration wait;

    /**
     * Checks that exactly one of the targets is given ({@code given}, named by {@code choices}), that {@code slot},
     * if given, is not negative, and {@code --wait}.
     *
     * @throws ParameterException naming what is wrong
     */
    void checkTarget(String choices, Integer slot, boolean... given) {
        int count = 0;
        for (boolean g : given) {
            count += g ? 1 : 0;
        }
        if (count != 1) {
            throw new ParameterException(spec.commandLine(), "give exactly one of " + choices);
        }
        if (slot != null && slot < 0) {
            throw new ParameterException(spec.commandLine(), "--slot must be 0 or more, was " + slot);
        }
        checkWait();
    }

    /**
     * Checks {@code --wait}.
     *
     * @throws ParameterException if it is out of 1s..1h
     */
    private void checkWait() {
        if (wait != null && (wait.compareTo(Duration.ofSeconds(1)) < 0 || wait.compareTo(MAX_WAIT) > 0)) {
            throw new ParameterException(spec.commandLine(), "--wait must be between 1s and 1h, was " + wait);
        }
    }

    /** Fails with one line if slot n is not a slot of {@code ring}. */
    static void requireSlotInRange(ClusterState s, Ring ring, int n) throws AdminException {
        if (n >= ring.slotCount()) {
            throw AdminException.failed("slot " + n + " is out of range: the ring of cluster '"
                    + s.path().cluster() + "' has " + ring.slotCount() + " slots, 0-" + (ring.slotCount() - 1)
                    + "; nothing was written");
        }
    }

    /**
     * The primaries after the coordinator applies {@code next}'s pins to the placement in force: the routing table
     * of that ring and the live members.
     */
    static RoutingTable after(ClusterState s, OperatorConfig next) throws AdminException {
        Ring pinned = s.pinnedRing(next.pins());
        return RoutingTable.of(pinned, s.members(), s.membersZxid());
    }

    /** The slots whose primary differs between two routing tables, counted by the new primary. */
    static Map<String, Integer> movedTo(RoutingTable before, RoutingTable after, int slots) {
        Map<String, Integer> moved = new TreeMap<>();
        for (int slot = 0; slot < slots; slot++) {
            Member was = before.primary(slot);
            Member is = after.primary(slot);
            if (is != null && (was == null || !was.id().equals(is.id()))) {
                moved.merge(is.id(), 1, Integer::sum);
            }
        }
        return moved;
    }

    /**
     * With {@code --wait}, waits until the ring shows {@code update}'s pins and returns its epoch; without, null.
     *
     * @throws AdminException if the time runs out first, naming what is written and what to check
     */
    Long awaitRing(ClusterAdmin cluster, ConfigUpdate update, Optional<String> coordinator, String what)
            throws AdminException {
        if (wait == null) {
            return null;
        }
        Optional<ClusterState> shown;
        try {
            shown = cluster.awaitRing(s -> shows(s, update.after()), wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AdminException.failed("interrupted while waiting for the ring to show " + what + " (config version "
                    + update.version() + " is written)");
        }
        if (shown.isEmpty()) {
            throw AdminException.failed(
                    "the ring did not show " + what + " within " + ClusterAdmin.human(wait) + " (config version "
                            + update.version() + " is written; "
                            + coordinator
                                    .map(c -> "coordinator " + c + " was active")
                                    .orElse("no coordinator is active: start one")
                            + "); check with 'ringleader admin status'");
        }
        return shown.get().ring().epoch();
    }

    private static boolean shows(ClusterState s, OperatorConfig config) {
        try {
            return s.ring() != null && s.ring().equals(s.pinnedRing(config.pins()));
        } catch (AdminException e) {
            return false;
        }
    }

    /** What follows the write: the ring that shows it, or who applies it. */
    static String outcome(Long ringEpoch, Optional<String> coordinator) {
        return ringEpoch != null ? "ring epoch " + hex(ringEpoch) + " shows it" : applies(coordinator);
    }

    /** Puts the fields every pin command prints: changed, configVersion, coordinator, ringEpoch. */
    static void putOutcome(ObjectNode node, ConfigUpdate update, Optional<String> coordinator, Long ringEpoch) {
        node.put("changed", update.changed());
        node.put("configVersion", update.version());
        putOptional(node, "coordinator", coordinator);
        node.put("ringEpoch", ringEpoch);
    }

    /** {@code [kv-1 (11), kv-3 (10)]}: at most ten members, then how many more. */
    static String counts(Map<String, Integer> byMember) {
        List<String> each = new ArrayList<>();
        byMember.forEach((id, n) -> each.add(id + " (" + n + ")"));
        return ids(each);
    }
}
