package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterState;
import io.ringleader.coordinator.admin.ConfigUpdate;
import picocli.CommandLine.Parameters;

/**
 * A command that sets or clears one member's flag in the operator config: drained or spare. The member must be
 * known to the cluster (live, in the ring, or named by the config).
 */
abstract class MemberFlagCommand extends AdminTask {
    @Parameters(index = "0", paramLabel = "ID", description = "The member id.")
    String id;

    /** A member's flag in the operator config. */
    enum Flag {
        DRAINED("drained"),
        SPARE("spare");

        /** The JSON field and the word for it. */
        final String word;

        Flag(String word) {
            this.word = word;
        }

        boolean isSet(OperatorConfig config, String id) {
            return this == DRAINED
                    ? config.drained().contains(id)
                    : config.spares().contains(id);
        }

        OperatorConfig set(OperatorConfig config, String id, boolean value) {
            return this == DRAINED ? config.withDrained(id, value) : config.withSpare(id, value);
        }
    }

    /** The flag this command sets or clears. */
    abstract Flag flag();

    /** The value this command gives the flag. */
    abstract boolean value();

    /** A note on what follows, or null. */
    String note(ClusterState state) {
        return null;
    }

    @Override
    final void run(ClusterAdmin cluster) throws AdminException {
        ClusterState state = cluster.read();
        state.requireKnown(id);
        ConfigUpdate update = cluster.updateConfig(c -> flag().set(c, id, value()));
        String note = note(state);
        if (json()) {
            ObjectNode node = object();
            node.put("member", id);
            node.put(flag().word, flag().isSet(update.after(), id));
            node.put("changed", update.changed());
            node.put("configVersion", update.version());
            putOptional(node, "coordinator", state.coordinator());
            node.put("note", note);
            print(node);
            return;
        }
        String what = value() ? flag().word : "no longer " + flag().word;
        if (!update.changed()) {
            out().println(id + " was already " + what + "; nothing written");
            return;
        }
        out().println(id + " is " + what + " (config version " + update.version() + "); "
                + applies(state.coordinator()));
        if (note != null) {
            out().println(note);
        }
    }
}
