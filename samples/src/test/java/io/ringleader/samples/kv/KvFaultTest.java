package io.ringleader.samples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.leadership.Leadership;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.samples.demo.LocalCluster;
import io.ringleader.samples.kv.check.LinearizabilityChecker;
import io.ringleader.samples.kv.check.LoadGenerator;
import io.ringleader.samples.kv.check.OpType;
import io.ringleader.samples.kv.check.Outcome;
import io.ringleader.samples.kv.check.Verdict;
import io.ringleader.samples.kv.client.KvHttpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real faults against KV nodes in child JVMs (R = 3, session timeout 2 s) under a running load: a primary killed
 * with SIGKILL, a node killed and restarted on its data, a primary paused with SIGSTOP past its session timeout
 * and resumed, the active coordinator killed. Each ends with every acknowledged write read back and every key's
 * history linearizable.
 */
class KvFaultTest {
    private static final String CLUSTER = "kv-fault";
    private static final Duration SESSION = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Kept when a test fails: the children's logs are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private TestingServer zk;
    private LocalCluster cluster;
    private Agent observer;
    private KvHttpClient client;
    private LoadGenerator load;

    @BeforeEach
    void startCluster() throws Exception {
        zk = new TestingServer(true);
        cluster = LocalCluster.builder(zk.getConnectString(), CLUSTER, dir)
                .sessionTimeout(SESSION)
                .ring(64, 3)
                .rebalanceDelay(Duration.ofSeconds(3))
                .build();
        cluster.startCoordinator("coordinator-1");
        for (String id : List.of("kv-1", "kv-2", "kv-3")) {
            cluster.startNode(id);
        }
        observer = Agent.builder()
                .insecure()
                .connectString(zk.getConnectString())
                .cluster(CLUSTER)
                .memberId("test-observer")
                .observer()
                .build();
        observer.start();
        observer.awaitJoined(Duration.ofSeconds(10));
        awaitServing("kv-1", "kv-2", "kv-3");
        client = KvHttpClient.over(observer, Duration.ofSeconds(1), Duration.ofSeconds(20));
        load = LoadGenerator.builder()
                .clients(process -> client)
                .workers(4)
                .keys(100)
                .readRatio(0.4)
                .deleteRatio(0.05)
                .duration(Duration.ofMinutes(5))
                .seed(42)
                .build();
    }

