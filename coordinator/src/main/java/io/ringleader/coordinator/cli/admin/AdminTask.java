package io.ringleader.coordinator.cli.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.AdminTarget;
import io.ringleader.coordinator.admin.ClusterAdmin;
import io.ringleader.coordinator.admin.ClusterJson;
import io.ringleader.coordinator.cli.CommandFailedException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * One admin command: checks its arguments ({@link #prepare()}), connects to the cluster, runs, and turns every
 * failure into one line on stderr with its exit code (1 failed, 2 bad input), the stack trace only with {@code
 * --verbose}.
 */
abstract class AdminTask implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @ParentCommand
    AdminCommand admin;

    @Mixin
    AdminOptions options;

    @Override
    public final Integer call() {
        AdminTarget target = options.target(spec.commandLine(), admin.env(), admin.defaultConfig());
        if (writes()) {
            try {
                target.requireWriteChoice();
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        Runnable restoreLogs = options.verbose ? () -> {} : quietZooKeeperClient();
        try {
            prepare();
            try (ClusterAdmin cluster = ClusterAdmin.connect(target)) {
                run(cluster);
            }
            out().flush();
            return 0;
        } catch (AdminException e) {
            if (options.verbose) {
                e.printStackTrace(err());
            }
            throw e.kind() == AdminException.Kind.BAD_INPUT
                    ? CommandFailedException.usage(e.getMessage())
                    : new CommandFailedException(e.getMessage(), e);
        } catch (RuntimeException e) {
            if (options.verbose) {
                e.printStackTrace(err());
            }
            throw e;
        } finally {
            restoreLogs.run();
        }
    }

    /**
     * Whether this command may write the cluster: then it needs authentication or the insecure flag, checked before
     * connecting. A command that only reads needs neither: it creates nothing.
     */
    boolean writes() {
        return true;
    }

    /**
     * Turns the ZooKeeper client's and Curator's logs off while the command runs: they log every failed connection
     * attempt with a stack trace, and the command's own one-line message says what went wrong. {@code --verbose}
     * keeps them.
     *
     * @return what puts the levels back
     */
    private static Runnable quietZooKeeperClient() {
        try {
            Level zooKeeper = LogManager.getLogger("org.apache.zookeeper").getLevel();
            Level curator = LogManager.getLogger("org.apache.curator").getLevel();
            Configurator.setLevel("org.apache.zookeeper", Level.OFF);
            Configurator.setLevel("org.apache.curator", Level.OFF);
            return () -> {
                Configurator.setLevel("org.apache.zookeeper", zooKeeper);
                Configurator.setLevel("org.apache.curator", curator);
            };
        } catch (LinkageError | ClassCastException e) {
            return () -> {}; // another logging backend: its configuration decides
        }
    }

    /**
     * Checks what can be checked before connecting: arguments, files. Nothing by default.
     *
     * @throws AdminException on bad input
     */
    void prepare() throws AdminException {}

    /**
     * Does the command's work and prints its result.
     *
     * @throws AdminException if it fails
     */
    abstract void run(ClusterAdmin cluster) throws AdminException;

    /**
     * Checks a {@code --limit} value.
     *
     * @throws ParameterException if it is negative
     */
    void checkLimit(int limit) {
        if (limit < 0) {
            throw new ParameterException(spec.commandLine(), "--limit must be 0 (all) or more, was " + limit);
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    boolean json() {
        return options.json;
    }

    ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** Prints {@code node} as one line of JSON. */
    void print(ObjectNode node) {
        try {
            out().println(JSON.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print JSON", e);
        }
    }

    static ArrayNode array(ObjectNode parent, String field, Collection<String> values) {
        return ClusterJson.array(parent, field, values);
    }

    static void putRing(ObjectNode node, String field, Ring ring) {
        ClusterJson.putRing(node, field, ring);
    }

    static void putOptional(ObjectNode node, String field, Optional<String> value) {
        ClusterJson.putOptional(node, field, value);
    }

    /** An epoch as operators read it in the logs: {@code 0x1a2f}. */
    static String hex(long epoch) {
        return "0x" + Long.toHexString(epoch);
    }

    /** At most ten ids, then how many more: {@code [a, b, c]}, {@code [a, …, j] and 990 more}. */
    static String ids(Collection<String> ids) {
        List<String> all = new ArrayList<>(ids);
        if (all.size() <= 10) {
            return all.toString();
        }
        return all.subList(0, 10) + " and " + (all.size() - 10) + " more";
    }

    /** Slots as ranges: {@code 0-3, 17, 40-45}. */
    static String ranges(List<int[]> ranges) {
        StringBuilder sb = new StringBuilder();
        for (int[] r : ranges) {
            sb.append(sb.length() == 0 ? "" : ", ").append(r[0] == r[1] ? "" + r[0] : r[0] + "-" + r[1]);
        }
        return sb.toString();
    }

    /** Slots as ranges of consecutive slots, each {@code [first, last]}. */
    static List<int[]> ranges(boolean[] slots) {
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < slots.length; s++) {
            if (slots[s]) {
                int first = s;
                while (s + 1 < slots.length && slots[s + 1]) {
                    s++;
                }
                out.add(new int[] {first, s});
            }
        }
        return out;
    }

    static ArrayNode rangesJson(ObjectNode parent, String field, List<int[]> ranges) {
        ArrayNode array = parent.putArray(field);
        for (int[] r : ranges) {
            array.addArray().add(r[0]).add(r[1]);
        }
        return array;
    }

    /** A line about the active coordinator, for commands that change the config. */
    static String applies(Optional<String> coordinator) {
        return coordinator
                .map(c -> "the active coordinator " + c + " applies it")
                .orElse("no coordinator is active: the ring changes when one starts");
    }
}
