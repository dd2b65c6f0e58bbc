package io.ringleader.agent.vip;

import static io.ringleader.agent.vip.VipCluster.transitions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import io.ringleader.agent.vip.VipCluster.Change;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtualEndpointTest extends ZooKeeperTestBase {
    private static final String NAME = "orders-db";

    @AfterEach
    void closeAgents() {
        // Also checks that no endpoint thread outlives its agent.
        fixture.close();
    }

    private static Optional<String> resolvedId(VirtualEndpoint endpoint) {
        return endpoint.resolve().map(Member::id);
    }

    @Test
    void resolveFollowsThePrimary_andTheListenerIsToldOncePerChange_withALargerEpoch() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        Agent b = fixture.start(fixture.member("b", 7002));
        Agent c = fixture.start(fixture.member("c", 7003));
        Agent client = fixture.observer();
        VirtualEndpoint endpoint = client.virtualEndpoint(NAME);
        List<Change> changes = new CopyOnWriteArrayList<>();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        endpoint.listenable().addListener((old, now, epoch) -> {
            changes.add(Change.of(old, now, epoch));
            threads.add(Thread.currentThread());
        });
        assertThat(endpoint.resolve()).as("no ring yet").isEmpty();
        endpoint.start();
        await().atMost(WAIT).until(() -> client.members().size() == 3);

        VipCluster.writeRing(a, VipCluster.sameOrder(1, List.of("a", "b", "c")));

        await().atMost(WAIT).until(() -> resolvedId(endpoint).equals(Optional.of("a")));
        await().atMost(WAIT).until(() -> changes.size() == 1);
        assertThat(changes.get(0).oldId()).isNull();
        assertThat(changes.get(0).newId()).isEqualTo("a");
        assertThat(endpoint.resolve().orElseThrow().endpoint().port()).isEqualTo(7001);
        assertThat(endpoint.slot()).hasValue(client.router().slotOf(NAME));
        assertThat(endpoint.name()).isEqualTo(NAME);

        a.close();

        await().atMost(WAIT).until(() -> resolvedId(endpoint).equals(Optional.of("b")));
        await().atMost(WAIT).until(() -> changes.size() == 2);
        assertThat(changes.get(1).oldId()).isEqualTo("a");
        assertThat(changes.get(1).newId()).isEqualTo("b");
        assertThat(changes.get(1).epoch()).isGreaterThan(changes.get(0).epoch());

        // New tables that keep the master (a backup's new attributes, a newcomer) tell nobody.
        c.setAttributes(Map.of("zone-note", "rack-7"));
        fixture.start(fixture.member("d", 7004));
        await().atMost(WAIT)
                .until(() -> client.members().size() == 3
                        && client.members()
                                .member("c")
                                .map(m -> !m.attributes().isEmpty())
                                .orElse(false));
        b.close();
        await().atMost(WAIT).until(() -> resolvedId(endpoint).equals(Optional.of("c")));
        c.close();
        await().atMost(WAIT).until(() -> endpoint.resolve().isEmpty());
        await().atMost(WAIT).until(() -> changes.size() == 4);

        assertThat(transitions(changes)).containsExactly("null->a", "a->b", "b->c", "c->null");
        assertThat(changes).extracting(Change::epoch).isSorted().doesNotHaveDuplicates();
        assertThat(threads).allMatch(t -> t.getName().equals("ringleader-agent-" + client.memberId() + "-vip-" + NAME));
    }

    @Test
    void aSwitchoverActionRunsExactlyOncePerTakeover_evenWhenAnotherActionFails() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7011));
        Agent b = fixture.start(fixture.member("b", 7012));
        Agent c = fixture.start(fixture.member("c", 7013));
        await().atMost(WAIT).until(() -> c.members().size() == 3);
        // The endpoint of a member that is itself a candidate: it runs the actions for others' takeovers too.
        VirtualEndpoint endpoint = c.virtualEndpoint(NAME);
        AtomicInteger failing = new AtomicInteger();
        List<Change> runs = new CopyOnWriteArrayList<>();
        List<Change> told = new CopyOnWriteArrayList<>();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        endpoint.listenable().addListener((old, now, epoch) -> told.add(Change.of(old, now, epoch)));
        endpoint.addSwitchoverAction((old, now, epoch) -> {
            failing.incrementAndGet();
            throw new IllegalStateException("move-ip: device busy");
        });
        endpoint.addSwitchoverAction((old, now, epoch) -> {
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            runs.add(Change.of(old, now, epoch));
            concurrent.decrementAndGet();
        });
        endpoint.start();

        VipCluster.writeRing(a, VipCluster.sameOrder(1, List.of("a", "b", "c")));
        await().atMost(WAIT).until(() -> runs.size() == 1);
        a.close(); // first takeover: a -> b
        await().atMost(WAIT).until(() -> runs.size() == 2);
        b.close(); // second takeover: b -> c
        await().atMost(WAIT).until(() -> runs.size() == 3);

        // Held for a while: no repeat of a run, no retry of the failed action.
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> runs.size() == 3 && failing.get() == 3);
        assertThat(transitions(runs)).containsExactly("null->a", "a->b", "b->c");
        assertThat(runs).isEqualTo(told);
        assertThat(maxConcurrent.get()).isEqualTo(1);
        assertThat(resolvedId(endpoint)).contains("c");
    }

    @Test
    void anEndpointCannotBeStartedTwice_orMadeByAClosedAgent() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7021));
        VirtualEndpoint endpoint = a.virtualEndpoint(NAME);
        endpoint.start();
        assertThatThrownBy(endpoint::start).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> a.virtualEndpoint(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VirtualEndpoint.builder(a.router(), NAME).slot(-1))
                .hasMessageContaining("-1");
        a.close();
        assertThatThrownBy(() -> a.virtualEndpoint(NAME)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> endpoint.addSwitchoverAction((o, n, e) -> {}))
                .isInstanceOf(IllegalStateException.class);
    }
}
