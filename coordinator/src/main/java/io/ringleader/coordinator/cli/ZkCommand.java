package io.ringleader.coordinator.cli;

import io.ringleader.coordinator.zk.EmbeddedZooKeeper;
import io.ringleader.coordinator.zk.ZooKeeperStartException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ringleader zk}: runs a standalone ZooKeeper server in the foreground until Ctrl-C or
 * SIGTERM, then stops it and exits 0. For development and demos; production runs a real ensemble.
 *
 * <p>Exit codes: 0 stopped cleanly; 1 could not start (port in use, data directory unusable, ...);
 * 2 bad usage (unknown option, value out of range).
 */
@Command(
        name = "zk",
        description = {
            "Run a standalone ZooKeeper server for development and demos, until Ctrl-C.",
            "Production uses a real ZooKeeper ensemble (3 or 5 servers)."
        })
public final class ZkCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--port",
            defaultValue = "2181",
            paramLabel = "PORT",
            description = "Client port; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(
            names = "--bind",
            defaultValue = "127.0.0.1",
            paramLabel = "ADDRESS",
            description = "Address to listen on; 0.0.0.0 for every interface. Default: ${DEFAULT-VALUE}.")
    String bind;

    @Option(
            names = "--data-dir",
            defaultValue = "./data/zk",
            paramLabel = "DIR",
            description = "Snapshots and transaction log; created if missing. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(
            names = "--tick-time",
            defaultValue = "500",
            paramLabel = "MILLIS",
            description = {
                "ZooKeeper tick in ms; sessions may time out between 2 and 20 ticks.",
                "Default: ${DEFAULT-VALUE} (session timeouts from 1 s to 10 s)."
            })
    int tickTimeMillis;

    private final boolean handleSignals;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile EmbeddedZooKeeper server;

    /** Creates the command as the CLI runs it: Ctrl-C and SIGTERM stop the server. */
    public ZkCommand() {
        this(true);
    }

    /** For tests: leaves the JVM's signal handling alone; stop with {@link #requestStop()}. */
    ZkCommand(boolean handleSignals) {
        this.handleSignals = handleSignals;
    }

    @Override
    public Integer call() {
        InetAddress address = validate();
        EmbeddedZooKeeper zk;
        try {
            zk = EmbeddedZooKeeper.builder()
                    .port(port)
                    .bindAddress(address)
                    .dataDir(dataDir)
                    .tickTime(Duration.ofMillis(tickTimeMillis))
                    .start();
        } catch (ZooKeeperStartException e) {
            throw new CommandFailedException(explain(e), e);
        }
        server = zk;
        Thread hook = new Thread(zk::close, "ringleader-zk-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(hook);
        try (StopSignals signals = handleSignals ? StopSignals.install(this::requestStop) : null) {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("ZooKeeper serving on %s (data in %s); Ctrl-C to stop%n", zk.connectString(), zk.dataDir());
            out.flush();
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            zk.close();
            server = null;
            removeShutdownHook(hook);
        }
        return 0;
    }

    /** Asks a running {@link #call()} to stop its server and return 0. */
    void requestStop() {
        stopRequested.countDown();
    }

    /** Returns the running server, or null before it started and after it stopped. */
    EmbeddedZooKeeper server() {
        return server;
    }

    private InetAddress validate() {
        if (port < 0 || port > 65535) {
            throw usage("--port must be between 1 and 65535 (or 0 for a free port), was " + port);
        }
        long minTick = EmbeddedZooKeeper.MIN_TICK_TIME.toMillis();
        long maxTick = EmbeddedZooKeeper.MAX_TICK_TIME.toMillis();
        if (tickTimeMillis < minTick || tickTimeMillis > maxTick) {
            throw usage("--tick-time must be between " + minTick + " and " + maxTick + " ms, was " + tickTimeMillis);
        }
        if (bind == null || bind.isBlank()) {
            throw usage("--bind needs an address, e.g. 127.0.0.1");
        }
        try {
            return InetAddress.getByName(bind.strip());
        } catch (UnknownHostException e) {
            throw usage("--bind: unknown host '" + bind + "'; use an address of this machine, e.g. 127.0.0.1");
        }
    }

    private String explain(ZooKeeperStartException e) {
        return switch (e.reason()) {
            case PORT_IN_USE -> e.getMessage() + " (another ZooKeeper running?); stop it or choose another --port";
            case ADDRESS_NOT_LOCAL -> e.getMessage() + "; choose an address of this machine for --bind";
            case DATA_DIR_UNUSABLE -> e.getMessage() + "; choose another --data-dir";
            case DATA_DIR_LOCKED -> e.getMessage() + "; stop that server or choose another --data-dir";
            case TIMED_OUT, FAILED -> e.getMessage();
        };
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook is running or has run
        }
    }
}
