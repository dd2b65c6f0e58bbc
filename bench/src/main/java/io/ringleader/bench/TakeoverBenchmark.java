package io.ringleader.bench;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.agent.routing.CallKind;
import io.ringleader.agent.routing.CallPolicy;
import io.ringleader.agent.routing.Caller;
import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorConfig;
import io.ringleader.coordinator.zk.EmbeddedZooKeeper;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.Watcher;

/**
 * Takeover latency: how long after a primary goes its successor is told it is primary, for Ringleader's slot roles
 * and for Curator's {@link LeaderLatch}, trials interleaved in one run on one embedded ZooKeeper (tick 100 ms).
 *
 * <ul>
 *   <li><b>graceful</b>: Ringleader, agents {@code a} (first in a 1-slot ring {@code [a, b]} written by the harness)
 *       and {@code b} in this JVM; t0 just before {@code a.close()}, t1 when b's role listener hears
 *       {@code gainedPrimary} of slot 0; then a new {@code a} joins and the harness waits until it is primary again.
 *       LeaderLatch: two latches on their own clients; t0 just before the leader's {@code close()}, t1 at the other's
 *       {@code isLeader()}; the closed side starts a new latch, which queues behind the new leader.
 *   <li><b>crash</b>: the primary (leader) is a {@link TakeoverChild} JVM with session timeout T; once it is primary
 *       (leader) and the backup in this JVM has seen it, t0 just before {@code destroyForcibly()} (SIGKILL), t1 when
 *       the backup's role listener hears {@code gainedPrimary} (the latch's {@code isLeader()}).
 *   <li><b>crash with peer detection</b>: as crash, in a fresh cluster per trial that also has an in-process
 *       {@link Coordinator} with suspicion quorum q and q client members; each client keeps calling the slot's primary
 *       through {@link Agent#caller} over TCP ({@link PingServer} in the child). When the child dies their calls fail,
 *       their circuits open, they report the suspicion, the coordinator's quorum takes the child out of the ring
 *       while its session lives, and b derives primary; t1 as in crash.
 * </ul>
 *
 * <p>Without peer detection no coordinator runs: a crash is detected by session expiry only. In every crash trial of
 * Ringleader, each primary claim of the slot (the child's and those of every agent in this JVM, with their epochs)
 * is checked: no epoch may have two primaries, and every successor's epoch must be above the killed primary's.
 * Every trial also records named intermediate times ("phases") and what else ran in this JVM between t0 and t1
 * (garbage collections, JIT compilation), printed per trial on standard error and summed up in the report.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.ringleader.bench.TakeoverBenchmark \
 *     [graceful trials=200] [crash trials per T=30] [session timeouts ms=1000,2000] [graceful warm-up=1000] \
 *     [suspicion quorum=2, 0: no peer-detection trials]
 * </pre>
 *
 * <p>The warm-up trials (not counted) bring both contenders' code paths, and the agent restarts between trials, to
 * a steady state: with 100 of them the JIT compiler still ran inside the measured window of 25 of 300 graceful
 * Ringleader trials and made most of the tail; with 1,000, of 9 in 1,400 (docs/benchmarks.md, takeover run 9).
 *
 * <p>{@code -Dtakeover.zookeeper=process} runs the ZooKeeper server in a child JVM of its own ({@link
 * ZooKeeperProcess}) instead of embedded in this one; its data goes under {@code java.io.tmpdir} either way.
 */
public final class TakeoverBenchmark {
    static final int SLOT = 0;
    static final Duration TICK = Duration.ofMillis(100);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration BACKUP_SESSION = Duration.ofSeconds(10);

    /** What to run. */
    public record Config(
            int gracefulTrials, int crashTrials, List<Long> sessionTimeoutsMs, int warmup, int suspicionQuorum) {
        public Config {
            if (gracefulTrials < 0 || crashTrials < 0 || warmup < 0 || suspicionQuorum < 0) {
                throw new IllegalArgumentException("trial counts and the quorum must be >= 0");
            }
            sessionTimeoutsMs = List.copyOf(sessionTimeoutsMs);
        }

        static Config parse(String[] args) {
            int graceful = args.length > 0 ? Integer.parseInt(args[0]) : 200;
            int crash = args.length > 1 ? Integer.parseInt(args[1]) : 30;
            List<Long> timeouts = args.length > 2
                    ? Arrays.stream(args[2].split(",")).map(Long::parseLong).toList()
                    : List.of(1_000L, 2_000L);
            int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 1_000;
            int quorum = args.length > 4 ? Integer.parseInt(args[4]) : 2;
            return new Config(graceful, crash, timeouts, warmup, quorum);
        }
    }

    /**
     * The measured takeovers of one contender in one scenario.
     *
     * @param sessionMs the requested session timeout T of the dying side (0 for graceful)
     * @param negotiatedMs the session timeouts the server granted the dying side, as seen by it
     * @param phases named per-trial values in trial order (ms after t0 of intermediate events, or counts)
     * @param splitBrains trials whose primary claims broke the invariant, or -1 where there are no epochs to check
     */
    public record Series(
            String scenario,
            String contender,
            long sessionMs,
            Set<Long> negotiatedMs,
            List<Double> ms,
            Map<String, List<Double>> phases,
            int splitBrains) {
        public double percentile(double p) {
            return Stats.percentile(ms, p);
        }
    }

