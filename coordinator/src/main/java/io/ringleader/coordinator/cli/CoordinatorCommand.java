package io.ringleader.coordinator.cli;

import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ringleader coordinator}: runs a coordinator until Ctrl-C or SIGTERM, then leaves cleanly (exit 0). */
@Command(
        name = "coordinator",
        description = {
            "Run a coordinator of a cluster until Ctrl-C. Run one to three: one is elected active and owns the",
            "ring, the others are hot standbys."
        })
public final class CoordinatorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Coordinator properties (see conf/coordinator.properties); flags override them.")
    Path config;

    @Option(names = "--zk", paramLabel = "CONNECT", description = "ZooKeeper connect string (ringleader.zk).")
    String zk;

    @Option(names = "--cluster", paramLabel = "NAME", description = "Cluster name (ringleader.cluster).")
    String cluster;

    @Option(
            names = "--id",
            paramLabel = "ID",
            description = "This coordinator's id (ringleader.coordinator.id; default <host>-<pid>).")
    String id;

    @Option(
            names = "--parent-watch",
            description = "Stop when standard input closes (for a parent process that starts coordinators).")
    boolean parentWatch;

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile Coordinator running;

    /** Asks a running {@link #call()} to stop the coordinator and return 0. */
    void requestStop() {
        stop.countDown();
    }

    /** The running coordinator, or null before it started and after it stopped. */
    Coordinator running() {
        return running;
    }

    @Override
    public Integer call() throws Exception {
        CoordinatorConfig settings;
        try {
            Map<String, String> overrides = new HashMap<>();
            overrides.put("ringleader.zk", zk);
            overrides.put("ringleader.cluster", cluster);
            overrides.put("ringleader.coordinator.id", id);
            settings = CoordinatorConfig.load(config, overrides, System::getenv);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try (Coordinator coordinator = Coordinator.create(settings);
                StopSignals signals = StopSignals.install(stop::countDown)) {
            Thread hook = new Thread(coordinator::close, "ringleader-coordinator-shutdown-hook");
            Runtime.getRuntime().addShutdownHook(hook);
            if (parentWatch) {
                watchStandardInput();
            }
            coordinator.start();
            running = coordinator;
            PrintWriter out = spec.commandLine().getOut();
            out.printf(
                    "coordinator %s of cluster '%s' on %s; Ctrl-C to stop%n",
                    settings.coordinatorId(), settings.path().cluster(), settings.connectString());
            out.flush();
            stop.await();
            running = null;
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
        return 0;
    }

    private void watchStandardInput() {
        Thread watch = new Thread(
                () -> {
                    try {
                        while (System.in.read() >= 0) {
                            // the parent never writes: only EOF matters
                        }
                    } catch (java.io.IOException e) {
                        // closed as well
                    }
                    stop.countDown();
                },
                "ringleader-coordinator-parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
