package io.ringleader.coordinator.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.membership.Endpoint;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberCodec;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.OperatorConfigCodec;
import io.ringleader.coordinator.assign.Participant;
import io.ringleader.coordinator.assign.Placement;
import io.ringleader.coordinator.assign.PlacementConfig;
import io.ringleader.coordinator.cli.RingleaderMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One ZooKeeper server on a random port per test class, a fresh cluster name per test, and {@link #admin} to run
 * {@code ringleader admin} against it with its stdout, stderr and exit code.
 */
abstract class AdminTestBase {
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    static final ObjectMapper JSON = new ObjectMapper();
    static TestingServer server;
    static CuratorFramework client;

    final String cluster = "admin-" + CLUSTERS.incrementAndGet();
    final ClusterPath path = ClusterPath.of(cluster);
    /** The environment of the admin: insecure, as the test server has no authentication. */
    final Map<String, String> env = new HashMap<>(Map.of("RINGLEADER_INSECURE", "true"));
    /** The properties file the admin reads when no --config is given; null: one that does not exist. */
    Path defaultProperties;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
        client = CuratorFrameworkFactory.newClient(server.getConnectString(), 10_000, 5_000, new RetryOneTime(100));
        client.start();
        assertThat(client.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
    }

    @AfterAll
    static void stopServer() throws Exception {
        client.close();
        server.close();
    }

    /** What one run printed and returned. */
    record Result(int exit, String out, String err) {
        JsonNode json() throws Exception {
            assertThat(out.strip()).as("one line of JSON").doesNotContain("\n");
            return JSON.readTree(out);
        }

        /** Stderr, which must be exactly one line. */
        String line() {
            assertThat(err.strip()).as("stderr").doesNotContain("\n").isNotEmpty();
            return err.strip();
        }
    }

    /** Runs {@code ringleader args...} with {@link #env} as environment and {@link #defaultProperties}. */
    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = RingleaderMain.commandLine(new AdminCommand(
                env::get, defaultProperties != null ? defaultProperties : tmp.resolve("no-such.properties")));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** Runs {@code ringleader admin command args... --zk <server> --cluster <this test's cluster>}. */
    Result admin(String command, String... args) {
        List<String> all = new ArrayList<>(List.of("admin", command));
        all.addAll(List.of(args));
        all.addAll(List.of("--zk", server.getConnectString(), "--cluster", cluster));
        return run(all.toArray(String[]::new));
    }

    /** Creates the cluster's znodes as the first agent does. */
    void createCluster() throws Exception {
        client.create().creatingParentsIfNeeded().forPath(path.members());
    }

    /** Writes a member record (persistent: the test plays the member). */
    void member(String id, MemberState state, int weight) throws Exception {
        Member m = new Member(
                id,
                new Endpoint("10.0.0." + (id.hashCode() & 0x7f), 7000),
                weight,
                null,
                state,
                Instant.EPOCH,
                Map.of());
        client.create().creatingParentsIfNeeded().forPath(path.member(id), MemberCodec.encode(m));
    }

    /** A cluster of UP members of weight 1 with a ring of 64 slots and 2 replicas placing them, as a coordinator would. */
    Ring clusterWithRing(String... ids) throws Exception {
        createCluster();
        List<Participant> participants = new ArrayList<>();
        for (String id : ids) {
            member(id, MemberState.UP, 1);
            participants.add(Participant.active(id, 1, null));
        }
        Ring ring =
                Placement.assign(null, participants, new PlacementConfig(64, 2)).ring();
        writeRing(ring);
        return ring;
    }

    void writeRing(Ring ring) throws Exception {
        if (client.checkExists().forPath(path.ring()) == null) {
            client.create().forPath(path.ring(), RingCodec.encode(ring));
        } else {
            client.setData().forPath(path.ring(), RingCodec.encode(ring));
        }
    }

    Ring ring() throws Exception {
        return RingCodec.decode(path.ring(), client.getData().forPath(path.ring()));
    }

    void writeConfig(OperatorConfig config) throws Exception {
        writeConfig(OperatorConfigCodec.encode(config));
    }

    void writeConfig(byte[] data) throws Exception {
        if (client.checkExists().forPath(path.config()) == null) {
            client.create().forPath(path.config(), data);
        } else {
            client.setData().forPath(path.config(), data);
        }
    }

    OperatorConfig config() throws Exception {
        return OperatorConfigCodec.decode(path.config(), client.getData().forPath(path.config()));
    }

    String configText() throws Exception {
        return new String(client.getData().forPath(path.config()), StandardCharsets.UTF_8);
    }

    /** The stat of a znode, or null: to check that a failed command wrote nothing. */
    Stat stat(String znode) throws Exception {
        return client.checkExists().forPath(znode);
    }
}