    /** Nearest-rank percentiles. */
    public static final class Stats {
        private Stats() {}

        /** The nearest-rank p-th percentile (0 < p ≤ 100): the ⌈p/100 · n⌉-th smallest value. */
        public static double percentile(List<Double> values, double p) {
            if (values.isEmpty()) {
                return Double.NaN;
            }
            double[] sorted =
                    values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int rank = (int) Math.ceil(p / 100.0 * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
        }
    }

    /** All series of one run. */
    public record Report(Config config, List<Series> series) {
        public String toMarkdown() {
            StringBuilder out = new StringBuilder();
            out.append("Graceful takeover (")
                    .append(config.gracefulTrials())
                    .append(" trials per contender after ")
                    .append(config.warmup())
                    .append(" warm-up trials, interleaved), ms:\n\n");
            out.append("| contender | n | p50 | p99 | max | min |\n|---|---:|---:|---:|---:|---:|\n");
            for (Series s : series) {
                if (s.scenario().equals("graceful")) {
                    out.append(String.format(
                            Locale.ROOT,
                            "| %s | %d | %.2f | %.2f | %.2f | %.2f |%n",
                            s.contender(),
                            s.ms().size(),
                            s.percentile(50),
                            s.percentile(99),
                            s.percentile(100),
                            Stats.percentile(s.ms(), 0)));
                }
            }
            out.append("\nCrash takeover by SIGKILL (")
                    .append(config.crashTrials())
                    .append(" trials per contender and T, interleaved), ms and fraction of T:\n\n");
            out.append("| contender | T (granted) | n | p50 ms | p99 ms | max ms | min ms | p50/T | p99/T | max/T "
                    + "| split brain |\n");
            out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
            for (Series s : series) {
                if (s.scenario().equals("crash")) {
                    double t = s.sessionMs();
                    out.append(String.format(
                            Locale.ROOT,
                            "| %s | %d ms (%s) | %d | %.1f | %.1f | %.1f | %.1f | %.3f | %.3f | %.3f | %s |%n",
                            s.contender(),
                            s.sessionMs(),
                            s.negotiatedMs().stream().map(Object::toString).collect(Collectors.joining(", ")),
                            s.ms().size(),
                            s.percentile(50),
                            s.percentile(99),
                            s.percentile(100),
                            Stats.percentile(s.ms(), 0),
                            s.percentile(50) / t,
                            s.percentile(99) / t,
                            s.percentile(100) / t,
                            s.splitBrains() < 0 ? "not checked" : s.splitBrains() + " of " + s.ms().size()));
                }
            }
            out.append("\nPhases (ms after t0, or counts during the trial):\n\n");
            out.append("| series | phase | p50 | p99 | max | trials > 0 |\n|---|---|---:|---:|---:|---:|\n");
            for (Series s : series) {
                s.phases()
                        .forEach((phase, values) -> out.append(String.format(
                                Locale.ROOT,
                                "| %s | %s | %.2f | %.2f | %.2f | %d |%n",
                                label(s),
                                phase,
                                Stats.percentile(values, 50),
                                Stats.percentile(values, 99),
                                Stats.percentile(values, 100),
                                values.stream().filter(v -> v > 0).count())));
            }
            return out.toString();
        }

        private static String label(Series s) {
            return s.scenario() + " " + s.contender() + (s.sessionMs() > 0 ? " T=" + s.sessionMs() : "");
        }

        /** Every sample, in trial order, one line per series and per phase. */
        public String samples() {
            StringBuilder out = new StringBuilder();
            for (Series s : series) {
                line(out, label(s), s.ms());
                s.phases().forEach((phase, values) -> line(out, label(s) + " [" + phase + "]", values));
            }
            return out.toString();
        }

        private static void line(StringBuilder out, String label, List<Double> values) {
            out.append(label)
                    .append(": ")
                    .append(values.stream()
                            .map(v -> String.format(Locale.ROOT, "%.2f", v))
                            .collect(Collectors.joining(" ")))
                    .append('\n');
        }
    }

    private TakeoverBenchmark() {}

    public static void main(String[] args) throws Exception {
        Config config = Config.parse(args);
        System.err.println("takeover benchmark: " + config);
        String server = System.getProperty("takeover.zookeeper", "embedded");
        if (server.equals("process")) {
            try (ZooKeeperProcess zk = ZooKeeperProcess.start(TICK)) {
                System.err.println("ZooKeeper in child JVM " + zk.pid() + " at " + zk.connectString());
                print(run(zk.connectString(), config));
            }
        } else if (server.equals("embedded")) {
            try (EmbeddedZooKeeper zk =
                    EmbeddedZooKeeper.builder().port(0).tickTime(TICK).start()) {
                print(run(zk.connectString(), config));
            }
        } else {
            System.err.println("takeover benchmark: -Dtakeover.zookeeper must be embedded or process, not " + server);
            System.exit(2);
        }
        System.exit(0);
    }

