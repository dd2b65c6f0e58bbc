package io.ringleader.samples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringleader.agent.Agent;
import io.ringleader.agent.leadership.Leadership;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.cli.DurationConverter;
import io.ringleader.coordinator.zk.EmbeddedZooKeeper;
import io.ringleader.coordinator.zk.ZooKeeperStartException;
import io.ringleader.samples.kv.check.LinearizabilityChecker;
import io.ringleader.samples.kv.check.LoadGenerator;
import io.ringleader.samples.kv.check.Op;
import io.ringleader.samples.kv.check.Outcome;
import io.ringleader.samples.kv.check.Verdict;
import io.ringleader.samples.kv.client.KvHttpClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The newcomer's first command: the replicated key-value sample on an embedded ZooKeeper, under load, through a
 * crash, a restart, a planned drain and the loss of the active coordinator, ending with the checker's verdict on
 * every operation.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the replicated key-value sample on an embedded ZooKeeper: two coordinators and KV nodes as child"
                    + " processes, clients writing and reading throughout. A primary is killed with SIGKILL and"
                    + " restarted, a node is drained, the active coordinator is killed; the checker then verifies"
                    + " that no acknowledged write was lost and every key's history is linearizable.",
            "Exit 0 only if the checker passes. Leaves no process behind, also on Ctrl-C. Logs go to a folder it names."
        })
public final class DemoCommand implements Callable<Integer> {
    private static final Duration TICK = Duration.ofMillis(250);
    private static final Duration STEP_DEADLINE = Duration.ofSeconds(60);
    private static final String CLUSTER = "demo";
    private static final int SLOTS = 1024;
    private static final int WORKERS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(
            names = "--nodes",
            paramLabel = "N",
            defaultValue = "5",
            description = "How many KV nodes to start, 3 to 9 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(
            names = "--session-timeout",
            paramLabel = "DURATION",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "The nodes' ZooKeeper session timeout, 500ms to 5s (default: ${DEFAULT-VALUE}).")
    Duration sessionTimeout;

    @Option(
            names = "--pace",
            paramLabel = "DURATION",
            defaultValue = "3s",
            converter = DurationConverter.class,
            description = "How long the load runs between two steps, 500ms to 30s (default: ${DEFAULT-VALUE}).")
    Duration pace;

    @Option(
            names = "--logs",
            paramLabel = "DIR",
            defaultValue = "demo-logs",
            description = "Folder under which this run's logs go (default: ${DEFAULT-VALUE}).")
    Path logs;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    private Story story;

