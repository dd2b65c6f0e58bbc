package io.ringleader.agent.testing;

import io.ringleader.agent.Agent;
import io.ringleader.agent.layout.RingStore;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * One ZooKeeper server on a random port per test class (tick 500 ms, so session timeouts from 1 s to 10 s), and a
 * fresh cluster name and {@link AgentFixture} per test, closed after it with a check that no thread leaked.
 */
public abstract class ZooKeeperTestBase {
    protected static final Duration WAIT = Duration.ofSeconds(30);
    protected static TestingServer server;
    protected AgentFixture fixture;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 500, -1), true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void newCluster() {
        fixture = new AgentFixture(server.getConnectString());
    }

    @AfterEach
    void closeAgents() {
        fixture.close();
    }

    /** Writes {@code ring} to the cluster's ring znode, creating it if needed, as a coordinator would. */
    protected static void writeRing(Agent writer, Ring ring) throws Exception {
        writeRaw(writer, RingCodec.encode(ring));
    }

    /**
     * Writes {@code ring} in chunks of {@code chunkBytes} ({@link RingStore#prepare}) and then its header to the ring
     * znode, as a coordinator writes a ring too large for one znode.
     *
     * @return the chunk directory written, under {@code clusterPath().ringChunks()}
     */
    protected static String writeRingInChunks(Agent writer, Ring ring, int chunkBytes) throws Exception {
        RingStore.Prepared prepared = prepareInChunks(writer, ring, chunkBytes);
        writeRaw(writer, prepared.record());
        return prepared.dir();
    }

    /** Writes the chunks of {@code ring} but not its header: {@code record()} is the header to write. */
    protected static RingStore.Prepared prepareInChunks(Agent writer, Ring ring, int chunkBytes) throws Exception {
        RingStore.Prepared prepared = RingStore.prepare(
                writer.curator(), writer.clusterPath(), ring, ZooDefs.Ids.OPEN_ACL_UNSAFE, chunkBytes);
        if (prepared.dir() == null) {
            throw new IllegalArgumentException("the ring fits one record of " + chunkBytes + " bytes");
        }
        return prepared;
    }

    /** Writes raw bytes to the ring znode (a corrupt record, for instance), creating it if needed. */
    protected static void writeRaw(Agent writer, byte[] data) throws Exception {
        CuratorFramework client = writer.curator();
        String path = writer.clusterPath().ring();
        if (client.checkExists().forPath(path) == null) {
            client.create().creatingParentsIfNeeded().forPath(path, data);
        } else {
            client.setData().forPath(path, data);
        }
    }
}