    private static void print(Report report) {
        System.out.println(report.toMarkdown());
        System.out.println("Samples (ms, trial order):\n");
        System.out.println(report.samples());
    }

    /** Runs every scenario against the ZooKeeper at {@code connect}; crash trials start child JVMs. */
    public static Report run(String connect, Config config) throws Exception {
        List<Series> series = new ArrayList<>();
        if (config.gracefulTrials() > 0) {
            series.addAll(graceful(connect, config));
        }
        if (config.crashTrials() > 0) {
            for (long t : config.sessionTimeoutsMs()) {
                series.addAll(crash(connect, config, t));
            }
        }
        return new Report(config, series);
    }

    private static List<Series> graceful(String connect, Config config) throws Exception {
        List<Double> rl = new ArrayList<>();
        List<Double> ll = new ArrayList<>();
        Map<String, List<Double>> rlPhases = new LinkedHashMap<>();
        Map<String, List<Double>> llPhases = new LinkedHashMap<>();
        try (RingleaderGraceful ringleader = new RingleaderGraceful(connect);
                LatchGraceful latch = new LatchGraceful(connect)) {
            int total = config.warmup() + config.gracefulTrials();
            for (int i = 0; i < total; i++) {
                boolean counted = i >= config.warmup();
                // alternate which contender goes first, so that neither always follows the other's churn
                Trial r;
                Trial l;
                if (i % 2 == 0) {
                    r = Trial.measure(ringleader::trial);
                    l = Trial.measure(latch::trial);
                } else {
                    l = Trial.measure(latch::trial);
                    r = Trial.measure(ringleader::trial);
                }
                if (counted) {
                    r.addTo(rl, rlPhases);
                    l.addTo(ll, llPhases);
                }
                System.err.printf(
                        Locale.ROOT,
                        "graceful %d/%d%s: ringleader %s; latch %s%n",
                        i + 1,
                        total,
                        counted ? "" : " (warm-up)",
                        r,
                        l);
            }
        }
        return List.of(
                new Series("graceful", "Ringleader (agent close → role listener)", 0, Set.of(), rl, rlPhases, -1),
                new Series("graceful", "Curator LeaderLatch (close → isLeader)", 0, Set.of(), ll, llPhases, -1));
    }

    private static List<Series> crash(String connect, Config config, long t) throws Exception {
        List<Double> rl = new ArrayList<>();
        List<Double> ll = new ArrayList<>();
        List<Double> pd = new ArrayList<>();
        Map<String, List<Double>> rlPhases = new LinkedHashMap<>();
        Map<String, List<Double>> llPhases = new LinkedHashMap<>();
        Map<String, List<Double>> pdPhases = new LinkedHashMap<>();
        boolean peers = config.suspicionQuorum() > 0;
        try (RingleaderCrash ringleader = new RingleaderCrash(connect, t);
                LatchCrash latch = new LatchCrash(connect, t)) {
            RingleaderPeerCrash peer = new RingleaderPeerCrash(connect, t, config.suspicionQuorum());
            for (int i = 0; i < config.crashTrials(); i++) {
                // rotate which contender goes first
                List<String> order = new ArrayList<>(peers ? List.of("r", "l", "p") : List.of("r", "l"));
                Collections.rotate(order, -i);
                StringBuilder line = new StringBuilder();
                for (String contender : order) {
                    switch (contender) {
                        case "r" -> {
                            Trial r = Trial.measure(ringleader::trial);
                            r.addTo(rl, rlPhases);
                            line.append(" ringleader ").append(r).append(';');
                        }
                        case "l" -> {
                            Trial l = Trial.measure(latch::trial);
                            l.addTo(ll, llPhases);
                            line.append(" latch ").append(l).append(';');
                        }
                        default -> {
                            Trial p = Trial.measure(peer::trial);
                            p.addTo(pd, pdPhases);
                            line.append(" peer detection ").append(p).append(';');
                        }
                    }
                }
                System.err.printf(Locale.ROOT, "crash T=%d %d/%d:%s%n", t, i + 1, config.crashTrials(), line);
            }
            List<Series> out = new ArrayList<>();
            out.add(new Series(
                    "crash",
                    "Ringleader (SIGKILL → role listener)",
                    t,
                    Set.copyOf(ringleader.negotiated),
                    rl,
                    rlPhases,
                    ringleader.splitBrains.size()));
            if (peers) {
                out.add(new Series(
                        "crash",
                        "Ringleader, peer detection q=" + config.suspicionQuorum() + " (SIGKILL → role listener)",
                        t,
                        Set.copyOf(peer.negotiated),
                        pd,
                        pdPhases,
                        peer.splitBrains.size()));
            }
            out.add(new Series(
                    "crash",
                    "Curator LeaderLatch (SIGKILL → isLeader)",
                    t,
                    Set.copyOf(latch.negotiated),
                    ll,
                    llPhases,
                    -1));
            ringleader.splitBrains.forEach(v -> System.err.println("SPLIT BRAIN T=" + t + ": " + v));
            peer.splitBrains.forEach(v -> System.err.println("SPLIT BRAIN (peer detection) T=" + t + ": " + v));
            return out;
        }
    }