    @AfterEach
    void stopCluster() throws Exception {
        if (load != null) {
            load.close();
        }
        if (client != null) {
            client.close();
        }
        if (observer != null) {
            observer.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (zk != null) {
            zk.close();
        }
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive))
                .as("child processes left running")
                .isEmpty();
    }

    /** Every id is present and UP, the ring holds exactly them, and every slot has a primary. */
    private void awaitServing(String... ids) {
        await().atMost(WAIT).until(() -> {
            assertThat(cluster.unexpectedExits()).as("children that exited").isEmpty();
            List<Member> members = observer.members().members();
            return members.size() == ids.length
                    && members.stream().allMatch(m -> m.state() == MemberState.UP)
                    && observer.router()
                            .table()
                            .ring()
                            .map(r -> r.members().size() == ids.length)
                            .orElse(false)
                    && observer.router().table().slotsWithoutPrimary() == 0;
        });
    }

    private void awaitGone(String id) {
        await().atMost(WAIT).until(() -> !observer.members().contains(id));
    }

    /** Lets the load run until {@code count} more writes were acknowledged. */
    private void awaitAcknowledgedWrites(int count) {
        long start = acknowledgedWrites();
        await().atMost(WAIT).until(() -> acknowledgedWrites() >= start + count);
    }

    private long acknowledgedWrites() {
        return load.history().ops().stream()
                .filter(op -> op.type() != OpType.GET && op.outcome() == Outcome.OK)
                .count();
    }

    private Verdict stopAndCheck() throws Exception {
        load.stop();
        assertThat(load.awaitStop(Duration.ofSeconds(60))).as("load stopped").isTrue();
        Verdict verdict = new LinearizabilityChecker().check(load.history());
        assertThat(verdict.ok()).as("%s", verdict.summary()).isTrue();
        return verdict;
    }

    /** A key outside the load's key space whose slot {@code member} is primary of. */
    private String keyLedBy(String member) {
        for (int i = 0; ; i++) {
            String key = "probe-" + i;
            if (primaryOf(key).equals(member)) {
                return key;
            }
        }
    }

    private String primaryOf(String key) {
        return observer.router().route(key).id();
    }

    @Test
    void primaryKilledMidWriteStream_losesNoAcknowledgedWrite() throws Exception {
        load.start();
        awaitAcknowledgedWrites(100);
        String victim = primaryOf("key-0");
        cluster.kill(victim);
        awaitGone(victim);
        awaitAcknowledgedWrites(100);
        stopAndCheck();
    }

    @Test
    void nodeRestartedOnItsData_catchesUp_andAloneHoldsEveryAcknowledgedWrite() throws Exception {
        load.start();
        awaitAcknowledgedWrites(50);
        cluster.kill("kv-3");
        awaitGone("kv-3");
        awaitAcknowledgedWrites(50);
        cluster.startNode("kv-3");
        awaitServing("kv-1", "kv-2", "kv-3");
        awaitAcknowledgedWrites(50);
        // The others leave one after the other: kv-3 ends as every slot's only replica.
        cluster.terminate("kv-1");
        awaitAcknowledgedWrites(20);
        cluster.terminate("kv-2");
        awaitGone("kv-2");
        awaitAcknowledgedWrites(20);
        stopAndCheck();
    }

    @Test
    void primaryPausedPastItsSessionTimeout_getsNoWriteAcknowledgedAfterResuming() throws Exception {
        load.start();
        awaitAcknowledgedWrites(50);
        String victim = primaryOf("key-1");
        Member paused = observer.members().member(victim).orElseThrow();
        String probe = keyLedBy(victim);
        cluster.pause(victim);
        // A write that waits in the paused node's socket: it is handled after SIGCONT, by a deposed primary.
        CompletableFuture<HttpResponse<String>> late = HttpClient.newHttpClient()
                .sendAsync(
                        HttpRequest.newBuilder(
                                        URI.create("http://" + paused.endpoint().host() + ":"
                                                + paused.endpoint().port() + "/kv/" + probe))
                                .timeout(Duration.ofSeconds(60))
                                .PUT(HttpRequest.BodyPublishers.ofString("late"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        awaitGone(victim);
        awaitAcknowledgedWrites(50);
        cluster.resume(victim);
        HttpResponse<String> answer = late.get(60, TimeUnit.SECONDS);
        assertThat(answer.statusCode())
                .as("the deposed primary's answer to a write sent while it was paused: %s", answer.body())
                .isNotEqualTo(200);
        // It lost its session: it comes back JOINING, catches up, and serves again.
        awaitServing("kv-1", "kv-2", "kv-3");
        awaitAcknowledgedWrites(50);
        stopAndCheck();
    }

    @Test
    void activeCoordinatorKilledDuringLoad_aStandbyTakesOverAndKeepsTheRingCurrent() throws Exception {
        cluster.startCoordinator("coordinator-2");
        String election = observer.clusterPath().coordinator();
        await().atMost(WAIT)
                .until(() -> Leadership.leaderOf(observer.curator(), election).orElse(""), "coordinator-1"::equals);
        load.start();
        awaitAcknowledgedWrites(50);
        cluster.kill("coordinator-1");
        await().atMost(WAIT)
                .until(() -> Leadership.leaderOf(observer.curator(), election).orElse(""), "coordinator-2"::equals);
        // Only an active coordinator moves a departed node's slots away after the rebalance delay.
        cluster.kill("kv-2");
        await().atMost(WAIT).until(() -> observer.router()
                .table()
                .ring()
                .map(r -> r.members().size() == 2 && r.indexOf("kv-2") < 0)
                .orElse(false));
        awaitAcknowledgedWrites(50);
        stopAndCheck();
    }
}
