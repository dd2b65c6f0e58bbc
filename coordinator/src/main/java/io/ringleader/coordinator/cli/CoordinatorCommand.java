package io.ringleader.coordinator.cli;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorConfig;
import io.ringleader.coordinator.http.AdminHttpServer;
import io.ringleader.coordinator.http.CoordinatorHealth;
import io.ringleader.coordinator.http.HttpAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
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
            names = "--http",
            paramLabel = "HOST:PORT",
            description = "Where to serve the HTTP API and dashboard, or 'off' (ringleader.http.address;"
                    + " default 127.0.0.1:8484).")
    String http;

    @Option(
            names = "--insecure",
            description = "Run without ZooKeeper authentication: the znodes it creates are writable by anyone"
                    + " (ringleader.insecure=true). Ignored with ringleader.auth.*.")
    boolean insecure;

    @Option(
            names = "--parent-watch",
            description = "Stop when standard input closes (for a parent process that starts coordinators).")
    boolean parentWatch;

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile Coordinator running;
    private volatile AdminHttpServer httpServer;

    /** Asks a running {@link #call()} to stop the coordinator and return 0. */
    void requestStop() {
        stop.countDown();
    }

    /** The running coordinator, or null before it started and after it stopped. */
    Coordinator running() {
        return running;
    }

    /** The running HTTP server, or null if it is off, before it started and after it stopped. */
    AdminHttpServer httpServer() {
        return httpServer;
    }

    @Override
    public Integer call() throws Exception {
        CoordinatorConfig settings;
        Optional<HttpAddress> httpAddress;
        try {
            Map<String, String> overrides = new HashMap<>();
            overrides.put("ringleader.zk", zk);
            overrides.put("ringleader.cluster", cluster);
            overrides.put("ringleader.coordinator.id", id);
            overrides.put(HttpAddress.KEY, http);
            overrides.put("ringleader.insecure", insecure ? "true" : null);
            Properties properties = CoordinatorConfig.properties(config, overrides);
            settings = CoordinatorConfig.from(properties, System::getenv);
            httpAddress = HttpAddress.parse(properties.getProperty(HttpAddress.KEY));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        // Meters only where /metrics serves them: with --http off nothing would read them, and the takeover feed
        // would follow the history for nobody.
        PrometheusMeterRegistry registry = httpAddress.isPresent() ? metricsRegistry() : null;
        try (Coordinator coordinator =
                        registry == null ? Coordinator.create(settings) : Coordinator.create(settings, registry);
                StopSignals signals = StopSignals.install(stop::countDown)) {
            Thread hook = new Thread(coordinator::close, "ringleader-coordinator-shutdown-hook");
            Runtime.getRuntime().addShutdownHook(hook);
            if (parentWatch) {
                watchStandardInput();
            }
            AdminHttpServer server =
                    httpAddress.isPresent() ? startHttp(settings, httpAddress.get(), coordinator, registry) : null;
            try (server) {
                coordinator.start();
                running = coordinator;
                PrintWriter out = spec.commandLine().getOut();
                out.printf(
                        "coordinator %s of cluster '%s' on %s; Ctrl-C to stop%n",
                        settings.coordinatorId(), settings.path().cluster(), settings.connectString());
                if (server != null) {
                    out.printf("HTTP API and dashboard on %s%n", server.url());
                }
                out.flush();
                stop.await();
                running = null;
                httpServer = null;
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
        return 0;
    }

    /** Binds the HTTP server before the coordinator joins its election, so that a taken port fails fast. */
    private AdminHttpServer startHttp(
            CoordinatorConfig settings,
            HttpAddress address,
            Coordinator coordinator,
            PrometheusMeterRegistry registry) {
        AdminHttpServer server = AdminHttpServer.builder(settings)
                .address(address)
                .coordinator(() -> CoordinatorHealth.of(coordinator, running == coordinator))
                .metrics(registry)
                .build();
        try {
            server.start();
        } catch (BindException e) {
            throw new CommandFailedException(
                    "cannot serve HTTP on " + address + " (" + e.getMessage() + "); set " + HttpAddress.KEY
                            + " (--http) to a free host:port, or to off",
                    e);
        } catch (IOException e) {
            throw new CommandFailedException(
                    "cannot serve HTTP on " + address + " (" + e + "); set " + HttpAddress.KEY
                            + " (--http) to another host:port, or to off",
                    e);
        }
        httpServer = server;
        return server;
    }

    private static PrometheusMeterRegistry metricsRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
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