    /** One trial's takeover time and the named intermediate times (ms after t0) or counts of the trial. */
    private record Trial(double ms, Map<String, Double> phases) {
        interface Body {
            double run(Map<String, Double> phases) throws Exception;
        }

        static Trial measure(Body body) throws Exception {
            Map<String, Double> phases = new LinkedHashMap<>();
            double ms = body.run(phases);
            return new Trial(ms, phases);
        }

        void addTo(List<Double> samples, Map<String, List<Double>> series) {
            samples.add(ms);
            phases.forEach(
                    (k, v) -> series.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.3f ms", ms)
                    + phases.entrySet().stream()
                            .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
                            .collect(Collectors.joining(", ", " (", ")"));
        }
    }

    /**
     * What ran in this JVM between t0 and t1 besides the takeover: collections of the garbage collectors and
     * milliseconds of JIT compilation (both counters are cheap to read, and are read outside the measured time).
     */
    private record Window(long gcCount, long gcMillis, long jitMillis) {
        static Window open() {
            long count = 0;
            long millis = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                count += gc.getCollectionCount();
                millis += gc.getCollectionTime();
            }
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            long compiled =
                    jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
            return new Window(count, millis, compiled);
        }

        /** Puts what happened from {@code before} to this window into {@code phases}. */
        void since(Window before, Map<String, Double> phases) {
            phases.put("GCs between t0 and t1", (double) (gcCount - before.gcCount));
            phases.put("GC ms between t0 and t1", (double) (gcMillis - before.gcMillis));
            phases.put("JIT ms between t0 and t1", (double) (jitMillis - before.jitMillis));
        }
    }

    // ---------------------------------------------------------------- Ringleader

    private static Agent startAgent(String connect, String cluster, String id, int port) throws Exception {
        Agent agent = Agent.builder()
                .insecure()
                .connectString(connect)
                .cluster(cluster)
                .memberId(id)
                .endpoint("127.0.0.1", port)
                .sessionTimeout(BACKUP_SESSION)
                .connectionTimeout(Duration.ofSeconds(5))
                .build();
        agent.start();
        agent.awaitJoined(WAIT);
        return agent;
    }

    private static void writeRing(Agent writer, String first, String second) throws Exception {
        writer.curator()
                .create()
                .creatingParentsIfNeeded()
                .forPath(
                        writer.clusterPath().ring(),
                        RingCodec.encode(Ring.of(1, 1, 2, List.of(first, second), new int[] {0, 1})));
    }

    /**
     * The successor's side of a trial: {@link #now()}, called first thing when the successor hears it leads, takes
     * t1 and then reads the {@link Window} counters, and completes the armed future with both.
     */
    private static class Arrival {
        record Gained(long at, Window window) {}

        private final AtomicReference<CompletableFuture<Gained>> pending = new AtomicReference<>();

        void now() {
            long at = System.nanoTime();
            CompletableFuture<Gained> f = pending.getAndSet(null);
            if (f != null) {
                f.complete(new Gained(at, Window.open()));
            }
        }

        /**
         * Runs {@code cause} at t0 and waits at most {@code wait} for the arrival: the takeover time in ms; what else
         * ran in this JVM between t0 and t1 goes into {@code phases}. Returns t0 and t1.
         */
        long[] time(Cause cause, Duration wait, Map<String, Double> phases) throws Exception {
            CompletableFuture<Gained> f = new CompletableFuture<>();
            pending.set(f);
            Window before = Window.open();
            long t0 = System.nanoTime();
            cause.run();
            Gained gained = f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            gained.window().since(before, phases);
            return new long[] {t0, gained.at()};
        }

        interface Cause {
            void run() throws Exception;
        }
    }

    private static double ms(long[] t0t1) {
        return (t0t1[1] - t0t1[0]) / 1e6;
    }

    /** The successor's side in a Ringleader trial: an arrival when b's role listener hears gainedPrimary of the slot. */
    private static final class Successor extends Arrival {
        Successor(Agent b) {
            b.roles().listenable().addListener(change -> {
                if (change.gainedPrimary().contains(SLOT)) {
                    now();
                }
            });
        }
    }

    /** Stamps the time of the first call after {@link #arm()}, as ms after t0. */
    private static final class Stamp {
        private final AtomicLong at = new AtomicLong();

        void arm() {
            at.set(0);
        }

        void now() {
            at.compareAndSet(0, System.nanoTime());
        }

        /** Ms from t0 to the stamp, or NaN if it did not happen. */
        double since(long t0) {
            long t = at.get();
            return t == 0 ? Double.NaN : (t - t0) / 1e6;
        }
    }

    private static final class RingleaderGraceful implements AutoCloseable {
        private final String connect;
        private final String cluster = "tb-graceful-" + ProcessHandle.current().pid();
        private final Agent b;
        private final Successor successor;
        private final CuratorFramework witness;
        private final Stamp deleted = new Stamp();
        private final Stamp viewWithoutA = new Stamp();
        private final Stamp tableWithoutA = new Stamp();
        private Agent a;

