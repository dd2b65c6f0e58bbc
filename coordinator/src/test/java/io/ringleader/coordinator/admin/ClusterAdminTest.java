package io.ringleader.coordinator.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.OperatorConfigCodec;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClusterAdminTest {
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static TestingServer server;
    private static CuratorFramework other;
    private final ClusterPath path = ClusterPath.of("cluster-admin-" + CLUSTERS.incrementAndGet());

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
        other = CuratorFrameworkFactory.newClient(server.getConnectString(), 10_000, 5_000, new RetryOneTime(100));
        other.start();
        assertThat(other.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
    }

    @AfterAll
    static void stopServer() throws Exception {
        other.close();
        server.close();
    }

    @BeforeEach
    void createCluster() throws Exception {
        other.create().creatingParentsIfNeeded().forPath(path.members());
    }

    private ClusterAdmin connect() throws AdminException {
        return ClusterAdmin.connect(
                new AdminTarget(server.getConnectString(), path, null, null, Duration.ofSeconds(5), true));
    }

    private void writeBehind(OperatorConfig config) {
        try {
            byte[] data = OperatorConfigCodec.encode(config);
            if (other.checkExists().forPath(path.config()) == null) {
                other.create().forPath(path.config(), data);
            } else {
                other.setData().forPath(path.config(), data);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private OperatorConfig stored() throws Exception {
        return OperatorConfigCodec.decode(path.config(), other.getData().forPath(path.config()));
    }

    @Test
    void aConcurrentWrite_isReadAgain_andTheChangeAppliedToIt_neverOverwritten() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (ClusterAdmin admin = connect()) {
            ConfigUpdate update = admin.updateConfig(c -> {
                if (calls.incrementAndGet() == 1) {
                    writeBehind(OperatorConfig.empty().withDrained("x", true)); // another operator came first
                }
                return c.withWeight("a", 2);
            });

            assertThat(calls.get()).isEqualTo(2);
            assertThat(update.changed()).isTrue();
            assertThat(update.before().drained()).containsExactly("x");
            assertThat(update.version()).isEqualTo(1);
        }
        assertThat(stored().drained()).containsExactly("x");
        assertThat(stored().weights()).containsEntry("a", 2);
    }

    @Test
    void conflictsThatGoOn_failWithOneLine_andTheOtherWritersConfigStays() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (ClusterAdmin admin = connect()) {
            assertThatThrownBy(() -> admin.updateConfig(c -> {
                        writeBehind(OperatorConfig.empty().withWeight("x", calls.incrementAndGet()));
                        return c.withDrained("a", true);
                    }))
                    .isInstanceOf(AdminException.class)
                    .hasMessage("the operator config changed 5 times while this change was written; nothing was"
                            + " written: try again");
        }
        assertThat(stored().drained()).isEmpty();
        assertThat(stored().weights()).containsEntry("x", 5);
    }

    @Test
    void aConfigOverItsBudget_isNotWritten() throws Exception {
        TreeMap<String, Integer> weights = new TreeMap<>();
        for (int i = 0; i < 3000; i++) {
            weights.put("m-" + "x".repeat(100) + i, 2);
        }
        OperatorConfig big = new OperatorConfig(weights, new TreeSet<>(), new TreeSet<>(), null, 0);
        try (ClusterAdmin admin = connect()) {
            assertThatThrownBy(() -> admin.updateConfig(c -> big))
                    .isInstanceOf(AdminException.class)
                    .hasMessageContaining("over the budget of " + OperatorConfigCodec.MAX_BYTES + " bytes")
                    .hasMessageEndingWith("; nothing was written");
        }
        assertThat(other.checkExists().forPath(path.config())).isNull();
    }

    @Test
    void withAuthentication_theConfigIsCreatedWritableByItsIdentity_andReadableByAll() throws Exception {
        AdminTarget target =
                new AdminTarget(server.getConnectString(), path, "digest", "ops:secret", Duration.ofSeconds(5), false);
        try (ClusterAdmin admin = ClusterAdmin.connect(target)) {
            admin.updateConfig(c -> c.withDrained("a", true));
        }

        List<ACL> acl = other.getACL().forPath(path.config());
        assertThat(acl).hasSize(2);
        assertThat(acl).anySatisfy(a -> {
            assertThat(a.getId().getScheme()).isEqualTo("digest");
            assertThat(a.getPerms()).isEqualTo(ZooDefs.Perms.ALL);
        });
        assertThat(acl).contains(new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
        assertThatThrownBy(() -> other.setData().forPath(path.config(), new byte[] {'x'}))
                .isInstanceOf(KeeperException.NoAuthException.class);
        try (ClusterAdmin anonymous = connect()) {
            assertThatThrownBy(() -> anonymous.updateConfig(c -> c.withDrained("b", true)))
                    .isInstanceOf(AdminException.class)
                    .hasMessage("not allowed: ZooKeeper refused writing the operator config (NOAUTH); set"
                            + " ringleader.auth.scheme and ringleader.auth.credentials.env for an identity that may");
        }
        assertThat(stored().drained()).containsExactly("a");
    }

    @Test
    void insecure_createsTheConfigOpenToAll_andWithNeitherAuthenticationNorInsecureItReadsButWritesNothing()
            throws Exception {
        try (ClusterAdmin admin = connect()) {
            admin.updateConfig(c -> c.withDrained("a", true));
        }
        assertThat(other.getACL().forPath(path.config())).containsExactlyElementsOf(ZooDefs.Ids.OPEN_ACL_UNSAFE);

        int version = other.checkExists().forPath(path.config()).getVersion();
        AdminTarget neither =
                new AdminTarget(server.getConnectString(), path, null, null, Duration.ofSeconds(5), false);
        try (ClusterAdmin admin = ClusterAdmin.connect(neither)) {
            assertThat(admin.read().config()).isEqualTo(OperatorConfig.empty().withDrained("a", true));
            assertThatThrownBy(() -> admin.updateConfig(c -> c.withDrained("b", true)))
                    .isInstanceOf(AdminException.class)
                    .hasMessageStartingWith("no ZooKeeper authentication configured: ")
                    .hasMessageContainingAll("ringleader.auth.scheme", "--insecure");
        }
        assertThat(other.checkExists().forPath(path.config()).getVersion()).isEqualTo(version);
    }
}
