package io.ringleader.bench;

import io.ringleader.agent.Agent;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.coordinator.zk.EmbeddedZooKeeper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;

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
 * </ul>
 *
 * <p>No coordinator and no peer suspicion run: a crash is detected by session expiry only.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.ringleader.bench.TakeoverBenchmark \
 *     [graceful trials=200] [crash trials per T=30] [session timeouts ms=1000,2000] [graceful warm-up=20]
 * </pre>
 */
public final class TakeoverBenchmark {
    static final int SLOT = 0;
    static final Duration TICK = Duration.ofMillis(100);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration BACKUP_SESSION = Duration.ofSeconds(10);

    /** What to run. */
    public record Config(int gracefulTrials, int crashTrials, List<Long> sessionTimeoutsMs, int warmup) {
        public Config {
            if (gracefulTrials < 0 || crashTrials < 0 || warmup < 0) {
                throw new IllegalArgumentException("trial counts must be >= 0");
            }
            sessionTimeoutsMs = List.copyOf(sessionTimeoutsMs);
        }

        static Config parse(String[] args) {
            int graceful = args.length > 0 ? Integer.parseInt(args[0]) : 200;
            int crash = args.length > 1 ? Integer.parseInt(args[1]) : 30;
            List<Long> timeouts = args.length > 2
                    ? Arrays.stream(args[2].split(",")).map(Long::parseLong).toList()
                    : List.of(1_000L, 2_000L);
            int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 20;
            return new Config(graceful, crash, timeouts, warmup);
        }
    }