        RingleaderGraceful(String connect) throws Exception {
            this.connect = connect;
            b = startAgent(connect, cluster, "b", 7002);
            successor = new Successor(b);
            // where the successor's time goes: its view and its routing table (one call on its membership's thread,
            // the table stamped first), then its roles (t1)
            b.membershipListenable().addListener((before, after) -> {
                if (before.contains("a") && !after.contains("a")) {
                    viewWithoutA.now();
                }
            });
            b.router().listenable().addListener((before, after) -> {
                if (before.members().stream().anyMatch(m -> m.id().equals("a"))
                        && after.members().stream().noneMatch(m -> m.id().equals("a"))) {
                    tableWithoutA.now();
                }
            });
            // a third client that only watches a's record: when the delete reached the watchers
            witness = client(connect, BACKUP_SESSION);
            writeRing(b, "a", "b");
            a = startAgent(connect, cluster, "a", 7001);
            awaitPrimaryIsA();
        }

        private void awaitPrimaryIsA() throws Exception {
            Agent current = a;
            await(
                    "a primary again, b not",
                    () -> current.roles().current().isPrimary(SLOT)
                            && b.roles().current().primary().isEmpty());
        }

        double trial(Map<String, Double> phases) throws Exception {
            deleted.arm();
            viewWithoutA.arm();
            tableWithoutA.arm();
            Watcher watcher = event -> {
                if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
                    deleted.now();
                }
            };
            if (witness.checkExists()
                            .usingWatcher(watcher)
                            .forPath(b.clusterPath().member("a"))
                    == null) {
                throw new IllegalStateException("a's record is missing before the trial");
            }
            long[] closed = new long[1];
            long[] t = successor.time(
                    () -> {
                        a.close();
                        closed[0] = System.nanoTime();
                    },
                    WAIT,
                    phases);
            long t0 = t[0];
            phases.put("delete seen by a third client's watch", deleted.since(t0));
            phases.put("b's view without a", viewWithoutA.since(t0));
            phases.put("b's routing table without a", tableWithoutA.since(t0));
            phases.put("a.close() returned", (closed[0] - t0) / 1e6);
            a = startAgent(connect, cluster, "a", 7001);
            awaitPrimaryIsA();
            return ms(t);
        }

        @Override
        public void close() {
            a.close();
            b.close();
            witness.close();
        }
    }

    /**
     * The primary claims of {@link #SLOT} seen in one run: the child's ({@code PRIMARY <epoch>}) and every role
     * change of an agent in this JVM that leaves it primary, with its epoch.
     */
    static final class ClaimLog {
        private record Claim(String member, long epoch) {}

        private final List<Claim> claims = new CopyOnWriteArrayList<>();

        void watch(Agent agent) {
            agent.roles().listenable().addListener(change -> {
                if (change.current().isPrimary(SLOT)) {
                    add(agent.memberId(), change.current().epoch());
                }
            });
        }

        void add(String member, long epoch) {
            claims.add(new Claim(member, epoch));
        }

        /**
         * An observer of a child's output that adds its {@code PRIMARY <epoch>} and {@code TABLE-PRIMARY <epoch>}
         * lines as claims of {@code member}.
         */
        Consumer<String> ofChild(String member) {
            return line -> {
                if (line.startsWith("PRIMARY ") || line.startsWith("TABLE-PRIMARY ")) {
                    add(member, Long.parseLong(line.substring(line.indexOf(' ') + 1)));
                }
            };
        }

        int mark() {
            return claims.size();
        }

        /**
         * What broke the invariant in one trial: two members primary at one epoch among the claims since
         * {@code mark}, or a claim made after the kill (since {@code killedMark}) by another member at an epoch not
         * above the newest the killed primary claimed in the trial (it claims every role change that leaves it
         * primary, up to its death); null if nothing did.
         */
        String violation(int mark, int killedMark, String killed) {
            List<Claim> trial = List.copyOf(claims.subList(mark, claims.size()));
            long killedEpoch = trial.stream()
                    .filter(c -> c.member().equals(killed))
                    .mapToLong(Claim::epoch)
                    .max()
                    .orElse(Long.MAX_VALUE);
            Map<Long, Set<String>> byEpoch = new TreeMap<>();
            for (Claim c : trial) {
                byEpoch.computeIfAbsent(c.epoch(), k -> new TreeSet<>()).add(c.member());
            }
            List<String> problems = new ArrayList<>();
            byEpoch.forEach((epoch, members) -> {
                if (members.size() > 1) {
                    problems.add("epoch 0x" + Long.toHexString(epoch) + " has primaries " + members);
                }
            });
            for (Claim c : trial.subList(killedMark - mark, trial.size())) {
                if (!c.member().equals(killed) && c.epoch() <= killedEpoch) {
                    problems.add(c.member() + " primary at epoch 0x" + Long.toHexString(c.epoch())
                            + ", not above the killed " + killed + "'s 0x" + Long.toHexString(killedEpoch));
                }
            }
            return problems.isEmpty() ? null : String.join("; ", problems) + " (claims " + trial + ")";
        }
    }

