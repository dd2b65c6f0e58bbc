package io.ringleader.samples.demo;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberView;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorConfig;
import io.ringleader.coordinator.cli.DurationConverter;
import io.ringleader.coordinator.zk.EmbeddedZooKeeper;
import io.ringleader.coordinator.zk.ZooKeeperStartException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The newcomer's first command: an embedded ZooKeeper, a handful of members as child processes, the member view as
 * an observer sees it, one member killed with SIGKILL and one stopped gracefully, each with the time it took to
 * leave the view.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run a demo cluster on an embedded ZooKeeper: members join as child processes, one is killed with"
                    + " SIGKILL and one stopped gracefully, and the member view shows how long each took to leave.",
            "Leaves no process behind, also on Ctrl-C. Logs go to a folder it names."
        })
public final class DemoCommand implements Callable<Integer> {
    private static final Duration JOIN_DEADLINE = Duration.ofSeconds(60);
    private static final Duration TICK = Duration.ofMillis(250);

    @Spec
    CommandSpec spec;

    @Option(
            names = "--members",
            paramLabel = "N",
            defaultValue = "4",
            description = "How many members to start, 2 to 9 (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(
            names = "--session-timeout",
            paramLabel = "DURATION",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "The members' ZooKeeper session timeout, 500ms to 5s (default: ${DEFAULT-VALUE}).")
    Duration sessionTimeout;

    @Option(
            names = "--logs",
            paramLabel = "DIR",
            defaultValue = "demo-logs",
            description = "Folder under which this run's logs go (default: ${DEFAULT-VALUE}).")
    Path logs;

    private final Map<String, Process> children = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private final Map<String, CompletableFuture<Long>> departures = new ConcurrentHashMap<>();
    private Story story;

