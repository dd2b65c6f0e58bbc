package io.ringleader.samples.demo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * KV nodes and coordinators of one cluster as child JVMs of this process, each with its log under one folder: the
 * demo's cast and the fault tests' victims. Children run with {@code --parent-watch}, so they exit when this
 * process dies, however it dies; {@link #close()} stops every child still running. They run insecure (without
 * ZooKeeper authentication, their znodes open to all), which suits the private, loopback-only ZooKeeper of a demo or
 * a test, not a shared one.
 */
public final class LocalCluster implements Closeable {
    private final String zk;
    private final String cluster;
    private final Path dir;
    private final Duration sessionTimeout;
    private final int slots;
    private final int replication;
    private final Duration rebalanceDelay;
    private final Map<String, Process> children = new LinkedHashMap<>();
    private final java.util.Set<Process> stopped = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private boolean closed;

    private LocalCluster(Builder b) {
        this.zk = b.zk;
        this.cluster = b.cluster;
        this.dir = b.dir;
        this.sessionTimeout = b.sessionTimeout;
        this.slots = b.slots;
        this.replication = b.replication;
        this.rebalanceDelay = b.rebalanceDelay;
    }

    /** A builder of a cluster on ZooKeeper {@code zk}, with logs and data under {@code dir}. */
    public static Builder builder(String zk, String cluster, Path dir) {
        return new Builder(zk, cluster, dir);
    }

    /** The folder of the logs ({@code <id>.log}) and data ({@code data/<id>}). */
    public Path dir() {
        return dir;
    }

    /** Starts (or restarts, on its data) KV node {@code id}. */
    public synchronized Process startNode(String id) throws IOException {
        return start(
                id,
                List.of(
                        "kv-node",
                        "--zk",
                        zk,
                        "--cluster",
                        cluster,
                        "--id",
                        id,
                        "--data",
                        dir.resolve("data").resolve(id).toString(),
                        "--slots",
                        Integer.toString(slots),
                        "--session-timeout",
                        sessionTimeout.toMillis() + "ms",
                        "--insecure",
                        "--parent-watch"));
    }