    private static final class RingleaderCrash implements AutoCloseable {
        private final String connect;
        private final String cluster;
        private final long sessionMs;
        private final Agent b;
        private final Successor successor;
        private final ClaimLog claims = new ClaimLog();
        final List<Long> negotiated = new ArrayList<>();
        final List<String> splitBrains = new ArrayList<>();

        RingleaderCrash(String connect, long sessionMs) throws Exception {
            this.connect = connect;
            this.sessionMs = sessionMs;
            cluster = "tb-crash-" + sessionMs + "-" + ProcessHandle.current().pid();
            b = startAgent(connect, cluster, "b", 7002);
            successor = new Successor(b);
            claims.watch(b);
            writeRing(b, "p", "b");
        }

        double trial(Map<String, Double> phases) throws Exception {
            int mark = claims.mark();
            try (Child child =
                    Child.start(claims.ofChild("p"), "ringleader", connect, cluster, "p", Long.toString(sessionMs))) {
                negotiated.add(Long.parseLong(child.await("SESSION ").substring(8)));
                child.await("PRIMARY ");
                await(
                        "b sees p as primary",
                        () -> b.roles().current().primary().isEmpty()
                                && b.members().contains("p"));
                int killed = claims.mark();
                long[] t = successor.time(child::kill, WAIT.plusMillis(sessionMs * 5), phases);
                child.awaitEnd();
                String violation = claims.violation(mark, killed, "p");
                if (violation != null) {
                    splitBrains.add(violation);
                }
                return ms(t);
            }
        }

        @Override
        public void close() {
            b.close();
        }
    }

    /**
     * Crash with peer detection, in a fresh cluster per trial: the ring {@code [p, b]}, the child {@code p}, the
     * successor {@code b} (serving a {@link PingServer}), q client members {@code c1..cq} that each call the slot's
     * primary every {@link #CALL_PACE} through {@link Agent#caller} ({@link #POLICY}), and a {@link Coordinator}
     * with suspicion quorum q and otherwise default settings.
     */
    private static final class RingleaderPeerCrash {
        static final Duration CALL_PACE = Duration.ofMillis(10);
        static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(100);
        /** Writes (only ever to the primary), three attempts, a circuit that opens after three failures in a row. */
        static final CallPolicy POLICY = CallPolicy.builder()
                .attemptTimeout(ATTEMPT_TIMEOUT)
                .maxAttempts(3)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(50))
                .circuit(3, Duration.ofMillis(500))
                .build();

        private final String connect;
        private final long sessionMs;
        private final int quorum;
        private int trials;
        final List<Long> negotiated = new ArrayList<>();
        final List<String> splitBrains = new ArrayList<>();

        RingleaderPeerCrash(String connect, long sessionMs, int quorum) {
            this.connect = connect;
            this.sessionMs = sessionMs;
            this.quorum = quorum;
        }

