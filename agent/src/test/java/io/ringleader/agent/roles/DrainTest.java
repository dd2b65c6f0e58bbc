package io.ringleader.agent.roles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DrainTest extends ZooKeeperTestBase {
    private static final int SLOTS = 32;

    private static void writeRing(Agent writer, List<String> ids) throws Exception {
        int n = ids.size();
        int[] table = new int[SLOTS * 2];
        for (int s = 0; s < SLOTS; s++) {
            table[2 * s] = s % n;
            table[2 * s + 1] = n > 1 ? (s + 1) % n : Ring.NONE;
        }
        writer.curator()
                .create()
                .creatingParentsIfNeeded()
                .forPath(writer.clusterPath().ring(), RingCodec.encode(Ring.of(1, SLOTS, 2, ids, table)));
    }

    @Test
    void drain_movesEveryPrimaryRoleToTheNextReplica_andWaitsForRequestsInFlight() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        Agent b = fixture.start(fixture.member("b", 7002));
        await().atMost(WAIT).until(() -> a.members().size() == 2);
        writeRing(a, List.of("a", "b"));
        await().atMost(WAIT)
                .until(() -> a.roles().current().primary().size() == SLOTS / 2
                        && b.roles().current().primary().size() == SLOTS / 2);
        AtomicInteger inFlight = new AtomicInteger(1);

        CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> {
            try {
                a.drain(WAIT, inFlight::get);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        await().atMost(WAIT)
                .until(() -> b.roles().current().primary().size() == SLOTS
                        && a.roles().current().primary().isEmpty());
        assertThat(drained).as("a request is still in flight").isNotDone();
        inFlight.set(0);
        drained.get(30, TimeUnit.SECONDS);

        assertThat(a.router().route("any-key").id()).isEqualTo("b");
        assertThat(b.members().member("a").orElseThrow().state()).isEqualTo(MemberState.DRAINING);
        assertThat(a.roles().current().backup().size()).as("still a backup").isEqualTo(SLOTS);

        a.setState(MemberState.UP);
        await().atMost(WAIT).until(() -> a.roles().current().primary().size() == SLOTS / 2);
    }

    @Test
    void drainingTheLastReplica_timesOut_ratherThanLeaveSlotsWithoutPrimary() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        writeRing(a, List.of("a"));
        await().atMost(WAIT).until(() -> a.roles().current().primary().size() == SLOTS);

        assertThatThrownBy(() -> a.drain(Duration.ofMillis(500), () -> 0))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("still primary of 0 slots, 32 of its slots without another UP replica");
    }
}
