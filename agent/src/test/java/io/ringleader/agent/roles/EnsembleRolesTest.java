package io.ringleader.agent.roles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.agent.testing.AgentFixture;
import io.ringleader.agent.testing.Ensembles;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Roles while the servers of a three-server ensemble are killed one at a time. */
class EnsembleRolesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int SLOTS = 64;
    private TestingCluster cluster;
    private AgentFixture fixture;
    private final RolesTest.PrimaryLog log = new RolesTest.PrimaryLog();

    @BeforeEach
    void startEnsemble() throws Exception {
        cluster = Ensembles.cluster(3);
        cluster.start();
        fixture = new AgentFixture(cluster.getConnectString());
    }

    @AfterEach
    void stopEnsemble() throws Exception {
        try {
            fixture.close();
        } finally {
            cluster.close();
        }
        assertThat(log.violations())
                .as("two members primary of one slot in one epoch")
                .isEmpty();
    }

    @Test
    void killingEachServerInTurn_keepsOnePrimaryPerSlotAndEpoch_andEverySlotServed() throws Exception {
        List<Agent> agents = startThreeServingARing();

        for (TestingZooKeeperServer server : cluster.getServers()) {
            InstanceSpec spec = server.getInstanceSpec();
            assertThat(cluster.killServer(spec)).isTrue();
            awaitEverySlotServedOnce(agents);
            assertThat(cluster.restartServer(spec)).isTrue();
            Ensembles.awaitServing(spec);
        }
        awaitEverySlotServedOnce(agents);
    }

    @Test
    void aPrimaryClosingWhileAServerIsDown_isTakenOverByItsBackups_atALargerEpoch() throws Exception {
        List<Agent> agents = startThreeServingARing();
        Agent a = agents.get(0);
        SlotSet ledByA = a.roles().current().primary();
        long epochA = a.roles().current().epoch();
        assertThat(ledByA.isEmpty()).isFalse();

        InstanceSpec down = cluster.getServers().get(0).getInstanceSpec();
        assertThat(cluster.killServer(down)).isTrue();
        a.close();
        List<Agent> survivors = agents.subList(1, 3);
        awaitEverySlotServedOnce(survivors);
        for (Agent survivor : survivors) {
            RoleSnapshot roles = survivor.roles().current();
            assertThat(roles.epoch())
                    .as("%s's epoch after the takeover", survivor.memberId())
                    .isGreaterThan(epochA);
        }
        assertThat(cluster.restartServer(down)).isTrue();
        Ensembles.awaitServing(down);
        awaitEverySlotServedOnce(survivors);
    }

    /** Members a, b, c, each slot s listing members s, s+1, s+2 (mod 3), every slot served once. */
    private List<Agent> startThreeServingARing() throws Exception {
        List<String> ids = List.of("a", "b", "c");
        List<Agent> agents = new java.util.ArrayList<>();
        for (String id : ids) {
            Agent agent = fixture.start(fixture.member(id, 7000));
            agent.roles().listenable().addListener(change -> log.record(id, change));
            agents.add(agent);
        }
        await().atMost(WAIT).until(() -> agents.get(0).members().size() == 3);
        int[] table = new int[SLOTS * 3];
        for (int s = 0; s < SLOTS; s++) {
            for (int k = 0; k < 3; k++) {
                table[s * 3 + k] = (s + k) % 3;
            }
        }
        agents.get(0)
                .curator()
                .create()
                .creatingParentsIfNeeded()
                .forPath(agents.get(0).clusterPath().ring(), RingCodec.encode(Ring.of(1, SLOTS, 3, ids, table)));
        awaitEverySlotServedOnce(agents);
        return agents;
    }

    private static void awaitEverySlotServedOnce(List<Agent> agents) {
        await().atMost(WAIT).until(() -> {
            int total = 0;
            for (Agent agent : agents) {
                RoleSnapshot roles = agent.roles().current();
                if (!roles.active()) {
                    return false;
                }
                total += roles.primary().size();
            }
            SlotSet union = SlotSet.empty();
            for (Agent agent : agents) {
                union = union.union(agent.roles().current().primary());
            }
            return total == SLOTS && union.size() == SLOTS;
        });
    }
}