        double trial(Map<String, Double> phases) throws Exception {
            String cluster =
                    "tb-peer-" + sessionMs + "-" + ProcessHandle.current().pid() + "-" + ++trials;
            List<AutoCloseable> opened = new ArrayList<>();
            AtomicBoolean calling = new AtomicBoolean(true);
            List<Thread> loops = new ArrayList<>();
            try {
                ClaimLog claims = new ClaimLog();
                PingServer service = open(opened, new PingServer());
                Agent b = open(opened, startAgent(connect, cluster, "b", service.port()));
                claims.watch(b);
                Successor successor = new Successor(b);
                Stamp ringWithoutP = new Stamp();
                b.router().listenable().addListener((before, after) -> {
                    if (after.ring().map(r -> r.indexOf("p") < 0).orElse(false)
                            && before.ring().map(r -> r.indexOf("p") >= 0).orElse(false)) {
                        ringWithoutP.now();
                    }
                });
                writeRing(b, "p", "b");
                List<Agent> clients = new ArrayList<>();
                for (int i = 1; i <= quorum; i++) {
                    Agent c = open(opened, startAgent(connect, cluster, "c" + i, service.port()));
                    claims.watch(c);
                    clients.add(c);
                }
                Child child = open(
                        opened,
                        Child.start(
                                claims.ofChild("p"), "ringleader", connect, cluster, "p", Long.toString(sessionMs)));
                negotiated.add(Long.parseLong(child.await("SESSION ").substring(8)));
                child.await("PRIMARY ");

                Coordinator coordinator = open(
                        opened,
                        Coordinator.create(CoordinatorConfig.defaults(connect, cluster)
                                .withInsecure(true)
                                .withId("coordinator")
                                .withRing(1, 2)
                                .withSuspicionQuorum(quorum)));
                coordinator.start();
                await("the coordinator's ring", () -> coordinator.lastWritten().isPresent());
                long ringEpoch = coordinator.lastWritten().orElseThrow().epoch();
                List<Agent> agents = new ArrayList<>(clients);
                agents.add(b);
                for (Agent agent : agents) {
                    await(
                            agent.memberId() + " routes to p at the coordinator's ring",
                            () -> agent.router().table().ringEpoch() == ringEpoch
                                    && agent.router().table().primary(SLOT) != null
                                    && agent.router().table().primary(SLOT).id().equals("p"));
                }

                List<Stamp> circuitOpen = new ArrayList<>();
                List<AtomicLong> answered = new ArrayList<>();
                for (Agent c : clients) {
                    Stamp open = new Stamp();
                    circuitOpen.add(open);
                    AtomicLong answers = new AtomicLong();
                    answered.add(answers);
                    Caller caller = open(opened, c.caller(POLICY.alsoOnCircuitOpen(m -> {
                        if (m.id().equals("p")) {
                            open.now();
                        }
                    })));
                    PeerConnections connections = open(opened, new PeerConnections());
                    Thread loop = new Thread(
                            () -> {
                                while (calling.get()) {
                                    try {
                                        caller.call("key", CallKind.WRITE, connections::ping);
                                        answers.incrementAndGet();
                                    } catch (InterruptedException e) {
                                        return;
                                    } catch (Exception e) {
                                        // failed: the caller counts it towards the circuit
                                    }
                                    try {
                                        Thread.sleep(CALL_PACE.toMillis());
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            },
                            "takeover-client-" + c.memberId());
                    loop.setDaemon(true);
                    loops.add(loop);
                    loop.start();
                }
                await("every client's calls answered", () -> answered.stream().allMatch(a -> a.get() >= 3));

                circuitOpen.forEach(Stamp::arm);
                int killed = claims.mark();
                long[] t = successor.time(child::kill, WAIT.plusMillis(sessionMs * 5), phases);
                long t0 = t[0];
                // until p's session has expired, p is still a registered member: keep checking the claims
                await("p's session expired", () -> !b.members().contains("p"));
                phases.put(
                        "circuit open at the q-th client (suspicion reported)",
                        circuitOpen.stream().mapToDouble(o -> o.since(t0)).max().orElse(Double.NaN));
                phases.put("ring without p seen by b", ringWithoutP.since(t0));
                child.awaitEnd();
                String violation = claims.violation(0, killed, "p");
                if (violation != null) {
                    splitBrains.add(violation);
                }
                return ms(t);
            } finally {
                calling.set(false);
                for (Thread loop : loops) {
                    loop.interrupt();
                    loop.join(5_000);
                }
                for (int i = opened.size() - 1; i >= 0; i--) {
                    opened.get(i).close();
                }
            }
        }

        private static <T extends AutoCloseable> T open(List<AutoCloseable> opened, T resource) {
            opened.add(resource);
            return resource;
        }
    }

    /**
     * A client's connections to members' {@link PingServer}s, kept open between calls: an attempt takes the idle
     * connection to its member (or opens one), and returns it only if the call succeeded.
     */
    private static final class PeerConnections implements AutoCloseable {
        private final Map<String, Connection> idle = new ConcurrentHashMap<>();

        private record Connection(Socket socket, BufferedReader in, OutputStream out) {
            static Connection open(Member member) throws IOException {
                Socket socket = new Socket();
                try {
                    int timeout = (int) RingleaderPeerCrash.ATTEMPT_TIMEOUT.toMillis();
                    socket.connect(
                            new InetSocketAddress(
                                    member.endpoint().host(), member.endpoint().port()),
                            timeout);
                    socket.setSoTimeout(timeout);
                    socket.setTcpNoDelay(true);
                    return new Connection(
                            socket,
                            new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)),
                            socket.getOutputStream());
                } catch (IOException e) {
                    socket.close();
                    throw e;
                }
            }
        }

        String ping(Member member, long epoch) throws IOException {
            Connection c = idle.remove(member.id());
            if (c == null) {
                c = Connection.open(member);
            }
            try {
                c.out().write(("WRITE " + epoch + "\n").getBytes(StandardCharsets.UTF_8));
                c.out().flush();
                String answer = c.in().readLine();
                if (answer == null) {
                    throw new EOFException("connection to " + member.id() + " closed");
                }
                Connection previous = idle.put(member.id(), c);
                if (previous != null) {
                    previous.socket().close();
                }
                return answer;
            } catch (IOException e) {
                c.socket().close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            for (Connection c : idle.values()) {
                c.socket().close();
            }
        }
    }

    // ---------------------------------------------------------------- LeaderLatch