    /**
     * The measured takeovers of one contender in one scenario.
     *
     * @param sessionMs the requested session timeout T of the dying side (0 for graceful)
     * @param negotiatedMs the session timeouts the server granted the dying side, as seen by it
     */
    public record Series(String scenario, String contender, long sessionMs, Set<Long> negotiatedMs, List<Double> ms) {
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
            out.append("| contender | T (granted) | n | p50 ms | p99 ms | max ms | min ms | p50/T | p99/T | max/T |\n");
            out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Series s : series) {
                if (s.scenario().equals("crash")) {
                    double t = s.sessionMs();
                    out.append(String.format(
                            Locale.ROOT,
                            "| %s | %d ms (%s) | %d | %.1f | %.1f | %.1f | %.1f | %.3f | %.3f | %.3f |%n",
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
                            s.percentile(100) / t));
                }
            }
            return out.toString();
        }

        /** Every sample, in trial order, one line per series. */
        public String samples() {
            StringBuilder out = new StringBuilder();
            for (Series s : series) {
                out.append(s.scenario())
                        .append(' ')
                        .append(s.contender())
                        .append(s.sessionMs() > 0 ? " T=" + s.sessionMs() : "")
                        .append(": ")
                        .append(s.ms().stream()
                                .map(v -> String.format(Locale.ROOT, "%.2f", v))
                                .collect(Collectors.joining(" ")))
                        .append('\n');
            }
            return out.toString();
        }
    }

    private TakeoverBenchmark() {}

    public static void main(String[] args) throws Exception {
        Config config = Config.parse(args);
        System.err.println("takeover benchmark: " + config);
        try (EmbeddedZooKeeper zk =
                EmbeddedZooKeeper.builder().port(0).tickTime(TICK).start()) {
            Report report = run(zk.connectString(), config);
            System.out.println(report.toMarkdown());
            System.out.println("Samples (ms, trial order):\n");
            System.out.println(report.samples());
        }
        System.exit(0);
    }

    /** Runs every scenario against the ZooKeeper at {@code connect}; crash trials start child JVMs. */
    public static Report run(String connect, Config config) throws Exception {
        List<Series> series = new ArrayList<>();
        if (config.gracefulTrials() > 0) {
            List<Double> rl = new ArrayList<>();
            List<Double> ll = new ArrayList<>();
            try (RingleaderGraceful ringleader = new RingleaderGraceful(connect);
                    LatchGraceful latch = new LatchGraceful(connect)) {
                int total = config.warmup() + config.gracefulTrials();
                for (int i = 0; i < total; i++) {
                    // alternate which contender goes first, so that neither always follows the other's churn
                    double r;
                    double l;
                    if (i % 2 == 0) {
                        r = ringleader.trial();
                        l = latch.trial();
                    } else {
                        l = latch.trial();
                        r = ringleader.trial();
                    }
                    if (i >= config.warmup()) {
                        rl.add(r);
                        ll.add(l);
                    }
                    System.err.printf(
                            Locale.ROOT,
                            "graceful %d/%d%s: ringleader %.3f ms, latch %.3f ms%n",
                            i + 1,
                            total,
                            i < config.warmup() ? " (warm-up)" : "",
                            r,
                            l);
                }
            }
            series.add(new Series("graceful", "Ringleader (agent close → role listener)", 0, Set.of(), rl));
            series.add(new Series("graceful", "Curator LeaderLatch (close → isLeader)", 0, Set.of(), ll));
        }
        if (config.crashTrials() > 0) {
            for (long t : config.sessionTimeoutsMs()) {
                List<Double> rl = new ArrayList<>();
                List<Double> ll = new ArrayList<>();
                try (RingleaderCrash ringleader = new RingleaderCrash(connect, t);
                        LatchCrash latch = new LatchCrash(connect, t)) {
                    for (int i = 0; i < config.crashTrials(); i++) {
                        if (i % 2 == 0) {
                            rl.add(ringleader.trial());
                            ll.add(latch.trial());
                        } else {
                            ll.add(latch.trial());
                            rl.add(ringleader.trial());
                        }
                        System.err.printf(
                                Locale.ROOT,
                                "crash T=%d %d/%d: ringleader %.3f ms, latch %.3f ms%n",
                                t,
                                i + 1,
                                config.crashTrials(),
                                rl.get(rl.size() - 1),
                                ll.get(ll.size() - 1));
                    }
                    series.add(new Series(
                            "crash", "Ringleader (SIGKILL → role listener)", t, Set.copyOf(ringleader.negotiated), rl));
                    series.add(new Series(
                            "crash", "Curator LeaderLatch (SIGKILL → isLeader)", t, Set.copyOf(latch.negotiated), ll));
                }
            }
        }
        return new Report(config, series);
    }

    // ---------------------------------------------------------------- Ringleader

    private static Agent startAgent(String connect, String cluster, String id, int port) throws Exception {
        Agent agent = Agent.builder()
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

    /** The successor's side: completes the pending future with the time it hears gainedPrimary of the slot. */
    private static final class Successor {
        final AtomicReference<CompletableFuture<Long>> pending = new AtomicReference<>();

        Successor(Agent b) {
            b.roles().listenable().addListener(change -> {
                long now = System.nanoTime();
                if (change.gainedPrimary().contains(SLOT)) {
                    CompletableFuture<Long> f = pending.getAndSet(null);
                    if (f != null) {
                        f.complete(now);
                    }
                }
            });
        }

        CompletableFuture<Long> arm() {
            CompletableFuture<Long> f = new CompletableFuture<>();
            pending.set(f);
            return f;
        }
    }

    private static final class RingleaderGraceful implements AutoCloseable {
        private final String connect;
        private final String cluster = "tb-graceful-" + ProcessHandle.current().pid();
        private final Agent b;
        private final Successor successor;
        private Agent a;

        RingleaderGraceful(String connect) throws Exception {
            this.connect = connect;
            b = startAgent(connect, cluster, "b", 7002);
            successor = new Successor(b);
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

        double trial() throws Exception {
            CompletableFuture<Long> gained = successor.arm();
            long t0 = System.nanoTime();
            a.close();
            long t1 = gained.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            a = startAgent(connect, cluster, "a", 7001);
            awaitPrimaryIsA();
            return (t1 - t0) / 1e6;
        }

        @Override
        public void close() {
            a.close();
            b.close();
        }
    }

    private static final class RingleaderCrash implements AutoCloseable {
        private final String connect;
        private final String cluster;
        private final long sessionMs;
        private final Agent b;
        private final Successor successor;
        final List<Long> negotiated = new ArrayList<>();

        RingleaderCrash(String connect, long sessionMs) throws Exception {
            this.connect = connect;
            this.sessionMs = sessionMs;
            cluster = "tb-crash-" + sessionMs + "-" + ProcessHandle.current().pid();
            b = startAgent(connect, cluster, "b", 7002);
            successor = new Successor(b);
            writeRing(b, "p", "b");
        }

        double trial() throws Exception {
            try (Child child = Child.start("ringleader", connect, cluster, "p", Long.toString(sessionMs))) {
                negotiated.add(Long.parseLong(child.await("SESSION ").substring(8)));
                child.await("PRIMARY");
                await(
                        "b sees p as primary",
                        () -> b.roles().current().primary().isEmpty()
                                && b.members().contains("p"));
                CompletableFuture<Long> gained = successor.arm();
                long t0 = System.nanoTime();
                child.kill();
                long t1 = gained.get(sessionMs * 5 + WAIT.toMillis(), TimeUnit.MILLISECONDS);
                return (t1 - t0) / 1e6;
            }
        }

        @Override
        public void close() {
            b.close();
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

    /** A latch whose isLeader() completes the pending future. */
    private static final class TimedLatch {
        final LeaderLatch latch;
        final AtomicReference<CompletableFuture<Long>> pending = new AtomicReference<>();

        TimedLatch(CuratorFramework client, String path, String id) throws Exception {
            latch = new LeaderLatch(client, path, id);
            latch.addListener(new LeaderLatchListener() {
                @Override
                public void isLeader() {
                    long now = System.nanoTime();
                    CompletableFuture<Long> f = pending.getAndSet(null);
                    if (f != null) {
                        f.complete(now);
                    }
                }

                @Override
                public void notLeader() {}
            });
        }

        CompletableFuture<Long> arm() {
            CompletableFuture<Long> f = new CompletableFuture<>();
            pending.set(f);
            return f;
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

        double trial() throws Exception {
            int other = 1 - leader;
            CompletableFuture<Long> gained = latches[other].arm();
            long t0 = System.nanoTime();
            latches[leader].latch.close();
            long t1 = gained.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            // a closed latch cannot start again: the closed side queues a new one behind the new leader
            latches[leader] = new TimedLatch(clients[leader], PATH, "l" + leader);
            latches[leader].latch.start();
            TimedLatch queued = latches[leader];
            TimedLatch leading = latches[other];
            await("new latch queued", () -> queued.participants() == 2 && leading.latch.hasLeadership());
            leader = other;
            return (t1 - t0) / 1e6;
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

        double trial() throws Exception {
            if (backup != null) {
                // the backup leads since the last trial: step aside so that the next child leads at once
                backup.latch.close();
                backup = null;
            }
            try (Child child = Child.start("latch", connect, path, Long.toString(sessionMs))) {
                negotiated.add(Long.parseLong(child.await("SESSION ").substring(8)));
                child.await("LEADER");
                TimedLatch b = new TimedLatch(client, path, "backup");
                backup = b;
                b.latch.start();
                await("backup latch queued", () -> b.participants() == 2 && !b.latch.hasLeadership());
                CompletableFuture<Long> gained = b.arm();
                long t0 = System.nanoTime();
                child.kill();
                long t1 = gained.get(sessionMs * 5 + WAIT.toMillis(), TimeUnit.MILLISECONDS);
                return (t1 - t0) / 1e6;
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

        private Child(Process process) {
            this.process = process;
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader in = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = in.readLine()) != null) {
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

        static Child start(String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    System.getProperty("java.class.path"),
                    TakeoverChild.class.getName()));
            command.addAll(List.of(args));
            return new Child(new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start());
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
