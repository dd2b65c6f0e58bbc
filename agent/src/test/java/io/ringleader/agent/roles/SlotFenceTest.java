package io.ringleader.agent.roles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.roles.SlotFence.Verdict;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlotFenceTest extends ZooKeeperTestBase {
    private static final int SLOTS = 8;

    /** Every slot lists a, b, c in that order. */
    private static Ring abc() {
        int[] table = new int[SLOTS * 3];
        for (int s = 0; s < SLOTS; s++) {
            table[s * 3] = 0;
            table[s * 3 + 1] = 1;
            table[s * 3 + 2] = 2;
        }
        return Ring.of(1, SLOTS, 3, List.of("a", "b", "c"), table);
    }

    private static void awaitPrimary(Agent agent, int slots) {
        await().atMost(WAIT)
                .until(() -> agent.roles().current().active()
                        && agent.roles().current().primary().size() == slots);
    }

    @Test
    void aDeposedPrimarysMessages_areRefused_andItsSuccessorsAdmitted_afterCatchingUp() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        Agent b = fixture.start(fixture.member("b", 7002));
        Agent c = fixture.start(fixture.member("c", 7003));
        writeRing(a, abc());
        awaitPrimary(a, SLOTS);
        long epochA = a.roles().current().epoch();
        SlotFence atC = SlotFence.of(c.roles(), c.router(), SLOTS, WAIT);

        assertThat(atC.admit(0, epochA, "a")).isEqualTo(Verdict.ADMITTED);
        assertThat(atC.admit(0, epochA, "b")).as("b is a backup").isEqualTo(Verdict.NOT_PRIMARY);
        assertThat(atC.newest(0)).isEqualTo(epochA);

        a.close();
        awaitPrimary(b, SLOTS);
        long epochB = b.roles().current().epoch();
        assertThat(epochB).isGreaterThan(epochA);
        SlotFence atB = SlotFence.of(b.roles(), b.router(), SLOTS, WAIT);
        assertThat(atB.admitOwn(0, epochB)).isTrue();
        assertThat(atB.admit(0, epochA, "a")).as("at the new primary").isEqualTo(Verdict.NOT_PRIMARY);

        // sent as soon as b is primary: c catches up to b's epoch if its view is older, then admits
        assertThat(atC.admit(0, epochB, "b")).isEqualTo(Verdict.ADMITTED);
        assertThat(c.roles().current().epoch()).isGreaterThanOrEqualTo(epochB);
        assertThat(atC.admit(0, epochA, "a")).as("the deposed primary").isEqualTo(Verdict.NOT_PRIMARY);
        assertThat(atC.admit(0, epochA, "b"))
                .as("the primary's own message from before its term")
                .isEqualTo(Verdict.STALE_EPOCH);
        assertThat(atC.admit(1, epochA, "b"))
                .as("another slot keeps its own newest epoch")
                .isEqualTo(Verdict.ADMITTED);
        assertThat(atC.newest(0)).isEqualTo(epochB);
    }

    @Test
    void aMessageFromBeyondEveryZxid_isBehind_notJudgedByAnOlderView() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        writeRing(a, abc());
        awaitPrimary(a, SLOTS);
        SlotFence fence = SlotFence.of(a.roles(), a.router(), SLOTS, Duration.ofMillis(200));

        assertThat(fence.admit(0, Long.MAX_VALUE / 2, "a")).isEqualTo(Verdict.BEHIND);
        assertThat(fence.newest(0)).isZero();
        assertThatThrownBy(() -> SlotFence.of(a.roles(), a.router(), 0, WAIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slotCount");
        assertThatThrownBy(() -> SlotFence.of(a.roles(), a.router(), SLOTS, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("catchUpWait");
    }
}