    @Override
    public Integer call() throws Exception {
        if (members < 2 || members > 9) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--members must be between 2 and 9, was " + members);
        }
        if (sessionTimeout.compareTo(TICK.multipliedBy(2)) < 0 || sessionTimeout.compareTo(TICK.multipliedBy(20)) > 0) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--session-timeout must be between 500ms and 5s, was " + sessionTimeout);
        }
        story = new Story(spec.commandLine().getOut());
        Path runLogs = logs.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                .toAbsolutePath()
                .normalize();
        try {
            Files.createDirectories(runLogs);
        } catch (IOException e) {
            spec.commandLine()
                    .getErr()
                    .println("ringleader demo: cannot create the log folder " + runLogs + " (" + e.getMessage()
                            + "); pass --logs with a writable folder");
            return 1;
        }
        Thread cleanup = new Thread(
                () -> {
                    stopping = true;
                    killChildren();
                },
                "ringleader-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        story.say("Ringleader demo: membership and the ring on an embedded ZooKeeper");
        story.say("logs: " + runLogs);
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder()
                .port(0)
                .tickTime(TICK)
                .dataDir(runLogs.resolve("zk-data"))
                .start()) {
            story.say("ZooKeeper serving on " + zk.connectString() + " (tick " + TICK.toMillis() + " ms)");
            return run(zk.connectString(), runLogs) ? 0 : 1;
        } catch (ZooKeeperStartException e) {
            spec.commandLine().getErr().println("ringleader demo: " + e.getMessage());
            return 1;
        } finally {
            killChildren();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
        }
    }

    private boolean run(String connectString, Path runLogs) throws Exception {
        try {
            return story(connectString, runLogs);
        } finally {
            // Before the embedded ZooKeeper stops, so that members leave cleanly rather than lose their server.
            killChildren();
        }
    }

    private boolean story(String connectString, Path runLogs) throws Exception {
        String cluster = "demo";
        CoordinatorConfig coordinatorConfig = CoordinatorConfig.defaults(connectString, cluster)
                .withId("coordinator-1")
                .withTimings(Duration.ZERO, Duration.ofMillis(300), Duration.ofSeconds(10));
        try (Coordinator coordinator = Coordinator.create(coordinatorConfig);
                Agent observer = Agent.builder()
                        .connectString(connectString)
                        .cluster(cluster)
                        .memberId("demo-observer")
                        .observer()
                        .build()) {
            observer.membershipListenable().addListener(this::onViewChanged);
            observer.router().listenable().addListener(this::onRoutingChanged);
            observer.start();
            observer.awaitJoined(Duration.ofSeconds(10));
            coordinator.start();
            story.say("coordinator-1 started: it owns the ring (" + coordinatorConfig.slotCount() + " slots, "
                    + coordinatorConfig.replication() + " replicas each)");
            story.say("observer following cluster '" + cluster + "'; starting " + members
                    + " members as child processes (session timeout " + sessionTimeout.toMillis() + " ms)");
            for (int i = 1; i <= members && !stopping; i++) {
                String id = "node-" + i;
                departures.put(id, new CompletableFuture<>());
                startMember(connectString, cluster, id, 7000 + i, runLogs);
            }
            if (!awaitAllJoined(observer)) {
                story.say("FAILED: not every member joined within " + JOIN_DEADLINE.toSeconds() + " s; see " + runLogs);
                return false;
            }
            story.say("all " + members + " members joined");
            if (!awaitRing(observer, members)) {
                story.say("FAILED: the ring does not hold every member within " + JOIN_DEADLINE.toSeconds() + " s");
                return false;
            }

            String victim = "node-2";
            Process victimProcess = children.get(victim);
            story.say("killing " + victim + " (pid " + victimProcess.pid()
                    + ") with SIGKILL: its session has to time out");
            long killed = System.nanoTime();
            victimProcess.destroyForcibly();
            Duration crashDeadline = sessionTimeout.multipliedBy(3).plusSeconds(10);
            long crashMillis = awaitDeparture(victim, killed, crashDeadline);
            if (crashMillis < 0) {
                story.say("FAILED: " + victim + " still in the view " + crashDeadline.toSeconds() + " s after SIGKILL");
                return false;
            }
            story.say(victim + " left the view " + crashMillis + " ms after SIGKILL (session timeout "
                    + sessionTimeout.toMillis() + " ms); its backups are primaries now, without a ZooKeeper write");
            if (!awaitRing(observer, members - 1)) {
                story.say("FAILED: the ring was not rebuilt without " + victim);
                return false;
            }

            String leaver = "node-1";
            Process leaverProcess = children.get(leaver);
            story.say("stopping " + leaver + " (pid " + leaverProcess.pid() + ") with SIGTERM: it deletes its record");
            long stopped = System.nanoTime();
            leaverProcess.destroy();
            long graceMillis = awaitDeparture(leaver, stopped, Duration.ofSeconds(20));
            if (graceMillis < 0) {
                story.say("FAILED: " + leaver + " still in the view 20 s after SIGTERM");
                return false;
            }
            story.say(leaver + " left the view " + graceMillis + " ms after SIGTERM (no session timeout to wait for)");
            if (!awaitRing(observer, members - 2)) {
                story.say("FAILED: the ring was not rebuilt without " + leaver);
                return false;
            }

            story.say("stopping the other members");
            killChildren();
            story.say("demo finished: every join and departure was seen; logs in " + runLogs);
            return true;
        }
    }

    private void onViewChanged(MemberView before, MemberView after) {
        if (!after.isCurrent()) {
            return;
        }
        long now = System.nanoTime();
        before.members().stream()
                .map(Member::id)
                .filter(id -> !after.contains(id))
                .forEach(id -> departures
                        .computeIfAbsent(id, k -> new CompletableFuture<>())
                        .complete(now));
        if (!before.entries().keySet().equals(after.entries().keySet())) {
            String list =
                    after.members().stream().map(m -> m.id() + " " + m.state()).collect(Collectors.joining(", "));
            story.say("  view @zxid 0x" + Long.toHexString(after.zxid()) + ": " + after.size() + " member"
                    + (after.size() == 1 ? "" : "s") + (list.isEmpty() ? "" : ": " + list));
        }
    }

    /** Prints each new ring: slots per member as primary, and which primaries moved from whom to whom. */
    private void onRoutingChanged(RoutingTable before, RoutingTable after) {
        Ring next = after.ring().orElse(null);
        if (next == null || before.ringEpoch() == next.epoch()) {
            return;
        }
        String counts = next.slotCounts(0).entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        story.say("  ring epoch 0x" + Long.toHexString(next.epoch()) + ": primary slots per member: " + counts);
        Ring previous = before.ring().orElse(null);
        if (previous == null || previous.slotCount() != next.slotCount()) {
            return;
        }
        Map<String, Integer> moves = new TreeMap<>();
        int moved = 0;
        for (int slot = 0; slot < next.slotCount(); slot++) {
            String from = previous.primaryId(slot);
            String to = next.primaryId(slot);
            if (!Objects.equals(from, to)) {
                moved++;
                moves.merge(from + " -> " + to, 1, Integer::sum);
            }
        }
        story.say("    " + moved + " primary slots moved ("
                + moves.entrySet().stream()
                        .map(e -> e.getKey() + ": " + e.getValue())
                        .collect(Collectors.joining(", ")) + ")");
    }

    private boolean awaitRing(Agent observer, int size) {
        return await(Duration.ofSeconds(30), () -> observer.router()
                .table()
                .ring()
                .filter(r -> r.members().size() == size)
                .isPresent());
    }

    private static boolean await(Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private boolean awaitAllJoined(Agent observer) throws InterruptedException {
        long deadline = System.nanoTime() + JOIN_DEADLINE.toNanos();
        CompletableFuture<Void> all = new CompletableFuture<>();
        observer.membershipListenable().addListener((before, after) -> {
            if (children.keySet().stream().allMatch(after::contains)) {
                all.complete(null);
            }
        });
        if (children.keySet().stream().allMatch(observer.members()::contains)) {
            return true;
        }
        for (Map.Entry<String, Process> child : children.entrySet()) {
            if (!child.getValue().isAlive()) {
                story.say("FAILED: " + child.getKey() + " exited with "
                        + child.getValue().exitValue());
                return false;
            }
        }
        try {
            all.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    private long awaitDeparture(String id, long since, Duration deadline) throws InterruptedException {
        try {
            long left = departures.get(id).get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            return TimeUnit.NANOSECONDS.toMillis(left - since);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            return -1;
        }
    }

    private synchronized void startMember(String connectString, String cluster, String id, int port, Path runLogs)
            throws IOException {
        if (stopping) {
            throw new IOException("stopping");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "io.ringleader.samples.Main",
                "member",
                "--zk",
                connectString,
                "--cluster",
                cluster,
                "--id",
                id,
                "--port",
                Integer.toString(port),
                "--session-timeout",
                sessionTimeout.toMillis() + "ms",
                "--parent-watch"));
        Path log = runLogs.resolve(id + ".log");
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        Process process = pb.start();
        children.put(id, process);
        story.say("  started " + id + " (pid " + process.pid() + ", log " + runLogs.relativize(log) + ")");
    }

    private synchronized void killChildren() {
        Map<String, Process> alive = new LinkedHashMap<>(children);
        alive.values().forEach(Process::destroy);
        for (Process p : alive.values()) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Prints the demo's story with the time since it began. */
    private static final class Story {
        private final PrintWriter out;
        private final long start = System.nanoTime();

        Story(PrintWriter out) {
            this.out = out;
        }

        synchronized void say(String line) {
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("[%5.1fs] %s%n", seconds, line);
            out.flush();
        }
    }
}
