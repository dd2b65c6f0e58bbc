package io.ringleader.bench;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Member;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;

/**
 * The primary (or leader) of a crash trial of {@link TakeoverBenchmark}, run as a child JVM so that the harness can
 * kill it with SIGKILL. It joins and stays; it prints {@code SESSION <negotiated ms>} once connected and
 * {@code PRIMARY <epoch>} for every role change that leaves it primary of slot 0 and {@code TABLE-PRIMARY <epoch>}
 * for every routing table that names it primary of slot 0 (or {@code LEADER} once its latch leads), and halts when its
 * standard input closes (the harness died). As a Ringleader member it serves a {@link PingServer} at the endpoint of
 * its member record, so that peers can call it.
 *
 * <pre>
 * TakeoverChild ringleader &lt;connect&gt; &lt;cluster&gt; &lt;member id&gt; &lt;session ms&gt;
 * TakeoverChild latch &lt;connect&gt; &lt;latch path&gt; &lt;session ms&gt;
 * </pre>
 */
public final class TakeoverChild {
    private TakeoverChild() {}

    public static void main(String[] args) throws Exception {
        Duration session = Duration.ofMillis(Long.parseLong(args[args.length - 1]));
        switch (args[0]) {
            case "ringleader" -> ringleader(args[1], args[2], args[3], session);
            case "latch" -> latch(args[1], args[2], session);
            default -> throw new IllegalArgumentException("mode must be ringleader or latch, was " + args[0]);
        }
        while (System.in.read() >= 0) {
            // only EOF matters: the harness is gone
        }
        Runtime.getRuntime().halt(0);
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void ringleader(String connect, String cluster, String id, Duration session) throws Exception {
        PingServer server = new PingServer();
        Agent agent = Agent.builder()
                .insecure()
                .connectString(connect)
                .cluster(cluster)
                .memberId(id)
                .endpoint("127.0.0.1", server.port())
                .sessionTimeout(session)
                .build();
        // Every change that leaves it primary, with its epoch: the harness checks the successor against the newest.
        // Role listeners hear slot changes only, so a routing table that still names it primary at a newer epoch
        // (the coordinator's ring) is claimed too: a claim at its table's epoch, never below its roles' epoch.
        agent.roles().listenable().addListener(change -> {
            if (change.current().isPrimary(0)) {
                say("PRIMARY " + change.current().epoch());
            }
        });
        agent.router().listenable().addListener((previous, current) -> {
            Member primary = current.ring().isPresent() ? current.primary(0) : null;
            if (primary != null && primary.id().equals(id)) {
                say("TABLE-PRIMARY " + current.epoch());
            }
        });
        agent.start();
        agent.awaitJoined(Duration.ofSeconds(30));
        say("SESSION " + agent.curator().getZookeeperClient().getZooKeeper().getSessionTimeout());
    }

    private static void latch(String connect, String path, Duration session) throws Exception {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connect)
                .sessionTimeoutMs((int) session.toMillis())
                .connectionTimeoutMs((int) Math.min(session.toMillis(), 5_000))
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 2_000, 5))
                .build();
        client.start();
        if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("not connected to " + connect);
        }
        say("SESSION " + client.getZookeeperClient().getZooKeeper().getSessionTimeout());
        LeaderLatch latch = new LeaderLatch(client, path, "child");
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                say("LEADER");
            }

            @Override
            public void notLeader() {
                say("NOT-LEADER");
            }
        });
        latch.start();
    }
}