    /** Starts coordinator {@code id}; the first one started becomes active. */
    public synchronized Process startCoordinator(String id) throws IOException {
        Files.createDirectories(dir);
        Path config = dir.resolve("coordinator.properties");
        if (!Files.exists(config)) {
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "ringleader.zk=" + zk,
                            "ringleader.cluster=" + cluster,
                            "ringleader.ring.slots=" + slots,
                            "ringleader.ring.replication=" + replication,
                            "ringleader.rebalance.delay=" + rebalanceDelay.toMillis() + "ms",
                            "ringleader.rebalance.debounce=100ms",
                            // several coordinators share this file: each serves HTTP on a free port
                            "ringleader.http.address=127.0.0.1:0",
                            "ringleader.session.timeout=" + sessionTimeout.toMillis() + "ms",
                            "ringleader.connection.timeout=" + sessionTimeout.toMillis() + "ms",
                            "ringleader.insecure=true",
                            ""));
        }
        return start(id, List.of("coordinator", "--config", config.toString(), "--id", id, "--parent-watch"));
    }

    private Process start(String id, List<String> args) throws IOException {
        if (closed) {
            throw new IOException("the local cluster is closed");
        }
        Process running = children.get(id);
        if (running != null && running.isAlive()) {
            throw new IllegalStateException(id + " is running already (pid " + running.pid() + ")");
        }
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dlog4j2.configurationFile=" + logConfig(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.ringleader.samples.Main"));
        command.addAll(args);
        Path log = dir.resolve(id + ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        children.put(id, process);
        return process;
    }

    /** A log4j2 configuration for the children: INFO of io.ringleader, WARN of the rest, to standard output. */
    private Path logConfig() throws IOException {
        Path file = dir.resolve("log4j2-child.xml");
        if (!Files.exists(file)) {
            Files.writeString(
                    file,
                    """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Configuration status="WARN">
                      <Appenders>
                        <Console name="out" target="SYSTEM_OUT">
                          <PatternLayout pattern="%d{HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n"/>
                        </Console>
                      </Appenders>
                      <Loggers>
                        <Logger name="io.ringleader" level="INFO"/>
                        <Root level="WARN"><AppenderRef ref="out"/></Root>
                      </Loggers>
                    </Configuration>
                    """);
        }
        return file;
    }

    /** The child {@code id}'s process, or null if none was started. */
    public synchronized Process process(String id) {
        return children.get(id);
    }

    /**
     * The children that exited without being killed or stopped through this class, each as one line with its exit
     * code and its log's last line: a child that failed to start says why there.
     */
    public synchronized List<String> unexpectedExits() {
        List<String> out = new ArrayList<>();
        children.forEach((id, p) -> {
            if (!p.isAlive() && !stopped.contains(p)) {
                out.add(id + " exited with " + p.exitValue() + ": " + lastLine(dir.resolve(id + ".log")));
            }
        });
        return out;
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "(empty log)" : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Kills {@code id} with SIGKILL and waits until it is gone. */
    public void kill(String id) throws InterruptedException {
        Process p = require(id);
        stopped.add(p);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** Stops {@code id} with SIGTERM (a graceful leave) and waits until it is gone. */
    public void terminate(String id) throws InterruptedException {
        Process p = require(id);
        stopped.add(p);
        p.destroy();
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Pauses {@code id} with SIGSTOP. */
    public void pause(String id) throws IOException, InterruptedException {
        signal(require(id), "STOP");
    }

    /** Resumes {@code id} with SIGCONT. */
    public void resume(String id) throws IOException, InterruptedException {
        signal(require(id), "CONT");
    }

    private static void signal(Process p, String name) throws IOException, InterruptedException {
        if (p.isAlive()) {
            new ProcessBuilder("kill", "-" + name, Long.toString(p.pid()))
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
        }
    }

    private synchronized Process require(String id) {
        return Objects.requireNonNull(children.get(id), () -> "no child " + id);
    }

    /** Stops every child still running (resuming paused ones first), gracefully then forcibly. Idempotent. */
    @Override
    public void close() {
        List<Process> alive;
        synchronized (this) {
            closed = true;
            alive = children.values().stream().filter(Process::isAlive).toList();
            stopped.addAll(alive);
        }
        for (Process p : alive) {
            try {
                signal(p, "CONT");
            } catch (IOException e) {
                // it is being stopped anyway
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            p.destroy();
        }
        for (Process p : alive) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Builds a {@link LocalCluster}. */
    public static final class Builder {
        private final String zk;
        private final String cluster;
        private final Path dir;
        private Duration sessionTimeout = Duration.ofSeconds(2);
        private int slots = 1024;
        private int replication = 3;
        private Duration rebalanceDelay = Duration.ofSeconds(30);

        private Builder(String zk, String cluster, Path dir) {
            this.zk = Objects.requireNonNull(zk, "zk");
            this.cluster = Objects.requireNonNull(cluster, "cluster");
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /** The children's ZooKeeper session timeout (default 2 s). */
        public Builder sessionTimeout(Duration timeout) {
            this.sessionTimeout = Objects.requireNonNull(timeout, "sessionTimeout");
            return this;
        }

        /** The ring's slots and replicas (default 1024 and 3). */
        public Builder ring(int slotCount, int replicas) {
            this.slots = slotCount;
            this.replication = replicas;
            return this;
        }

        /** How long the coordinators wait before moving a departed node's slots (default 30 s). */
        public Builder rebalanceDelay(Duration delay) {
            this.rebalanceDelay = Objects.requireNonNull(delay, "rebalanceDelay");
            return this;
        }

        public LocalCluster build() {
            return new LocalCluster(this);
        }
    }
}