    private static CuratorFramework client(String connect, Duration session) throws Exception {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connect)
                .sessionTimeoutMs((int) session.toMillis())
                .connectionTimeoutMs(5_000)
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 2_000, 5))
                .build();
        client.start();
        if (!client.blockUntilConnected((int) WAIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new TimeoutException("not connected to " + connect);
        }
        return client;
    }

    /** A latch whose isLeader() is an arrival. */
    private static final class TimedLatch extends Arrival {
        final LeaderLatch latch;

        TimedLatch(CuratorFramework client, String path, String id) throws Exception {
            latch = new LeaderLatch(client, path, id);
            latch.addListener(new LeaderLatchListener() {
                @Override
                public void isLeader() {
                    now();
                }

                @Override
                public void notLeader() {}
            });
        }

        int participants() {
            try {
                return latch.getParticipants().size();
            } catch (Exception e) {
                return -1;
            }
        }
    }

    private static final class LatchGraceful implements AutoCloseable {
        private static final String PATH = "/takeover-bench/graceful-latch";
        private final CuratorFramework[] clients = new CuratorFramework[2];
        private final TimedLatch[] latches = new TimedLatch[2];
        private int leader;

        LatchGraceful(String connect) throws Exception {
            for (int i = 0; i < 2; i++) {
                clients[i] = client(connect, BACKUP_SESSION);
            }
            latches[0] = new TimedLatch(clients[0], PATH, "l0");
            latches[0].latch.start();
            latches[0].latch.await();
            latches[1] = new TimedLatch(clients[1], PATH, "l1");
            latches[1].latch.start();
            await("second latch queued", () -> latches[1].participants() == 2);
            leader = 0;
        }

        double trial(Map<String, Double> phases) throws Exception {
            int other = 1 - leader;
            TimedLatch closing = latches[leader];
            long[] t = latches[other].time(closing.latch::close, WAIT, phases);
            // a closed latch cannot start again: the closed side queues a new one behind the new leader
            latches[leader] = new TimedLatch(clients[leader], PATH, "l" + leader);
            latches[leader].latch.start();
            TimedLatch queued = latches[leader];
            TimedLatch leading = latches[other];
            await("new latch queued", () -> queued.participants() == 2 && leading.latch.hasLeadership());
            leader = other;
            return ms(t);
        }

        @Override
        public void close() throws Exception {
            for (int i = 0; i < 2; i++) {
                latches[i].latch.close();
                clients[i].close();
            }
        }
    }

    private static final class LatchCrash implements AutoCloseable {
        private final String connect;
        private final String path;
        private final long sessionMs;
        private final CuratorFramework client;
        private TimedLatch backup;
        final List<Long> negotiated = new ArrayList<>();

        LatchCrash(String connect, long sessionMs) throws Exception {
            this.connect = connect;
            this.sessionMs = sessionMs;
            path = "/takeover-bench/crash-latch-" + sessionMs;
            client = client(connect, BACKUP_SESSION);
        }

        double trial(Map<String, Double> phases) throws Exception {
            if (backup != null) {
                // the backup leads since the last trial: step aside so that the next child leads at once
                backup.latch.close();
                backup = null;
            }
            try (Child child = Child.start(line -> {}, "latch", connect, path, Long.toString(sessionMs))) {
                negotiated.add(Long.parseLong(child.await("SESSION ").substring(8)));
                child.await("LEADER");
                TimedLatch b = new TimedLatch(client, path, "backup");
                backup = b;
                b.latch.start();
                await("backup latch queued", () -> b.participants() == 2 && !b.latch.hasLeadership());
                return ms(b.time(child::kill, WAIT.plusMillis(sessionMs * 5), phases));
            }
        }

        @Override
        public void close() throws Exception {
            if (backup != null) {
                backup.latch.close();
            }
            client.close();
        }
    }

    // ---------------------------------------------------------------- child JVMs and waiting

    /** A {@link TakeoverChild} JVM whose output lines are queued. */
    private static final class Child implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Thread reader;

        /** {@code observer} sees every line, on the reader thread, before it is queued. */
        private Child(Process process, Consumer<String> observer) {
            this.process = process;
            this.reader = new Thread(
                    () -> {
                        try (BufferedReader in = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = in.readLine()) != null) {
                                observer.accept(line);
                                lines.add(line);
                            }
                        } catch (Exception e) {
                            // the child died
                        }
                    },
                    "takeover-child-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(Consumer<String> observer, String... args) throws Exception {
            List<String> command = ChildJvm.command(
                    List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                    TakeoverChild.class.getName(),
                    List.of(args));
            return new Child(
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectInput(ProcessBuilder.Redirect.PIPE)
                            .start(),
                    observer);
        }

        /** After {@link #kill}: waits until the process has ended and every line it printed has been read. */
        void awaitEnd() throws Exception {
            if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new TimeoutException("child " + process.pid() + " still runs " + WAIT + " after SIGKILL");
            }
            reader.join(WAIT.toMillis());
            if (reader.isAlive()) {
                throw new TimeoutException(
                        "child " + process.pid() + "'s output still open " + WAIT + " after it ended");
            }
        }

        /** Waits for a line starting with {@code prefix}, skipping others (SLF4J's notice, for one). */
        String await(String prefix) throws Exception {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new TimeoutException("child " + process.pid() + " did not print " + prefix.strip()
                            + " within " + WAIT + (process.isAlive() ? "" : "; it exited with " + process.exitValue()));
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }

        /** SIGKILL. */
        void kill() {
            process.destroyForcibly();
        }

        @Override
        public void close() throws Exception {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("not within " + WAIT + ": " + what);
            }
            Thread.sleep(1);
        }
    }
}
