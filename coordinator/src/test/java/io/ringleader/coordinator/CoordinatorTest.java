package io.ringleader.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.events.Event;
import io.ringleader.agent.events.EventReader;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.RingStore;
import io.ringleader.agent.leadership.Term;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.roles.SlotSet;
import io.ringleader.agent.routing.CallKind;
import io.ringleader.agent.routing.CallPolicy;
import io.ringleader.agent.routing.Caller;
import io.ringleader.agent.testing.LogCapture;
import io.ringleader.agent.testing.Rings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CoordinatorTest {
    private static final Duration WAIT = CoordinatorFixture.WAIT;
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static TestingServer server;
    private final String cluster = "coord-" + CLUSTERS.incrementAndGet();
    private CoordinatorFixture fixture;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void newFixture() {
        fixture = new CoordinatorFixture(server.getConnectString(), cluster);
    }

    @AfterEach
    void closeAll() throws Exception {
        fixture.close();
    }

    private CoordinatorConfig config(String id, Duration rebalanceDelay) {
        return fixture.config(id, rebalanceDelay);
    }

    private Coordinator coordinator(String id, Duration rebalanceDelay) {
        return fixture.coordinator(id, rebalanceDelay);
    }

    private Agent member(String id) throws Exception {
        return fixture.member(id);
    }

    private Ring readRing(CuratorFramework client) throws Exception {
        return readRing(client, "/ringleader");
    }

    private Ring readRing(CuratorFramework client, String root) throws Exception {
        ClusterPath path = new ClusterPath(root, cluster);
        return RingStore.read(client, path, client.getData().forPath(path.ring()));
    }

    private Ring awaitRingOf(CuratorFramework client, Set<String> members) {
        return awaitRingOf(client, "/ringleader", members);
    }

    private Ring awaitRingOf(CuratorFramework client, String root, Set<String> members) {
        return await().atMost(WAIT)
                .ignoreExceptions()
                .until(() -> readRing(client, root), r -> new HashSet<>(r.members()).equals(members));
    }

    private void writeConfig(CuratorFramework client, byte[] data) throws Exception {
        String path = "/ringleader/" + cluster + "/config";
        if (client.checkExists().forPath(path) == null) {
            client.create().forPath(path, data);
        } else {
            client.setData().forPath(path, data);
        }
    }

    private void writeConfig(CuratorFramework client, OperatorConfig config) throws Exception {
        writeConfig(client, OperatorConfigCodec.encode(config));
    }

    private static int entriesOf(Ring ring, String id) {
        int n = 0;
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            if (ring.replicas(slot).contains(id)) {
                n++;
            }
        }
        return n;
    }

    private static String memberAt(Ring ring, int slot, int rank) {
        int index = ring.replicaIndex(slot, rank);
        return index == Ring.NONE ? null : ring.member(index);
    }

    private static void assertBalanced(Ring ring) {
        int n = ring.members().size();
        for (int rank = 0; rank < ring.replication(); rank++) {
            Map<String, Integer> counts = ring.slotCounts(rank);
            int floor = ring.slotCount() / n;
            assertThat(counts.values()).as("slots per member at rank %d", rank).allSatisfy(c -> assertThat(c)
                    .isBetween(floor, floor + 1));
        }
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            List<String> replicas = ring.replicas(slot);
            assertThat(new HashSet<>(replicas)).as("replicas of slot %d", slot).hasSize(replicas.size());
        }
    }

    private static Coordinator awaitActive(List<Coordinator> coordinators) {
        return await().atMost(WAIT)
                .until(
                        () -> {
                            List<Coordinator> active = coordinators.stream()
                                    .filter(Coordinator::isActive)
                                    .toList();
                            assertThat(active).as("active coordinators").hasSizeLessThanOrEqualTo(1);
                            return active.isEmpty() ? null : active.get(0);
                        },
                        c -> c != null);
    }

    @Test
    void theActiveCoordinator_writesABalancedRingOfTheMembers_andFollowsJoinsAndLeaves() throws Exception {
        Coordinator c = coordinator("c1", Duration.ZERO);
        Agent a = member("a");
        member("b");
        Agent third = member("c");

        Ring ring = awaitRingOf(a.curator(), Set.of("a", "b", "c"));
        assertBalanced(ring);
        assertThat(ring.slotCount()).isEqualTo(64);
        assertThat(ring.replication()).isEqualTo(2);

        third.close();
        Ring after = awaitRingOf(a.curator(), Set.of("a", "b"));
        assertBalanced(after);
        assertThat(after.epoch()).isGreaterThan(ring.epoch());
        assertThat(c.isActive()).isTrue();
    }

    /**
     * With ZooKeeper authentication every znode the toolkit creates (the ring, the members, a suspicion, and the
     * parents they live under) is writable by the cluster's identity only and readable by all: a client without it
     * can neither rewrite nor delete the ring, remove a suspicion, register a member nor take the parents over, while
     * the coordinator still rewrites the ring it created.
     */
    @Test
    void withAuthentication_everyZnodeIsWritableByTheClustersIdentityOnly_andReadableByAll() throws Exception {
        CoordinatorConfig c = config("c1", Duration.ZERO);
        String root = "/secured-" + cluster; // created by this test's identity, not by an earlier test
        fixture.coordinator(new CoordinatorConfig(
                c.connectString(),
                new ClusterPath(root, cluster),
                c.coordinatorId(),
                c.slotCount(),
                c.replication(),
                c.rebalanceDelay(),
                c.debounce(),
                c.sessionTimeout(),
                c.connectionTimeout(),
                "digest",
                "ringleader:secret",
                c.suspicionQuorum(),
                c.eventsCap(),
                false));
        Agent a = authenticatedMember(root, "a");
        Ring first = awaitRingOf(a.curator(), root, Set.of("a"));
        authenticatedMember(root, "b");
        awaitRingOf(a.curator(), root, Set.of("a", "b"));
        a.suspect("b");

        String base = root + "/" + cluster;
        // ZooKeeper shows a digest id's hash only to a client with ADMIN rights on the znode, "x" to the others
        List<ACL> writerOnly = List.of(
                new ACL(ZooDefs.Perms.ALL, new Id("digest", "ringleader:x")),
                new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
        String suspicion = base + "/suspects/b/a";
        try (CuratorFramework anonymous =
                CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
            anonymous.start();
            await().atMost(WAIT).until(() -> anonymous.checkExists().forPath(suspicion) != null);
            for (String path : List.of(
                    base,
                    base + "/ring",
                    base + "/members",
                    base + "/members/a",
                    base + "/suspects",
                    base + "/suspects/b",
                    suspicion,
                    base + "/coordinator")) {
                assertThat(anonymous.getACL().forPath(path)).as(path).containsExactlyInAnyOrderElementsOf(writerOnly);
            }
            // above the cluster anyone may add a child: another cluster, with another identity, lives beside it
            assertThat(anonymous.getACL().forPath(root))
                    .containsExactlyInAnyOrder(
                            new ACL(ZooDefs.Perms.ALL, new Id("digest", "ringleader:x")),
                            new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE));
            Agent neighbour = fixture.track(Agent.builder()
                    .connectString(server.getConnectString())
                    .root(root)
                    .cluster(cluster + "-neighbour")
                    .memberId("n")
                    .endpoint("127.0.0.1", 7000)
                    .authorization("digest", "neighbour:secret")
                    .build());
            neighbour.start();
            neighbour.awaitJoined(WAIT);
            assertThat(readRing(anonymous, root).epoch()).isGreaterThan(first.epoch());
            assertThatThrownBy(() -> anonymous.setData().forPath(base + "/ring", new byte[] {'x'}))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> anonymous.delete().forPath(base + "/ring"))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> anonymous.delete().forPath(suspicion))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> anonymous.create().forPath(base + "/members/intruder"))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> anonymous
                            .setACL()
                            .withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE)
                            .forPath(base + "/members"))
                    .isInstanceOf(KeeperException.NoAuthException.class);
        }
    }

    private Agent authenticatedMember(String root, String id) throws Exception {
        Agent agent = fixture.track(Agent.builder()
                .connectString(server.getConnectString())
                .root(root)
                .cluster(cluster)
                .memberId(id)
                .endpoint("127.0.0.1", 7000)
                .authorization("digest", "ringleader:secret")
                .build());
        agent.start();
        agent.awaitJoined(WAIT);
        return agent;
    }

    @Test
    void manyAgents_convergeOnTheRingTheCoordinatorWrote_andRouteEveryKeyAlike() throws Exception {
        coordinator("c1", Duration.ZERO);
        List<Agent> agents = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            agents.add(member("m" + i));
            ids.add("m" + i);
        }
        Ring ring = awaitRingOf(agents.get(0).curator(), ids);
        for (Agent agent : agents) {
            await().atMost(WAIT)
                    .until(() -> agent.router().table().ringEpoch() == ring.epoch()
                            && agent.router().table().upMembers().size() == 8);
        }
        for (int k = 0; k < 200; k++) {
            String key = "key-" + k;
            String expected = agents.get(0).router().route(key).id();
            assertThat(expected).isEqualTo(ring.primaryId(ring.slotOf(key)));
            for (Agent agent : agents) {
                assertThat(agent.router().route(key).id())
                        .as("route of %s", key)
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void aMemberSuspectedByAQuorumOfPeers_leavesTheRingWhileItsSessionLives_andComesBackWhenWithdrawn()
            throws Exception {
        Coordinator c = fixture.coordinator(config("c1", Duration.ZERO).withSuspicionQuorum(2));
        Agent a = member("a");
        Agent b = member("b");
        Agent third = member("c");
        awaitRingOf(a.curator(), Set.of("a", "b", "c"));

        b.suspect("a");
        String report = b.clusterPath().suspects() + "/a/b";
        await().atMost(WAIT).until(() -> b.curator().checkExists().forPath(report) != null);
        // A change the coordinator must act on, after the one report: a ring still holding a proves one reporter
        // is below the quorum.
        member("d");
        awaitRingOf(a.curator(), Set.of("a", "b", "c", "d"));
        third.suspect("a");

        Ring without = awaitRingOf(a.curator(), Set.of("b", "c", "d"));
        assertBalanced(without);
        assertThat(c.members().contains("a")).as("a's session lives").isTrue();
        await().atMost(WAIT).until(() -> a.router().table().ringEpoch() == without.epoch());
        assertThat(a.roles().current().primary().isEmpty()).isTrue();

        b.withdrawSuspicion("a");
        awaitRingOf(a.curator(), Set.of("a", "b", "c", "d"));
    }

    @Test
    void aQuorumOfSuspicions_movesTheRingAtOnce_withoutWaitingForTheMembershipDebounce() throws Exception {
        Duration debounce = Duration.ofSeconds(8);
        Agent a = member("a");
        Agent b = member("b");
        Agent third = member("c");
        Coordinator c = fixture.coordinator(config("c1", Duration.ZERO)
                .withTimings(Duration.ZERO, debounce, Duration.ofSeconds(10))
                .withSuspicionQuorum(2));
        awaitRingOf(a.curator(), Set.of("a", "b", "c"));

        b.suspect("a");
        third.suspect("a");
        // well within the debounce: the quorum, not membership churn, moved the ring
        Duration atOnce = debounce.dividedBy(2);
        await().atMost(atOnce)
                .ignoreExceptions()
                .until(() -> readRing(a.curator()).members(), m -> new HashSet<>(m).equals(Set.of("b", "c")));
        assertThat(c.members().contains("a")).as("a's session lives").isTrue();

        b.withdrawSuspicion("a");
        await().atMost(atOnce)
                .ignoreExceptions()
                .until(() -> readRing(a.curator()).members(), m -> new HashSet<>(m).equals(Set.of("a", "b", "c")));
    }

    @Test
    void callersWhoseCircuitsOpenOnAFailingMember_reportIt_andTheQuorumTakesItOutOfTheRing() throws Exception {
        Coordinator c = fixture.coordinator(config("c1", Duration.ZERO).withSuspicionQuorum(2));
        Agent a = member("a");
        Agent b = member("b");
        Agent third = member("c");
        Ring ring = awaitRingOf(a.curator(), Set.of("a", "b", "c"));
        String keyOfA = null;
        for (int k = 0; keyOfA == null; k++) {
            if ("a".equals(ring.primaryId(ring.slotOf("key-" + k)))) {
                keyOfA = "key-" + k;
            }
        }
        for (Agent caller : List.of(b, third)) {
            await().atMost(WAIT).until(() -> caller.router().table().ringEpoch() == ring.epoch());
        }
        CallPolicy policy = CallPolicy.builder()
                .maxAttempts(1)
                .circuit(2, Duration.ofMinutes(1))
                .build();
        // a is alive (its session lives) but every call to it fails: a gray failure.
        for (Agent peer : List.of(b, third)) {
            try (Caller caller = peer.caller(policy)) {
                for (int i = 0; i < 2; i++) {
                    String key = keyOfA;
                    assertThatThrownBy(() -> caller.call(key, CallKind.READ, (member, epoch) -> {
                                throw new java.io.IOException("connection refused by " + member.id());
                            }))
                            .isInstanceOf(java.io.IOException.class);
                }
                assertThat(caller.stats().circuitOpens()).isEqualTo(1);
            }
        }

        awaitRingOf(a.curator(), Set.of("b", "c"));
        assertThat(c.members().contains("a")).as("a's session lives").isTrue();
    }

    @Test
    void aSpare_holdsNothingUntilAMemberFails_thenTakesOverExactlyItsSlots_andLeadsThem() throws Exception {
        coordinator("c1", Duration.ZERO);
        Agent a = member("a");
        Agent b = member("b");
        Agent spare = Agent.builder()
                .insecure()
                .connectString(server.getConnectString())
                .cluster(cluster)
                .memberId("s")
                .endpoint("127.0.0.1", 7009)
                .initialState(MemberState.SPARE)
                .build();
        fixture.track(spare);
        spare.start();
        spare.awaitJoined(WAIT);
        await().atMost(WAIT).until(() -> a.members().contains("s"));
        // A change the coordinator must act on, after the spare joined: a ring without s proves it holds nothing.
        member("j");
        Ring withJ = awaitRingOf(a.curator(), Set.of("a", "b", "j"));
        assertThat(entriesOf(withJ, "s")).isZero();
        // j leaves the ring by a drain, which does not activate a spare.
        writeConfig(a.curator(), OperatorConfig.empty().withDrained("j", true));
        Ring before = awaitRingOf(a.curator(), Set.of("a", "b"));

        a.close();

        Ring after = awaitRingOf(spare.curator(), Set.of("b", "s"));
        for (int slot = 0; slot < before.slotCount(); slot++) {
            for (int rank = 0; rank < before.replication(); rank++) {
                String was = memberAt(before, slot, rank);
                String now = memberAt(after, slot, rank);
                assertThat(now).as("slot %d rank %d", slot, rank).isEqualTo("a".equals(was) ? "s" : was);
            }
        }
        // The activated spare, still SPARE in its own record, leads exactly the slots a led, and b none of them.
        SlotSet ledByA = slotsLedBy(before, "a");
        assertThat(ledByA.isEmpty()).isFalse();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(spare.roles().current().primary()).isEqualTo(ledByA);
            assertThat(b.roles().current().primary()).isEqualTo(slotsLedBy(before, "b"));
            assertThat(spare.router().table().epoch()).isGreaterThanOrEqualTo(after.epoch());
        });
        assertThat(spare.members().member("s").orElseThrow().state()).isEqualTo(MemberState.SPARE);
    }

    private static SlotSet slotsLedBy(Ring ring, String id) {
        SlotSet.Builder led = new SlotSet.Builder();
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            if (id.equals(memberAt(ring, slot, 0))) {
                led.add(slot);
            }
        }
        return led.build();
    }

    @Test
    void exactlyOneOfThreeIsActive_andAStandbyTakesOverWhenTheActiveLosesItsSession() throws Exception {
        List<Coordinator> all = new ArrayList<>(List.of(
                coordinator("c1", Duration.ZERO), coordinator("c2", Duration.ZERO), coordinator("c3", Duration.ZERO)));
        Agent a = member("a");
        member("b");
        Ring first = awaitRingOf(a.curator(), Set.of("a", "b"));
        Coordinator active = awaitActive(all);
        Term deposedTerm = active.term().orElseThrow();

        KillSession.kill(active.curator().getZookeeperClient().getZooKeeper());
        all.remove(active);
        Coordinator successor = awaitActive(all);
        assertThat(successor.term().orElseThrow().epoch()).isGreaterThan(deposedTerm.epoch());

        member("c");
        Ring next = awaitRingOf(a.curator(), Set.of("a", "b", "c"));
        assertThat(next.epoch()).isGreaterThan(first.epoch());
        assertBalanced(next);
        assertThat(successor.writes()).isPositive();
    }

    /** A ring of 65,536 slots of 7 random members of 300, over the 512 KiB of one record: written in chunks. */
    private static Ring overOneRecord(long epoch) {
        return Rings.random(epoch, 300, 4, 65536, 7, 1);
    }

    @Test
    void aRingOverOneRecord_isWrittenInChunks_readBackAsThePrevious_andItsChunksCollectedLater() throws Exception {
        Coordinator c = coordinator("c1", Duration.ZERO);
        Agent a = member("a");
        Agent b = member("b");
        Agent d = member("d");
        Ring ring = awaitRingOf(a.curator(), Set.of("a", "b", "d"));
        ClusterPath path = new ClusterPath("/ringleader", cluster);
        Stat stat = c.curator().checkExists().forPath(path.ring());
        Ring huge = overOneRecord(ring.epoch() + 1);
        Term term = c.term().orElseThrow();
        try (LogCapture logs = new LogCapture()) {
            assertThat(c.fencedWrite(c.curator(), term, path.ring(), stat, huge))
                    .isEqualTo(Coordinator.WriteOutcome.WRITTEN);
            String header = new String(c.curator().getData().forPath(path.ring()), StandardCharsets.UTF_8);
            assertThat(header).startsWith("{\"format\":2,");
            List<String> dirs = c.curator().getChildren().forPath(path.ringChunks());
            assertThat(dirs).singleElement().asString().startsWith(String.format("%016x-", huge.epoch()));
            assertThat(c.curator().getChildren().forPath(path.ringChunks() + "/" + dirs.get(0)))
                    .hasSize(2);
            assertThat(readRing(a.curator())).isEqualTo(huge);

            // a member leaves: the coordinator reads the huge ring back as the previous ring (no error) and places
            // the live members, in a ring of a larger epoch, whole again
            long writes = c.writes();
            d.close();
            Ring next = awaitRingOf(a.curator(), Set.of("a", "b"));
            // counted after the write returned, which deletes older chunks first
            await().atMost(WAIT).until(() -> c.writes() > writes);
            assertThat(next.epoch()).isGreaterThan(huge.epoch());
            assertThat(next.slotCount()).isEqualTo(65536);
            assertThat(logs.lines().stream().filter(l -> l.startsWith("ERROR"))).isEmpty();
            // the huge ring's chunks are the previous ring's: kept for a reader still reading them
            assertThat(c.curator().getChildren().forPath(path.ringChunks())).containsExactlyElementsOf(dirs);
        }
        b.close();
        awaitRingOf(a.curator(), Set.of("a"));
        await().atMost(WAIT)
                .until(() ->
                        c.curator().getChildren().forPath(path.ringChunks()).isEmpty());
    }

    @Test
    void aDeposedCoordinatorsLateWrite_isRejectedByZooKeeper() throws Exception {
        Coordinator first = coordinator("c1", Duration.ZERO);
        Agent a = member("a");
        Ring ring = awaitRingOf(a.curator(), Set.of("a"));
        Term stale = first.term().orElseThrow();
        Coordinator second = coordinator("c2", Duration.ZERO);

        KillSession.kill(first.curator().getZookeeperClient().getZooKeeper());
        awaitActive(List.of(second));
        await().atMost(WAIT).until(() -> first.curator().getZookeeperClient().isConnected());

        String ringPath = "/ringleader/" + cluster + "/ring";
        Stat stat = first.curator().checkExists().forPath(ringPath);
        Ring forged = Ring.of(ring.epoch() + 1_000_000, 64, 2, List.of("a"), ring.replicaTable());
        assertThat(first.fencedWrite(first.curator(), stale, ringPath, stat, forged))
                .isEqualTo(Coordinator.WriteOutcome.DEPOSED);
        assertThat(readRing(a.curator()).epoch()).isLessThan(forged.epoch());
        // a ring in chunks: its chunks are written before the fenced header, which fails; they are deleted again
        Ring forgedHuge = overOneRecord(ring.epoch() + 2_000_000);
        assertThat(first.fencedWrite(first.curator(), stale, ringPath, stat, forgedHuge))
                .isEqualTo(Coordinator.WriteOutcome.DEPOSED);
        assertThat(readRing(a.curator()).epoch()).isLessThan(forged.epoch());
        String chunks = new ClusterPath("/ringleader", cluster).ringChunks();
        assertThat(first.curator().getChildren().forPath(chunks)).isEmpty();
    }

    @Test
    void aCorruptRing_isRebuiltFromTheMembers_withALargerEpoch_afterOneError() throws Exception {
        coordinator("c1", Duration.ZERO);
        Agent a = member("a");
        awaitRingOf(a.curator(), Set.of("a"));
        String ringPath = "/ringleader/" + cluster + "/ring";
        try (LogCapture logs = new LogCapture()) {
            a.curator().setData().forPath(ringPath, "{\"format\":1,\"epoch\":".getBytes(StandardCharsets.UTF_8));
            long corruptZxid = a.curator().checkExists().forPath(ringPath).getMzxid();

            member("b");

            Ring rebuilt = awaitRingOf(a.curator(), Set.of("a", "b"));
            assertThat(rebuilt.epoch()).isGreaterThan(corruptZxid);
            assertBalanced(rebuilt);
            // the coordinator's one error line, naming the znode, the problem and what it does about it (each agent's
            // router logs its own, keeping its last good ring)
            assertThat(logs.lines().stream().filter(l -> l.startsWith("ERROR") && l.contains("coordinator=c1")))
                    .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                    .contains("the ring cannot be parsed", ringPath, "rebuilding it from the members");
        }
    }

    @Test
    void aDepartedMember_keepsItsSlotsDuringTheRebalanceDelay_andGetsThemBackWithoutAMove() throws Exception {
        Coordinator c = coordinator("c1", Duration.ofHours(1));
        Agent a = member("a");
        member("b");
        Agent leaver = member("c");
        Ring before = awaitRingOf(a.curator(), Set.of("a", "b", "c"));
        long writesBefore = c.writes();

        leaver.close();
        await().atMost(WAIT).until(() -> !c.members().contains("c"));
        // A change the coordinator must act on: proves it has processed the departure before it.
        member("d");
        Ring withD = awaitRingOf(a.curator(), Set.of("a", "b", "c", "d"));

        member("c");
        await().atMost(WAIT).until(() -> c.members().contains("c"));
        member("e");
        Ring withE = awaitRingOf(a.curator(), Set.of("a", "b", "c", "d", "e"));
        assertBalanced(withE);
        assertThat(c.writes()).isGreaterThan(writesBefore);
        // c came back to the slots it kept: every entry it held is still its own unless it went to the joiner e.
        for (int slot = 0; slot < withD.slotCount(); slot++) {
            for (int rank = 0; rank < withD.replication(); rank++) {
                if ("c".equals(memberAt(withD, slot, rank))) {
                    assertThat(withE.replicas(slot)).as("slot %d", slot).containsAnyOf("c", "e");
                }
            }
        }
    }

    /**
     * A finite delay runs out with no other event: the coordinator wakes at its end and moves the departed member's
     * slots, not before.
     */
    @Test
    void aDepartedMembersSlots_moveWhenItsDelayRunsOut_notBefore() throws Exception {
        Duration delay = Duration.ofSeconds(3);
        Coordinator c = coordinator("c1", delay);
        Agent a = member("a");
        member("b");
        member("c");
        Agent leaver = member("d");
        Ring before = awaitRingOf(a.curator(), Set.of("a", "b", "c", "d"));

        long left = System.nanoTime();
        leaver.close();
        await().atMost(WAIT).until(() -> !c.members().contains("d"));

        Ring after = awaitRingOf(a.curator(), Set.of("a", "b", "c"));
        assertThat(Duration.ofNanos(System.nanoTime() - left))
                .as("time until d's slots moved")
                .isGreaterThan(delay);
        assertBalanced(after);
        for (int slot = 0; slot < before.slotCount(); slot++) {
            List<String> kept = new ArrayList<>(before.replicas(slot));
            kept.remove("d");
            assertThat(after.replicas(slot))
                    .as("slot %d keeps its survivors", slot)
                    .containsAll(kept);
        }
    }

    @Test
    void aWeightOverride_movesSlotsToTheHeavierMember_andRemovingItMovesThemBack() throws Exception {
        coordinator("c1", Duration.ZERO);
        Agent a = member("a");
        member("b");
        member("c");
        Ring even = awaitRingOf(a.curator(), Set.of("a", "b", "c"));
        assertThat(even.slotCounts(0).get("a")).isBetween(21, 22);

        writeConfig(a.curator(), OperatorConfig.empty().withWeight("a", 2));

        Ring heavy = await().atMost(WAIT)
                .ignoreExceptions()
                .until(() -> readRing(a.curator()), r -> r.slotCounts(0).getOrDefault("a", 0) == 32);
        assertThat(heavy.slotCounts(0)).containsEntry("b", 16).containsEntry("c", 16);
        assertThat(entriesOf(heavy, "a")).as("a replica of every slot").isEqualTo(64);
        assertThat(heavy.epoch()).isGreaterThan(even.epoch());

        writeConfig(a.curator(), OperatorConfig.empty());
        Ring back = await().atMost(WAIT)
                .ignoreExceptions()
                .until(() -> readRing(a.curator()), r -> r.epoch() > heavy.epoch());
        assertBalanced(back);
    }

    @Test
    void aDrainedMember_losesEveryReplicaEntry_whileItsSessionLives_andGetsItsShareBackWhenUndrained()
            throws Exception {
        Coordinator c = coordinator("c1", Duration.ofHours(1));
        Agent a = member("a");
        member("b");
        member("c");
        awaitRingOf(a.curator(), Set.of("a", "b", "c"));

        writeConfig(a.curator(), OperatorConfig.empty().withDrained("c", true));

        Ring drained = awaitRingOf(a.curator(), Set.of("a", "b"));
        assertThat(entriesOf(drained, "c")).isZero();
        assertBalanced(drained);
        assertThat(c.members().contains("c")).as("c's session lives").isTrue();

        writeConfig(a.curator(), OperatorConfig.empty());
        Ring back = awaitRingOf(a.curator(), Set.of("a", "b", "c"));
        assertBalanced(back);
    }

    @Test
    void aSpareByConfig_holdsNothingUntilAMemberDeparts_andIsNotActivatedByADrain() throws Exception {
        coordinator("c1", Duration.ZERO);
        Agent a = member("a");
        Agent b = member("b");
        writeConfig(a.curator(), OperatorConfig.empty().withSpare("s", true));
        Agent spare = member("s");
        await().atMost(WAIT).until(() -> a.members().contains("s"));
        // A change the coordinator must act on after s joined: proves s was placed and held nothing.
        member("d");
        Ring withD = awaitRingOf(a.curator(), Set.of("a", "b", "d"));
        assertThat(entriesOf(withD, "s")).isZero();

        writeConfig(a.curator(), OperatorConfig.empty().withSpare("s", true).withDrained("d", true));
        Ring drained = awaitRingOf(a.curator(), Set.of("a", "b"));
        assertThat(entriesOf(drained, "s")).isZero();

        b.close();

        Ring after = awaitRingOf(spare.curator(), Set.of("a", "s"));
        for (int slot = 0; slot < drained.slotCount(); slot++) {
            for (int rank = 0; rank < drained.replication(); rank++) {
                String was = memberAt(drained, slot, rank);
                assertThat(memberAt(after, slot, rank))
                        .as("slot %d rank %d", slot, rank)
                        .isEqualTo("b".equals(was) ? "s" : was);
            }
        }
    }

    @Test
    void aMalformedConfig_isIgnored_andTheLastGoodOneKeepsApplying() throws Exception {
        coordinator("c1", Duration.ZERO);
        Agent a = member("a");
        member("b");
        member("c");
        writeConfig(a.curator(), OperatorConfig.empty().withDrained("c", true));
        awaitRingOf(a.curator(), Set.of("a", "b"));

        writeConfig(a.curator(), "{\"format\":1,\"drained\":".getBytes(StandardCharsets.UTF_8));
        member("d");

        Ring ring = awaitRingOf(a.curator(), Set.of("a", "b", "d"));
        assertThat(entriesOf(ring, "c")).as("c stays drained").isZero();
    }

    @Test
    void aRebalanceRequest_movesTheSlotsOfADepartedMemberNow_insteadOfAfterItsDelay() throws Exception {
        coordinator("c1", Duration.ofHours(1));
        Agent a = member("a");
        member("b");
        Agent leaver = member("c");
        awaitRingOf(a.curator(), Set.of("a", "b", "c"));
        leaver.close();
        member("d");
        Ring kept = awaitRingOf(a.curator(), Set.of("a", "b", "c", "d"));
        assertThat(kept.members()).as("c keeps its slots during its delay").contains("c");

        writeConfig(a.curator(), OperatorConfig.empty().withRebalanceRequested());

        Ring moved = awaitRingOf(a.curator(), Set.of("a", "b", "d"));
        assertBalanced(moved);
    }

    @Test
    void aRebalanceDelayOverride_winsOverTheCoordinatorsOwn() throws Exception {
        coordinator("c1", Duration.ofHours(1));
        Agent a = member("a");
        member("b");
        writeConfig(a.curator(), OperatorConfig.empty().withRebalanceDelay(Duration.ZERO));
        Agent leaver = member("c");
        awaitRingOf(a.curator(), Set.of("a", "b", "c"));

        leaver.close();

        awaitRingOf(a.curator(), Set.of("a", "b"));
    }

    private static int primariesOf(Ring ring, String id) {
        return ring.slotCounts(0).getOrDefault(id, 0);
    }

    /** Makes a change, then waits for the next recomputation of {@code c}. */
    private static void afterRecomputation(Coordinator c, ThrowingRunnable change) throws Exception {
        long before = c.recomputations();
        change.run();
        await().atMost(WAIT).until(() -> c.recomputations() > before);
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aFailedOverMember_leadsNoSlot_keepsItsEntries_andThePinSurvivesReconcilesAndACoordinatorFailover()
            throws Exception {
        Coordinator first = coordinator("c1", Duration.ZERO);
        await().atMost(WAIT).until(first::isActive);
        Coordinator second = coordinator("c2", Duration.ZERO);
        Agent a = member("a");
        member("b");
        member("c");
        Ring placed = awaitRingOf(a.curator(), Set.of("a", "b", "c"));
        assertThat(primariesOf(placed, "a")).isPositive();
        await().atMost(WAIT).until(() -> !a.roles().current().primary().isEmpty());

        writeConfig(a.curator(), OperatorConfig.empty().withFailedOverMember("a", true));

        Ring pinned = await().atMost(WAIT)
                .ignoreExceptions()
                .until(() -> readRing(a.curator()), r -> primariesOf(r, "a") == 0);
        assertThat(entriesOf(pinned, "a")).as("a keeps every entry").isEqualTo(entriesOf(placed, "a"));
        for (String id : List.of("b", "c")) {
            assertThat(entriesOf(pinned, id)).isEqualTo(entriesOf(placed, id));
        }
        for (int slot = 0; slot < placed.slotCount(); slot++) {
            if ("a".equals(placed.primaryId(slot))) {
                assertThat(pinned.primaryId(slot))
                        .as("slot %d", slot)
                        .isEqualTo(placed.replicas(slot).get(1));
            } else {
                assertThat(pinned.replicas(slot)).as("slot %d", slot).isEqualTo(placed.replicas(slot));
            }
        }
        await().atMost(WAIT).until(() -> a.roles().current().primary().isEmpty());
        long writes = first.writes();

        afterRecomputation(
                first,
                () -> writeConfig(
                        a.curator(),
                        OperatorConfig.empty().withFailedOverMember("a", true).withWeight("not-here", 3)));

        assertThat(first.writes()).as("nothing new: nothing written").isEqualTo(writes);
        assertThat(readRing(a.curator())).isEqualTo(pinned);
        List<Event> events = new EventReader(a.curator(), ClusterPath.of(cluster), skipped -> {}).latest(0);
        Event failover = events.stream()
                .filter(e -> e.type().equals(Event.RING) && e.epoch() == pinned.epoch())
                .findFirst()
                .orElseThrow();
        assertThat(failover.details().get("reasons")).isEqualTo(Map.of("FAILOVER", 2 * primariesOf(placed, "a")));
        assertThat(failover.details().get("primariesMoved")).isEqualTo(primariesOf(placed, "a"));
        assertThat(failover.details().get("failedOverSlots")).isEqualTo(primariesOf(placed, "a"));

        first.close();
        await().atMost(WAIT).until(second::isActive);
        await().atMost(WAIT).until(() -> second.recomputations() > 0);

        assertThat(second.writes())
                .as("the new active coordinator finds the pinned ring as it should be")
                .isZero();
        assertThat(readRing(a.curator())).isEqualTo(pinned);

        member("d");
        Ring joined = await().atMost(WAIT).ignoreExceptions().until(() -> readRing(a.curator()), r -> r.members()
                .contains("d"));
        assertThat(primariesOf(joined, "a"))
                .as("still failed over after a join")
                .isZero();
        assertThat(entriesOf(joined, "a")).isEqualTo(entriesOf(joined, "d"));

        writeConfig(a.curator(), OperatorConfig.empty());

        Ring back = await().atMost(WAIT)
                .ignoreExceptions()
                .until(() -> readRing(a.curator()), r -> primariesOf(r, "a") > 0);
        assertThat(primariesOf(back, "a")).isEqualTo(primariesOf(back, "d"));
        await().atMost(WAIT).until(() -> !a.roles().current().primary().isEmpty());
    }
}
