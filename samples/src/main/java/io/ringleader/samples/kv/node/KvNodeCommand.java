package io.ringleader.samples.kv.node;

import io.ringleader.agent.membership.MemberIdConflictException;
import io.ringleader.samples.AgentOptions;
import io.ringleader.samples.kv.store.StoreOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ringleader kv-node}: one node of the replicated key-value sample, until Ctrl-C or SIGTERM. */
@Command(
        name = "kv-node",
        mixinStandardHelpOptions = true,
        description = {
            "Run one node of the replicated key-value sample: PUT/GET/DELETE /kv/{key} on --port, data under --data.",
            "It joins as JOINING, catches up its slots from their primaries, then turns UP."
        })
public final class KvNodeCommand implements Callable<Integer> {

    @Mixin
    AgentOptions options;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            required = true,
            description = "Folder of the write-ahead log and snapshots.")
    Path data;

    @Option(
            names = "--slots",
            paramLabel = "S",
            defaultValue = "16384",
            description = "The ring's slot count (default: ${DEFAULT-VALUE}).")
    int slotCount;

    @Option(
            names = "--snapshot-every",
            paramLabel = "N",
            defaultValue = "10000",
            description = "Write a snapshot after N logged entries, 0 never (default: ${DEFAULT-VALUE}).")
    long snapshotEvery;

    @Option(names = "--no-fsync", description = "Do not fsync the log (faster, loses writes on a machine crash).")
    boolean noFsync;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        KvNode node;
        try {
            KvNode.Builder builder = KvNode.builder()
                    .agent(options.configure())
                    .dataDir(data)
                    .host(options.host())
                    .slots(slotCount)
                    .storeOptions(new StoreOptions(snapshotEvery, !noFsync));
            if (options.port() != null) {
                builder.port(options.port());
            }
            node = builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            spec.commandLine().getErr().println("ringleader kv-node: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            node.close();
                            stop.countDown();
                        },
                        "ringleader-kv-node-shutdown"));
        options.watchParent("ringleader-kv-node-parent-watch");
        try {
            node.start();
        } catch (IOException | MemberIdConflictException | TimeoutException e) {
            spec.commandLine().getErr().println("ringleader kv-node: " + e.getMessage());
            node.close();
            return 1;
        }
        spec.commandLine()
                .getOut()
                .printf(
                        "kv-node %s serving on port %d (pid %d)%n",
                        node.memberId(), node.port(), ProcessHandle.current().pid());
        spec.commandLine().getOut().flush();
        stop.await();
        return 0;
    }
}
