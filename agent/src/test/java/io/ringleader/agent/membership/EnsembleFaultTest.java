package io.ringleader.agent.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.testing.AgentFixture;
import io.ringleader.agent.testing.Ensembles;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Agents against a three-server ensemble whose servers are killed one at a time. */
class EnsembleFaultTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private TestingCluster cluster;
    private AgentFixture fixture;

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
    }

    @Test
    void killingEachServerInTurn_agentsReconnectAndStayRegisteredUnderTheirSessions() throws Exception {
        List<Agent> agents = List.of(
                fixture.start(fixture.member("a", 7001)),
                fixture.start(fixture.member("b", 7002)),
                fixture.start(fixture.member("c", 7003)));
        awaitEveryAgentSeesAll(agents);
        Map<String, Long> sessions = new HashMap<>();
        Map<String, List<RegistrationState>> transitions = new ConcurrentHashMap<>();
        for (Agent agent : agents) {
            sessions.put(
                    agent.memberId(),
                    agent.curator().getZookeeperClient().getZooKeeper().getSessionId());
            List<RegistrationState> seen = new CopyOnWriteArrayList<>();
            transitions.put(agent.memberId(), seen);
            agent.membershipListenable().addListener(new MembershipListener() {
                @Override
                public void viewChanged(MemberView previous, MemberView current) {}

                @Override
                public void registrationChanged(RegistrationState state, String detail) {
                    seen.add(state);
                }
            });
        }

        for (TestingZooKeeperServer server : cluster.getServers()) {
            InstanceSpec spec = server.getInstanceSpec();
            assertThat(cluster.killServer(spec)).isTrue();
            awaitEveryAgentSeesAll(agents);
            for (Agent agent : agents) {
                await().atMost(WAIT).until(() -> agent.registrationState() == RegistrationState.REGISTERED);
                Stat stat = agent.curator()
                        .checkExists()
                        .forPath(agent.clusterPath().member(agent.memberId()));
                assertThat(stat.getEphemeralOwner())
                        .as("%s keeps its session while a quorum stands", agent.memberId())
                        .isEqualTo(sessions.get(agent.memberId()));
            }
            assertThat(cluster.restartServer(spec)).isTrue();
            Ensembles.awaitServing(spec);
        }
        // Every agent's server was killed once: each was cut off, and came back under the same session.
        for (Agent agent : agents) {
            await().atMost(WAIT).until(() -> agent.registrationState() == RegistrationState.REGISTERED);
            assertThat(transitions.get(agent.memberId()))
                    .as("registration transitions of %s", agent.memberId())
                    .containsSubsequence(RegistrationState.SUSPENDED, RegistrationState.REGISTERED)
                    .doesNotContain(RegistrationState.LOST);
        }
    }

    private static void awaitEveryAgentSeesAll(List<Agent> agents) {
        for (Agent agent : agents) {
            await().atMost(WAIT)
                    .until(() -> agent.members().isCurrent()
                            && agent.members().entries().keySet().equals(java.util.Set.of("a", "b", "c")));
        }
    }
}
