package io.ringleader.bench;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.KeyHash;
import io.ringleader.agent.routing.RoutingListener;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.zk.EmbeddedZooKeeper;
import io.ringleader.samples.demo.LocalCluster;
import io.ringleader.samples.kv.check.KvClient;
import io.ringleader.samples.kv.check.LinearizabilityChecker;
import io.ringleader.samples.kv.check.LoadGenerator;
import io.ringleader.samples.kv.check.Op;
import io.ringleader.samples.kv.check.OpType;
import io.ringleader.samples.kv.check.Outcome;
import io.ringleader.samples.kv.check.Verdict;
import io.ringleader.samples.kv.client.KvHttpClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Throughput, latency and availability of the KV sample: three KV nodes and one coordinator as child JVMs
 * ({@link LocalCluster}, fsync on) on a ZooKeeper embedded in this JVM (tick 100 ms), driven by the {@link
 * LoadGenerator} through one {@link KvHttpClient} over an observer agent, every history checked by the {@link
 * LinearizabilityChecker}. Ring S = {@value #SLOTS}; the coordinator's rebalance delay is longer than the run, so the
 * ring never changes.
 *
 * <ul>
 *   <li><b>throughput</b>: R = 1, then R = 3, each on a cluster of its own (session timeout 2 s): {@value #WORKERS}
 *       workers, {@value #THROUGHPUT_KEYS} keys, 20 % GETs and 80 % PUTs, a warm-up, then the measured period. Ops/s
 *       and latencies count the operations that completed inside the measured period.
 *   <li><b>availability</b>: R = 3, a cluster per session timeout T, the same load on {@value #KILL_KEYS} keys. Each
 *       trial SIGKILLs the node that is primary of the most slots, waits until the observer's routing table has a
 *       primary for every slot and no longer holds the victim (the <em>router gap</em>, from just before the kill),
 *       lets the load run a few more seconds, then restarts the victim on its data and waits until it serves again.
 *       The <em>client gap</em> is, per slot, from the last successful operation on a key of the slot completed
 *       before the kill to the first successful one invoked after it (slots with both only), the largest over the
 *       slots. The same figure at an instant a few seconds before the kill, with no fault, is the <em>control</em>:
 *       how long slots go without a completed operation when nothing fails, because of the load's own pace.
 * </ul>
 *
 * <p>Children's logs, the histories ({@code history.jsonl}, for {@code ringleader kv-check}) and the verdicts stay in
 * the run's folder; the KV nodes' data is deleted after a phase whose verdict is ok.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.ringleader.bench.KvBenchmark \
 *     [measured s=30] [warm-up s=10] [kill trials per T=5] [session timeouts ms=1000,2000] [folder=a new temporary one]
 * </pre>
 */
public final class KvBenchmark {
    static final Duration TICK = Duration.ofMillis(100);
    static final int SLOTS = 1024;
    static final int WORKERS = 16;
    static final int THROUGHPUT_KEYS = 1000;
    static final int KILL_KEYS = 100;
    static final double READ_RATIO = 0.2;
    static final long SEED = 42;
    static final List<String> NODES = List.of("kv-1", "kv-2", "kv-3");

    private static final Duration THROUGHPUT_SESSION = Duration.ofSeconds(2);
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration CLIENT_DEADLINE = Duration.ofSeconds(20);
    private static final Duration REBALANCE_DELAY = Duration.ofHours(1);
    /** Load before each kill; the control instant is half-way through it. */
    private static final Duration SETTLE = Duration.ofSeconds(4);
    /** Load after the router saw every slot with a primary again, before the victim restarts. */
    private static final Duration AFTER_RECOVERY = Duration.ofSeconds(4);
    /** How long after the restarted victim served again its handback's errors are counted. */
    private static final Duration HANDBACK = Duration.ofSeconds(2);

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration STOP_WAIT = Duration.ofMinutes(2);

    /** What to run. */
    public record Config(Duration measure, Duration warmup, int killTrials, List<Duration> sessionTimeouts, Path dir) {
        /**
         * @throws IllegalArgumentException if a duration is not positive or there are fewer than 0 trials
         */
        public Config {
            if (measure.isNegative() || measure.isZero() || warmup.isNegative()) {
                throw new IllegalArgumentException(
                        "measure must be positive and warmup not negative, was " + measure + " and " + warmup);
            }
            if (killTrials < 0) {
                throw new IllegalArgumentException("killTrials must be >= 0, was " + killTrials);
            }
            sessionTimeouts = List.copyOf(sessionTimeouts);
        }

        static Config parse(String[] args) throws IOException {
            Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 30);
            Duration warmup = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 10);
            int trials = args.length > 2 ? Integer.parseInt(args[2]) : 5;
            List<Duration> sessions = args.length > 3
                    ? Arrays.stream(args[3].split(","))
                            .map(ms -> Duration.ofMillis(Long.parseLong(ms)))
                            .toList()
                    : List.of(Duration.ofSeconds(1), Duration.ofSeconds(2));
            Path dir = args.length > 4
                    ? Files.createDirectories(Path.of(args[4]))
                    : Files.createTempDirectory("ringleader-kvbench-");
            return new Config(measure, warmup, trials, sessions, dir);
        }
    }

    private KvBenchmark() {}

    public static void main(String[] args) throws Exception {
        Config config = Config.parse(args);
        progress("kv benchmark: " + config + "; logs and histories in " + config.dir());
        boolean ok;
        try (EmbeddedZooKeeper zk =
                EmbeddedZooKeeper.builder().port(0).tickTime(TICK).start()) {
            Report report = run(zk.connectString(), config);
            System.out.println(report.toMarkdown());
            ok = report.ok();
        }
        List<ProcessHandle> left = ProcessHandle.current()
                .children()
                .filter(ProcessHandle::isAlive)
                .toList();
        if (!left.isEmpty()) {
            progress("child processes still running: " + left);
            ok = false;
        }
        System.exit(ok ? 0 : 1);
    }

    /** Runs every phase against the ZooKeeper at {@code zk}. */
    public static Report run(String zk, Config config) throws Exception {
        List<Throughput> throughput = new ArrayList<>();
        for (int replication : List.of(1, 3)) {
            throughput.add(throughput(zk, config, replication));
        }
        List<Availability> availability = new ArrayList<>();
        if (config.killTrials() > 0) {
            for (Duration session : config.sessionTimeouts()) {
                availability.add(availability(zk, config, session));
            }
        }
        return new Report(config, throughput, availability);
    }

    // ---- throughput ---------------------------------------------------------------------------------------------

    /**
     * One throughput run.
     *
     * @param loadAtStart {@code uptime} when the measured period began
     * @param loadAtEnd {@code uptime} when it ended
     * @param sessionsLost per node, how often it logged that its session was lost, over the whole run
     */
    public record Throughput(
            int replication,
            Duration measured,
            List<TypeStats> types,
            Verdict verdict,
            String loadAtStart,
            String loadAtEnd,
            Map<String, Integer> sessionsLost) {
        /** Successful operations a second in the measured period. */
        public double okPerSecond() {
            return types.stream().mapToInt(TypeStats::ok).sum() / (measured.toNanos() / 1e9);
        }
    }

    private static Throughput throughput(String zk, Config config, int replication) throws Exception {
        Path dir = config.dir().resolve("throughput-r" + replication);
        progress("throughput R=" + replication + ": starting the cluster in " + dir);
        try (BenchCluster cluster =
                BenchCluster.start(zk, "kvbench-r" + replication, dir, replication, THROUGHPUT_SESSION)) {
            LoadGenerator load = load(cluster, THROUGHPUT_KEYS, config.warmup().plus(config.measure()));
            try (load) {
                long start = System.nanoTime();
                load.start();
                long from = start + config.warmup().toNanos();
                long to = from + config.measure().toNanos();
                progress("throughput R=" + replication + ": warm-up "
                        + config.warmup().toSeconds() + " s");
                sleepUntil(from, cluster);
                String loadAtStart = uptime();
                progress("throughput R=" + replication + ": measuring "
                        + config.measure().toSeconds() + " s; " + loadAtStart);
                sleepUntil(to, cluster);
                String loadAtEnd = uptime();
                Verdict verdict = finish(load, cluster, dir);
                List<TypeStats> types = windowStats(load.history().ops(), from, to);
                Throughput result = new Throughput(
                        replication, config.measure(), types, verdict, loadAtStart, loadAtEnd, sessionsLost(dir));
                progress(String.format(
                        Locale.ROOT,
                        "throughput R=%d: %.0f ops/s; %s",
                        replication,
                        result.okPerSecond(),
                        verdict.ok() ? "verdict ok" : "VERDICT NOT OK"));
                if (verdict.ok()) {
                    deleteTree(dir.resolve("data"));
                }
                return result;
            }
        }
    }

    /**
     * The outcomes and latencies of one operation type, over the operations that completed in a period.
     *
     * @param latencyNanos of the OK ones, sorted
     */
    public record TypeStats(OpType type, int ok, int fail, int unknown, long[] latencyNanos) {
        /** The nearest-rank {@code p}-th percentile (0 < p ≤ 100) of the OK latencies in ms; NaN if none. */
        public double percentileMs(double p) {
            return percentile(latencyNanos, p) / 1e6;
        }
    }

    /** Per type (in {@link OpType} order, types without operations left out): the operations completed in [from, to). */
    static List<TypeStats> windowStats(List<Op> ops, long from, long to) {
        List<TypeStats> out = new ArrayList<>();
        for (OpType type : OpType.values()) {
            int ok = 0;
            int fail = 0;
            int unknown = 0;
            List<Long> latencies = new ArrayList<>();
            for (Op op : ops) {
                if (op.type() != type || op.completeNanos() < from || op.completeNanos() >= to) {
                    continue;
                }
                switch (op.outcome()) {
                    case OK -> {
                        ok++;
                        latencies.add(op.latencyNanos());
                    }
                    case FAIL -> fail++;
                    case UNKNOWN -> unknown++;
                }
            }
            if (ok + fail + unknown > 0) {
                long[] sorted =
                        latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                out.add(new TypeStats(type, ok, fail, unknown, sorted));
            }
        }
        return out;
    }

    /** The nearest-rank p-th percentile (0 < p ≤ 100) of sorted values: the ⌈p/100 · n⌉-th smallest; NaN if none. */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    // ---- availability -------------------------------------------------------------------------------------------

    /**
     * One kill of a primary.
     *
     * @param victim the node killed
     * @param victimSlots the slots it was primary of
     * @param killNanos just before the SIGKILL
     * @param routerGapNanos from {@code killNanos} until the observer's table had a primary for every slot and no
     *     victim
     * @param mostSlotsWithoutPrimary the most slots without a primary in any table the observer had meanwhile
     * @param restartNanos when the victim was started again: the end of the trial's window
     * @param servingAgainNanos when every node was UP and every slot had a primary again
     */
    public record Trial(
            String victim,
            Set<Integer> victimSlots,
            long killNanos,
            long routerGapNanos,
            int mostSlotsWithoutPrimary,
            long restartNanos,
            long servingAgainNanos) {}

    /**
     * A trial's figures from the history.
     *
     * @param gap the client gap across the kill, until the restart
     * @param control the same measure at an instant {@code SETTLE / 2} before the kill, until the kill
     * @param stall the longest time without any successful completion, on any key, from {@code SETTLE / 2} before
     *     the kill to the restart
     * @param controlStall the same over the {@code SETTLE} before the kill
     * @param failed FAIL operations that completed from the kill to the restart
     * @param unknown UNKNOWN operations that completed from the kill to the restart
     * @param handbackFailed FAIL operations that completed from the restart to {@code HANDBACK} after the victim
     *     served again (it takes its primaries back then)
     * @param handbackUnknown UNKNOWN operations in the same period
     */
    public record TrialResult(
            Trial trial,
            SlotGaps gap,
            SlotGaps control,
            Stall stall,
            Stall controlStall,
            int failed,
            int unknown,
            int handbackFailed,
            int handbackUnknown) {}

    /**
     * The availability runs of one session timeout.
     *
     * @param sessionsLost per node, how often it logged that its session was lost (a killed node does not), over
     *     the whole run
     */
    public record Availability(
            Duration sessionTimeout,
            List<TrialResult> trials,
            Map<String, Integer> errorsInKillWindows,
            Verdict verdict,
            String loadBefore,
            String loadAfter,
            Map<String, Integer> sessionsLost) {}

    private static Availability availability(String zk, Config config, Duration session) throws Exception {
        Path dir = config.dir().resolve("kill-" + session.toMillis() + "ms");
        progress("availability T=" + session.toMillis() + " ms: starting the cluster in " + dir);
        try (BenchCluster cluster = BenchCluster.start(zk, "kvbench-t" + session.toMillis(), dir, 3, session)) {
            LoadGenerator load = load(cluster, KILL_KEYS, Duration.ofHours(1));
            try (load) {
                load.start();
                sleepUntil(System.nanoTime() + config.warmup().toNanos(), cluster);
                String loadBefore = uptime();
                List<Trial> trials = new ArrayList<>();
                for (int i = 0; i < config.killTrials(); i++) {
                    // A node that lost its session on its own (an overloaded machine) is back before the next kill.
                    cluster.awaitServing();
                    sleepUntil(System.nanoTime() + SETTLE.toNanos(), cluster);
                    Trial trial = kill(cluster);
                    trials.add(trial);
                    progress(String.format(
                            Locale.ROOT,
                            "availability T=%d ms, trial %d: killed %s (primary of %d slots), router gap %.1f ms",
                            session.toMillis(),
                            i + 1,
                            trial.victim(),
                            trial.victimSlots().size(),
                            trial.routerGapNanos() / 1e6));
                }
                String loadAfter = uptime();
                Verdict verdict = finish(load, cluster, dir);
                List<Op> ops = load.history().ops();
                List<TrialResult> results = new ArrayList<>();
                Map<String, Integer> errors = new HashMap<>();
                for (Trial t : trials) {
                    long control = t.killNanos() - SETTLE.toNanos() / 2;
                    int[] killed = new int[2];
                    int[] handback = new int[2];
                    long handbackEnd = t.servingAgainNanos() + HANDBACK.toNanos();
                    for (Op op : ops) {
                        if (op.outcome() == Outcome.OK) {
                            continue;
                        }
                        int kind = op.outcome() == Outcome.FAIL ? 0 : 1;
                        long done = op.completeNanos();
                        if (done >= t.killNanos() && done < t.restartNanos()) {
                            killed[kind]++;
                            errors.merge(op.type() + " " + op.outcome() + ": " + shape(op.error()), 1, Integer::sum);
                        } else if (done >= t.restartNanos() && done < handbackEnd) {
                            handback[kind]++;
                        }
                    }
                    results.add(new TrialResult(
                            t,
                            clientGaps(ops, SLOTS, t.killNanos(), t.restartNanos(), t.victimSlots()),
                            clientGaps(ops, SLOTS, control, t.killNanos(), t.victimSlots()),
                            longestStall(ops, control, t.restartNanos()),
                            longestStall(ops, t.killNanos() - SETTLE.toNanos(), t.killNanos()),
                            killed[0],
                            killed[1],
                            handback[0],
                            handback[1]));
                }
                writeTrials(dir.resolve("trials.tsv"), trials);
                progress("availability T=" + session.toMillis() + " ms: "
                        + (verdict.ok() ? "verdict ok" : "VERDICT NOT OK"));
                if (verdict.ok()) {
                    deleteTree(dir.resolve("data"));
                }
                return new Availability(session, results, errors, verdict, loadBefore, loadAfter, sessionsLost(dir));
            }
        }
    }

    /** The trials with their instants as System.nanoTime() readings, the clock of the history's operations. */
    private static void writeTrials(Path file, List<Trial> trials) throws IOException {
        StringBuilder out = new StringBuilder(
                "victim\tvictim_slots\tkill_nanos\trouter_gap_nanos\trestart_nanos\tserving_again_nanos\n");
        for (Trial t : trials) {
            out.append(String.join(
                            "\t",
                            t.victim(),
                            Integer.toString(t.victimSlots().size()),
                            Long.toString(t.killNanos()),
                            Long.toString(t.routerGapNanos()),
                            Long.toString(t.restartNanos()),
                            Long.toString(t.servingAgainNanos())))
                    .append('\n');
        }
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }

    /** Kills the primary of the most slots, measures the router gap, lets the load run, restarts the victim. */
    private static Trial kill(BenchCluster cluster) throws Exception {
        RoutingTable table = cluster.observer().router().table();
        Map<String, Set<Integer>> primaries = new HashMap<>();
        for (int slot = 0; slot < table.ring().orElseThrow().slotCount(); slot++) {
            Member primary = table.primary(slot);
            if (primary != null) {
                primaries.computeIfAbsent(primary.id(), id -> new HashSet<>()).add(slot);
            }
        }
        String victim = primaries.entrySet().stream()
                .max(Comparator.comparingInt((Map.Entry<String, Set<Integer>> e) ->
                                e.getValue().size())
                        .thenComparing(Map.Entry::getKey))
                .orElseThrow()
                .getKey();
        CompletableFuture<Long> recovered = new CompletableFuture<>();
        AtomicInteger mostWithout = new AtomicInteger();
        RoutingListener listener = (previous, current) -> {
            mostWithout.accumulateAndGet(current.slotsWithoutPrimary(), Math::max);
            if (current.slotsWithoutPrimary() == 0
                    && current.members().stream().noneMatch(m -> m.id().equals(victim))) {
                recovered.complete(System.nanoTime());
            }
        };
        cluster.observer().router().listenable().addListener(listener);
        long killed;
        long recoveredAt;
        try {
            killed = System.nanoTime();
            cluster.local().kill(victim);
            try {
                recoveredAt = recovered.get(WAIT.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new TimeoutException("no primary for every slot without " + victim + " within " + WAIT
                        + " after its SIGKILL; logs in " + cluster.local().dir());
            }
        } finally {
            cluster.observer().router().listenable().removeListener(listener);
        }
        sleepUntil(recoveredAt + AFTER_RECOVERY.toNanos(), cluster);
        long restart = System.nanoTime();
        cluster.local().startNode(victim);
        cluster.awaitServing();
        return new Trial(
                victim,
                Set.copyOf(primaries.get(victim)),
                killed,
                recoveredAt - killed,
                mostWithout.get(),
                restart,
                System.nanoTime());
    }

    /**
     * The client gaps around an instant.
     *
     * @param slotsBefore slots with a successful operation completed at or before the instant
     * @param slotsBoth of those, slots with a successful operation invoked at or after it and completed before the
     *     window's end: the slots measured
     * @param maxNanos the largest gap over the measured slots, -1 if none
     * @param maxVictimNanos the largest over the measured slots in the victim set, -1 if none
     * @param maxOtherNanos the largest over the other measured slots, -1 if none
     * @param maxSlot the slot of {@code maxNanos}, -1 if none
     * @param medianNanos the nearest-rank median over the measured slots, -1 if none
     */
    public record SlotGaps(
            int slotsBefore,
            int slotsBoth,
            long maxNanos,
            long maxVictimNanos,
            long maxOtherNanos,
            int maxSlot,
            long medianNanos) {}

    /**
     * Per slot, from the last successful operation on a key of the slot completed at or before {@code at} to the
     * first successful one invoked at or after {@code at} and completed before {@code until}; slots with both only.
     * An operation in flight at {@code at} counts on neither side: it may have been served before or after.
     */
    static SlotGaps clientGaps(List<Op> ops, int slotCount, long at, long until, Set<Integer> victimSlots) {
        long[] lastBefore = new long[slotCount];
        long[] firstAfter = new long[slotCount];
        Arrays.fill(lastBefore, Long.MIN_VALUE);
        Arrays.fill(firstAfter, Long.MAX_VALUE);
        Map<String, Integer> slotOfKey = new HashMap<>();
        for (Op op : ops) {
            if (op.outcome() != Outcome.OK) {
                continue;
            }
            int slot = slotOfKey.computeIfAbsent(op.key(), key -> KeyHash.slot(KeyHash.hash(key), slotCount));
            if (op.completeNanos() <= at) {
                lastBefore[slot] = Math.max(lastBefore[slot], op.completeNanos());
            } else if (op.invokeNanos() >= at && op.completeNanos() < until) {
                firstAfter[slot] = Math.min(firstAfter[slot], op.completeNanos());
            }
        }
        int before = 0;
        int both = 0;
        long max = -1;
        long maxVictim = -1;
        long maxOther = -1;
        int maxSlot = -1;
        List<Long> gaps = new ArrayList<>();
        for (int slot = 0; slot < slotCount; slot++) {
            if (lastBefore[slot] == Long.MIN_VALUE) {
                continue;
            }
            before++;
            if (firstAfter[slot] == Long.MAX_VALUE) {
                continue;
            }
            both++;
            long gap = firstAfter[slot] - lastBefore[slot];
            gaps.add(gap);
            if (gap > max) {
                max = gap;
                maxSlot = slot;
            }
            if (victimSlots.contains(slot)) {
                maxVictim = Math.max(maxVictim, gap);
            } else {
                maxOther = Math.max(maxOther, gap);
            }
        }
        long[] sorted = gaps.stream().mapToLong(Long::longValue).sorted().toArray();
        long median = sorted.length == 0 ? -1 : (long) percentile(sorted, 50);
        return new SlotGaps(before, both, max, maxVictim, maxOther, maxSlot, median);
    }

    /**
     * The longest interval without a successful completion.
     *
     * @param nanos its length
     * @param startNanos when it began: the completion before it, or the window's start
     */
    public record Stall(long nanos, long startNanos) {}

    /**
     * The longest interval in [from, to] in which no operation, on any key, completed successfully; the window's
     * ends count as completions, so a stall cut by them is as long as the part inside.
     */
    static Stall longestStall(List<Op> ops, long from, long to) {
        long[] done = ops.stream()
                .filter(op -> op.outcome() == Outcome.OK && op.completeNanos() >= from && op.completeNanos() <= to)
                .mapToLong(Op::completeNanos)
                .sorted()
                .toArray();
        long previous = from;
        Stall longest = new Stall(0, from);
        for (int i = 0; i <= done.length; i++) {
            long next = i < done.length ? done[i] : to;
            if (next - previous > longest.nanos()) {
                longest = new Stall(next - previous, previous);
            }
            previous = next;
        }
        return longest;
    }

    // ---- the cluster --------------------------------------------------------------------------------------------

    /** A LocalCluster of a coordinator and {@link #NODES}, an observer agent in this JVM and one client over it. */
    record BenchCluster(LocalCluster local, Agent observer, KvHttpClient client) implements AutoCloseable {

        static BenchCluster start(String zk, String name, Path dir, int replication, Duration session)
                throws Exception {
            LocalCluster local = LocalCluster.builder(zk, name, dir)
                    .sessionTimeout(session)
                    .ring(SLOTS, replication)
                    .rebalanceDelay(REBALANCE_DELAY)
                    .build();
            Agent observer = null;
            try {
                local.startCoordinator("coordinator-1");
                for (String id : NODES) {
                    local.startNode(id);
                }
                observer = Agent.builder()
                        .insecure()
                        .connectString(zk)
                        .cluster(name)
                        .memberId("kvbench-observer")
                        .observer()
                        .build();
                observer.start();
                observer.awaitJoined(WAIT);
                BenchCluster cluster = new BenchCluster(
                        local, observer, KvHttpClient.over(observer, ATTEMPT_TIMEOUT, CLIENT_DEADLINE));
                cluster.awaitServing();
                return cluster;
            } catch (Exception | Error e) {
                if (observer != null) {
                    observer.close();
                }
                local.close();
                throw e;
            }
        }

        /** Every node present and UP, the ring holding exactly them, every slot with a primary. */
        void awaitServing() throws Exception {
            await("every node UP and every slot with a primary", () -> {
                checkNoExits();
                List<Member> members = observer.members().members();
                RoutingTable table = observer.router().table();
                return members.size() == NODES.size()
                        && members.stream().allMatch(m -> m.state() == MemberState.UP)
                        && table.ring()
                                .map(r -> r.members().size() == NODES.size())
                                .orElse(false)
                        && table.slotsWithoutPrimary() == 0;
            });
        }

        /** @throws IllegalStateException if a child exited on its own: a crash of the system under test */
        void checkNoExits() {
            List<String> exits = local.unexpectedExits();
            if (!exits.isEmpty()) {
                throw new IllegalStateException("children exited on their own (logs in " + local.dir() + "): " + exits);
            }
        }

        /** Every worker shares the one client, which the cluster closes. */
        KvClient.Factory clients() {
            return process -> new KvClient() {
                @Override
                public void put(String key, String value) throws Exception {
                    client.put(key, value);
                }

                @Override
                public Optional<String> get(String key) throws Exception {
                    return client.get(key);
                }

                @Override
                public void delete(String key) throws Exception {
                    client.delete(key);
                }
            };
        }

        @Override
        public void close() {
            client.close();
            observer.close();
            local.close();
        }
    }

    /** {@value #WORKERS} workers sharing the cluster's client; a share of {@value #READ_RATIO} GETs, the rest PUTs. */
    static LoadGenerator load(BenchCluster cluster, int keys, Duration duration) {
        return load(cluster, keys, duration, 0);
    }

    /** As {@link #load(BenchCluster, int, Duration)}, with a share {@code deleteRatio} of all operations DELETEs. */
    static LoadGenerator load(BenchCluster cluster, int keys, Duration duration, double deleteRatio) {
        return LoadGenerator.builder()
                .clients(cluster.clients())
                .workers(WORKERS)
                .keys(keys)
                .readRatio(READ_RATIO)
                .deleteRatio(deleteRatio)
                .duration(duration)
                .seed(SEED)
                .build();
    }

    /** Stops the load, waits for the final reads, writes and checks the history. */
    static Verdict finish(LoadGenerator load, BenchCluster cluster, Path dir) throws Exception {
        load.stop();
        if (!load.awaitStop(STOP_WAIT)) {
            throw new TimeoutException("the load did not stop within " + STOP_WAIT + " (a request hangs?); logs in "
                    + dir + ", threads:\n" + loadThreads());
        }
        cluster.checkNoExits();
        load.history().write(dir.resolve("history.jsonl"));
        Verdict verdict = new LinearizabilityChecker().check(load.history());
        Files.writeString(dir.resolve("verdict.txt"), verdict.summary() + "\n", StandardCharsets.UTF_8);
        return verdict;
    }

    private static String loadThreads() {
        StringBuilder out = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().startsWith("ringleader-kv-load-")) {
                out.append(thread.getName()).append('\n');
                for (StackTraceElement frame : stack) {
                    out.append("    at ").append(frame).append('\n');
                }
            }
        });
        return out.toString();
    }

    // ---- report -------------------------------------------------------------------------------------------------

    /** Every phase of one run. */
    public record Report(Config config, List<Throughput> throughput, List<Availability> availability) {
        /** Whether every checker verdict is ok. */
        public boolean ok() {
            return Stream.concat(
                            throughput.stream().map(Throughput::verdict),
                            availability.stream().map(Availability::verdict))
                    .allMatch(Verdict::ok);
        }

        public String toMarkdown() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(
                    Locale.ROOT,
                    "Throughput and latency (%d workers, %d keys, %.0f %% GET, %.0f %% PUT; %d s warm-up discarded,"
                            + " %d s measured; ops that completed in the measured period), latencies in ms:%n%n",
                    WORKERS,
                    THROUGHPUT_KEYS,
                    READ_RATIO * 100,
                    (1 - READ_RATIO) * 100,
                    config.warmup().toSeconds(),
                    config.measure().toSeconds()));
            out.append("| R | ops/s | PUT ok | PUT p50 | PUT p99 | PUT max | GET ok | GET p50 | GET p99 | GET max"
                    + " | fail | unknown | checker |\n");
            out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
            for (Throughput t : throughput) {
                TypeStats put = byType(t.types(), OpType.PUT);
                TypeStats get = byType(t.types(), OpType.GET);
                out.append(String.format(
                        Locale.ROOT,
                        "| %d | %.0f | %d | %.2f | %.2f | %.2f | %d | %.2f | %.2f | %.2f | %d | %d | %s |%n",
                        t.replication(),
                        t.okPerSecond(),
                        put.ok(),
                        put.percentileMs(50),
                        put.percentileMs(99),
                        put.percentileMs(100),
                        get.ok(),
                        get.percentileMs(50),
                        get.percentileMs(99),
                        get.percentileMs(100),
                        t.types().stream().mapToInt(TypeStats::fail).sum(),
                        t.types().stream().mapToInt(TypeStats::unknown).sum(),
                        verdictCell(t.verdict())));
            }
            out.append('\n');
            for (Throughput t : throughput) {
                out.append("R=")
                        .append(t.replication())
                        .append(" `uptime` at the start of the measured period: `")
                        .append(t.loadAtStart())
                        .append("`; at its end: `")
                        .append(t.loadAtEnd())
                        .append("`; sessions lost (not killed): ")
                        .append(t.sessionsLost())
                        .append('\n');
            }
            for (Throughput t : throughput) {
                out.append("\nR=")
                        .append(t.replication())
                        .append(
                                ", the whole run (warm-up and final reads included), as the checker printed it:\n\n```\n")
                        .append(t.verdict().summary())
                        .append("\n```\n");
            }
            if (availability.isEmpty()) {
                return out.toString();
            }
            out.append(String.format(
                    Locale.ROOT,
                    "%nAvailability during a SIGKILL of the primary of the most slots (R = 3, %d workers, %d keys,"
                            + " %.0f %% GET), ms; per T: p50 and max over the trials of each trial's figure:%n%n",
                    WORKERS,
                    KILL_KEYS,
                    READ_RATIO * 100));
            out.append("| T | trials | router gap p50 | router gap max | stall p50 | stall max | client gap p50"
                    + " | client gap max | control p50 | control max | failed | unknown | checker |\n");
            out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
            for (Availability a : availability) {
                long[] router = sorted(a, r -> r.trial().routerGapNanos());
                long[] stall = sorted(a, r -> r.stall().nanos());
                long[] client = sorted(a, r -> r.gap().maxNanos());
                long[] control = sorted(a, r -> r.control().maxNanos());
                out.append(String.format(
                        Locale.ROOT,
                        "| %d ms | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %d | %d | %s |%n",
                        a.sessionTimeout().toMillis(),
                        a.trials().size(),
                        percentile(router, 50) / 1e6,
                        percentile(router, 100) / 1e6,
                        percentile(stall, 50) / 1e6,
                        percentile(stall, 100) / 1e6,
                        percentile(client, 50) / 1e6,
                        percentile(client, 100) / 1e6,
                        percentile(control, 50) / 1e6,
                        percentile(control, 100) / 1e6,
                        a.trials().stream().mapToInt(TrialResult::failed).sum(),
                        a.trials().stream().mapToInt(TrialResult::unknown).sum(),
                        verdictCell(a.verdict())));
            }
            out.append("\nEvery trial, ms. Stall: the longest time without a successful operation on any key, and"
                    + " when it began relative to the kill. Client gap: the largest over the slots, then over the"
                    + " victim's primary slots and the others, then the median over the slots; measured: slots with a"
                    + " success on both sides / with one before. Control: the same with no fault, "
                    + SETTLE.toMillis() / 2 + " ms before the kill (stall: over the " + SETTLE.toMillis()
                    + " ms before it). Handback: failed/unknown from the restart until " + HANDBACK.toMillis()
                    + " ms after the victim served again.\n\n");
            out.append("| T | trial | victim | its slots | router gap | stall | stall began | client gap"
                    + " | victim's slots | other slots | median | measured | control | control median"
                    + " | control stall | failed | unknown | handback | restart → serving |\n");
            out.append(
                    "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|\n");
            for (Availability a : availability) {
                int n = 0;
                for (TrialResult r : a.trials()) {
                    Trial t = r.trial();
                    out.append(String.format(
                            Locale.ROOT,
                            "| %d ms | %d | %s | %d | %.1f | %.1f | %+.1f | %s | %s | %s | %s | %d/%d | %s | %s | %.1f"
                                    + " | %d | %d | %d/%d | %.1f |%n",
                            a.sessionTimeout().toMillis(),
                            ++n,
                            t.victim(),
                            t.victimSlots().size(),
                            t.routerGapNanos() / 1e6,
                            r.stall().nanos() / 1e6,
                            (r.stall().startNanos() - t.killNanos()) / 1e6,
                            ms(r.gap().maxNanos()),
                            ms(r.gap().maxVictimNanos()),
                            ms(r.gap().maxOtherNanos()),
                            ms(r.gap().medianNanos()),
                            r.gap().slotsBoth(),
                            r.gap().slotsBefore(),
                            ms(r.control().maxNanos()),
                            ms(r.control().medianNanos()),
                            r.controlStall().nanos() / 1e6,
                            r.failed(),
                            r.unknown(),
                            r.handbackFailed(),
                            r.handbackUnknown(),
                            (t.servingAgainNanos() - t.restartNanos()) / 1e6));
                }
            }
            int mostWithout = availability.stream()
                    .flatMap(a -> a.trials().stream())
                    .mapToInt(r -> r.trial().mostSlotsWithoutPrimary())
                    .max()
                    .orElse(0);
            out.append("\nThe most slots without a primary in any routing table the observer had during a trial: ")
                    .append(mostWithout)
                    .append('\n');
            for (Availability a : availability) {
                out.append("\nT=")
                        .append(a.sessionTimeout().toMillis())
                        .append(" ms: `uptime` before the first kill: `");
                out.append(a.loadBefore())
                        .append("`; after the last trial: `")
                        .append(a.loadAfter())
                        .append("`; sessions lost (not killed): ")
                        .append(a.sessionsLost())
                        .append('\n');
                out.append("Failed and unknown operations from each kill to the victim's restart, by error:\n\n");
                if (a.errorsInKillWindows().isEmpty()) {
                    out.append("- none\n");
                }
                a.errorsInKillWindows().entrySet().stream()
                        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                        .forEach(e -> out.append("- ")
                                .append(e.getValue())
                                .append(" × ")
                                .append(e.getKey())
                                .append('\n'));
                out.append("\nThe whole run, as the checker printed it:\n\n```\n")
                        .append(a.verdict().summary())
                        .append("\n```\n");
            }
            return out.toString();
        }

        private static TypeStats byType(List<TypeStats> types, OpType type) {
            return types.stream()
                    .filter(t -> t.type() == type)
                    .findFirst()
                    .orElse(new TypeStats(type, 0, 0, 0, new long[0]));
        }

        private static String verdictCell(Verdict v) {
            return v.ok() ? "ok" : "**NOT OK**";
        }

        private static String ms(long nanos) {
            return nanos < 0 ? "—" : String.format(Locale.ROOT, "%.1f", nanos / 1e6);
        }

        private static long[] sorted(Availability a, java.util.function.ToLongFunction<TrialResult> figure) {
            return a.trials().stream().mapToLong(figure).sorted().toArray();
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /**
     * An error message with what varies between occurrences (member ids aside) reduced: numbers become {@code N},
     * so that the counts group the same cause.
     */
    static String shape(String error) {
        if (error == null) {
            return "(no message)";
        }
        String line = error.lines().findFirst().orElse("");
        return line.replaceAll("0x[0-9a-f]+", "0xN").replaceAll("(?<![A-Za-z0-9-])\\d+(?![xX\\d])", "N");
    }

    /**
     * Per node, how many times its log says its session was lost: a node whose ZooKeeper client went unheard for
     * longer than the session timeout (a long pause, an overloaded machine) drops out and catches up again, which
     * disturbs the figures and is not a kill.
     */
    static Map<String, Integer> sessionsLost(Path dir) throws IOException {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String id : NODES) {
            Path log = dir.resolve(id + ".log");
            int n = 0;
            if (Files.exists(log)) {
                try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
                    n = (int) lines.filter(line -> line.contains("] session lost:"))
                            .count();
                }
            }
            out.put(id, n);
        }
        return out;
    }

    /** {@code uptime}'s output, or /proc/loadavg if it cannot run. */
    static String uptime() {
        try {
            Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) {
                return out;
            }
        } catch (IOException e) {
            // fall back below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            return "loadavg " + Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "(load unknown)";
        }
    }

    /** Sleeps until {@code deadline} (a nanoTime), checking every 100 ms that no child exited on its own. */
    static void sleepUntil(long deadline, BenchCluster cluster) throws InterruptedException {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            cluster.checkNoExits();
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }

    static void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("not within " + WAIT + ": " + what);
            }
            Thread.sleep(10);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static void progress(String line) {
        System.err.println(java.time.LocalTime.now().withNano(0) + " " + line);
    }
}
