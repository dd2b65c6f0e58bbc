package io.ringleader.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PeerSuspicionTest extends ZooKeeperTestBase {
    private CuratorFramework client;
    private ClusterPath path;

    @BeforeEach
    void connect() throws Exception {
        client = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        client.start();
        client.blockUntilConnected();
        path = ClusterPath.of("ps-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    private boolean reported(String suspect, String reporter) throws Exception {
        return client.checkExists().forPath(PeerSuspicion.suspectPath(path, suspect) + "/" + reporter) != null;
    }

    @Test
    void aSuspicion_isDeletedWhenItsTtlRunsOut_whileTheReportersSessionLives() throws Exception {
        try (PeerSuspicion suspicion = new PeerSuspicion(
                client, path, "r", Duration.ofSeconds(2), ZooDefs.Ids.OPEN_ACL_UNSAFE, "test-suspicion-ttl")) {
            suspicion.report("x");
            await().atMost(WAIT).until(() -> reported("x", "r"));

            await().atMost(WAIT).until(() -> !reported("x", "r"));
            assertThat(suspicion.failedDeletes()).isZero();
        }
    }

    @Test
    void anExpiryWhoseDeleteFails_triesAgain_untilTheSuspicionIsGone() throws Exception {
        try (PeerSuspicion suspicion = new PeerSuspicion(
                client, path, "r", Duration.ofMillis(200), ZooDefs.Ids.OPEN_ACL_UNSAFE, "test-suspicion-retry")) {
            // ZooKeeper checks a delete against the parent's ACL: without DELETE there, the expiry's delete fails
            // (set before the report, so that no expiry can run first).
            String parent = PeerSuspicion.suspectPath(path, "x");
            int noDelete = ZooDefs.Perms.ALL & ~ZooDefs.Perms.DELETE;
            client.create()
                    .creatingParentsIfNeeded()
                    .withACL(List.of(new ACL(noDelete, ZooDefs.Ids.ANYONE_ID_UNSAFE)))
                    .forPath(parent);
            suspicion.report("x");
            await().atMost(WAIT).until(() -> reported("x", "r"));

            await().atMost(WAIT).until(() -> suspicion.failedDeletes() >= 2);
            assertThat(reported("x", "r"))
                    .as("still reported while the delete fails")
                    .isTrue();

            client.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(parent);
            await().atMost(WAIT).until(() -> !reported("x", "r"));
        }
    }
}
