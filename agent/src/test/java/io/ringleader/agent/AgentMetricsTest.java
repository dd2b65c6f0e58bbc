package io.ringleader.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.CallKind;
import io.ringleader.agent.routing.CallPolicy;
import io.ringleader.agent.routing.Caller;
import io.ringleader.agent.routing.NoRouteException;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The agent's Micrometer meters, read from a registry the test hands it. */
class AgentMetricsTest extends ZooKeeperTestBase {
    private static final int SLOTS = 32;

    private final MeterRegistry registry = new SimpleMeterRegistry();

    /** Slot s: primary ids[s % n], backup ids[(s + 1) % n] (if replication is 2). */
    private static Ring ring(long epoch, int replication, List<String> ids) {
        int n = ids.size();
        int[] table = new int[SLOTS * replication];
        for (int s = 0; s < SLOTS; s++) {
            table[replication * s] = s % n;
            if (replication == 2) {
                table[2 * s + 1] = (s + 1) % n;
            }
        }
        return Ring.of(epoch, SLOTS, replication, ids, table);
    }

    private double gauge(String name, String member, String... tags) {
        Gauge g = registry.find(name).tag("member", member).tags(tags).gauge();
        assertThat(g).as("gauge %s of %s %s", name, member, List.of(tags)).isNotNull();
        return g.value();
    }

    private double count(String name, String member, String... tags) {
        var c = registry.find(name).tag("member", member).tags(tags).counter();
        assertThat(c).as("counter %s of %s %s", name, member, List.of(tags)).isNotNull();
        return c.count();
    }

    @Test
    void gauges_followConnectionMembersRingAndRoles_andATakeoverIsTimed() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001).meterRegistry(registry));
        Agent b = fixture.start(fixture.member("b", 7002).meterRegistry(registry));
        await().atMost(WAIT).until(() -> a.members().size() == 2);
        writeRing(a, ring(1, 2, List.of("a", "b")));

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(gauge("ringleader.zk.connection", "a", "state", "connected"))
                    .isEqualTo(1);
            assertThat(gauge("ringleader.zk.connection", "a", "state", "suspended"))
                    .isZero();
            assertThat(gauge("ringleader.members", "a", "state", "UP")).isEqualTo(2);
            assertThat(gauge("ringleader.members", "a", "state", "DRAINING")).isZero();
            assertThat(gauge("ringleader.ring.epoch", "a")).isEqualTo(1);
            assertThat(gauge("ringleader.ring.healthy", "a")).isEqualTo(1);
            assertThat(gauge("ringleader.ring.slots.without.primary", "a")).isZero();
            assertThat(gauge("ringleader.roles.primary.slots", "a")).isEqualTo(SLOTS / 2);
            assertThat(gauge("ringleader.roles.backup.slots", "a")).isEqualTo(SLOTS / 2);
        });
        Timer takeovers =
                registry.find("ringleader.takeover.duration").tag("member", "a").timer();
        assertThat(takeovers).isNotNull();
        assertThat(takeovers.count()).isZero();

        b.close();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(gauge("ringleader.roles.primary.slots", "a")).isEqualTo(SLOTS);
            assertThat(gauge("ringleader.members", "a", "state", "UP")).isEqualTo(1);
            assertThat(takeovers.count()).as("a took over b's primaries once").isEqualTo(1);
        });
        assertThat(registry.find("ringleader.members").tag("member", "b").meters())
                .as("a closed agent's meters are removed")
                .isEmpty();

        // A ring that names an absent member as the only replica of half the slots.
        writeRing(a, ring(2, 1, List.of("a", "gone")));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(gauge("ringleader.ring.epoch", "a")).isEqualTo(2);
            assertThat(gauge("ringleader.ring.slots.without.primary", "a")).isEqualTo(SLOTS / 2);
        });
    }

    @Test
    void callMeters_countOutcomesAttemptsAndRetries() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001).meterRegistry(registry));
        writeRing(a, ring(1, 1, List.of("a", "gone")));
        await().atMost(WAIT).until(() -> a.router().status().ringEpoch() == 1);
        String served = key(a, "a");
        String orphaned = key(a, "gone");
        CallPolicy policy = CallPolicy.builder()
                .maxAttempts(2)
                .backoff(Duration.ZERO, Duration.ZERO)
                .build();
        AtomicInteger tries = new AtomicInteger();

        try (Caller caller = a.caller(policy)) {
            String answer = caller.call(served, CallKind.READ, (member, epoch) -> {
                if (tries.incrementAndGet() == 1) {
                    throw new IOException("first attempt fails");
                }
                return member.id();
            });
            assertThat(answer).isEqualTo("a");
            assertThatThrownBy(() -> caller.call(served, CallKind.WRITE, (member, epoch) -> {
                        throw new IOException("always fails");
                    }))
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> caller.call(orphaned, CallKind.WRITE, (member, epoch) -> "never sent"))
                    .isInstanceOf(NoRouteException.class);
        }

        assertThat(count("ringleader.calls", "a", "outcome", "success")).isEqualTo(1);
        assertThat(count("ringleader.calls", "a", "outcome", "error")).isEqualTo(1);
        assertThat(count("ringleader.calls", "a", "outcome", "no_route")).isEqualTo(1);
        assertThat(count("ringleader.call.attempts", "a")).isEqualTo(4);
        assertThat(count("ringleader.call.retries", "a")).isEqualTo(2);
    }

    @Test
    void connectionGauge_showsSuspendedWhileZooKeeperIsDown_andNoPrimaryRoleMeanwhile() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001).meterRegistry(registry));
        writeRing(a, ring(1, 1, List.of("a")));
        await().atMost(WAIT).until(() -> gauge("ringleader.roles.primary.slots", "a") == SLOTS);

        server.stop();
        try {
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(gauge("ringleader.zk.connection", "a", "state", "suspended"))
                        .isEqualTo(1);
                assertThat(gauge("ringleader.zk.connection", "a", "state", "connected"))
                        .isZero();
                assertThat(gauge("ringleader.roles.primary.slots", "a")).isZero();
            });
        } finally {
            server.restart();
        }

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(gauge("ringleader.zk.connection", "a", "state", "connected"))
                    .isEqualTo(1);
            assertThat(gauge("ringleader.zk.connection", "a", "state", "suspended"))
                    .isZero();
            assertThat(gauge("ringleader.roles.primary.slots", "a")).isEqualTo(SLOTS);
        });
    }

    @Test
    void withoutARegistry_theAgentRegistersNothingAnywhere() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        writeRing(a, ring(1, 1, List.of("a")));
        await().atMost(WAIT).until(() -> a.roles().current().primary().size() == SLOTS);

        assertThat(io.micrometer.core.instrument.Metrics.globalRegistry.getMeters())
                .as("nothing in Micrometer's global registry")
                .isEmpty();
    }

    /** A key whose slot's first replica is {@code id}. */
    private static String key(Agent agent, String id) {
        Ring ring = agent.router().table().ring().orElseThrow();
        int want = ring.indexOf(id);
        for (int i = 0; ; i++) {
            String key = "key-" + i;
            if (ring.replicaIndex(agent.router().table().slotOf(key), 0) == want) {
                return key;
            }
        }
    }
}
