package io.ringleader.agent.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

/** Helpers for tests over a {@code TestingCluster}. */
public final class Ensembles {
    private Ensembles() {}

    /** Ports are picked below this, out of Linux's default ephemeral range (32768-60999). */
    private static final int PORTS_BELOW = 32_000;

    private static final int PORTS_FROM = 20_000;

    /**
     * A cluster of {@code size} servers whose client, election and quorum ports lie outside the ephemeral port range:
     * {@code new TestingCluster(n)} picks free ports from that range, and a port free when picked can be taken as the
     * source port of some outgoing connection before a restarted server (or a follower turned leader) binds it, which
     * leaves the ensemble without a leader ("Address already in use").
     */
    public static TestingCluster cluster(int size) throws IOException {
        List<InstanceSpec> specs = new ArrayList<>();
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < size; i++) {
            specs.add(new InstanceSpec(null, freePort(taken), freePort(taken), freePort(taken), true, i + 1, -1, -1));
        }
        return new TestingCluster(specs);
    }

    private static int freePort(Set<Integer> taken) throws IOException {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(PORTS_FROM, PORTS_BELOW);
            if (taken.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(port));
                taken.add(port);
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IOException("no free port between " + PORTS_FROM + " and " + PORTS_BELOW);
    }

    /** Waits until a restarted server has rejoined the quorum, so that the next kill leaves a quorum standing. */
    public static void awaitServing(InstanceSpec spec) throws Exception {
        try (CuratorFramework direct =
                CuratorFrameworkFactory.newClient(spec.getConnectString(), 10_000, 3_000, new RetryOneTime(200))) {
            direct.start();
            assertThat(direct.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> direct.checkExists().forPath("/") != null);
        }
    }
}
