package io.ringleader.bench;

import io.ringleader.agent.Agent;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberCodec;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.agent.routing.RoutingTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;

/**
 * How long a membership change takes to reach every router (DESIGN: 100 agents p99 ≤ 50 ms, 1,000 agents p99 ≤
 * 500 ms). N observer agents, each with its own ZooKeeper session, follow one cluster whose ring lists 30 members;
 * ZooKeeper runs in a child JVM. A writer creates or deletes the record of one ring member in turn (a join, then a
 * departure); t0 is taken just before the request, and each observer's routing listener stamps the first table that
 * holds the change. Prints the percentiles of every (change, router) sample and of each change's slowest router.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.ringleader.bench.MembershipFanoutBenchmark [agents=100] [changes=200]
 *     [warm-up changes=20]
 * </pre>
 */
public final class MembershipFanoutBenchmark {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String CHANGING = Fixtures.memberId(0);

    private MembershipFanoutBenchmark() {}

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int changes = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        System.err.printf("fan-out benchmark: %d observers, %d changes after %d warm-up%n", agents, changes, warmup);
        // tick 1 s: sessions of up to 20 s, so that 1,000 clients on 2 cores are not expired while they start
        try (ZooKeeperProcess zk = ZooKeeperProcess.start(Duration.ofSeconds(1))) {
            run(zk.connectString(), agents, changes, warmup);
        }
    }

    private static void run(String connect, int agents, int changes, int warmup) throws Exception {
        ClusterPath path = ClusterPath.of("fanout-" + ProcessHandle.current().pid());
        List<String> ids = Fixtures.memberIds(30);
        Member changing = Fixtures.upMembers(List.of(CHANGING)).get(0);
        CuratorFramework writer =
                CuratorFrameworkFactory.newClient(connect, 30_000, 10_000, new ExponentialBackoffRetry(100, 3));
        writer.start();
        List<Agent> observers = new ArrayList<>();
        try {
            writer.blockUntilConnected();
            writer.create()
                    .creatingParentsIfNeeded()
                    .forPath(path.ring(), RingCodec.encode(Fixtures.placedRing(null, ids)));
            writer.create().creatingParentsIfNeeded().forPath(path.members());
            AtomicLongArray seen = new AtomicLongArray(agents);
            // read by the observers' threads: whether the change under way is a join
            AtomicBoolean expectPresent = new AtomicBoolean();
            for (int i = 0; i < agents; i++) {
                Agent observer = Agent.builder()
                        .insecure()
                        .connectString(connect)
                        .cluster(path.cluster())
                        .memberId(String.format("observer-%04d", i))
                        .observer()
                        .sessionTimeout(Duration.ofSeconds(30))
                        .connectionTimeout(Duration.ofSeconds(30))
                        .takeoverEvents(false)
                        .build();
                int index = i;
                observer.router().listenable().addListener((before, after) -> {
                    if (holds(after) == expectPresent.get() && seen.get(index) == 0) {
                        seen.set(index, System.nanoTime());
                    }
                });
                observer.start();
                observers.add(observer);
            }
            for (Agent observer : observers) {
                observer.awaitJoined(WAIT);
            }
            long[] samples = new long[agents * changes];
            long[] slowest = new long[changes];
            for (int change = -warmup; change < changes; change++) {
                boolean join = !expectPresent.get();
                for (int i = 0; i < agents; i++) {
                    seen.set(i, 0);
                }
                expectPresent.set(join);
                long t0 = System.nanoTime();
                if (join) {
                    writer.create()
                            .withMode(CreateMode.EPHEMERAL)
                            .forPath(path.member(CHANGING), MemberCodec.encode(changing));
                } else {
                    writer.delete().forPath(path.member(CHANGING));
                }
                long deadline = t0 + WAIT.toNanos();
                long max = 0;
                for (int i = 0; i < agents; i++) {
                    while (seen.get(i) == 0) {
                        if (System.nanoTime() - deadline > 0) {
                            throw new IllegalStateException("observer " + i + " did not see change " + change);
                        }
                        Thread.sleep(1);
                    }
                    long took = seen.get(i) - t0;
                    max = Math.max(max, took);
                    if (change >= 0) {
                        samples[change * agents + i] = took;
                    }
                }
                if (change >= 0) {
                    slowest[change] = max;
                }
                Thread.sleep(20);
            }
            Arrays.sort(samples);
            Arrays.sort(slowest);
            System.out.printf(
                    "| routers | changes | every router p50 / p99 / max ms"
                            + " | slowest router per change p50 / p99 / max ms |%n"
                            + "|---:|---:|---|---|%n"
                            + "| %d | %d | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f |%n",
                    agents,
                    changes,
                    ms(KvBenchmark.percentile(samples, 50)),
                    ms(KvBenchmark.percentile(samples, 99)),
                    ms(samples[samples.length - 1]),
                    ms(KvBenchmark.percentile(slowest, 50)),
                    ms(KvBenchmark.percentile(slowest, 99)),
                    ms(slowest[slowest.length - 1]));
        } finally {
            for (Agent observer : observers) {
                observer.close();
            }
            writer.close();
        }
    }

    private static boolean holds(RoutingTable table) {
        for (Member m : table.members()) {
            if (m.id().equals(CHANGING)) {
                return true;
            }
        }
        return false;
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }
}
