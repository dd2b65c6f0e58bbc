package io.ringleader.bench;

import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.KeyHash;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.zk.EmbeddedZooKeeper;
import io.ringleader.samples.kv.check.LoadGenerator;
import io.ringleader.samples.kv.check.Op;
import io.ringleader.samples.kv.check.Outcome;
import io.ringleader.samples.kv.check.Verdict;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The planned handoff of the KV sample under load: the target "0 failed client requests in a planned drain"
 * (DESIGN.md), measured. A three-node cluster (R = 3, as {@link KvBenchmark}'s availability phase) under the same
 * load; each trial drains the node that is primary of the most slots ({@code POST /admin/drain}, which returns once
 * no slot has it as primary), counts the requests that overlapped the handoff and how many of them failed or ended
 * with an unknown outcome, then undrains it ({@code POST /admin/undrain}) and counts the same for the handback,
 * until the node is primary of its slots again. The whole history is checked for linearizability and lost writes.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.ringleader.bench.KvDrainBenchmark [trials=10] [warm-up s=10] [folder]
 *     [DELETE share of all operations=0]
 * </pre>
 */
public final class KvDrainBenchmark {
    private static final Duration SESSION = Duration.ofSeconds(2);
    private static final Duration SETTLE = Duration.ofSeconds(3);
    /** Requests started this long after a handoff ended still count to it: the retries of refused ones land then. */
    private static final Duration AFTER = Duration.ofMillis(500);

    private static final int KEYS = 1000;

    private KvDrainBenchmark() {}

    /**
     * One handoff (a drain or an undrain) as measured: the node, its primary slots before the drain, and the instants
     * before the request to the node and after the observer's routing showed the handoff done.
     */
    record Window(String node, Set<Integer> slots, long start, long end) {}

    /**
     * One handoff's figures.
     *
     * @param slots how many primary slots the node handed over (and back)
     * @param tookNanos from the request to the node until the observer's routing shows the handoff done
     * @param requests requests on keys of those slots that overlapped the handoff or began up to {@link #AFTER}
     *     after it, of which {@code failed} were refused and {@code unknown} ended with an unknown outcome
     * @param allRequests the same on any key (the other slots' requests are not handed over)
     */
    record Handoff(
            String node,
            int slots,
            long tookNanos,
            int requests,
            int failed,
            int unknown,
            int allRequests,
            int allFailed,
            int allUnknown) {}

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Duration warmup = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 10);
        Path dir = args.length > 2
                ? Files.createDirectories(Path.of(args[2]))
                : Files.createTempDirectory("ringleader-kvdrain-");
        double deletes = args.length > 3 ? Double.parseDouble(args[3]) : 0;
        KvBenchmark.progress("kv drain benchmark: " + trials + " trials; logs and history in " + dir);
        boolean ok;
        try (EmbeddedZooKeeper zk =
                EmbeddedZooKeeper.builder().port(0).tickTime(KvBenchmark.TICK).start()) {
            ok = run(zk.connectString(), trials, warmup, dir, deletes);
        }
        System.exit(ok ? 0 : 1);
    }

    static boolean run(String zk, int trials, Duration warmup, Path dir, double deletes) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (KvBenchmark.BenchCluster cluster = KvBenchmark.BenchCluster.start(zk, "kvdrain", dir, 3, SESSION)) {
            LoadGenerator load = KvBenchmark.load(cluster, KEYS, Duration.ofHours(1), deletes);
            List<Window> windows = new ArrayList<>();
            String loadBefore;
            String loadAfter;
            Verdict verdict;
            try (load) {
                load.start();
                KvBenchmark.sleepUntil(System.nanoTime() + warmup.toNanos(), cluster);
                loadBefore = KvBenchmark.uptime();
                for (int i = 0; i < trials; i++) {
                    cluster.awaitServing();
                    KvBenchmark.sleepUntil(System.nanoTime() + SETTLE.toNanos(), cluster);
                    // every node in turn
                    String node = KvBenchmark.NODES.get(i % KvBenchmark.NODES.size());
                    Set<Integer> slots =
                            primarySlots(cluster.observer().router().table(), node);
                    Window drain = handoff(http, cluster, node, slots, "/admin/drain", Set.of());
                    KvBenchmark.sleepUntil(System.nanoTime() + SETTLE.toNanos(), cluster);
                    Window undrain = handoff(http, cluster, node, slots, "/admin/undrain", slots);
                    windows.add(drain);
                    windows.add(undrain);
                    KvBenchmark.progress(String.format(
                            Locale.ROOT,
                            "trial %d: drained %s (primary of %d slots) in %.1f ms, undrained in %.1f ms",
                            i + 1,
                            node,
                            slots.size(),
                            (drain.end() - drain.start()) / 1e6,
                            (undrain.end() - undrain.start()) / 1e6));
                }
                KvBenchmark.sleepUntil(System.nanoTime() + AFTER.toNanos() * 2, cluster);
                loadAfter = KvBenchmark.uptime();
                verdict = KvBenchmark.finish(load, cluster, dir);
            }
            List<Op> ops = load.history().ops();
            List<Handoff> drains = new ArrayList<>();
            List<Handoff> undrains = new ArrayList<>();
            for (int i = 0; i < windows.size(); i++) {
                (i % 2 == 0 ? drains : undrains).add(count(ops, windows.get(i), KvBenchmark.SLOTS));
            }
            System.out.println(report(drains, undrains, verdict, loadBefore, loadAfter));
            if (verdict.ok()) {
                KvBenchmark.deleteTree(dir.resolve("data"));
            }
            return verdict.ok();
        }
    }

    /** The requests that overlapped [start, end + AFTER], by outcome: on the window's slots, and on any. */
    static Handoff count(List<Op> ops, Window w, int slotCount) {
        long windowEnd = w.end() + AFTER.toNanos();
        int[] mine = new int[3];
        int[] all = new int[3];
        for (Op op : ops) {
            if (op.invokeNanos() <= windowEnd && op.completeNanos() >= w.start()) {
                int kind = op.outcome() == Outcome.FAIL ? 1 : op.outcome() == Outcome.UNKNOWN ? 2 : 0;
                all[0]++;
                all[kind] += kind > 0 ? 1 : 0;
                if (w.slots().contains(KeyHash.slot(KeyHash.hash(op.key()), slotCount))) {
                    mine[0]++;
                    mine[kind] += kind > 0 ? 1 : 0;
                }
            }
        }
        return new Handoff(
                w.node(), w.slots().size(), w.end() - w.start(), mine[0], mine[1], mine[2], all[0], all[1], all[2]);
    }

    static Set<Integer> primarySlots(RoutingTable table, String node) {
        Set<Integer> out = new TreeSet<>();
        int slots = table.ring().map(r -> r.slotCount()).orElse(0);
        for (int slot = 0; slot < slots; slot++) {
            Member primary = table.primary(slot);
            if (primary != null && primary.id().equals(node)) {
                out.add(slot);
            }
        }
        return out;
    }

    /**
     * Posts {@code path} to the node and waits until the observer's routing shows it primary of exactly {@code
     * after}; the window from before the request to then, about the node's primary {@code slots}.
     */
    private static Window handoff(
            HttpClient http,
            KvBenchmark.BenchCluster cluster,
            String node,
            Set<Integer> slots,
            String path,
            Set<Integer> after)
            throws Exception {
        long start = System.nanoTime();
        post(http, cluster, node, path);
        KvBenchmark.await(
                node + " primary of " + after.size() + " slots after " + path,
                () -> primarySlots(cluster.observer().router().table(), node).equals(after));
        return new Window(node, slots, start, System.nanoTime());
    }

    private static void post(HttpClient http, KvBenchmark.BenchCluster cluster, String node, String path)
            throws Exception {
        Member member = cluster.observer().members().member(node).orElseThrow();
        HttpResponse<String> answer = http.send(
                HttpRequest.newBuilder(URI.create("http://" + member.endpoint().host() + ":"
                                + member.endpoint().port() + path))
                        .timeout(Duration.ofSeconds(40))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException(
                    "POST " + path + " to " + node + " answered " + answer.statusCode() + ": " + answer.body());
        }
    }

    static String report(
            List<Handoff> drains, List<Handoff> undrains, Verdict verdict, String loadBefore, String loadAfter) {
        StringBuilder out = new StringBuilder();
        out.append("| trial | node | its primary slots | drain ms | its slots: requests / failed / unknown"
                + " | all keys | undrain ms | its slots | all keys |\n");
        out.append("|---:|---|---:|---:|---|---|---:|---|---|\n");
        for (int i = 0; i < drains.size(); i++) {
            Handoff d = drains.get(i);
            Handoff u = undrains.get(i);
            out.append(String.format(
                    Locale.ROOT,
                    "| %d | %s | %d | %.1f | %d / %d / %d | %d / %d / %d | %.1f | %d / %d / %d | %d / %d / %d |%n",
                    i + 1,
                    d.node(),
                    d.slots(),
                    d.tookNanos() / 1e6,
                    d.requests(),
                    d.failed(),
                    d.unknown(),
                    d.allRequests(),
                    d.allFailed(),
                    d.allUnknown(),
                    u.tookNanos() / 1e6,
                    u.requests(),
                    u.failed(),
                    u.unknown(),
                    u.allRequests(),
                    u.allFailed(),
                    u.allUnknown()));
        }
        out.append('\n').append(summary("drains", drains)).append(summary("undrains", undrains));
        out.append("checker: ").append(verdict.summary()).append('\n');
        out.append("load before: ")
                .append(loadBefore)
                .append("\nload after: ")
                .append(loadAfter)
                .append('\n');
        return out.toString();
    }

    private static String summary(String name, List<Handoff> handoffs) {
        long[] took = handoffs.stream().mapToLong(Handoff::tookNanos).sorted().toArray();
        return String.format(
                Locale.ROOT,
                "%s: %d; on the handed-over slots %d requests, %d failed, %d unknown; on any key %d, %d failed, %d"
                        + " unknown; ms p50 %.1f, max %.1f%n",
                name,
                handoffs.size(),
                handoffs.stream().mapToInt(Handoff::requests).sum(),
                handoffs.stream().mapToInt(Handoff::failed).sum(),
                handoffs.stream().mapToInt(Handoff::unknown).sum(),
                handoffs.stream().mapToInt(Handoff::allRequests).sum(),
                handoffs.stream().mapToInt(Handoff::allFailed).sum(),
                handoffs.stream().mapToInt(Handoff::allUnknown).sum(),
                took.length == 0 ? 0 : took[(took.length - 1) / 2] / 1e6,
                took.length == 0 ? 0 : took[took.length - 1] / 1e6);
    }
}