    @Override
    public Integer call() throws Exception {
        if (nodes < 3 || nodes > 9) {
            throw new ParameterException(spec.commandLine(), "--nodes must be between 3 and 9, was " + nodes);
        }
        if (sessionTimeout.compareTo(TICK.multipliedBy(2)) < 0 || sessionTimeout.compareTo(TICK.multipliedBy(20)) > 0) {
            throw new ParameterException(
                    spec.commandLine(), "--session-timeout must be between 500ms and 5s, was " + sessionTimeout);
        }
        if (pace.compareTo(Duration.ofMillis(500)) < 0 || pace.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new ParameterException(spec.commandLine(), "--pace must be between 500ms and 30s, was " + pace);
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
        story.say("Ringleader demo: a replicated key-value store on an embedded ZooKeeper");
        story.say("logs: " + runLogs);
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder()
                .port(0)
                .tickTime(TICK)
                .dataDir(runLogs.resolve("zk-data"))
                .start()) {
            story.say("ZooKeeper serving on " + zk.connectString() + " (tick " + TICK.toMillis() + " ms)");
            LocalCluster cluster = LocalCluster.builder(zk.connectString(), CLUSTER, runLogs)
                    .sessionTimeout(sessionTimeout)
                    .ring(SLOTS, 3)
                    .rebalanceDelay(Duration.ofSeconds(30))
                    .build();
            Thread cleanup = new Thread(cluster::close, "ringleader-demo-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            try (cluster) {
                return story(zk.connectString(), cluster) ? 0 : 1;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook runs anyway
                }
            }
        } catch (ZooKeeperStartException e) {
            spec.commandLine().getErr().println("ringleader demo: " + e.getMessage());
            return 1;
        }
    }

    private boolean story(String zk, LocalCluster cluster) throws Exception {
        cluster.startCoordinator("coordinator-1");
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            ids.add("kv-" + i);
            cluster.startNode("kv-" + i);
        }
        story.say("started coordinator-1 and " + String.join(", ", ids) + " as child processes (ring: " + SLOTS
                + " slots, 3 replicas each; session timeout " + sessionTimeout.toMillis() + " ms)");
        // Insecure, as every process of the demo: its ZooKeeper is private to this run and listens on loopback only.
        try (Agent observer = Agent.builder()
                        .connectString(zk)
                        .cluster(CLUSTER)
                        .memberId("demo-observer")
                        .observer()
                        .insecure()
                        .build();
                KvHttpClient client = startObserver(observer)) {
            String election = observer.clusterPath().coordinator();
            if (!await(cluster, () -> leaderOf(observer, election).isPresent(), "coordinator-1 to become active")) {
                return false;
            }
            cluster.startCoordinator("coordinator-2");
            story.say("coordinator-1 is active; coordinator-2 started as its hot standby");
            if (!await(cluster, () -> serving(observer, ids), "every node to catch up and turn UP")) {
                return false;
            }
            story.say("all " + nodes + " nodes UP; primary slots per node: "
                    + primaryCounts(observer.router().table()));

            try (LoadGenerator load = LoadGenerator.builder()
                    .clients(process -> client)
                    .workers(WORKERS)
                    .keys(500)
                    .readRatio(0.3)
                    .deleteRatio(0.05)
                    .duration(Duration.ofMinutes(30))
                    .build()) {
                load.start();
                story.say("load: " + WORKERS
                        + " clients writing and reading 500 keys through the ring, all the time from now on");
                Thread.sleep(pace.toMillis());

                String victim = observer.router().table().primary(0).id();
                if (!crash(cluster, observer, load, victim)) {
                    return false;
                }
                Thread.sleep(pace.toMillis());
                if (!restart(cluster, observer, victim, ids)) {
                    return false;
                }
                Thread.sleep(pace.toMillis());
                String drained = ids.stream()
                        .filter(id -> !id.equals(victim))
                        .findFirst()
                        .orElseThrow();
                if (!drain(cluster, observer, load, drained)) {
                    return false;
                }
                Thread.sleep(pace.toMillis());
                if (!failOverCoordinator(cluster, observer, election)) {
                    return false;
                }
                Thread.sleep(pace.toMillis());
                return check(load, cluster);
            }
        }
    }

    private KvHttpClient startObserver(Agent observer) throws Exception {
        observer.start();
        observer.awaitJoined(Duration.ofSeconds(30));
        // An attempt may wait for a crashed replica to leave the view (a session timeout) before it is answered.
        return KvHttpClient.over(observer, sessionTimeout.plusSeconds(2), Duration.ofSeconds(20));
    }

    /** Step 1: SIGKILL a primary and time its takeover as a watcher, as the nodes, and as the clients see it. */
    private boolean crash(LocalCluster cluster, Agent observer, LoadGenerator load, String victim) throws Exception {
        RoutingTable before = observer.router().table();
        BitSet victimSlots = new BitSet();
        for (int slot = 0; slot < SLOTS; slot++) {
            if (before.primary(slot).id().equals(victim)) {
                victimSlots.set(slot);
            }
        }
        story.say("1. SIGKILL " + victim + ", primary of " + victimSlots.cardinality()
                + " slots: its session has to time out");
        long killed = System.nanoTime();
        cluster.kill(victim);
        if (!await(cluster, () -> !observer.members().contains(victim), victim + " to leave the view")) {
            return false;
        }
        long detected = System.nanoTime();
        // Each check asks every node over HTTP: not too often, in the JVM whose clients are being timed.
        if (!await(cluster, () -> primarySlotsServed(observer) == SLOTS, "new primaries to serve every slot", 25)) {
            return false;
        }
        long promoted = System.nanoTime();
        long[] rerouted = new long[1];
        if (!await(
                cluster,
                () -> firstSuccessOn(load, before, victimSlots, killed)
                        .map(at -> rerouted[0] = at)
                        .isPresent(),
                "a client operation on one of " + victim + "'s slots to succeed")) {
            return false;
        }
        story.say("   takeover timeline after SIGKILL: detected (left the view) " + millis(killed, detected)
                + " ms -> new primaries serving every slot " + millis(killed, promoted)
                + " ms -> first client operation on its slots acknowledged " + millis(killed, rerouted[0]) + " ms");
        RoutingTable after = observer.router().table();
        Map<String, Integer> moved = new TreeMap<>();
        victimSlots.stream()
                .forEach(slot ->
                        moved.merge(victim + " -> " + after.primary(slot).id(), 1, Integer::sum));
        story.say("   primary slots moved to the backups: "
                + moved.entrySet().stream()
                        .map(e -> e.getKey() + ": " + e.getValue())
                        .reduce((a, b) -> a + ", " + b)
                        .orElse("none")
                + "; no ZooKeeper write was on that path, each backup derived its promotion from the view");
        return true;
    }

    /** Step 2: restart the victim on its data and time its catch-up. */
    private boolean restart(LocalCluster cluster, Agent observer, String victim, List<String> ids) throws Exception {
        story.say("2. restarting " + victim + " on its data: it joins JOINING (cold standby) and catches up");
        long started = System.nanoTime();
        cluster.startNode(victim);
        if (!await(cluster, () -> observer.members().contains(victim), victim + " to join")) {
            return false;
        }
        long joined = System.nanoTime();
        if (!await(cluster, () -> serving(observer, ids), victim + " to catch up and turn UP")) {
            return false;
        }
        long up = System.nanoTime();
        int primaries = primaryCounts(observer.router().table()).getOrDefault(victim, 0);
        story.say("   " + victim + " joined after " + millis(started, joined) + " ms, caught up and turned UP after "
                + millis(started, up) + " ms; back inside the rebalance delay, it is primary of " + primaries
                + " slots again without a slot moving");
        return true;
    }

    /** Step 3: drain a node and count the requests that failed meanwhile. */
    private boolean drain(LocalCluster cluster, Agent observer, LoadGenerator load, String id) throws Exception {
        Member member = observer.members().member(id).orElseThrow();
        int primaries = primaryCounts(observer.router().table()).getOrDefault(id, 0);
        story.say("3. draining " + id + " (primary of " + primaries + " slots) before its maintenance");
        long start = System.nanoTime();
        HttpResponse<String> answer = http.send(
                HttpRequest.newBuilder(URI.create("http://" + member.endpoint().host() + ":"
                                + member.endpoint().port() + "/admin/drain"))
                        .timeout(Duration.ofSeconds(40))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        long end = System.nanoTime();
        if (answer.statusCode() != 200) {
            story.say("FAILED: the drain of " + id + " answered " + answer.statusCode() + ": " + answer.body());
            return false;
        }
        // The handoff's requests: those running at any moment of the drain, or started in the half second after it
        // (retries of refused ones land then). A worker runs one request at a time, so once every worker recorded
        // one started after the window, every request of the window has completed and is counted.
        long windowEnd = end + 500_000_000L;
        if (!await(
                cluster,
                () -> load.history().ops().stream()
                                .filter(op -> op.invokeNanos() > windowEnd)
                                .map(Op::process)
                                .distinct()
                                .count()
                        == WORKERS,
                "every client to finish its requests of the handoff")) {
            return false;
        }
        List<Op> during = load.history().ops().stream()
                .filter(op -> op.invokeNanos() <= windowEnd && op.completeNanos() >= start)
                .toList();
        long failed = during.stream().filter(op -> op.outcome() != Outcome.OK).count();
        story.say("   drained in " + millis(start, end) + " ms: primary of 0 slots, still a backup; requests during the"
                + " handoff: " + during.size() + ", failed: " + failed);
        if (failed > 0) {
            during.stream()
                    .filter(op -> op.outcome() != Outcome.OK)
                    .limit(3)
                    .forEach(op -> story.say("   " + op.type() + " " + op.outcome() + ": " + op.error()));
            story.say("FAILED: a planned drain must not fail a request");
            return false;
        }
        return true;
    }

    /** Step 4: SIGKILL the active coordinator; a standby takes over. */
    private boolean failOverCoordinator(LocalCluster cluster, Agent observer, String election) throws Exception {
        String active = leaderOf(observer, election).orElse("coordinator-1");
        String standby = active.equals("coordinator-1") ? "coordinator-2" : "coordinator-1";
        story.say("4. SIGKILL the active coordinator " + active);
        long killed = System.nanoTime();
        cluster.kill(active);
        if (!await(
                cluster,
                () -> leaderOf(observer, election).filter(standby::equals).isPresent(),
                standby + " to become active")) {
            return false;
        }
        story.say("   " + standby + " active after " + millis(killed, System.nanoTime())
                + " ms (the killed one's session timed out); the nodes kept serving meanwhile");
        return true;
    }

    /** Step 5: stop the load, read every key back and check the whole history. */
    private boolean check(LoadGenerator load, LocalCluster cluster) throws Exception {
        story.say("5. stopping the load; reading every key back; checking the history");
        load.stop();
        if (!load.awaitStop(Duration.ofSeconds(90))) {
            story.say("FAILED: the load did not stop");
            return false;
        }
        Path history = cluster.dir().resolve("history.jsonl");
        load.history().write(history);
        Verdict verdict = new LinearizabilityChecker().check(load.history());
        for (String line : verdict.summary().split("\n")) {
            story.say("   " + line);
        }
        if (!verdict.ok()) {
            story.say("FAILED: see the verdict above; the history is in " + history);
            return false;
        }
        story.say("demo finished: no acknowledged write lost, every key linearizable; history and logs in "
                + cluster.dir());
        return true;
    }

    private static Optional<Long> firstSuccessOn(LoadGenerator load, RoutingTable table, BitSet slots, long after) {
        return load.history().ops().stream()
                .filter(op -> op.outcome() == Outcome.OK && op.invokeNanos() >= after)
                .filter(op -> slots.get(table.slotOf(op.key())))
                .map(Op::completeNanos)
                .min(Long::compare);
    }

    /** How many slots the live nodes serve as primary, by their own account. */
    private int primarySlotsServed(Agent observer) {
        int total = 0;
        for (Member m : observer.members().members()) {
            if (m.endpoint() == null) {
                continue;
            }
            try {
                HttpResponse<byte[]> r = http.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://" + m.endpoint().host() + ":"
                                                + m.endpoint().port() + "/status"))
                                .timeout(Duration.ofSeconds(1))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                JsonNode status = JSON.readTree(r.body());
                total += status.path("primarySlots").asInt();
            } catch (IOException e) {
                // not serving (yet)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return total;
    }

    private static boolean serving(Agent observer, List<String> ids) {
        RoutingTable table = observer.router().table();
        List<String> up = table.upMembers().stream().map(Member::id).toList();
        return up.containsAll(ids)
                && table.ring().map(r -> r.members().size() == ids.size()).orElse(false)
                && table.slotsWithoutPrimary() == 0;
    }

    private static Optional<String> leaderOf(Agent observer, String election) {
        try {
            return Leadership.leaderOf(observer.curator(), election);
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static Map<String, Integer> primaryCounts(RoutingTable table) {
        Map<String, Integer> counts = new TreeMap<>();
        Ring ring = table.ring().orElse(null);
        if (ring == null) {
            return counts;
        }
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            Member primary = table.primary(slot);
            if (primary != null) {
                counts.merge(primary.id(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Waits for {@code condition}, failing the story if a child exits unexpectedly or the deadline passes. */
    private boolean await(LocalCluster cluster, BooleanSupplier condition, String what) throws InterruptedException {
        return await(cluster, condition, what, 10);
    }

    /** As {@link #await(LocalCluster, BooleanSupplier, String)}, checking every {@code pollMillis}. */
    private boolean await(LocalCluster cluster, BooleanSupplier condition, String what, long pollMillis)
            throws InterruptedException {
        long deadline = System.nanoTime() + STEP_DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            List<String> exits = cluster.unexpectedExits();
            if (!exits.isEmpty()) {
                story.say("FAILED while waiting for " + what + ": " + String.join("; ", exits));
                return false;
            }
            if (System.nanoTime() > deadline) {
                story.say("FAILED: waited " + STEP_DEADLINE.toSeconds() + " s for " + what + "; see the logs in "
                        + cluster.dir());
                return false;
            }
            Thread.sleep(pollMillis);
        }
        return true;
    }

    private static long millis(long from, long to) {
        return (to - from) / 1_000_000;
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
