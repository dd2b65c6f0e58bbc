package io.ringleader.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthCheckTest extends ZooKeeperTestBase {

    private static MemberState stateOf(Agent viewer, String id) {
        return viewer.members().member(id).map(Member::state).orElse(null);
    }

    @Test
    void aFailingHealthCheck_marksTheMemberDown_andItsSlotsMoveToTheBackup_untilItPassesAgain() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        Agent a = fixture.start(fixture.member("a", 7001).healthCheck(healthy::get, Duration.ofMillis(20), 2));
        Agent b = fixture.start(fixture.member("b", 7002));
        int[] table = new int[8 * 2];
        for (int s = 0; s < 8; s++) {
            table[2 * s] = 0;
            table[2 * s + 1] = 1;
        }
        a.curator()
                .create()
                .creatingParentsIfNeeded()
                .forPath(a.clusterPath().ring(), RingCodec.encode(Ring.of(1, 8, 2, List.of("a", "b"), table)));
        await().atMost(WAIT)
                .until(() -> b.router().table().ringEpoch() == 1 && b.members().size() == 2);
        await().atMost(WAIT).until(() -> b.router().route("k").id().equals("a"));

        healthy.set(false);
        await().atMost(WAIT).until(() -> stateOf(b, "a") == MemberState.DOWN);
        await().atMost(WAIT).until(() -> b.router().route("k").id().equals("b"));
        assertThat(a.roles().current().primary().isEmpty()).isTrue();

        healthy.set(true);
        await().atMost(WAIT).until(() -> stateOf(b, "a") == MemberState.UP);
        await().atMost(WAIT).until(() -> b.router().route("k").id().equals("a"));
    }

    @Test
    void aThrowingCheck_countsAsUnhealthy_andOtherStatesAreLeftAlone() throws Exception {
        AtomicBoolean failing = new AtomicBoolean(true);
        Agent a = fixture.start(fixture.member("a", 7001)
                .initialState(MemberState.JOINING)
                .healthCheck(
                        () -> {
                            if (failing.get()) {
                                throw new IllegalStateException("disk full");
                            }
                            return true;
                        },
                        Duration.ofMillis(20),
                        1));
        Agent observer = fixture.observer();
        await().atMost(WAIT).until(() -> stateOf(observer, "a") == MemberState.JOINING);
        a.ready();
        await().atMost(WAIT).until(() -> stateOf(observer, "a") == MemberState.DOWN);
        failing.set(false);
        await().atMost(WAIT).until(() -> stateOf(observer, "a") == MemberState.UP);
    }

    @Test
    void badSettings_areRefused() {
        assertThatThrownBy(() -> Agent.builder().healthCheck(() -> true, Duration.ofMillis(1), 1))
                .hasMessage("health check interval must be between PT0.01S and PT10M, was PT0.001S");
        assertThatThrownBy(() -> Agent.builder().healthCheck(() -> true, Duration.ofSeconds(1), 0))
                .hasMessage("failuresBeforeDown must be >= 1, was 0");
        assertThatThrownBy(() -> Agent.builder()
                        .insecure()
                        .connectString("h:1")
                        .cluster("c")
                        .observer()
                        .healthCheck(() -> true, Duration.ofSeconds(1), 1)
                        .build())
                .hasMessageContaining("an observer has no health to check");
    }
}
